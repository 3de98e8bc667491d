"""Every module's examples/basic (the example its README shows) is a root module that plans: with the fake
credentials of the harness, no variables, and at least one resource. The examples that configure the provider
alike share one plan (tfplan.plan_example)."""

from pathlib import Path

import pytest

import inventory
import tfplan

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.parent.name for p in (ROOT / "modules").glob("*/variables.tf"))
# The contract derives names and creates nothing (modules/contract/README.md): its example proves itself by
# outputs known at plan time instead.
WITHOUT_RESOURCES = {"contract"}


def test_every_module_has_an_example():
    missing = [m for m in MODULES if not (ROOT / "modules" / m / "examples" / "basic" / "main.tf").is_file()]
    assert not missing, f"modules without examples/basic/main.tf: {missing}"


@pytest.mark.plan
@pytest.mark.parametrize(
    "module", [pytest.param(m, marks=pytest.mark.target(f"modules/{m}"), id=m) for m in MODULES]
)
def test_example_plans(module):
    example = ROOT / "modules" / module / "examples" / "basic"
    main = (example / "main.tf").read_text()
    assert 'source = "../.."' in main, f"{example}/main.tf must call the module as ../.."
    # Planned with the other examples this session tests; raises PlanFailed with Terraform's output.
    plan = tfplan.plan_example(module, inventory.session_modules())
    managed = [r for r in tfplan.all_resources(plan).values() if r["mode"] == "managed"]
    if module in WITHOUT_RESOURCES:
        assert managed == []
        outputs = tfplan.planned_outputs(plan)
        assert outputs and all(v for v in outputs.values()), outputs
    else:
        assert managed, f"the example of {module} plans no resource"
