"""Shared by every test folder: the plan harness on sys.path, the embedded emulator, the three envs applied.

The emulator fixtures are session-scoped: with pytest-xdist each worker has its own session, so every test
that uses them is marked `xdist_group("emulator")` and `make test` runs with `--dist loadgroup`: one worker
starts one emulator and applies once, for the rehearsal's end-to-end tests and the access proof alike.
"""

import logging
import os
import shutil
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# tests/ holds the plan harness (tfplan, inventory); pipeline/ holds the rehearsal package.
for path in (TESTS, ROOT / "pipeline"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture(scope="session")
def aws():
    from rehearsal.emulator import Emulator

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def applied(aws):
    """The three envs applied into the session's emulator, once per worker:
    {"states": {env: terraform show -json}, "workspace": ...}. Its own workspace (build/rehearsal/test-<pid>)
    keeps a demo or another test run apart."""
    from rehearsal import apply as tf

    tf.build_deployer_package()
    workspace = tf.Workspace(name=f"test-{os.getpid()}")
    try:
        yield {"states": tf.apply_all(aws, workspace), "workspace": workspace}
    finally:
        shutil.rmtree(workspace.dir, ignore_errors=True)
