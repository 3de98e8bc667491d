"""CKV_MLOPS_3: a trust policy statement for a service principal (`*.amazonaws.com`) must carry an
`aws:SourceAccount` or `aws:SourceArn` condition (confused-deputy protection).

Covers aws_iam_role.assume_role_policy: plan JSON always; HCL when literal or jsonencode(). A reference to
data.aws_iam_policy_document is UNKNOWN here and checked by CKV_MLOPS_6.
"""

from mlops_policy_utils import UNRESOLVED, condition_keys, json_trust_statements, parse_document, principals

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def service_trust_ok(trust_statements: list[dict]) -> bool:
    for st in trust_statements:
        if principals(st, "Service") and not (condition_keys(st) & {"aws:sourceaccount", "aws:sourcearn"}):
            return False
    return True


class TrustServiceSourceCondition(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure a service-principal trust carries aws:SourceAccount or aws:SourceArn",
            id="CKV_MLOPS_3",
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
        return CheckResult.PASSED if service_trust_ok(json_trust_statements(doc)) else CheckResult.FAILED


check = TrustServiceSourceCondition()
