"""Plan assertions on modules/prod-deployer comparing decoded policies (the inventories compare strings)."""

import json
from pathlib import Path

import pytest

import tfplan

CASE = Path(__file__).with_name("serverless.tfvars")


@pytest.mark.plan
def test_deployer_role_trusts_lambda_with_only_the_keys_lambda_sends():
    resources = tfplan.all_resources(tfplan.plan_module("prod-deployer", "trust", CASE))
    trust = json.loads(resources["aws_iam_role.deployer"]["values"]["assume_role_policy"])
    # aws:SourceAccount only: Lambda documents aws:SourceArn for the function's resource policy, not for the
    # assumption of its execution role, and a key the service does not send makes CreateFunction fail.
    assert trust == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaService",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "333333333333"}},
            }
        ],
    }
