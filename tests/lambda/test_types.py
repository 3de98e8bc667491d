"""The deployer passes `mypy --strict` against the boto3 stubs (configuration: [tool.mypy] in pyproject.toml),
and the stubs really are in use: a call with a wrong parameter name fails the same check. Runs in `make test`
and `make test-fast` (no plan, no emulator)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mypy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True)


def test_deployer_is_strictly_typed():
    result = mypy()  # files, strictness and stub paths from pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_the_boto3_stubs_check_calls(tmp_path):
    wrong = tmp_path / "wrong_call.py"
    wrong.write_text(
        "from mypy_boto3_sagemaker import SageMakerClient\n\n\n"
        "def describe(sm: SageMakerClient) -> None:\n"
        '    sm.describe_endpoint(Name="x")  # the parameter is EndpointName\n'
    )
    # A cache of its own: the other test may be writing the project's at the same time (pytest-xdist).
    result = mypy("--cache-dir", str(tmp_path / "mypy-cache"), str(wrong))
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Unexpected keyword argument "Name" for "describe_endpoint"' in result.stdout
