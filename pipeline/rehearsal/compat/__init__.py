"""The compatibility layer: every change the rehearsal makes to the embedded moto server, in one package.

`install(emulator)` applies the patches in this process (moto's server runs in this process, in a thread);
`uninstall()` waits for the worker threads the patches started, then restores moto. Each patch states the
gap it closes and how to see it: its entry in the registry (`PATCHES`, server.py) has a reproduction that
makes the request showing the gap, run with the patch off and on by tests/rehearsal/test_compat_registry.py.
`Emulator(compat=False)` starts moto untouched; `Emulator(compat=["P1", ...])` with only those patches.
Rules: no patch may weaken a policy or change what the product does; where the emulator cannot evaluate a
policy, the patch says so and the access proof covers it.

Patches, by module
  s3.py
    P1 s3-policy-conditions  bucket policies evaluated by the project's policy engine, iam_eval, with the
                             request's context (moto applies any conditional Deny).
    P12 s3-eventbridge       GetBucketNotificationConfiguration returns the EventBridgeConfiguration put on
                             the bucket (moto leaves it out: perpetual diff of aws_s3_bucket_notification).
  stepfunctions.py (also `validate_definition`, the project's one ASL validator)
    P2 sfn-api               ValidateStateMachineDefinition, ListStateMachineVersions (missing; Terraform's
                             aws_sfn_state_machine calls both).
    P3 sfn-credentials       ASL task calls act as the execution's role (moto: fixed keys of 123456789012).
    P4 sfn-sagemaker         arn:aws:states:::sagemaker:createTrainingJob(.sync) and other SageMaker tasks;
                             SageMaker's errors named as AWS's integration names them (moto: States.Runtime).
  sagemaker_training.py
    P5 sagemaker-training    CreateTrainingJob runs a real XGBoost training (moto: "Completed", no model) and
                             refuses a name in use with ResourceInUse (moto: replaces the job).
  sagemaker_hosting.py
    P6 sagemaker-runtime     InvokeEndpoint serves the endpoint's model artifact (moto: canned answers).
    P9 sagemaker-empty       no empty VpcConfig/DataCaptureConfig in Describe* (perpetual replace in plans).
    P10 sagemaker-hosting    CreateEndpoint provisions (Creating -> InService | Failed after a health check
                             that loads the model); UpdateEndpoint (missing) as blue/green with rollback.
  codecommit.py
    P7 codecommit            timestamps as epoch numbers; ListTagsForResource, TagResource, UntagResource,
                             ListBranches (missing; Terraform's aws_codecommit_repository).
  codepipeline.py
    P8 codepipeline          created/updated as epoch numbers (moto: ISO strings; Terraform's
                             aws_codepipeline).
    P11 codepipeline-jobs    PutJobSuccessResult, PutJobFailureResult, GetJobDetails, PutApprovalResult
                             (missing), recording each answer and its caller; jobs opened by the runner;
                             executions InProgress until the runner ends them (moto: Succeeded at once).
  server.py: patching and restoring, the caller of a request, the registry, worker threads, the moto server.
  AWS service rules moto lacks (feature exclusions, quotas, name limits): ../service_rules.py, installed last.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import service_rules

# Each module registers its patches (server.PATCHES) as it is imported.
from . import codecommit, codepipeline, s3, sagemaker_hosting, sagemaker_training, stepfunctions
from .codepipeline import APPROVALS, JOBS, finish_execution, open_approval, open_job
from .sagemaker_hosting import (
    PROVISION_SECONDS,
    EndpointError,
    model_container,
    score_endpoint,
    wait_for_hosting_threads,
)
from .sagemaker_training import wait_for_training_threads
from .server import (
    _STATE,
    LOG,
    PATCHES,
    Patch,
    _access_key_of,
    _patch,
    _patch_dict,
    _principal_for_access_key,
    _restore,
    start_server,
)
from .stepfunctions import sagemaker_task_error, validate_definition

__all__ = [
    "APPROVALS",
    "JOBS",
    "LOG",
    "PATCHES",
    "PROVISION_SECONDS",
    "EndpointError",
    "Patch",
    "_access_key_of",
    "_principal_for_access_key",
    "codecommit",
    "codepipeline",
    "finish_execution",
    "install",
    "model_container",
    "only",
    "open_approval",
    "open_job",
    "s3",
    "sagemaker_hosting",
    "sagemaker_task_error",
    "sagemaker_training",
    "score_endpoint",
    "start_server",
    "stepfunctions",
    "uninstall",
    "validate_definition",
    "wait_for_hosting_threads",
    "wait_for_training_threads",
]


def install(emulator: Any) -> None:
    """Apply the patches `emulator.compat` names (True: every one) for `emulator` (one emulator per process
    holds the layer), then the AWS service rules and moto's switch to run state machines."""
    if _STATE["emulator"] is not None and _STATE["emulator"] is not emulator:
        raise RuntimeError("the compat layer is already installed for another emulator of this process")
    wanted = set(PATCHES) if emulator.compat is True else set(emulator.compat)
    if wanted - set(PATCHES):
        raise ValueError(f"unknown compat patches: {sorted(wanted - set(PATCHES))}")
    uninstall()
    _STATE["emulator"] = emulator
    for patch in sorted(PATCHES.values(), key=lambda p: int(p.id[1:])):  # a later one may wrap an earlier one
        if patch.id in wanted:
            patch.install()
    service_rules.install(_patch)  # after P10: its rules run before P10's UpdateEndpoint
    from moto.core.config import default_user_config

    # Documented moto switch (/moto-api/config): run state machines with moto's ASL interpreter.
    _patch_dict(default_user_config["stepfunctions"], "execute_state_machine", True)


def uninstall(emulator: Any = None) -> None:
    """Wait for the worker threads the patches started, then restore moto (when `emulator` is given, only if
    it is the one holding the layer)."""
    if emulator is not None and _STATE["emulator"] is not emulator:
        return
    wait_for_training_threads()
    wait_for_hosting_threads()
    _restore()
    _STATE["emulator"] = None


@contextmanager
def only(emulator: Any, ids: set[str]) -> Iterator[None]:
    """Serve `emulator` (which holds the layer) with only the patches `ids` for the block, then with its own
    set again: how a test turns one patch off without a second emulator (moto's backends, and so the patches,
    are process-global)."""
    held = emulator.compat
    uninstall(emulator)
    emulator.compat = sorted(ids)
    try:
        install(emulator)
        yield
    finally:
        uninstall(emulator)
        emulator.compat = held
        install(emulator)
