"""Errors that end a job, each carrying the CodePipeline failure type it is reported with."""

from __future__ import annotations

from typing import Final, Literal

# The failure types this deployer reports, a subset of CodePipeline's FailureDetails.type.
FailureType = Literal["JobFailed", "ConfigurationError", "PermissionError"]
JOB_FAILED: Final = "JobFailed"
CONFIGURATION_ERROR: Final = "ConfigurationError"
PERMISSION_ERROR: Final = "PermissionError"


class DeployError(Exception):
    """A failure reported to the pipeline with PutJobFailureResult."""

    failure_type: FailureType = JOB_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JobFailed(DeployError):
    failure_type = JOB_FAILED


class ConfigurationError(DeployError):
    failure_type = CONFIGURATION_ERROR


class PermissionDenied(DeployError):
    failure_type = PERMISSION_ERROR


class CannotReport(Exception):
    """The job cannot be answered at all (no job id, or no role to answer through). Logged and re-raised."""


ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "KMS.AccessDeniedException",
        "KMSAccessDeniedException",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError (duck-typed, so botocore need not be imported here)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def classify_client_error(exc: BaseException, doing: str) -> DeployError:
    """Turn an AWS API error raised while ``doing`` something into the matching DeployError."""
    code = error_code(exc)
    text = f"{doing} failed: {code or type(exc).__name__}: {error_message(exc)}"
    if code in ACCESS_DENIED_CODES:
        return PermissionDenied(text)
    return JobFailed(text)
