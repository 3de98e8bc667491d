"""The deployer passes `mypy --strict` against the boto3 stubs (configuration: [tool.mypy] in pyproject.toml),
and the stubs really are in use: a call with a wrong parameter name, checked in the same mypy run, fails. One
run for both, because most of a cold run is reading the stubs. Runs in `make test` and `make test-fast` (no
plan, no emulator)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOYER = ROOT / "lambda" / "prod_deployer"


# Both tests read one run, on one xdist worker: two runs at once would both write the project's mypy cache.
pytestmark = pytest.mark.xdist_group("mypy")


@pytest.fixture(scope="module")
def checked() -> tuple[subprocess.CompletedProcess, Path]:
    # At a fixed path (under build/, with the mypy cache): mypy's cache remembers a module's path, and would
    # report the errors of an unchanged wrong_call module under the path of an earlier run.
    wrong = Path("build") / "mypy-stubs-check" / "wrong_call.py"  # mypy names files as given, from ROOT
    (ROOT / wrong).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / wrong).write_text(
        "from mypy_boto3_sagemaker import SageMakerClient\n\n\n"
        "def describe(sm: SageMakerClient) -> None:\n"
        '    sm.describe_endpoint(Name="x")  # the parameter is EndpointName\n'
    )
    # Strictness, stub paths and cache from pyproject.toml; the files named here replace its `files`.
    command = [sys.executable, "-m", "mypy", str(DEPLOYER.relative_to(ROOT)), str(wrong)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True), wrong


def test_deployer_is_strictly_typed(checked):
    result, wrong = checked
    elsewhere = [line for line in result.stdout.splitlines() if ": error:" in line and str(wrong) not in line]
    assert not elsewhere, result.stdout + result.stderr
    sources = len(list(DEPLOYER.glob("*.py"))) + 1
    assert re.search(rf"\(checked {sources} source files\)", result.stdout), result.stdout + result.stderr


def test_the_boto3_stubs_check_calls(checked):
    result, wrong = checked
    assert result.returncode == 1, result.stdout + result.stderr
    assert f'{wrong}:5: error: Unexpected keyword argument "Name" for "describe_endpoint"' in result.stdout
