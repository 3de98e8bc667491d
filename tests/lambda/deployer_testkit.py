"""Test kit for the deployer Lambda tests: moto in-process, three accounts, and the CodePipeline seam.

(A module with a unique name rather than conftest.py, so test modules can import it whatever other conftest.py
files the whole suite loads; tests/lambda/conftest.py only holds the fixtures.)

Everything AWS is moto's in-process emulation (``mock_aws``): STS (the callback role is really assumed and the
CodePipeline client is built with the returned credentials), S3 in account A (the input artifact, SSE-KMS,
read with artifact credentials that belong to A), SageMaker and CloudWatch in account C (the default
credentials are a session of a role in C, as in Lambda).

Two things are not moto:
- CodePipeline PutJobSuccessResult / PutJobFailureResult: moto does not implement them. ``RecordingClients``
  subclasses the real ClientFactory and overrides only ``codepipeline(credentials)`` to return a
  ``PipelineRecorder`` that records each call's exact arguments (and keeps the credentials it was given).
- SageMaker UpdateEndpoint (absent from moto 5.2) and endpoint status transitions (moto makes every endpoint
  InService at once): ``SageMakerSim`` stubs exactly UpdateEndpoint with a botocore ``before-call`` hook that
  mutates moto's own endpoint record the way SageMaker would (status Updating, PendingDeploymentSummary), and
  sets statuses on moto's backend objects to play out Creating -> InService, Failed, or a rollback.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

from prod_deployer.clients import ClientFactory  # noqa: E402

REGION = "eu-west-1"
ACCOUNT_A = "111111111111"
ACCOUNT_C = "333333333333"
CALLBACK_ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/mlops-pipeline-callback"
MODEL_ROLE = f"arn:aws:iam::{ACCOUNT_C}:role/mlops-model-execution"
ARTIFACT_BUCKET = f"mlops-artifacts-{ACCOUNT_A}-{REGION}"
ARTIFACT_KEY = "mlops-pipeline/TrainOutput/abc123.zip"
STORE_BUCKET = f"mlops-models-{ACCOUNT_C}-{REGION}"
PACKAGE_GROUP = "mlops-models"
PIPELINE = "mlops-pipeline"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
APPROVER = f"arn:aws:sts::{ACCOUNT_A}:assumed-role/ml-approver/alice"
APPROVED_AT = datetime(2025, 1, 1, 13, 0, tzinfo=UTC)
JOB_ID = "11111111-2222-3333-4444-555555555555"
EXECUTION_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TRAINING_ARN = f"arn:aws:states:{REGION}:222222222222:execution:mlops-training:run-1"
ENDPOINT = "mlops-endpoint"
EXAMPLE_OUTPUT = json.loads((Path(__file__).parent / "fixtures" / "training-output.json").read_text())

SERVERLESS = {"type": "serverless", "serverless": {"memory_mb": 2048, "max_concurrency": 5}, "instance": None}
INSTANCE = {
    "type": "instance",
    "serverless": None,
    "instance": {
        "instance_type": "ml.m5.large",
        "instance_count": 2,
        "canary_size_percent": 10,
        "canary_wait_seconds": 300,
        "rollback_alarm_names": ["mlops-endpoint-5xx"],
        "data_capture_s3_uri": "s3://mlops-capture-333333333333/endpoint/",
    },
}


class PipelineRecorder:
    """Stands in for the CodePipeline client (moto lacks PutJobSuccessResult/PutJobFailureResult and
    ListActionExecutions). ``calls`` holds the answers; ``history_queries`` the reads of the action history,
    which holds one approval of EXECUTION_ID by APPROVER unless a test changes ``history``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.history_queries: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = [
            {
                "pipelineExecutionId": EXECUTION_ID,
                "stageName": "Approve",
                "actionName": "Approve",
                "status": "Succeeded",
                "updatedBy": APPROVER,
                "lastUpdateTime": APPROVED_AT,
                "input": {"actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual"}},
                "output": {"executionResult": {"externalExecutionSummary": "AUC is fine"}},
            }
        ]

    def list_action_executions(self, **kwargs: Any) -> dict[str, Any]:
        self.history_queries.append(kwargs)
        wanted = kwargs["filter"]["pipelineExecutionId"]
        return {"actionExecutionDetails": [d for d in self.history if d["pipelineExecutionId"] == wanted]}

    def put_job_success_result(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("put_job_success_result", kwargs))
        return {}

    def put_job_failure_result(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("put_job_failure_result", kwargs))
        return {}

    def only(self) -> tuple[str, dict[str, Any]]:
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


class RecordingClients(ClientFactory):
    """The real factory (moto-backed boto3 clients) with CodePipeline swapped for a recorder."""

    def __init__(self) -> None:
        super().__init__()
        self.recorder = PipelineRecorder()
        self.callback_credentials: list[dict[str, Any]] = []

    def codepipeline(self, credentials: dict[str, Any]) -> Any:
        self.callback_credentials.append(credentials)
        return self.recorder


class FakeContext:
    aws_request_id = "req-1"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class SageMakerSim:
    """Drives moto's SageMaker endpoint records through the states real SageMaker goes through."""

    clients: RecordingClients
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Record every SageMaker call's parameters (moto does not keep e.g. EnableNetworkIsolation)."""

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            self.calls.append((model.name, json.loads(json.dumps(params, default=str))))

        self.clients.sagemaker().meta.events.register("provide-client-params.sagemaker", record)

    def called(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    def mutating_calls(self) -> list[str]:
        return [name for name, _ in self.calls if not name.startswith(("Describe", "List"))]

    def after(self, operation: str, once: bool = False, **attrs: Any) -> None:
        """After ``operation`` succeeds in moto, set attributes on the endpoint (e.g. status Creating)."""
        fired: list[bool] = []

        def hook(**_: Any) -> None:
            if not (once and fired):
                fired.append(True)
                self.set(**attrs)

        self.clients.sagemaker().meta.events.register(f"after-call.sagemaker.{operation}", hook)

    @property
    def backend(self) -> Any:
        from moto.sagemaker.models import sagemaker_backends

        return sagemaker_backends[ACCOUNT_C][REGION]

    def endpoint(self, name: str = ENDPOINT) -> Any:
        return self.backend.endpoints[name]

    def set(self, name: str = ENDPOINT, **attrs: Any) -> None:
        for key, value in attrs.items():
            setattr(self.endpoint(name), key, value)

    def install_update_endpoint(self) -> None:
        """Stub exactly UpdateEndpoint (moto 5.2 has none): record it, then mark the endpoint Updating."""

        def update(params: dict[str, Any], **_: Any) -> Any:
            body = json.loads(params["body"])
            self.updates.append(body)
            ep = self.endpoint(body["EndpointName"])
            ep.endpoint_status = "Updating"
            ep.pending_deployment_summary = {"EndpointConfigName": body["EndpointConfigName"]}
            return SimpleNamespace(status_code=200, headers={}), {"EndpointArn": ep.arn}

        self.clients.sagemaker().meta.events.register("before-call.sagemaker.UpdateEndpoint", update)

    def finish_update(self, name: str = ENDPOINT) -> None:
        ep = self.endpoint(name)
        ep.endpoint_config_name = ep.pending_deployment_summary["EndpointConfigName"]
        ep.pending_deployment_summary = None
        ep.endpoint_status = "InService"

    def roll_back(self, reason: str, name: str = ENDPOINT) -> None:
        ep = self.endpoint(name)
        ep.pending_deployment_summary = None
        ep.endpoint_status = "InService"
        ep.failure_reason = reason


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class World:
    clients: RecordingClients
    sim: SageMakerSim
    artifact_credentials: dict[str, str]
    s3_a: Any
    env: dict[str, str]
    # The last training output put as the artifact: what the approver saw, unless a test says otherwise.
    approved: dict[str, str] = field(default_factory=dict)

    @property
    def recorder(self) -> PipelineRecorder:
        return self.clients.recorder

    @property
    def sm(self) -> Any:
        return self.clients.sagemaker()

    @property
    def s3_c(self) -> Any:
        return self.clients.own_s3()

    def put_model(self, output: dict[str, Any], data: bytes | None = None) -> dict[str, Any]:
        """Put model bytes at the output's model_data_url in A (as training does) and pin them in the output
        (as the state machine does: the version and S3's SHA-256 of it)."""
        data = data if data is not None else f"model of {output['training_job_name']}".encode()
        bucket, _, key = output["model_data_url"].removeprefix("s3://").partition("/")
        put = self.s3_a.put_object(
            Bucket=bucket, Key=key, Body=data, ServerSideEncryption="aws:kms", ChecksumAlgorithm="SHA256"
        )
        assert put["ChecksumSHA256"] == sha256_b64(data)
        return dict(output, model_version_id=put["VersionId"], model_sha256=put["ChecksumSHA256"])

    def put_artifact(self, body: bytes | dict[str, Any], key: str = ARTIFACT_KEY, pin: bool = True) -> None:
        """The training output as the Train stage's artifact. A dict is pinned first (put_model) unless
        ``pin`` is False, and becomes what the approver saw (``approved``)."""
        if isinstance(body, dict):
            if pin:
                body = self.put_model(body)
            self.approved = {
                f: body[f] for f in ("training_job_name", "model_version_id", "model_sha256") if f in body
            }
            body = zip_bytes({"output.json": json.dumps(body).encode()})
        self.s3_a.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=body, ServerSideEncryption="aws:kms")

    def user_parameters(self, mode: str = "deploy", **extra: Any) -> str:
        params: dict[str, Any] = {
            "callback_role_arn": CALLBACK_ROLE,
            "pipeline_execution_id": EXECUTION_ID,
            "mode": mode,
        }
        if mode == "deploy":
            # Before any artifact is put, what the example output says (tests of bad events and artifacts).
            approved = self.approved or {
                f: EXAMPLE_OUTPUT[f] for f in ("training_job_name", "model_version_id", "model_sha256")
            }
            params.update(training_execution_arn=TRAINING_ARN, source_revision="abc123", approved=approved)
        params.update(extra)
        return json.dumps(params)

    def event(self, token: str | None = None, user_parameters: Any = None, key: str = ARTIFACT_KEY) -> dict:
        params = user_parameters if user_parameters is not None else self.user_parameters()
        data: dict[str, Any] = {
            "actionConfiguration": {
                "configuration": {"FunctionName": "mlops-deployer", "UserParameters": params}
            },
            "inputArtifacts": [
                {
                    "name": "TrainOutput",
                    "revision": None,
                    "location": {
                        "type": "S3",
                        "s3Location": {"bucketName": ARTIFACT_BUCKET, "objectKey": key},
                    },
                }
            ],
            "outputArtifacts": [],
            "artifactCredentials": self.artifact_credentials,
            "encryptionKey": {"id": f"arn:aws:kms:{REGION}:{ACCOUNT_A}:alias/mlops-artifacts", "type": "KMS"},
        }
        if token is not None:
            data["continuationToken"] = token
        return {"CodePipeline.job": {"id": JOB_ID, "accountId": ACCOUNT_A, "data": data}}

    def run(self, event: Any = "default", remaining_ms: int = 60_000) -> dict[str, Any]:
        from prod_deployer.handler import handle

        event = self.event() if event == "default" else event
        return handle(event, FakeContext(remaining_ms), self.clients, self.env)

    def cycle(self, remaining_ms: int = 60_000) -> tuple[str, dict[str, Any]]:
        """Run again with the last answer's token (as CodePipeline does); return the new answer."""
        kind, args = self.recorder.calls[-1]
        assert kind == "put_job_success_result" and "continuationToken" in args, self.recorder.calls[-1]
        self.run(self.event(token=args["continuationToken"]), remaining_ms)
        return self.recorder.calls[-1]


def make_env(endpoint_config: dict[str, Any] | None = None, **overrides: str) -> dict[str, str]:
    env = {
        "ENDPOINT_NAME": ENDPOINT,
        "NAME_PREFIX": "mlops-model",
        "MODEL_EXECUTION_ROLE_ARN": MODEL_ROLE,
        "CALLBACK_ROLE_ARN": CALLBACK_ROLE,
        "ENDPOINT_CONFIG": json.dumps(endpoint_config or SERVERLESS),
        "KEEP_VERSIONS": "2",
        "RESOURCE_TAGS": json.dumps({"project": "mlops"}),
        "MODEL_STORE_BUCKET": STORE_BUCKET,
        "MODEL_PACKAGE_GROUP": PACKAGE_GROUP,
        "MODEL_IMAGE_URI": IMAGE,
        "SOURCE_BUCKET": ARTIFACT_BUCKET,
        "SOURCE_MODEL_PREFIX": "models/",
        "TRAINING_JOB_PREFIX": "mlops-train",
        "PIPELINE_NAME": PIPELINE,
    }
    env.update(overrides)
    return env


# --- expected answers -----------------------------------------------------------------------------------

MODEL = "mlops-model-mlops-train-20250101-120000-ab12cd-d9a4c33d"  # not isolated (serverless), package 1
CONFIG = "mlops-model-mlops-train-20250101-120000-ab12cd-29b2a3d1"  # serverless 2048 MB / 5
ISOLATED_MODEL = "mlops-model-mlops-train-20250101-120000-ab12cd-e0c7da4b"  # isolated (instance)


def package_arn(version: int = 1) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT_C}:model-package/{PACKAGE_GROUP}/{version}"


def names_for(output: dict, endpoint: dict, package_version: int = 1) -> tuple[str, str]:
    from prod_deployer.config import parse_endpoint_config
    from prod_deployer.naming import endpoint_config_name, model_name

    job = output["training_job_name"]
    # Instance endpoints run isolated models; serverless ones cannot (Serverless feature exclusions).
    model = model_name(
        "mlops-model",
        job,
        package_arn(package_version),
        MODEL_ROLE,
        network_isolation=endpoint["type"] == "instance",
    )
    return model, endpoint_config_name(
        "mlops-model", job, model, parse_endpoint_config(json.dumps(endpoint), [])
    )


def trained(n: int) -> dict:
    job = f"mlops-train-2025010{n}-120000-ab12cd"
    out = dict(EXAMPLE_OUTPUT, training_job_name=job)
    out["model_data_url"] = f"s3://mlops-artifacts-{ACCOUNT_A}-{REGION}/models/{job}/output/model.tar.gz"
    return out


RELEASE_RECORD = f"s3://{STORE_BUCKET}/releases/{EXECUTION_ID}.json"


def success(model: str, config: str, package_version: int = 1) -> tuple[str, dict]:
    return (
        "put_job_success_result",
        {
            "jobId": JOB_ID,
            "executionDetails": {
                "summary": f"Endpoint {ENDPOINT} is InService with {config} (model {model})"
            },
            "outputVariables": {
                "EndpointName": ENDPOINT,
                "EndpointConfigName": config,
                "ModelName": model,
                "ModelPackageArn": package_arn(package_version),
                "ReleaseRecord": RELEASE_RECORD,
            },
        },
    )


def continuation(summary: str, token: dict) -> tuple[str, dict]:
    return (
        "put_job_success_result",
        {
            "jobId": JOB_ID,
            "executionDetails": {"summary": summary},
            "continuationToken": json.dumps(token, sort_keys=True, separators=(",", ":")),
        },
    )


def wait_token(action: str, model: str, config: str, previous: str | None, polls: int) -> dict:
    return {
        "v": 1,
        "phase": "wait",
        "action": action,
        "endpoint": ENDPOINT,
        "config": config,
        "model": model,
        "previous_config": previous,
        "polls": polls,
    }


def failure(kind: str, message: str) -> tuple[str, dict]:
    return ("put_job_failure_result", {"jobId": JOB_ID, "failureDetails": {"type": kind, "message": message}})
