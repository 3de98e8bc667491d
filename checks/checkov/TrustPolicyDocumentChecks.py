"""CKV_MLOPS_5 / CKV_MLOPS_6: CKV_MLOPS_2 / CKV_MLOPS_3 on `data "aws_iam_policy_document"` (HCL).

In HCL a role's assume_role_policy is usually `data.aws_iam_policy_document.x.json`, which checkov does not
render; the data source is checked instead. A document counts as a trust policy through its Allow statements
that grant an sts:AssumeRole* (or sts:*) action; other statements are ignored. Plan JSON does not carry these
data sources as resources: there the rendered policy on aws_iam_role is checked by CKV_MLOPS_2/3.
A `dynamic "statement"` that checkov cannot expand is not seen.
"""

from mlops_policy_utils import as_list, hcl_statement_to_json, json_trust_statements
from TrustAccountPrincipalArn import account_trust_ok
from TrustServiceSourceCondition import service_trust_ok

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck


def _trust_statements(conf) -> list[dict]:
    doc = {
        "Statement": [hcl_statement_to_json(s) for s in as_list(conf.get("statement")) if isinstance(s, dict)]
    }
    return json_trust_statements(doc)


class DocumentTrustAccountPrincipalArn(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure a trust policy document on an account principal is narrowed by aws:PrincipalArn",
            id="CKV_MLOPS_5",
            categories=(CheckCategories.IAM,),
            supported_data=("aws_iam_policy_document",),
        )

    def scan_data_conf(self, conf):
        return CheckResult.PASSED if account_trust_ok(_trust_statements(conf)) else CheckResult.FAILED


class DocumentTrustServiceSourceCondition(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure a service-principal trust document carries aws:SourceAccount or aws:SourceArn",
            id="CKV_MLOPS_6",
            categories=(CheckCategories.IAM,),
            supported_data=("aws_iam_policy_document",),
        )

    def scan_data_conf(self, conf):
        return CheckResult.PASSED if service_trust_ok(_trust_statements(conf)) else CheckResult.FAILED


check_account = DocumentTrustAccountPrincipalArn()
check_service = DocumentTrustServiceSourceCondition()
