"""SageMaker training: CreateTrainingJob runs a real training in a worker thread (P5)."""

from __future__ import annotations

import threading
from typing import Any

from .server import LOG, Patch, _client, _emulator, _join, _patch, _service_role, _unique, register

# ====================================================================================== P5 SageMaker training
# Gap: moto's CreateTrainingJob records the job as Completed immediately, with a fake metric (train:progress)
# and no model.tar.gz.
# See it: `_reproduce_sagemaker_training`: create_training_job(...), describe_training_job -> Completed, no
# S3 object.
# Fix: the job starts InProgress and rehearsal.trainer runs it in a thread with the credentials of the job's
# RoleArn (assumed through STS: what SageMaker does), reading the channels and writing the model with the
# request's KmsKeyId; the job ends Completed (FinalMetricDataList, ModelArtifacts) or Failed (FailureReason).
# moto also accepts a second job under a name in use (it replaces the first); SageMaker refuses it with
# ResourceInUse, "Training job names must be unique within an AWS account and region, and a training job with
# this name already exists (<arn>)" (the answer quoted in aws/amazon-sagemaker-examples#3108 and
# SuperCowPowers/workbench#384; CreateTrainingJob's errors in the SageMaker API Reference). See it:
# the same reproduction creates the job twice with one name: both succeed.
_TRAINING_THREADS: list[threading.Thread] = []


def _run_training(job: Any, request: dict[str, Any]) -> None:
    from moto.core.utils import utcnow

    from ..trainer import TrainingJobFailed, run_training_job

    emulator = _emulator()
    started = utcnow()
    job.training_start_time = started
    try:
        session = emulator.session_for_role(request["RoleArn"], "SageMaker")
        s3 = emulator.client("s3", session=session)
        result = run_training_job(request, s3)
    except TrainingJobFailed as failure:
        job.training_job_status = job.secondary_status = "Failed"
        job.failure_reason = failure.reason
        job.final_metric_data_list = []
        job.model_artifacts = None
    except Exception as error:  # the trainer itself broke: say so, as SageMaker's InternalServerError would
        LOG.exception("local training crashed")
        job.training_job_status = job.secondary_status = "Failed"
        job.failure_reason = (
            f"InternalServerError: local trainer crashed: {error.__class__.__name__}: {error}"
        )
        job.final_metric_data_list = []
        job.model_artifacts = None
    else:
        now = utcnow()
        job.final_metric_data_list = [dict(m, Timestamp=now) for m in result.final_metrics]
        job.model_artifacts = {"S3ModelArtifacts": result.model_data_url}
        job.training_job_status = job.secondary_status = "Completed"
    ended = utcnow()
    job.training_end_time = job.last_modified_time = ended
    job.training_time_in_seconds = max(1, int((ended - started).total_seconds()))
    job.billable_time_in_seconds = job.training_time_in_seconds
    job.secondary_status_transitions.append(
        {
            "Status": job.secondary_status,
            "StartTime": started,
            "EndTime": ended,
            "StatusMessage": getattr(job, "failure_reason", None) or "Training job completed",
        }
    )


def _install_sagemaker_training() -> None:
    import copy

    from moto.sagemaker import models as sm_models
    from moto.sagemaker.exceptions import ResourceInUseException

    original = sm_models.SageMakerModelBackend.create_training_job

    def create_training_job(
        self: Any,
        training_job_name: str,
        hyper_parameters: dict,
        algorithm_specification: dict,
        role_arn: str,
        input_data_config: list,
        output_data_config: dict,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if training_job_name in self.training_jobs:
            arn = sm_models.FakeTrainingJob.arn_formatter(
                training_job_name, self.account_id, self.region_name
            )
            raise ResourceInUseException(
                message="Training job names must be unique within an AWS account and region, and a training "
                f"job with this name already exists ({arn})"
            )
        request = {
            "TrainingJobName": training_job_name,
            "HyperParameters": copy.deepcopy(hyper_parameters or {}),
            "AlgorithmSpecification": copy.deepcopy(algorithm_specification),
            "RoleArn": role_arn,
            "InputDataConfig": copy.deepcopy(input_data_config),
            "OutputDataConfig": copy.deepcopy(output_data_config),
        }
        spec = copy.deepcopy(algorithm_specification)
        job = original(
            self,
            training_job_name,
            hyper_parameters,
            algorithm_specification,
            role_arn,
            input_data_config,
            output_data_config,
            *args,
            **kwargs,
        )
        job.algorithm_specification = spec  # moto writes a fake MetricDefinitions into the request's copy
        job.training_job_status, job.secondary_status = "InProgress", "Training"
        job.final_metric_data_list = []
        job.failure_reason = None
        job.training_end_time = None
        thread = threading.Thread(
            target=_run_training, args=(job, request), name=f"train-{training_job_name}", daemon=True
        )
        _TRAINING_THREADS.append(thread)
        thread.start()
        return job

    _patch(sm_models.SageMakerModelBackend, "create_training_job", create_training_job)


def wait_for_training_threads(timeout: float = 120) -> None:
    """Join the training threads started so far (for a clean stop); log the ones still running."""
    _join(_TRAINING_THREADS, timeout)


def _reproduce_sagemaker_training(emulator: Any) -> bool:
    from botocore.exceptions import ClientError

    sm = _client(emulator, "sagemaker", "training")
    role = _service_role(emulator, "training", ["sagemaker.amazonaws.com"])
    nowhere = f"s3://{_unique('p-repro-no-bucket')}"
    request = {
        "TrainingJobName": _unique("p-repro-train"),
        "AlgorithmSpecification": {"TrainingImage": "xgboost", "TrainingInputMode": "File"},
        "RoleArn": role,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"{nowhere}/train/"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"{nowhere}/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    sm.create_training_job(**request)
    # The data does not exist: a real training cannot have completed.
    completed = sm.describe_training_job(TrainingJobName=request["TrainingJobName"])["TrainingJobStatus"]
    try:
        sm.create_training_job(**request)
    except ClientError as error:
        return completed == "Completed" or error.response["Error"]["Code"] != "ResourceInUse"
    return True


register(
    Patch(
        "P5",
        "sagemaker-training",
        "moto's CreateTrainingJob is Completed at once with no model, and replaces a job whose name is in "
        "use.",
        _install_sagemaker_training,
        _reproduce_sagemaker_training,
    )
)
