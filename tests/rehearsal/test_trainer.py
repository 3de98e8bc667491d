"""The local SageMaker XGBoost trainer, against the embedded S3 with the execution role's credentials."""

from __future__ import annotations

import pytest

from conftest import training_request
from rehearsal.trainer import (
    TrainingJobFailed,
    load_model_archive,
    parse_csv,
    parse_hyperparameters,
    predict_csv,
    run_training_job,
)


@pytest.fixture(scope="module")
def role_s3(aws, artifacts):
    return aws.client("s3", session=aws.session_for_role(artifacts["sagemaker_role_arn"], "SageMaker"))


def test_trains_on_sample_data_and_writes_encrypted_model(aws, artifacts, role_s3):
    result = run_training_job(
        training_request(artifacts, "p-train-unit-1", eval_metric="auc,logloss"), role_s3
    )

    bucket = artifacts["bucket"]
    key = "models/p-train-unit-1/output/model.tar.gz"
    assert result.model_data_url == f"s3://{bucket}/{key}"
    head = role_s3.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == artifacts["key_arn"]
    names = [m["MetricName"] for m in result.final_metrics]
    assert names == ["validation:auc", "validation:logloss", "train:auc", "train:logloss"]
    auc = result.final_metrics[0]["Value"]
    assert 0.75 < auc < 0.99, auc
    assert result.rows == {"train": 1200, "validation": 400}
    booster = load_model_archive(role_s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    predictions = predict_csv(booster, "12,74.4,1,1,-0.07,0.70,-1.08,0.75,0.70,1.52,0.33,0.02\n")
    assert len(predictions) == 1 and 0.0 <= predictions[0] <= 1.0


def test_malformed_csv_fails_with_a_clear_reason(aws, artifacts, role_s3):
    bucket = artifacts["bucket"]
    role_s3.put_object(Bucket=bucket, Key="data/bad/train.csv", Body=b"1,2,3\n0,4,x\n")
    request = training_request(artifacts, "p-train-unit-bad")
    request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = f"s3://{bucket}/data/bad/"
    with pytest.raises(TrainingJobFailed) as failure:
        run_training_job(request, role_s3)
    assert failure.value.reason.startswith("ClientError: Unable to read data in channel 'train'")
    assert "line 2" in failure.value.reason and "'x' is not a number" in failure.value.reason


def test_empty_channel_fails(aws, artifacts, role_s3):
    request = training_request(artifacts, "p-train-unit-empty")
    request["InputDataConfig"][1]["DataSource"]["S3DataSource"]["S3Uri"] = (
        f"s3://{artifacts['bucket']}/nothing/"
    )
    with pytest.raises(TrainingJobFailed, match="No data found in channel 'validation'"):
        run_training_job(request, role_s3)


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ({"num_round": "ten"}, "Hyperparameter 'num_round' is 'ten': it must be an integer >= 1"),
        ({"eta": "2"}, "Hyperparameter 'eta' is '2'"),
        ({"max_dept": "3"}, "Hyperparameter 'max_dept' is not recognized"),
    ],
)
def test_bad_hyperparameters_fail_before_reading_data(hyperparameters, message):
    with pytest.raises(TrainingJobFailed, match=message):
        parse_hyperparameters({"num_round": "5", **hyperparameters})


def test_unknown_metric_is_an_algorithm_error(aws, artifacts, role_s3):
    request = training_request(artifacts, "p-train-unit-metric", eval_metric="not-a-metric")
    with pytest.raises(TrainingJobFailed, match=r"^AlgorithmError: .*Unknown metric function not-a-metric"):
        run_training_job(request, role_s3)


def test_header_row_is_named():
    with pytest.raises(TrainingJobFailed, match="a header row"):
        parse_csv("label,a,b\n1,2,3\n", "train.csv")


def test_ragged_rows_are_named():
    with pytest.raises(TrainingJobFailed, match="line 2: 2 columns where the previous lines have 3"):
        parse_csv("1,2,3\n0,1\n", "train.csv")
