"""The access matrix and the Resource "*" allowlist, evaluated on the three envs as applied (issue 5)."""

import pytest

# tfplan, not conftest: which conftest.py `conftest` names depends on what pytest collected first
from tfplan import REPO as ROOT

from .applied import all_resources, matrix_for
from .star_allowlist import check

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("emulator")]


@pytest.fixture(scope="module")
def cells(applied):
    # Kept under .tftest/ so that `python -m tests.access.report` can be pointed at them (ACCESS_PLAN_*).
    return matrix_for(applied["states"], ROOT / ".tftest" / "access-states").cells()


def test_every_cell_of_the_matrix_holds(cells):
    bad = [
        f"{c.row} / {c.principal}: evaluated {c.actual}, expected {c.expected} ({c.reason})" for c in cells
    ]
    bad = [b for b, c in zip(bad, cells, strict=True) if not c.ok]
    denied = sum(not c.expected for c in cells)
    print(f"{len(cells)} cells, {denied} denied, {len(cells) - denied} allowed, {len(bad)} mismatches")
    assert not bad, "\n".join(bad)


def test_matrix_covers_every_principal_kind(cells):
    principals = {c.principal for c in cells}
    assert {
        "pipeline",
        "callback",
        "b_action",
        "c_deployer",
        "data_writer",
        "approver",
        "key_admin",
    } <= principals
    assert {"anonymous", "b_root"} <= principals
    assert sum(not c.expected for c in cells) > sum(c.expected for c in cells)


def test_every_resource_star_is_declared(applied):
    undeclared, stale = check(all_resources(applied["states"]))
    assert not undeclared, 'Resource "*" not in tests/access/resource-star-allowlist.yaml:\n' + "\n".join(
        undeclared
    )
    assert not stale, "allowlist entries no policy uses any more:\n" + "\n".join(stale)
