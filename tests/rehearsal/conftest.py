"""Fixtures for the rehearsal's unit tests: one embedded emulator per session, sample data in a bucket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


DATA = ROOT / "pipeline" / "data"
REGION = "eu-west-1"
TRAINING_ROLE = "p-training-sagemaker"


def secure_bucket_policy(bucket: str, key_arn: str) -> dict:
    """The artifact bucket's policy shape: TLS only, SSE-KMS with this key only (headers optional)."""
    objects = f"arn:aws:s3:::{bucket}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", objects],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOtherEncryption",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {
                    "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                    "Null": {"s3:x-amz-server-side-encryption": "false"},
                },
            },
            {
                "Sid": "DenyOtherKey",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {
                    "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn},
                    "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
                },
            },
        ],
    }


def artifact_users(aws) -> list[str]:
    """The roles of B and C that the tests let use A's bucket and key (the contract's pattern: the account
    root narrowed to role ARNs by aws:PrincipalArn; roles that do not exist yet can be named). Each still
    needs its identity policy (`grant_artifacts`): cross account, both sides must allow."""
    return [f"arn:aws:iam::{aws.accounts[a]}:role/*" for a in ("training", "production")]


def artifact_access_policy(artifacts: dict) -> dict:
    """The identity policy a role of B or C needs besides A's grants: cross account, both sides must allow."""
    bucket = artifacts["bucket"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": artifacts["key_arn"],
            },
        ],
    }


def grant_artifacts(aws, account: str, role_name: str, artifacts: dict) -> None:
    aws.client("iam", account).put_role_policy(
        RoleName=role_name,
        PolicyName="artifacts",
        PolicyDocument=json.dumps(artifact_access_policy(artifacts)),
    )


@pytest.fixture(scope="session")
def artifacts(aws):
    """Account A's artifact bucket (CMK default encryption, the secure policy, a grant to roles p-* of B and
    C) holding the sample data, and account B's SageMaker execution role, allowed to use them."""
    s3 = aws.client("s3", "shared")
    kms = aws.client("kms", "shared")
    outside = {
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{aws.accounts[a]}:root" for a in ("training", "production")]},
        "Condition": {"ArnLike": {"aws:PrincipalArn": artifact_users(aws)}},
    }
    key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{aws.accounts['shared']}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {**outside, "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
        ],
    }
    key_arn = kms.create_key(Description="artifacts", Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
    bucket = f"p-artifacts-{aws.accounts['shared']}-{REGION}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    policy = secure_bucket_policy(bucket, key_arn)
    objects = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    policy["Statement"].append(
        {**outside, "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject"], "Resource": objects}
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    for name in ("train", "validation"):
        s3.put_object(Bucket=bucket, Key=f"data/{name}/{name}.csv", Body=(DATA / f"{name}.csv").read_bytes())
    iam = aws.client("iam", "training")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
            }
        ],
    }
    role_arn = iam.create_role(RoleName=TRAINING_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    result = {"bucket": bucket, "key_arn": key_arn, "sagemaker_role_arn": role_arn}
    grant_artifacts(aws, "training", TRAINING_ROLE, result)
    return result


def training_request(artifacts: dict, name: str, **hyperparameters: str) -> dict:
    """A CreateTrainingJob request shaped like the state machine's."""
    bucket = artifacts["bucket"]
    hp = {
        "num_round": "60",
        "objective": "binary:logistic",
        "eval_metric": "auc",
        "max_depth": "4",
        "eta": "0.2",
    }
    hp.update(hyperparameters)
    return {
        "TrainingJobName": name,
        "RoleArn": artifacts["sagemaker_role_arn"],
        "AlgorithmSpecification": {
            "TrainingImage": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "TrainingInputMode": "File",
        },
        "HyperParameters": hp,
        "InputDataConfig": [
            {
                "ChannelName": c,
                "ContentType": "text/csv",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{bucket}/data/{c}/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
            for c in ("train", "validation")
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/models", "KmsKeyId": artifacts["key_arn"]},
        "ResourceConfig": {
            "InstanceType": "ml.m5.large",
            "InstanceCount": 1,
            "VolumeSizeInGB": 5,
            "VolumeKmsKeyId": artifacts["key_arn"],
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
