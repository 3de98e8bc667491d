"""Plan assertions on modules/prod-deployer comparing decoded policies (the inventories compare strings)."""

import json

import pytest

import tfplan
from inventory import collect


@pytest.mark.plan
def test_deployer_role_trusts_lambda_with_only_the_keys_lambda_sends():
    # The inventory case's own plan (the harness plans each case once per session).
    case = next(c for c in collect() if c.id == "module:prod-deployer:serverless")
    resources = tfplan.all_resources(case.plan())
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
