from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "src" / "talentvisa" / "programs"
EXAMPLES = ROOT / "examples"


def program_file(program_id: str) -> Path:
    """A built-in program's file, in its country's folder."""
    (path,) = PROGRAMS.glob(f"*/{program_id}.yaml")
    return path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `talentvisa` command in a subprocess, as a user would."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("TALENTVISA_SETTINGS", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "talentvisa"), *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


@pytest.fixture
def cli():
    return run_cli
