"""CKV_MLOPS_2: a trust policy whose principal is an AWS account (bare ID, `:root`, or `*`) must narrow it
with an `aws:PrincipalArn` condition (ArnEquals/ArnLike/StringEquals/StringLike...).

Covers aws_iam_role.assume_role_policy: plan JSON always (rendered string); HCL when the policy is a literal
or jsonencode(). A reference to data.aws_iam_policy_document is UNKNOWN here and checked by CKV_MLOPS_5.
"""

from mlops_policy_utils import (
    ACCOUNT_PRINCIPAL,
    UNRESOLVED,
    condition_keys,
    json_trust_statements,
    parse_document,
    principals,
)

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def account_trust_ok(trust_statements: list[dict]) -> bool:
    for st in trust_statements:
        on_account = any(ACCOUNT_PRINCIPAL.match(p) for p in principals(st, "AWS"))
        if on_account and "aws:principalarn" not in condition_keys(st):
            return False
    return True


class TrustAccountPrincipalArn(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure a trust policy on an account principal is narrowed by aws:PrincipalArn",
            id="CKV_MLOPS_2",
            categories=(CheckCategories.IAM,),
            supported_resources=("aws_iam_role",),
        )

    def scan_resource_conf(self, conf):
        self.evaluated_keys = ["assume_role_policy"]
        doc = parse_document(conf.get("assume_role_policy"))
        if doc is UNRESOLVED:
            return CheckResult.UNKNOWN
        if doc is None:
            return CheckResult.PASSED
        return CheckResult.PASSED if account_trust_ok(json_trust_statements(doc)) else CheckResult.FAILED


check = TrustAccountPrincipalArn()
