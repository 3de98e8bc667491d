"""Run the pipeline that Terraform applied, as S3, EventBridge and CodePipeline would.

Everything comes from the emulator: the pipeline definition (GetPipeline in account A: its role, artifact
store and key, its stages and each action's type, role and configuration), the EventBridge rules and targets
of A, the state machine in B, the deployer function and its configuration in C. The runner plays S3's
EventBridge integration, EventBridge and the CodePipeline service, and, where a person acts, that person
through their persona role in account A (apply.PERSONAS, whose policies envs/shared attached):

  Trigger  as the data writer, put the training data under data/train/ and data/validation/; as the source
           writer, put the configuration zip at the S3 source key; plain puts (the bucket's default
           encryption applies the CMK). Each put yields the "Object Created" event S3 sends to EventBridge
           (only when the bucket has EventBridgeConfiguration). Every ENABLED rule of A's default bus
           (ListRules, DescribeRule) is matched against each event with its event pattern; a matching
           rule's CodePipeline target (ListTargetsByRule) is started with StartPipelineExecution as the
           target's RoleArn, assumed as events.amazonaws.com for that rule (its trust policy decides, with
           aws:SourceAccount and aws:SourceArn of the rule). The data must start nothing and the source
           object this pipeline exactly once; its execution id is the run's.
  Then the stages of the definition, in order, each action by its actionTypeId (an action type the
  rehearsal cannot run fails the stage and names it):
  Source/S3             as the pipeline role (assumed as codepipeline.amazonaws.com for the pipeline), copy
                        the object version that started the execution into the artifact store.
  Invoke/StepFunctions  as the pipeline role, assume the action's role (B); read the configuration file named
                        by the action's `Input` (InputType FilePath) from the input artifact; StartExecution
                        on its StateMachineArn with a name from ExecutionNamePrefix; poll DescribeExecution;
                        write the output as the output artifact (zip, SSE-KMS with the store's key); the
                        namespace gets ExecutionArn and StateMachineArn.
  Approval/Manual       open an approval (compat P11); publish CodePipeline's approval notification to the
                        NotificationArn topic as the pipeline role; answer with PutApprovalResult as the
                        approver: approved automatically, rejected (--reject) or as the user answers
                        (--interactive).
  Invoke/Lambda         as the pipeline role, assume the action's role (C); build the CodePipeline job event
                        (job id, accountId, actionConfiguration with variables resolved, inputArtifacts,
                        artifactCredentials of the action role, encryptionKey); run the function's real
                        handler (lambda_runtime) until the job is answered with success without a
                        continuation token, or with a failure (each continuation opens a new job carrying
                        the token, as CodePipeline does).
  Score    the rehearsal's own check after the pipeline: InvokeEndpoint in C with the validation rows
           (features only); AUC and accuracy (binary labels) or RMSE.

A step that fails raises StageFailed(stage, reason): the runner stops there, as the pipeline does.
"""

from __future__ import annotations

import copy
import datetime
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

import boto3
import botocore.exceptions
import numpy as np

from . import authz, compat
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
APPROVAL_TIMEOUT_MINUTES = 7 * 24 * 60  # a manual approval's default timeout
CODEPIPELINE_SERVICE = "codepipeline.amazonaws.com"
EVENTS_SERVICE = "events.amazonaws.com"


class StageFailed(Exception):
    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage, self.reason = stage, reason


class DataError(ValueError):
    """The user's data is unusable (named file and line)."""


@dataclass
class RunResult:
    pipeline_execution_id: str | None = None  # StartPipelineExecution's, once the rule started it
    trigger: dict[str, Any] | None = None  # the rule, target, role and execution of the start
    stages: list[tuple[str, float, str]] = field(default_factory=list)
    training_execution_arn: str | None = None
    training_output: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None  # the Verify action's output variables (namespace Evidence)
    deployment: dict[str, Any] | None = None  # the Deploy action's output variables
    release_record: dict[str, Any] | None = None  # what the deployer recorded in C's model store
    score: dict[str, Any] | None = None
    approval_notification: dict[str, Any] | None = None  # topic, message id and message published
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


def _matches(pattern: str, event: dict[str, Any]) -> bool:
    """Does an EventBridge event pattern (the rule's JSON) match `event`? moto's matcher, AWS's rules."""
    from moto.events.models import EventPattern, EventPatternParser

    return EventPattern(pattern, EventPatternParser(pattern).parse()).matches_event(event)


def _object_of(event: dict[str, Any]) -> str:
    return f"s3://{event['detail']['bucket']['name']}/{event['detail']['object']['key']}"


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
        self.pipeline_arn = answer["metadata"]["pipelineArn"]
        self.store = self.pipeline["artifactStore"]
        self.bucket = self.store["location"]
        self.key_arn = self.store["encryptionKey"]["id"]
        # What the rehearsal runs, by actionTypeId (category, provider): the action types this product uses.
        self.action_types: dict[tuple[str, str], Callable[[str, dict[str, Any], dict[str, Any]], str]] = {
            ("Source", "S3"): self.source_s3,
            ("Invoke", "StepFunctions"): self.invoke_step_functions,
            ("Approval", "Manual"): self.approve_manual,
            ("Invoke", "Lambda"): self.invoke_lambda,
        }

    # ------------------------------------------------------------------------------------------ helpers
    def _action(self, category: str, provider: str) -> dict[str, Any]:
        for stage in self.pipeline["stages"]:
            for action in stage["actions"]:
                kind = action["actionTypeId"]
                if kind["category"] == category and kind["provider"] == provider:
                    return action
        raise StageFailed(
            "Definition", f"pipeline {self.pipeline_name} has no {category} action of provider {provider}"
        )

    def service_session(self, role_arn: str, service: str, source_arn: str) -> Any:
        """`role_arn` assumed by the AWS service `service` for the resource `source_arn` of account A, as that
        service assumes it: STS gets aws:SourceAccount and aws:SourceArn of the resource
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html) and the role's trust policy
        decides (rehearsal.authz evaluates it)."""
        key = authz.service_credentials(service, self.account_a, source_arn)
        caller = boto3.Session(aws_access_key_id=key, aws_secret_access_key=key, region_name=self.aws.region)
        try:
            return self.aws.session_for_role(role_arn, service.split(".")[0], source=caller)
        except botocore.exceptions.ClientError as error:
            raise StageFailed(
                "Trigger" if service == EVENTS_SERVICE else "Definition",
                f"{service} may not assume {role_arn} for {source_arn}: {error}",
            ) from None

    def pipeline_session(self) -> Any:
        """The pipeline's service role, as CodePipeline assumes it for this pipeline."""
        return self.service_session(self.pipeline["roleArn"], CODEPIPELINE_SERVICE, self.pipeline_arn)

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
        # As CodePipeline stores artifacts: <pipeline name, 20 characters>/<artifact name, truncated>/<random
        # key>. The truncation of the artifact name is in no table; AWS's answer on re:Post ("CodePipeline
        # truncates folder names in output artifact S3 bucket",
        # https://repost.aws/questions/QUI91tw7A9SUOMohJurNqmgA) confirms it and observed keys show 10
        # characters (.../SourceArti/...): the shortest that the action roles' grants (modules/contract
        # artifact_prefixes, 10 characters and "*") must hold for.
        return f"{self.pipeline_name[:20]}/{artifact[:10]}/{_random_key()}"

    def _put_artifact(self, s3: Any, key: str, body: bytes) -> None:
        s3.put_object(
            Bucket=self.bucket, Key=key, Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=self.key_arn
        )

    # ---------------------------------------------------------------------------------- before the run
    def put_object(self, persona: str, bucket: str, key: str, body: bytes) -> dict[str, Any] | None:
        """A plain PutObject as `persona` (the bucket's default encryption applies the CMK); returns the
        event S3 sends to EventBridge for it, or None when the bucket does not send its events there."""
        put = self.persona_client("s3", persona).put_object(Bucket=bucket, Key=key, Body=body)
        return self.object_created_event(bucket, key, len(body), put)

    def object_created_event(
        self, bucket: str, key: str, size: int, put: dict[str, Any]
    ) -> dict[str, Any] | None:
        """What S3 sends to EventBridge's default bus of the bucket owner's account for a PutObject, in
        S3's event structure (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html); S3
        sends it only when the bucket's notification configuration has EventBridgeConfiguration
        (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html; compat P12)."""
        admin_s3 = self.aws.client("s3", "shared")  # S3 reading its own bucket's setting
        if "EventBridgeConfiguration" not in admin_s3.get_bucket_notification_configuration(Bucket=bucket):
            return None
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": self.account_a,
            "time": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.aws.region,
            "resources": [f"arn:aws:s3:::{bucket}"],
            "detail": {
                "version": "0",
                "bucket": {"name": bucket},
                "object": {
                    "key": key,
                    "size": size,
                    "etag": put["ETag"].strip('"'),
                    "version-id": put["VersionId"],
                    # Orders the events of one key; S3 documents no other meaning.
                    "sequencer": f"{time.time_ns():018X}",
                },
                "request-id": put["ResponseMetadata"]["RequestId"],
                "requester": self.account_a,
                "source-ip-address": "127.0.0.1",
                "reason": "PutObject",
            },
        }

    def commit(self, config: dict[str, Any], data_dir: Path, run: dict[str, Any]) -> list[dict[str, Any]]:
        """What the people do that a pipeline execution then picks up: as the data writer, replace the
        training data under data/train/ and data/validation/; as the source writer, put the configuration zip
        at the S3 source key. Returns the S3 events of these puts, the source object's last."""
        conf = self._action("Source", "S3")["configuration"]
        run["dataset"] = load_dataset(data_dir)
        admin_s3 = self.aws.client("s3", "shared")  # the operator clears what an earlier run left
        events = []
        for channel in ("train", "validation"):
            prefix = f"{self.outputs['shared']['artifact_prefixes']['data']}{channel}/"
            listed = admin_s3.list_objects_v2(Bucket=conf["S3Bucket"], Prefix=prefix).get("Contents", [])
            for item in listed:
                admin_s3.delete_object(Bucket=conf["S3Bucket"], Key=item["Key"])
            body = (data_dir / f"{channel}.csv").read_bytes()
            events.append(self.put_object("data_writers", conf["S3Bucket"], f"{prefix}{channel}.csv", body))
        config_file = self._action("Invoke", "StepFunctions")["configuration"]["Input"]
        source_zip = zip_bytes({config_file: (json.dumps(config, indent=2) + "\n").encode()})
        source_event = self.put_object("source_writers", conf["S3Bucket"], conf["S3ObjectKey"], source_zip)
        head = admin_s3.head_object(Bucket=conf["S3Bucket"], Key=conf["S3ObjectKey"])
        if head.get("SSEKMSKeyId") != self.key_arn:
            raise StageFailed(
                "Trigger", f"the source object is not encrypted with the CMK: {head.get('SSEKMSKeyId')}"
            )
        if source_event is None:
            raise StageFailed(
                "Trigger",
                f"bucket {conf['S3Bucket']} does not send its events to EventBridge "
                "(no EventBridgeConfiguration): nothing starts the pipeline",
            )
        return [*(e for e in events if e), source_event]

    def trigger(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """EventBridge in account A: every ENABLED rule of the default bus whose event pattern matches `event`
        (moto's matcher, which implements https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html)
        delivers it to its targets. A pipeline target is started with StartPipelineExecution as the target's
        RoleArn, which EventBridge assumes for the rule
        (https://docs.aws.amazon.com/codepipeline/latest/userguide/create-cloudtrail-S3-source-cfn.html).
        Other targets are moto's (it delivers S3's events to SQS, logs and buses itself). Returns one
        {rule, target, role, execution} per pipeline started; [] when no rule matched."""
        events = self.aws.client("events", "shared")  # EventBridge reading its own rules
        started = []
        for page in events.get_paginator("list_rules").paginate(EventBusName="default"):
            for listed in page["Rules"]:
                rule = events.describe_rule(Name=listed["Name"], EventBusName="default")
                pattern = rule.get("EventPattern")
                if rule.get("State") != "ENABLED" or not pattern or not _matches(pattern, event):
                    continue
                targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName="default")["Targets"]
                for target in targets:
                    if target["Arn"].split(":")[2] != "codepipeline":
                        continue
                    if not target.get("RoleArn"):
                        raise StageFailed(
                            "Trigger", f"rule {rule['Name']}: target {target['Id']} has no RoleArn"
                        )
                    session = self.service_session(target["RoleArn"], EVENTS_SERVICE, rule["Arn"])
                    pipeline = target["Arn"].split(":", 5)[5]
                    execution = self.aws.client("codepipeline", session=session).start_pipeline_execution(
                        name=pipeline
                    )["pipelineExecutionId"]
                    started.append(
                        {
                            "rule": rule["Name"],
                            "target": target["Arn"],
                            "role": target["RoleArn"],
                            "execution": execution,
                        }
                    )
        return started

    def start(self, events: list[dict[str, Any]], run: dict[str, Any]) -> str:
        """Deliver the events of `commit` in order; this pipeline must start exactly once, on the last (the
        source object's)."""
        *others, source_event = events
        for event in others:
            if any(s["target"] == self.pipeline_arn for s in self.trigger(event)):
                raise StageFailed("Trigger", f"{_object_of(event)} started pipeline {self.pipeline_name}")
        started = [s for s in self.trigger(source_event) if s["target"] == self.pipeline_arn]
        if not started:
            raise StageFailed(
                "Trigger",
                f"no enabled rule of account A's default event bus matches the Object Created event of "
                f"{_object_of(source_event)}: pipeline {self.pipeline_name} did not start",
            )
        if len(started) > 1:
            raise StageFailed("Trigger", f"{_object_of(source_event)} started {len(started)} executions")
        (start,) = started
        run["source_event"] = source_event
        run["result"].trigger = start
        run["result"].pipeline_execution_id = start["execution"]
        return (
            f"{_object_of(source_event)} matched rule {start['rule']}: execution {start['execution']} "
            f"started as {start['role'].rsplit('/', 1)[1]}"
        )

    # ------------------------------------------------------------------------------------------ actions
    def source_s3(self, stage: str, action: dict[str, Any], run: dict[str, Any]) -> str:
        """CodePipeline's S3 source action, as the pipeline role: read the object version that started the
        execution and store it as the output artifact."""
        conf = action["configuration"]
        version = run["source_event"]["detail"]["object"]["version-id"]
        pipeline_s3 = self.aws.client("s3", session=self.pipeline_session())
        got = pipeline_s3.get_object(Bucket=conf["S3Bucket"], Key=conf["S3ObjectKey"], VersionId=version)
        key = self._artifact_key(action["outputArtifacts"][0]["name"])
        self._put_artifact(pipeline_s3, key, got["Body"].read())
        run["artifacts"][action["outputArtifacts"][0]["name"]] = key
        if action.get("namespace"):  # the S3 source action's variables
            run["variables"][action["namespace"]] = {"VersionId": version, "ETag": got["ETag"].strip('"')}
        rows = {n: a.shape[0] for n, a in run["dataset"].items()}
        return (
            f"s3://{conf['S3Bucket']}/{conf['S3ObjectKey']} (version {version[:8]}), "
            f"data {rows['train']} train / {rows['validation']} validation rows"
        )

    def invoke_step_functions(self, stage: str, action: dict[str, Any], run: dict[str, Any]) -> str:
        """The Step Functions invoke action, as the action's role (B)."""
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
                raise StageFailed(stage, f"the source artifact has no file {conf['Input']}") from None
        else:
            execution_input = conf.get("Input", "{}")
        sfn = self.aws.client("stepfunctions", session=session)
        action_execution_id = str(uuid.uuid4())
        name = f"{conf['ExecutionNamePrefix']}-{action_execution_id}"[:80]
        execution_arn = sfn.start_execution(
            stateMachineArn=conf["StateMachineArn"], name=name, input=execution_input
        )["executionArn"]
        if action.get("namespace"):  # the action's output variables
            run["variables"][action["namespace"]] = {
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
                raise StageFailed(stage, f"execution {name} did not finish in {TRAIN_TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
        if described["status"] != "SUCCEEDED":
            error = described.get("error") or described["status"]
            cause = described.get("cause") or ""
            raise StageFailed(stage, f"execution {name} {described['status']}: {error}: {cause}".rstrip(": "))
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

    def approve_manual(self, stage: str, action: dict[str, Any], run: dict[str, Any]) -> str:
        """The manual approval: open it (compat P11), notify its topic, and answer it with
        PutApprovalResult as the approver: approved automatically, rejected (--reject) or as the user
        answers (--interactive)."""
        token = compat.open_approval(
            self.account_a, self.pipeline_name, stage, action["name"], run["result"].pipeline_execution_id
        )
        custom = self._resolve(action["configuration"].get("CustomData", ""), run)
        if action["configuration"].get("NotificationArn"):
            self.notify_approval(stage, action, token, custom, run)
        mode = run["approval"]
        if mode == "reject":
            status, summary = "Rejected", "rejected by the rehearsal (--reject)"
        elif mode == "interactive":
            self.log(f"           {custom}")
            answer = run["ask"]("           approve this model for production? [y/N] ").strip().lower()
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
            raise StageFailed(stage, f"the model was rejected by the reviewer ({summary})")
        return summary

    def notify_approval(
        self, stage: str, action: dict[str, Any], token: str, custom: str, run: dict[str, Any]
    ) -> None:
        """Publish to the action's NotificationArn what CodePipeline publishes when a manual approval
        starts (https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-json-format.html), as the
        pipeline's service role (CodePipeline publishes with it: the topic policy and the topic's key decide).
        The action expires after timeoutInMinutes, seven days by default
        (https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals.html)."""
        region = self.aws.region
        console = (
            f"https://console.aws.amazon.com/codepipeline/home?region={region}#/view/{self.pipeline_name}"
        )
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            minutes=int(action.get("timeoutInMinutes") or APPROVAL_TIMEOUT_MINUTES)
        )
        message = {
            "region": region,
            "consoleLink": console,
            "approval": {
                "pipelineName": self.pipeline_name,
                "stageName": stage,
                "actionName": action["name"],
                "token": token,
                "expires": expires.strftime("%Y-%m-%dT%H:%MZ"),
                "externalEntityLink": self._resolve(
                    action["configuration"].get("ExternalEntityLink", ""), run
                ),
                "approvalReviewLink": f"{console}/{stage}/{action['name']}/approve/{token}",
                "customData": custom,
            },
        }
        topic = action["configuration"]["NotificationArn"]
        sns = self.aws.client("sns", session=self.pipeline_session())
        try:
            published = sns.publish(TopicArn=topic, Message=json.dumps(message))
        except botocore.exceptions.ClientError as error:
            raise StageFailed(stage, f"the approval notification to {topic} was refused: {error}") from None
        run["result"].approval_notification = {
            "topic": topic,
            "message_id": published["MessageId"],
            "message": message,
        }

    def _resolve(self, text: str, run: dict[str, Any]) -> str:
        text = text.replace("#{codepipeline.PipelineExecutionId}", run["result"].pipeline_execution_id)
        for namespace, variables in run["variables"].items():
            for name, value in variables.items():
                text = text.replace(f"#{{{namespace}.{name}}}", value)
        return text

    def invoke_lambda(self, stage: str, action: dict[str, Any], run: dict[str, Any]) -> str:
        """The Lambda invoke action: the function's real handler, with the job CodePipeline would send."""
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
                        stage,
                        f"the deployer raised {error} without answering job {job_id} "
                        "(CodePipeline would time the job out)",
                    ) from None
            job = compat.JOBS[job_id]
            answer = job["answer"]
            if answer is None:
                raise StageFailed(stage, f"the deployer returned without answering job {job_id}")
            callback = self.outputs["shared"]["callback_role_arn"]
            if answer.get("caller") != callback:
                raise StageFailed(
                    stage, f"job {job_id} was answered by {answer.get('caller')}, not {callback}"
                )
            if answer["result"] == "failure":
                details = answer["failureDetails"]
                raise StageFailed(stage, f"{details['type']}: {details['message']}")
            summary = (answer.get("executionDetails") or {}).get("summary", "")
            token = answer.get("continuationToken")
            if not token:
                variables = answer.get("outputVariables") or {}
                if action.get("namespace"):
                    run["variables"][action["namespace"]] = variables
                answered = dict(variables, invocations=invocation, summary=summary)
                if action.get("namespace") == "Evidence":  # the Verify action (docs/interfaces.md)
                    run["result"].evidence = answered
                else:
                    run["result"].deployment = answered
                    if variables.get("ReleaseRecord"):
                        run["result"].release_record = self.read_release_record(variables["ReleaseRecord"])
                return f"{summary} ({invocation} invocations)"
            self.log(f"           invocation {invocation}: {summary}")
            time.sleep(CONTINUATION_SECONDS)
        raise StageFailed(stage, f"still deploying after {MAX_INVOCATIONS} invocations")

    def read_release_record(self, url: str) -> dict[str, Any]:
        """The release record in C's model store, read as C's release reader (envs/production
        release_readers: the rehearsal names C's bootstrap administrator, as an operator would name an
        auditor's role)."""
        bucket, _, key = url.removeprefix("s3://").partition("/")
        s3 = self.aws.client("s3", "production")
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

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
    def run_stage(self, stage: dict[str, Any], run: dict[str, Any]) -> str:
        """The actions of one stage of the definition in runOrder, each by its actionTypeId."""
        details = []
        for action in sorted(stage["actions"], key=lambda a: int(a.get("runOrder", 1))):
            kind = action["actionTypeId"]
            handler = self.action_types.get((kind["category"], kind["provider"]))
            if handler is None or kind["owner"] != "AWS":
                known = ", ".join(f"{c}/{p}" for c, p in self.action_types)
                raise StageFailed(
                    stage["name"],
                    f"action {action['name']} has action type {kind['category']}/{kind['owner']}/"
                    f"{kind['provider']} (version {kind['version']}), which the rehearsal cannot run "
                    f"(it runs the AWS-owned {known})",
                )
            if action["name"] in run["before_action"]:
                run["before_action"][action["name"]](run)
            details.append(handler(stage["name"], action, run))
        return "; ".join(details)

    def run(
        self,
        config: dict[str, Any],
        data_dir: Path = DEFAULT_DATA,
        approval: str = "auto",
        ask: Callable[[str], str] = input,
        before_action: dict[str, Callable[[dict[str, Any]], None]] | None = None,
        score: bool = True,
    ) -> RunResult:
        """Commit the data and the source, let EventBridge start the pipeline, then run the stages of the
        applied definition; Score (the rehearsal's own check, not a pipeline stage) last."""
        result = RunResult()
        run: dict[str, Any] = {
            "result": result,
            "artifacts": {},
            "variables": {},
            "approval": approval,
            "ask": ask,
            # What the rehearsal does (an attack, a damage) just before an action of that name runs.
            "before_action": before_action or {},
        }
        self.log(f"pipeline {self.pipeline_name}")
        steps: list[tuple[str, Callable[[], str], bool]] = [
            ("Trigger", lambda: self.start(self.commit(config, Path(data_dir), run), run), False)
        ]
        steps += [(s["name"], lambda s=s: self.run_stage(s, run), True) for s in self.pipeline["stages"]]
        if score:
            steps.append(("Score", lambda: self.score(run), True))
        for name, step, recorded in steps:
            self.log(f"  {name:<8} ...")
            started = time.monotonic()
            try:
                detail = step()
            except StageFailed as failure:
                result.failed = failure
            except DataError as error:
                result.failed = StageFailed(name, str(error))
            elapsed = time.monotonic() - started
            if result.failed is not None:
                if recorded:
                    result.stages.append((name, elapsed, f"FAILED: {result.failed.reason}"))
                self.log(f"  {name:<8} FAILED after {elapsed:.1f} s: {result.failed.reason}")
                break
            if recorded:
                result.stages.append((name, elapsed, detail))
            self.log(f"  {name:<8} ok {elapsed:5.1f} s  {detail}")
        if result.pipeline_execution_id:
            self._finish(result)
        return result

    def _finish(self, result: RunResult) -> None:
        """End the execution as CodePipeline does (compat P11): Failed when one of its stages failed (Score is
        not one of them), Succeeded otherwise."""
        stages = {s["name"] for s in self.pipeline["stages"]}
        failed = result.failed is not None and result.failed.stage in stages
        compat.finish_execution(
            self.account_a,
            self.aws.region,
            self.pipeline_name,
            result.pipeline_execution_id,
            "Failed" if failed else "Succeeded",
            str(result.failed) if failed else None,
        )
