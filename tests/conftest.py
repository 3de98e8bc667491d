"""Shared by every test folder: the plan harness, the embedded emulator, the three envs applied,
and how tests are grouped and selected.

Every test that uses the emulator (fixture `aws`, hence `applied` and `artifacts`) is marked `emulator` and
xdist_group("emulator") (under xdist, one worker runs them on one emulator). Those that need the three envs
applied (fixture `applied`) are also marked `applied`: the longest chain of the suite (the applies alone take
~2.5 min, mostly the provider's waits). `make test` runs the `applied` tests in one process, started first,
the other emulator tests in a second one, and the rest on pytest-xdist beside them: the envs are applied
once, for the rehearsal and the access proof alike, and the embedded emulator never shares a process (and
moto's backends) with the Lambda tests' `mock_aws`.

`--tf-target=modules/<m>` (or just `<m>`; `envs/<e>` for an env) keeps only the tests marked `target(...)`
with that module or env: its inventories, rules and checks, and any test file kept in its case directory.
Write it with "=": pytest finds this conftest from the path arguments before it knows the option, so a
separate value that is a directory (envs/shared) would be taken for a path.
"""

import gc
import logging
import os
import shutil
import uuid
from pathlib import Path

import pytest

import inventory
import tfplan
from inventory import case_dir, target_path, targets

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


EMULATOR_FIXTURES = {"aws"}


def pytest_addoption(parser):
    parser.addoption(
        "--tf-target",
        default=None,
        help="run only the tests about one module (modules/<m> or <m>) or env (envs/<e>)",
    )


def pytest_configure(config):
    # Python's cyclic garbage collector, by default a young collection every 700 net allocations, ran about
    # 2,000 times in each xdist worker of `make test-fast` (about 6 s of its CPU) over the many objects moto,
    # botocore and the plans keep alive. Every 50,000: a fifth of that time, the same peak memory (278 MB).
    gc.set_threshold(50_000, 10, 10)
    # The controller (or a run without xdist) names the session; xdist workers inherit the environment, so all
    # of them share one plan cache (tests/tfplan.py).
    if not hasattr(config, "workerinput"):
        os.environ[tfplan.RUN_ENV] = uuid.uuid4().hex[:8]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and not config.option.collectonly:
        tfplan.cleanup_run()
    # The last thing this process does: Python's exit ran the cyclic garbage collector over every object the
    # session left (moto's and botocore's state, the plans read), about 1.4 s per xdist worker that the
    # controller waited for. Frozen objects are skipped by it (https://docs.python.org/3/library/gc.html#gc.freeze);
    # they are still freed by reference counting, and the process's memory goes back to the OS at its exit.
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    # A test file kept among a module's cases (inventory.case_dir) is about that module.
    owners = {case_dir(kind, target): target_path(kind, target) for kind, target in targets()}
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if EMULATOR_FIXTURES & fixtures:
            item.add_marker(pytest.mark.emulator)
            item.add_marker(pytest.mark.xdist_group("emulator"))
        if "applied" in fixtures:
            item.add_marker(pytest.mark.applied)
        parents = set(item.path.parents)  # once per item: `in path.parents` builds every parent each time
        for directory, target in owners.items():
            if directory in parents:
                item.add_marker(pytest.mark.target(target))
    wanted = config.getoption("--tf-target")
    if wanted:
        wanted = wanted if "/" in wanted else f"modules/{wanted}"
        keep = [i for i in items if any(m.args == (wanted,) for m in i.iter_markers("target"))]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def pytest_collection_finish(session):
    # After every selection (-m, -k, --tf-target): the modules and envs this session tests, whose plans and
    # validation cases run together (inventory.SESSION_TARGETS). Each xdist worker collects the same items, so
    # all of them agree.
    inventory.SESSION_TARGETS = {m.args[0] for i in session.items for m in i.iter_markers("target")}


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
