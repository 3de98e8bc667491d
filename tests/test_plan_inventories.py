"""Every inventory case (<case>.yaml in inventory.case_dir) matches the plan of its <case>.tfvars; every
module and env has one, and every case directory belongs to a module or env."""

import pytest
import yaml

from inventory import TESTS, case_dir, collect, inventory_errors, target_path, targets, validation_file

CASES = collect()


@pytest.mark.plan
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.target(target_path(c.kind, c.target))) for c in CASES],
    ids=[c.id for c in CASES],
)
def test_inventory(case):
    inventory = yaml.safe_load(case.yaml.read_text()) or {}
    errors = inventory_errors(inventory, case.plan())
    hint = f"\nIf the change is intended, regenerate: make regen CASE={case.yaml}"
    assert not errors, "\n".join(errors) + hint


def test_every_module_and_env_is_planned():
    # Planning a root validates it, so `terraform validate` runs only through these plans: a module or env
    # without an inventory case would be neither validated nor planned.
    planned = {(c.kind, c.target) for c in CASES}
    assert set(targets()) - planned == set(), "add an inventory case (see CONTRIBUTING.md)"


def test_every_case_file_belongs_to_a_module_or_env():
    # A case directory or validation file spelt unlike its module would silently never run.
    known = {case_dir(k, t) for k, t in targets()}
    dirs = {d for parent in ("modules", "envs") for d in (TESTS / parent).iterdir() if d.is_dir()}
    assert dirs - known == set(), f"case directories with no module or env: {sorted(map(str, dirs - known))}"
    files = set((TESTS / "validation").glob("*.yaml"))
    owned = {validation_file(k, t) for k, t in targets()}
    assert files - owned == set(), (
        f"validation files with no module or env: {sorted(map(str, files - owned))}"
    )
