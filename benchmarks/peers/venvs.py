"""The peers' own venvs, created from PyPI under the benchmark's cache directory.

``ensure_venv(name, cache)`` gives ``<cache>/peer-<name>/bin/python``: created with
``python -m venv`` and ``pip install`` of ``PEER_REQUIREMENTS[name]`` when missing, and created
again when the requirements changed (they are recorded in the venv once the install worked).
The engine is pinned; its dependencies are what pip resolves (each worker reports the pandas
and numpy it ran with).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PEER_REQUIREMENTS = {
    "zipline": ("zipline-reloaded==3.2.1",),
    "backtrader": ("backtrader==1.9.78.123", "pandas"),
}
RECORD = "peer-requirements.txt"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(name: str, cache: Path) -> Path:
    """The python of the ``name`` venv, created (minutes, the first time) if needed."""
    requirements = PEER_REQUIREMENTS[name]
    venv = cache / f"peer-{name}"
    record = venv / RECORD
    wanted = "\n".join(requirements) + "\n"
    python = venv_python(venv)
    if python.is_file() and record.is_file() and record.read_text() == wanted:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    log = cache / f"peer-{name}-install.log"
    cache.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        for cmd in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", *requirements],
        ):
            if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode:
                raise RuntimeError(f"`{' '.join(cmd)}` failed; see {log}")
    record.write_text(wanted)
    return python
