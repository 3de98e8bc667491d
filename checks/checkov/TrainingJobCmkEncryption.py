"""CKV_MLOPS_4: every SageMaker createTrainingJob task of a Step Functions state machine sets
OutputDataConfig.KmsKeyId and ResourceConfig.VolumeKmsKeyId (static or `.$` path), so the model artifact and
the training volume are encrypted with the CMK (without KmsKeyId the model is encrypted with the training
account's AWS-managed key and production cannot read it).

Covers aws_sfn_state_machine.definition: plan JSON always; HCL when the definition is a literal or
jsonencode() checkov resolves (templatefile() stays UNKNOWN there). Parallel branches, Map
Iterator/ItemProcessor states, JSONPath `Parameters` and JSONata `Arguments` are walked.
"""

from mlops_policy_utils import UNRESOLVED, parse_document

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

TRAINING_TASK = ":::sagemaker:createTrainingJob"


def _states(machine: dict):
    for state in (machine.get("States") or {}).values():
        if not isinstance(state, dict):
            continue
        yield state
        for branch in state.get("Branches") or []:
            if isinstance(branch, dict):
                yield from _states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                yield from _states(state[key])


def _has(block, key: str) -> bool:
    if not isinstance(block, dict):
        return False
    return any(block.get(k) not in (None, "") for k in (key, f"{key}.$"))


def training_tasks_ok(machine: dict) -> tuple[bool, int]:
    tasks = [
        s for s in _states(machine) if s.get("Type") == "Task" and TRAINING_TASK in str(s.get("Resource", ""))
    ]
    for task in tasks:
        params = task.get("Parameters") or task.get("Arguments") or {}
        if not isinstance(params, dict):
            return False, len(tasks)  # a JSONata string: cannot prove it
        if not _has(params.get("OutputDataConfig"), "KmsKeyId"):
            return False, len(tasks)
        if not _has(params.get("ResourceConfig"), "VolumeKmsKeyId"):
            return False, len(tasks)
    return True, len(tasks)


class TrainingJobCmkEncryption(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure SageMaker training tasks encrypt output and volume with a CMK",
            id="CKV_MLOPS_4",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=("aws_sfn_state_machine",),
        )

    def scan_resource_conf(self, conf):
        self.evaluated_keys = ["definition"]
        machine = parse_document(conf.get("definition"))
        if machine is UNRESOLVED:
            return CheckResult.UNKNOWN
        if machine is None:
            return CheckResult.PASSED
        ok, _ = training_tasks_ok(machine)
        return CheckResult.PASSED if ok else CheckResult.FAILED


check = TrainingJobCmkEncryption()
