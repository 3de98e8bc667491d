"""Every tests/{modules,envs}/*/<case>.yaml inventory matches the plan of its <case>.tfvars."""

import pytest
import yaml

from inventory import collect, inventory_errors

CASES = collect()


@pytest.mark.plan
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_inventory(case):
    inventory = yaml.safe_load(case.yaml.read_text()) or {}
    errors = inventory_errors(inventory, case.plan())
    hint = f"\nIf the change is intended, regenerate: .venv/bin/python tests/regen_inventory.py {case.yaml}"
    assert not errors, "\n".join(errors) + hint
