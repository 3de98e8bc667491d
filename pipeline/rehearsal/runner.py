"""Run the pipeline that Terraform applied, stage by stage, as CodePipeline would.

Everything comes from the emulator: the pipeline definition (GetPipeline in account A: its role, artifact
store and key, and each action's provider, role and configuration), the state machine in B, the deployer
function and its configuration in C. The runner plays the CodePipeline service and, where a person acts, that
person through their persona role in account A (apply.PERSONAS, whose policies envs/shared attached):

  Source   as the data writer, put the training data under data/train/ and data/validation/; as the source
           writer, put the configuration zip at the S3 source key; both plain puts (the bucket's default
           encryption applies the CMK). Then, as the pipeline role, copy the source object into the pipeline's
           artifact store (SourceOutput).
  Train    as the pipeline role, assume the Train action's role (B); read the configuration file named by the
           action's `Input` (InputType FilePath) from the source artifact; StartExecution on its
           StateMachineArn with a name from ExecutionNamePrefix; poll DescribeExecution; write the output as
           the TrainingOutput artifact (zip, SSE-KMS with the store's key). Namespace Train: ExecutionArn,
           StateMachineArn.
  Approve  open an approval (compat P11) and answer it with PutApprovalResult as the approver: approved
           automatically, rejected (--reject) or as the user answers (--interactive).
  Deploy   as the pipeline role, assume the Deploy action's role (C); build the CodePipeline job event (job
           id, accountId, actionConfiguration with variables resolved, inputArtifacts, artifactCredentials of
           the action role, encryptionKey); run the function's real handler (lambda_runtime) until the job is
           answered with success without a continuation token, or with a failure (each continuation opens a
           new job carrying the token, as CodePipeline does).
  Score    InvokeEndpoint in C with the validation rows (features only); AUC and accuracy (binary labels) or
           RMSE.

A stage that fails raises StageFailed(stage, reason): the runner stops there, as the pipeline does.
"""

from __future__ import annotations

import copy
import io
import json
import math
import random
import string
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import compat
from .apply import DEPLOYER_ZIP, outputs, persona_role_arn
from .lambda_runtime import InvocationError, LambdaRuntime
from .trainer import TrainingJobFailed, parse_csv

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "pipeline" / "training-config.json"
DEFAULT_DATA = ROOT / "pipeline" / "data"
POLL_SECONDS = 0.25
CONTINUATION_SECONDS = 0.25  # CodePipeline waits longer between continuations; the emulator needs no more
MAX_INVOCATIONS = 60
TRAIN_TIMEOUT_SECONDS = 900


class StageFailed(Exception):
    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage, self.reason = stage, reason


class DataError(ValueError):
    """The user's data is unusable (named file and line)."""


@dataclass
class RunResult:
    pipeline_execution_id: str
    stages: list[tuple[str, float, str]] = field(default_factory=list)
    training_execution_arn: str | None = None
    training_output: dict[str, Any] | None = None
    deployment: dict[str, Any] | None = None
    score: dict[str, Any] | None = None
    failed: StageFailed | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None


# ------------------------------------------------------------------------------------------------- data
def load_dataset(directory: Path) -> dict[str, np.ndarray]:
    """train.csv and validation.csv of `directory`, checked as the trainer will read them."""
    directory = Path(directory)
    found = {}
    widths = {}
    for name in ("train", "validation"):
        path = directory / f"{name}.csv"
        if not path.is_file():
            raise DataError(
                f"{path} is missing: --data needs train.csv and validation.csv (label first, no header)"
            )
        try:
            array = parse_csv(path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError:
            raise DataError(f"{path} is not UTF-8 text") from None
        except TrainingJobFailed as error:
            raise DataError(error.reason.removeprefix("ClientError: ")) from None
        if array.size == 0:
            raise DataError(f"{path} holds no rows")
        found[name], widths[name] = array, array.shape[1]
    if widths["train"] != widths["validation"]:
        raise DataError(
            f"train.csv has {widths['train'] - 1} features and validation.csv {widths['validation'] - 1}: "
            "they must have the same columns"
        )
    return found


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney, ties averaged)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if not n_pos or not n_neg:
        return math.nan
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _random_key(length: int = 7) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=length))


# ----------------------------------------------------------------------------------------------- runner
class PipelineRunner:
    """Runs executions of the applied pipeline; one instance per applied emulator."""

    def __init__(
        self,
        aws: Any,
        states: dict[str, dict[str, Any]],
        log: Callable[[str], None] = print,
        package: Path = DEPLOYER_ZIP,
        work_dir: Path | None = None,
    ) -> None:
        self.aws = aws
        self.log = log
        self.package = package
        self.work_dir = work_dir or ROOT / "build" / "rehearsal"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.outputs = {env: outputs(state) for env, state in states.items()}
        self.pipeline_name = self.outputs["shared"]["pipeline_name"]
        self.account_a = aws.accounts["shared"]
        answer = aws.client("codepipeline", "shared").get_pipeline(name=self.pipeline_name)
        self.pipeline = answer["pipeline"]
        self.actions = {
            stage["name"]: stage["actions"][0] for stage in self.pipeline["stages"] if stage.get("actions")
        }
        self.store = self.pipeline["artifactStore"]
        self.bucket = self.store["location"]
        self.key_arn = self.store["encryptionKey"]["id"]

    # ------------------------------------------------------------------------------------------ helpers
    def _action(self, category: str, provider: str) -> dict[str, Any]:
        for action in self.actions.values():
            kind = action["actionTypeId"]
            if kind["category"] == category and kind["provider"] == provider:
                return action
        raise StageFailed(
            "Definition", f"pipeline {self.pipeline_name} has no {category} action of provider {provider}"
        )

    def pipeline_session(self) -> Any:
        """The pipeline's service role (CodePipeline assumes it)."""
        return self.aws.session_for_role(self.pipeline["roleArn"], "codepipeline")

    def action_session(self, action: dict[str, Any]) -> Any:
        """The action's role, assumed from the pipeline role (cross-account, as CodePipeline does)."""
        return self.aws.session_for_role(
            action["roleArn"], f"codepipeline-{action['name']}", source=self.pipeline_session()
        )

    def persona_client(self, service: str, persona: str) -> Any:
        """A client acting as one of the people of account A (apply.PERSONAS), as that person would."""
        session = self.aws.session_for_role(persona_role_arn(self.aws, persona), persona.replace("_", "-"))
        return self.aws.client(service, session=session)

    def _artifact_key(self, artifact: str) -> str:
        return f"{self.pipeline_name[:20]}/{artifact[:20]}/{_random_key()}"

    def _put_artifact(self, s3: Any, key: str, body: bytes) -> None:
        s3.put_object(
            Bucket=self.bucket, Key=key, Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=self.key_arn
        )

    # ------------------------------------------------------------------------------------------- stages
    def source(self, config: dict[str, Any], data_dir: Path, run: dict[str, Any]) -> str:
        action = self._action("Source", "S3")
        conf = action["configuration"]
        dataset = load_dataset(data_dir)
        admin_s3 = self.aws.client("s3", "shared")  # the operator clears what an earlier run left
        writer_s3 = self.persona_client("s3", "data_writers")  # plain puts, no encryption flags
        for channel in ("train", "validation"):
            prefix = f"{self.outputs['shared']['artifact_prefixes']['data']}{channel}/"
            listed = admin_s3.list_objects_v2(Bucket=conf["S3Bucket"], Prefix=prefix).get("Contents", [])
            for item in listed:
                admin_s3.delete_object(Bucket=conf["S3Bucket"], Key=item["Key"])
            writer_s3.put_object(
                Bucket=conf["S3Bucket"],
                Key=f"{prefix}{channel}.csv",
                Body=(data_dir / f"{channel}.csv").read_bytes(),
            )
        config_file = self._action("Invoke", "StepFunctions")["configuration"]["Input"]
        source_zip = zip_bytes({config_file: (json.dumps(config, indent=2) + "\n").encode()})
        source_s3 = self.persona_client("s3", "source_writers")
        put = source_s3.put_object(Bucket=conf["S3Bucket"], Key=conf["S3ObjectKey"], Body=source_zip)
        head = admin_s3.head_object(Bucket=conf["S3Bucket"], Key=conf["S3ObjectKey"])
        if head.get("SSEKMSKeyId") != self.key_arn:
            raise StageFailed(
                "Source", f"the source object is not encrypted with the CMK: {head.get('SSEKMSKeyId')}"
            )
        # CodePipeline's S3 source action, as the pipeline role: read that version, store it as SourceOutput.
        pipeline_s3 = self.aws.client("s3", session=self.pipeline_session())
        body = pipeline_s3.get_object(
            Bucket=conf["S3Bucket"], Key=conf["S3ObjectKey"], VersionId=put["VersionId"]
        )["Body"].read()
        key = self._artifact_key(action["outputArtifacts"][0]["name"])
        self._put_artifact(pipeline_s3, key, body)
        run["artifacts"]["SourceOutput"] = key
        rows = {n: a.shape[0] for n, a in dataset.items()}
        run["dataset"] = dataset
        return (
            f"s3://{conf['S3Bucket']}/{conf['S3ObjectKey']} (version {put['VersionId'][:8]}), "
            f"data {rows['train']} train / {rows['validation']} validation rows"
        )

    def train(self, run: dict[str, Any]) -> str:
        action = self._action("Invoke", "StepFunctions")
        conf = action["configuration"]
        session = self.action_session(action)
        s3 = self.aws.client("s3", session=session)
        source_key = run["artifacts"][action["inputArtifacts"][0]["name"]]
        archive = zipfile.ZipFile(
            io.BytesIO(s3.get_object(Bucket=self.bucket, Key=source_key)["Body"].read())
        )
        if conf.get("InputType") == "FilePath":
            try:
                execution_input = archive.read(conf["Input"]).decode()
            except KeyError:
                raise StageFailed("Train", f"the source artifact has no file {conf['Input']}") from None
        else:
            execution_input = conf.get("Input", "{}")
        sfn = self.aws.client("stepfunctions", session=session)
        action_execution_id = str(uuid.uuid4())
        name = f"{conf['ExecutionNamePrefix']}-{action_execution_id}"[:80]
        execution_arn = sfn.start_execution(
            stateMachineArn=conf["StateMachineArn"], name=name, input=execution_input
        )["executionArn"]
        run["variables"]["Train"] = {
            "ExecutionArn": execution_arn,
            "StateMachineArn": conf["StateMachineArn"],
        }
        run["result"].training_execution_arn = execution_arn
        self.log(f"           execution {execution_arn}")
        deadline = time.monotonic() + TRAIN_TIMEOUT_SECONDS
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                sfn.stop_execution(executionArn=execution_arn, cause="rehearsal timeout")
                raise StageFailed("Train", f"execution {name} did not finish in {TRAIN_TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
        if described["status"] != "SUCCEEDED":
            error = described.get("error") or described["status"]
            cause = described.get("cause") or ""
            raise StageFailed(
                "Train", f"execution {name} {described['status']}: {error}: {cause}".rstrip(": ")
            )
        output = json.loads(described.get("output") or "{}")
        run["result"].training_output = output
        key = self._artifact_key(action["outputArtifacts"][0]["name"])
        body = zip_bytes({f"{name}.json": described["output"].encode()})
        self._put_artifact(s3, key, body)
        run["artifacts"][action["outputArtifacts"][0]["name"]] = key
        gate = output.get("quality_gate") or {}
        return (
            f"{output.get('training_job_name')}: {gate.get('metric')} = {gate.get('value', math.nan):.4f} "
            f"(threshold {gate.get('threshold')})"
        )

    def approve(self, run: dict[str, Any], mode: str, ask: Callable[[str], str] = input) -> str:
        stage = next(
            s["name"]
            for s in self.pipeline["stages"]
            if s["actions"][0]["actionTypeId"]["category"] == "Approval"
        )
        action = self.actions[stage]
        token = compat.open_approval(self.account_a, self.pipeline_name, stage, action["name"])
        custom = self._resolve(action["configuration"].get("CustomData", ""), run)
        if mode == "reject":
            status, summary = "Rejected", "rejected by the rehearsal (--reject)"
        elif mode == "interactive":
            self.log(f"           {custom}")
            answer = ask("           approve this model for production? [y/N] ").strip().lower()
            status = "Approved" if answer in ("y", "yes") else "Rejected"
            summary = f"{status.lower()} interactively"
        else:
            status, summary = "Approved", "approved automatically by the rehearsal"
        self.persona_client("codepipeline", "approvers").put_approval_result(
            pipelineName=self.pipeline_name,
            stageName=stage,
            actionName=action["name"],
            result={"summary": summary, "status": status},
            token=token,
        )
        if status != "Approved":
            raise StageFailed("Approve", f"the model was rejected by the reviewer ({summary})")
        return summary

    def _resolve(self, text: str, run: dict[str, Any]) -> str:
        text = text.replace("#{codepipeline.PipelineExecutionId}", run["result"].pipeline_execution_id)
        for namespace, variables in run["variables"].items():
            for name, value in variables.items():
                text = text.replace(f"#{{{namespace}.{name}}}", value)
        return text

    def deploy(self, run: dict[str, Any]) -> str:
        action = self._action("Invoke", "Lambda")
        conf = action["configuration"]
        session = self.action_session(action)
        creds = session.get_credentials().get_frozen_credentials()
        function = conf["FunctionName"]
        runtime = LambdaRuntime(
            self.aws, function, "production", self.package, log_file=self.work_dir / "deployer.log"
        )
        input_name = action["inputArtifacts"][0]["name"]
        data = {
            "actionConfiguration": {
                "configuration": {
                    "FunctionName": function,
                    "UserParameters": self._resolve(conf.get("UserParameters", ""), run),
                }
            },
            "inputArtifacts": [
                {
                    "name": input_name,
                    "revision": None,
                    "location": {
                        "type": "S3",
                        "s3Location": {"bucketName": self.bucket, "objectKey": run["artifacts"][input_name]},
                    },
                }
            ],
            "outputArtifacts": [],
            "artifactCredentials": {
                "accessKeyId": creds.access_key,
                "secretAccessKey": creds.secret_key,
                "sessionToken": creds.token,
            },
            "encryptionKey": {"id": self.key_arn, "type": "KMS"},
        }
        token = None
        for invocation in range(1, MAX_INVOCATIONS + 1):
            job_data = copy.deepcopy(data)
            if token:
                job_data["continuationToken"] = token
            job_id = compat.open_job(self.account_a, job_data)
            event = {"CodePipeline.job": {"id": job_id, "accountId": self.account_a, "data": job_data}}
            try:
                runtime.invoke(event)
            except InvocationError as error:
                if compat.JOBS[job_id]["status"] == "InProgress":
                    raise StageFailed(
                        "Deploy",
                        f"the deployer raised {error} without answering job {job_id} "
                        "(CodePipeline would time the job out)",
                    ) from None
            job = compat.JOBS[job_id]
            answer = job["answer"]
            if answer is None:
                raise StageFailed("Deploy", f"the deployer returned without answering job {job_id}")
            callback = self.outputs["shared"]["callback_role_arn"]
            if answer.get("caller") != callback:
                raise StageFailed(
                    "Deploy", f"job {job_id} was answered by {answer.get('caller')}, not {callback}"
                )
            if answer["result"] == "failure":
                details = answer["failureDetails"]
                raise StageFailed("Deploy", f"{details['type']}: {details['message']}")
            summary = (answer.get("executionDetails") or {}).get("summary", "")
            token = answer.get("continuationToken")
            if not token:
                variables = answer.get("outputVariables") or {}
                run["variables"]["Deploy"] = variables
                run["result"].deployment = dict(variables, invocations=invocation, summary=summary)
                return f"{summary} ({invocation} invocations)"
            self.log(f"           invocation {invocation}: {summary}")
            time.sleep(CONTINUATION_SECONDS)
        raise StageFailed("Deploy", f"still deploying after {MAX_INVOCATIONS} invocations")

    def score(self, run: dict[str, Any]) -> str:
        endpoint = self.outputs["production"]["endpoint_name"]
        validation = run["dataset"]["validation"]
        body = "\n".join(",".join(f"{v:.10g}" for v in row[1:]) for row in validation)
        runtime = self.aws.client("sagemaker-runtime", "production")
        try:
            answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=body)
        except Exception as error:
            raise StageFailed("Score", f"InvokeEndpoint {endpoint}: {error}") from None
        predictions = np.array([float(x) for x in answer["Body"].read().decode().split()])
        labels = validation[:, 0]
        config = self.aws.client("sagemaker", "production").describe_endpoint(EndpointName=endpoint)
        result: dict[str, Any] = {
            "endpoint": endpoint,
            "endpoint_config": config["EndpointConfigName"],
            "variant": answer.get("InvokedProductionVariant"),
            "rows": len(labels),
        }
        if set(np.unique(labels)) <= {0.0, 1.0}:
            result["auc"] = auc(labels, predictions)
            result["accuracy"] = float(np.mean((predictions >= 0.5) == (labels == 1)))
            text = f"AUC {result['auc']:.4f}, accuracy {result['accuracy']:.4f}"
        else:
            result["rmse"] = float(np.sqrt(np.mean((predictions - labels) ** 2)))
            text = f"RMSE {result['rmse']:.4f}"
        run["result"].score = result
        return f"{endpoint} ({config['EndpointConfigName']}): {text} on {len(labels)} validation rows"

    # --------------------------------------------------------------------------------------------- run
    def run(
        self,
        config: dict[str, Any],
        data_dir: Path = DEFAULT_DATA,
        approval: str = "auto",
        ask: Callable[[str], str] = input,
        before_deploy: Callable[[dict[str, Any]], None] | None = None,
        score: bool = True,
    ) -> RunResult:
        result = RunResult(pipeline_execution_id=str(uuid.uuid4()))
        run: dict[str, Any] = {"result": result, "artifacts": {}, "variables": {}}
        self.log(f"pipeline {self.pipeline_name}: execution {result.pipeline_execution_id}")
        stages: list[tuple[str, Callable[[], str]]] = [
            ("Source", lambda: self.source(config, Path(data_dir), run)),
            ("Train", lambda: self.train(run)),
            ("Approve", lambda: self.approve(run, approval, ask)),
            ("Deploy", lambda: (before_deploy and before_deploy(run)) or self.deploy(run)),
        ]
        if score:
            stages.append(("Score", lambda: self.score(run)))
        for name, stage in stages:
            self.log(f"  {name:<8} ...")
            started = time.monotonic()
            try:
                detail = stage()
            except StageFailed as failure:
                result.failed = failure
            except DataError as error:
                result.failed = StageFailed(name, str(error))
            elapsed = time.monotonic() - started
            if result.failed is not None:
                result.stages.append((name, elapsed, f"FAILED: {result.failed.reason}"))
                self.log(f"  {name:<8} FAILED after {elapsed:.1f} s: {result.failed.reason}")
                break
            result.stages.append((name, elapsed, detail))
            self.log(f"  {name:<8} ok {elapsed:5.1f} s  {detail}")
        return result
