"""CodePipeline: epoch timestamps (P8); jobs and approvals the runner opens and the APIs that answer them,
executions in progress until the runner ends them (P11)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from .server import Patch, _caller, _client, _patch, _service_role, _unique, _wire, register


# =========================================================================================== P8 CodePipeline
# Gap: moto returns pipeline metadata created/updated as ISO strings; Terraform's Go SDK fails to deserialize
# GetPipeline ("expected Timestamp to be a JSON Number").
# See it: `_reproduce_codepipeline` (GetPipeline's metadata.created a string on the wire), or terraform apply
# of aws_codepipeline.
# Fix: epoch numbers, as AWS sends them.
def _install_codepipeline() -> None:
    from moto.codepipeline import models as cp

    def metadata(self: Any) -> dict[str, Any]:
        return {
            "pipelineArn": self._arn,
            "created": self._created.timestamp(),
            "updated": self._updated.timestamp(),
        }

    _patch(cp.CodePipeline, "metadata", property(metadata))


def _reproduce_codepipeline(emulator: Any) -> bool:
    cp = _client(emulator, "codepipeline", "shared")
    role = _service_role(emulator, "shared", ["codepipeline.amazonaws.com"])
    name = _unique("p-repro")
    action = {
        "name": "Wait",
        "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"},
    }
    source = {
        "name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": name, "S3ObjectKey": "source.zip"},
        "outputArtifacts": [{"name": "source"}],
    }
    cp.create_pipeline(
        pipeline={
            "name": name,
            "roleArn": role,
            "artifactStore": {"type": "S3", "location": name},
            "stages": [{"name": "Source", "actions": [source]}, {"name": "Approve", "actions": [action]}],
        }
    )
    return isinstance(_wire(cp, "GetPipeline", name=name)["metadata"]["created"], str)


register(
    Patch(
        "P8",
        "codepipeline",
        "moto's GetPipeline sends metadata created/updated as ISO strings, which Terraform's Go SDK refuses.",
        _install_codepipeline,
        _reproduce_codepipeline,
    )
)


# ===================================================================================== P11 CodePipeline jobs
# Gap: moto has no job worker or approval APIs: PutJobSuccessResult, PutJobFailureResult, GetJobDetails and
# PutApprovalResult answer "InvalidAction"/500, so no Lambda action can ever answer its pipeline.
# See it: `_reproduce_codepipeline_jobs`: put_job_success_result of a job the runner opened -> error.
# Fix: a recording implementation with AWS's rules. The rehearsal's pipeline runner plays the CodePipeline
# service: it opens a job (`open_job`, what the service does before it invokes the Lambda) or an approval
# (`open_approval`, what it does when a Manual action starts); the APIs then answer them:
#   - a job belongs to the pipeline's account: a caller acting in another account gets JobNotFoundException,
#     as does an unknown job id; a job that was already answered gets InvalidJobStateException;
#   - PutApprovalResult needs the pipeline, stage, action and the token of the open approval
#     (ApprovalAlreadyCompletedException / InvalidApprovalTokenException otherwise), status Approved|Rejected.
# Executions: moto's StartPipelineExecution records the execution as Succeeded at once (it runs no action), so
# GetPipelineExecution / ListPipelineExecutions say Succeeded for an execution rejected at Approve. Here it is
# InProgress until the runner, which runs it, ends it (`finish_execution`): Succeeded, or Failed when a stage
# failed ("Failed: The pipeline execution was not completed successfully",
# https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineExecution.html).
# Every answer records the calling principal (the role that answered). IAM policies are not evaluated for
# these calls (moto does not enforce identity policies by default): the access proof covers who may call them.
JOBS: dict[str, dict[str, Any]] = {}
APPROVALS: dict[str, dict[str, Any]] = {}
_JOBS_LOCK = threading.Lock()


def open_job(account_id: str, data: dict[str, Any]) -> str:
    """Create an InProgress job in `account_id` (the pipeline's account) and return its id."""
    import uuid

    job_id = str(uuid.uuid4())
    with _JOBS_LOCK:
        JOBS[job_id] = {
            "id": job_id,
            "accountId": account_id,
            "data": data,
            "status": "InProgress",
            "answer": None,
        }
    return job_id


def open_approval(account_id: str, pipeline: str, stage: str, action: str, execution_id: str) -> str:
    import uuid

    token = str(uuid.uuid4())
    with _JOBS_LOCK:
        APPROVALS[token] = {
            "accountId": account_id,
            "pipelineName": pipeline,
            "stageName": stage,
            "actionName": action,
            "pipelineExecutionId": execution_id,
            "actionExecutionId": str(uuid.uuid4()),
            "startTime": time.time(),
            "status": "InProgress",
            "answer": None,
        }
    return token


def finish_execution(
    account_id: str, region: str, pipeline: str, execution_id: str, status: str, summary: str | None
) -> None:
    """End an execution the runner ran: status Succeeded | Failed, with its summary."""
    from moto.codepipeline.models import codepipeline_backends
    from moto.core.utils import utcnow

    execution = codepipeline_backends[account_id][region].get_pipeline_execution(pipeline, execution_id)
    execution.status, execution.status_summary, execution.last_update_time = status, summary, utcnow()


# The APIs moto lacks, as CodePipelineResponse methods (installed under their own names): each takes the
# response object moto dispatches the request to.
def _error(code: str, message: str) -> Exception:
    # moto is imported when a patched API answers, as everywhere in compat/: not when the layer is imported.
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _job_for(response: Any) -> dict[str, Any]:
    """The open job the request names, in the caller's account (called with _JOBS_LOCK held)."""
    job_id = response._get_param("jobId")
    job = JOBS.get(job_id or "")
    if job is None or job["accountId"] != response.current_account:
        raise _error("JobNotFoundException", f"The job {job_id} was not found.")
    if job["status"] != "InProgress":
        raise _error(
            "InvalidJobStateException", f"The job {job_id} is in state {job['status']}, not InProgress."
        )
    return job


def put_job_success_result(response: Any) -> str:
    with _JOBS_LOCK:
        job = _job_for(response)
        job["status"] = "Succeeded"
        job["answer"] = {
            "result": "success",
            "continuationToken": response._get_param("continuationToken"),
            "executionDetails": response._get_param("executionDetails"),
            "outputVariables": response._get_param("outputVariables"),
            "currentRevision": response._get_param("currentRevision"),
            "caller": _caller(response),
        }
    return "{}"


def put_job_failure_result(response: Any) -> str:
    details = response._get_param("failureDetails") or {}
    if details.get("type") not in {
        "JobFailed",
        "ConfigurationError",
        "PermissionError",
        "RevisionOutOfSync",
        "RevisionUnavailable",
        "SystemUnavailable",
    } or not details.get("message"):
        raise _error("ValidationException", "failureDetails needs a valid type and a message.")
    with _JOBS_LOCK:
        job = _job_for(response)
        job["status"] = "Failed"
        job["answer"] = {"result": "failure", "failureDetails": details, "caller": _caller(response)}
    return "{}"


def get_job_details(response: Any) -> str:
    with _JOBS_LOCK:
        job = JOBS.get(response._get_param("jobId") or "")
        if job is None or job["accountId"] != response.current_account:
            raise _error("JobNotFoundException", f"The job {response._get_param('jobId')} was not found.")
        return json.dumps(
            {"jobDetails": {"id": job["id"], "accountId": job["accountId"], "data": job["data"]}}
        )


def put_approval_result(response: Any) -> str:
    token = response._get_param("token")
    result = response._get_param("result") or {}
    with _JOBS_LOCK:
        approval = APPROVALS.get(token or "")
        where = (
            response._get_param("pipelineName"),
            response._get_param("stageName"),
            response._get_param("actionName"),
        )
        if (
            approval is None
            or approval["accountId"] != response.current_account
            or where != (approval["pipelineName"], approval["stageName"], approval["actionName"])
        ):
            raise _error("InvalidApprovalTokenException", "The approval token is not valid.")
        if approval["status"] != "InProgress":
            raise _error("ApprovalAlreadyCompletedException", "The approval was already completed.")
        if result.get("status") not in ("Approved", "Rejected") or not result.get("summary"):
            raise _error("ValidationException", "result needs status Approved|Rejected and a summary.")
        approval["status"] = result["status"]
        approval["answer"] = {"result": result, "caller": _caller(response), "approvedAt": time.time()}
        return json.dumps({"approvedAt": approval["answer"]["approvedAt"]})


def _approval_detail(approval: dict[str, Any]) -> dict[str, Any]:
    """A manual approval as ActionExecutionDetail: updatedBy is the identity that answered,
    output.executionResult.externalExecutionSummary its summary
    (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionExecutionDetail.html)."""
    answer = approval["answer"] or {}
    status = {"Approved": "Succeeded", "Rejected": "Failed"}.get(approval["status"], "InProgress")
    detail = {
        "pipelineExecutionId": approval["pipelineExecutionId"],
        "actionExecutionId": approval["actionExecutionId"],
        "stageName": approval["stageName"],
        "actionName": approval["actionName"],
        "startTime": approval["startTime"],
        "lastUpdateTime": answer.get("approvedAt", approval["startTime"]),
        "status": status,
        "input": {
            "actionTypeId": {
                "category": "Approval",
                "owner": "AWS",
                "provider": "Manual",
                "version": "1",
            }
        },
    }
    if answer:
        detail["updatedBy"] = answer["caller"]
        detail["output"] = {"executionResult": {"externalExecutionSummary": answer["result"]["summary"]}}
    return detail


def list_action_executions(response: Any) -> str:
    """The manual approvals of the pipeline (`_approval_detail`), those of one execution with the filter."""
    pipeline = response._get_param("pipelineName")
    wanted = (response._get_param("filter") or {}).get("pipelineExecutionId")
    from moto.codepipeline.models import codepipeline_backends

    if pipeline not in codepipeline_backends[response.current_account][response.region].pipelines:
        raise _error(
            "PipelineNotFoundException",
            f"Account '{response.current_account}' does not have a pipeline with name '{pipeline}'",
        )
    details = []
    with _JOBS_LOCK:
        for approval in APPROVALS.values():
            if (approval["accountId"], approval["pipelineName"]) != (response.current_account, pipeline):
                continue
            if wanted and approval["pipelineExecutionId"] != wanted:
                continue
            details.append(_approval_detail(approval))
    return json.dumps({"actionExecutionDetails": details})


def _install_codepipeline_jobs() -> None:
    from moto.codepipeline import models as cp_models
    from moto.codepipeline import responses as cp_responses

    started = cp_models.PipelineExecution.__init__

    def start_in_progress(self: Any, *args: Any, **kwargs: Any) -> None:
        started(self, *args, **kwargs)
        self.status = "InProgress"

    _patch(cp_models.PipelineExecution, "__init__", start_in_progress)

    for function in (
        put_job_success_result,
        put_job_failure_result,
        get_job_details,
        put_approval_result,
        list_action_executions,
    ):
        _patch(cp_responses.CodePipelineResponse, function.__name__, function)


def _reproduce_codepipeline_jobs(emulator: Any) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    job_id = open_job(emulator.accounts["shared"], {"actionConfiguration": {"configuration": {}}})
    try:
        _client(emulator, "codepipeline", "shared").put_job_success_result(jobId=job_id)
    except (BotoCoreError, ClientError):
        return True
    return JOBS[job_id]["status"] != "Succeeded"


register(
    Patch(
        "P11",
        "codepipeline-jobs",
        "moto has no job worker or approval APIs, and ends every execution Succeeded at once.",
        _install_codepipeline_jobs,
        _reproduce_codepipeline_jobs,
    )
)
