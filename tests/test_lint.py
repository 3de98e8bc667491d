"""ruff lint and format are tests, not suggestions (make fmt fixes what it can)."""

import subprocess
import sys

import tfplan

RUFF = [sys.executable, "-m", "ruff"]


def test_ruff_check():
    result = subprocess.run([*RUFF, "check", "."], cwd=tfplan.REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = subprocess.run(
        [*RUFF, "format", "--check", "."], cwd=tfplan.REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
