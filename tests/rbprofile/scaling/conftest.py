"""The scaling tests import `stored_tables` (exact power laws written as a stored result)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scale" / "fixtures")]
