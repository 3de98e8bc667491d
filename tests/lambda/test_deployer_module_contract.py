"""The environment modules/prod-deployer sets is the environment the Lambda accepts.

The module's plan inventories (tests/modules/prod-deployer/*.yaml, refreshed from real plans) hold the exact
environment variables Terraform writes, e.g. ENDPOINT_CONFIG as jsonencode() of the endpoint object with its
optional attributes filled in; the deployer must load each one without a problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from deployer_testkit import ROOT

from inventory import case_dir
from prod_deployer.config import load_settings

CASES = sorted(p for p in case_dir("module", "prod-deployer").glob("*.yaml") if p.name != "validation.yaml")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_module_environment_is_valid_for_the_lambda(case: Path) -> None:
    inventory = yaml.safe_load(case.read_text())
    env = inventory["values"]["aws_lambda_function.this"]["environment"][0]["variables"]
    settings = load_settings(env)
    assert settings.endpoint.type in ("serverless", "instance")
    assert settings.endpoint_name == env["ENDPOINT_NAME"]
    if settings.endpoint.type == "instance":
        assert settings.endpoint.instance is not None
    else:
        assert settings.endpoint.serverless is not None


def test_module_handler_matches_the_package() -> None:
    for case in CASES:
        inventory = yaml.safe_load(case.read_text())
        handler = inventory["values"]["aws_lambda_function.this"]["handler"]
        module, func = handler.rsplit(".", 1)
        assert (ROOT / "lambda" / (module.replace(".", "/") + ".py")).is_file()
        assert func == "lambda_handler"
