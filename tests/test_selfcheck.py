"""aiolint's own code passes flake8 with the project's settings (aiolint included)."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_project_is_flake8_clean():
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
