"""What the rehearsal's failure and attack switches do to a run, each as the principal that could do it on
AWS.

Each function is a ``before_action`` hook of PipelineRunner.run (it runs just before the action of that name):

  damage_model     --fail-deploy, before Verify: training produced a model that passes the gate but cannot be
                   served. B's SageMaker role writes bytes no XGBoost container loads, B's action role (which
                   writes the Train stage's output artifact) pins that version in the training output; the
                   deployer stores and deploys it, SageMaker's health check fails and the update rolls back.
  tamper_output    --tamper-output, before Deploy (after the approval): B's action role rewrites the training
                   output with another image or another model. The deployer refuses it, naming the field.
  overwrite_model  --overwrite-model, before Deploy: B's SageMaker role overwrites the model object under
                   models/. Production serves the approved bytes (C's verified copy) all the same.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .runner import zip_bytes
from .trainer import parse_s3_url

UNLOADABLE = b"this is not a model archive\n"
FOREIGN_IMAGE = "999999999999.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def _as_trainer(aws: Any, runner: Any) -> Any:
    """B's SageMaker training role, as SageMaker assumes it (the role that writes models/)."""
    session = aws.session_for_role(runner.outputs["training"]["sagemaker_role_arn"], "SageMaker")
    return aws.client("s3", session=session)


def _rewrite_training_output(runner: Any, run: dict[str, Any], output: dict[str, Any]) -> None:
    """B's action role writes the Train stage's output artifact (as CodePipeline has it do), here again."""
    train = runner._action("Invoke", "StepFunctions")
    s3 = runner.aws.client("s3", session=runner.action_session(train))
    key = run["artifacts"][train["outputArtifacts"][0]["name"]]
    runner._put_artifact(s3, key, zip_bytes({"output.json": json.dumps(output).encode()}))
    run["result"].training_output = output


def _put_model(aws: Any, runner: Any, url: str, data: bytes) -> dict[str, Any]:
    bucket, key = parse_s3_url(url)
    return _as_trainer(aws, runner).put_object(Bucket=bucket, Key=key, Body=data, ChecksumAlgorithm="SHA256")


def damage_model(aws: Any, runner: Any, run: dict[str, Any]) -> None:
    output = dict(run["result"].training_output)
    put = _put_model(aws, runner, output["model_data_url"], UNLOADABLE)
    _rewrite_training_output(
        runner, run, dict(output, model_version_id=put["VersionId"], model_sha256=put["ChecksumSHA256"])
    )


def tamper_output(aws: Any, runner: Any, run: dict[str, Any], field: str = "image_uri") -> None:
    """Another image (field image_uri), or another model (field model_sha256: new bytes, pinned)."""
    output = dict(run["result"].training_output)
    if field == "image_uri":
        output["image_uri"] = FOREIGN_IMAGE
    else:
        put = _put_model(aws, runner, output["model_data_url"], UNLOADABLE)
        output.update(model_version_id=put["VersionId"], model_sha256=put["ChecksumSHA256"])
    _rewrite_training_output(runner, run, output)


def overwrite_model(aws: Any, runner: Any, run: dict[str, Any]) -> None:
    _put_model(aws, runner, run["result"].training_output["model_data_url"], UNLOADABLE)


def served_model_sha256(aws: Any, runner: Any) -> str:
    """Base64 SHA-256 of the bytes C's endpoint serves: endpoint -> config -> model -> its model package's
    container -> the object, read as the model's execution role (as SageMaker reads it)."""
    sm = aws.client("sagemaker", "production")
    endpoint = sm.describe_endpoint(EndpointName=runner.outputs["production"]["endpoint_name"])
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = sm.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    container = model["PrimaryContainer"]
    if "ModelPackageName" in container:
        package = sm.describe_model_package(ModelPackageName=container["ModelPackageName"])
        container = package["InferenceSpecification"]["Containers"][0]
    bucket, key = parse_s3_url(container["ModelDataUrl"])
    s3 = aws.client("s3", session=aws.session_for_role(model["ExecutionRoleArn"], "SageMaker"))
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
