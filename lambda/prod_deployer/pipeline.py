"""Answers to CodePipeline, sent through account A's callback role."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ACCESS_DENIED_CODES, CannotReport, FailureType, error_code, error_message
from .logs import JsonLogger

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_sts import STSClient

    from .clients import ClientFactory


MAX_SUMMARY = 2048
MAX_FAILURE_MESSAGE = 5000
MAX_TOKEN = 2048


@dataclass(frozen=True)
class Outcome:
    """What one invocation ends with: ``continue`` (with a token) or ``success`` (with output variables)."""

    status: str
    summary: str
    token: dict[str, Any] | None = None
    output_variables: dict[str, str] = field(default_factory=dict)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def encode_token(token: dict[str, Any]) -> str:
    text = json.dumps(token, sort_keys=True, separators=(",", ":"))
    if len(text) > MAX_TOKEN:  # names are <= 63 chars, so this cannot happen with our own tokens
        raise ValueError(f"continuation token is {len(text)} characters, CodePipeline allows {MAX_TOKEN}")
    return text


class Reporter:
    """Sends exactly one final answer per invocation (success with a token counts as the answer)."""

    def __init__(self, client: CodePipelineClient, job_id: str, log: JsonLogger) -> None:
        # Also how the deployer reads A's action history (the approval): the same callback role's session.
        self.client = client
        self._job_id = job_id
        self._log = log
        self.answered = False

    def send(self, outcome: Outcome) -> None:
        kwargs: dict[str, Any] = {
            "jobId": self._job_id,
            "executionDetails": {"summary": _clip(outcome.summary, MAX_SUMMARY)},
        }
        if outcome.status == "continue":
            kwargs["continuationToken"] = encode_token(outcome.token or {})
        elif outcome.output_variables:
            kwargs["outputVariables"] = outcome.output_variables
        with self._log.timed(
            "put_job_success_result", status=outcome.status, summary=kwargs["executionDetails"]["summary"]
        ):
            self.client.put_job_success_result(**kwargs)
        self.answered = True

    def failure(self, failure_type: FailureType, message: str) -> None:
        message = _clip(message, MAX_FAILURE_MESSAGE)
        with self._log.timed("put_job_failure_result", failure_type=failure_type, message=message):
            self.client.put_job_failure_result(
                jobId=self._job_id, failureDetails={"type": failure_type, "message": message}
            )
        self.answered = True


def open_reporter(
    sts: STSClient, factory: ClientFactory, role_arn: str, job_id: str, log: JsonLogger
) -> Reporter:
    """Assume A's callback role and return a Reporter; CannotReport if that is refused."""
    try:
        with log.timed("assume_callback_role", role_arn=role_arn):
            response = sts.assume_role(
                RoleArn=role_arn, RoleSessionName=f"deployer-{job_id}"[:64], DurationSeconds=900
            )
    except Exception as exc:
        code = error_code(exc)
        reason = "denied" if code in ACCESS_DENIED_CODES else "failed"
        raise CannotReport(
            f"cannot answer the pipeline: sts:AssumeRole of {role_arn} {reason}: "
            f"{code or type(exc).__name__}: {error_message(exc)}"
        ) from None
    return Reporter(factory.codepipeline(response["Credentials"]), job_id, log)
