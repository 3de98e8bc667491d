"""CKV_MLOPS_1: no AWS-managed `*FullAccess` policy is attached to a role, user or group.

HCL and plan JSON alike (a literal ARN, or one checkov resolves from a variable default). An ARN that stays
an unresolved reference in HCL cannot be judged there; plan JSON always has it.
"""

import re

from mlops_policy_utils import as_list

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

FULL_ACCESS = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(.+/)?[^/]*FullAccess[^/]*$")
ARN_ATTRIBUTES = {
    "aws_iam_role_policy_attachment": "policy_arn",
    "aws_iam_user_policy_attachment": "policy_arn",
    "aws_iam_group_policy_attachment": "policy_arn",
    "aws_iam_policy_attachment": "policy_arn",
    "aws_iam_role": "managed_policy_arns",
    "aws_iam_role_policy_attachments_exclusive": "policy_arns",
}


class NoAwsManagedFullAccess(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure no AWS-managed *FullAccess policy is attached",
            id="CKV_MLOPS_1",
            categories=(CheckCategories.IAM,),
            supported_resources=tuple(ARN_ATTRIBUTES),
        )

    def scan_resource_conf(self, conf):
        attribute = ARN_ATTRIBUTES[self.entity_type]
        self.evaluated_keys = [attribute]
        arns = [str(a) for a in as_list(conf.get(attribute))]
        if any(FULL_ACCESS.match(a) for a in arns):
            return CheckResult.FAILED
        return CheckResult.PASSED


check = NoAwsManagedFullAccess()
