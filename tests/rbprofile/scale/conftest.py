"""The scale tests import `scale_tables`, `growthprog` (fixtures/) and `hotprofiles`."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE / "fixtures"), str(HERE.parent / "fixtures")]
