"""Fixtures for the deployer Lambda tests; the helpers live in deployer_testkit.py (see its docstring)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.client
import botocore.hooks
import botocore.loaders
import pytest
from deployer_testkit import (
    ACCOUNT_A,
    ACCOUNT_C,
    ARTIFACT_BUCKET,
    PACKAGE_GROUP,
    REGION,
    STORE_BUCKET,
    RecordingClients,
    SageMakerSim,
    World,
    make_env,
)
from moto import mock_aws


@pytest.fixture(scope="package", autouse=True)
def _botocore_built_once() -> Iterator[None]:
    """What botocore builds again for each session and client, built once for these tests: about half of their
    time went to building about 240 sessions and 770 clients. Sessions, credentials, clients and their event
    handlers stay each test's own; what is shared is a pure function of botocore's data files:
    - the service models: one loader for every session, rather than parsing the models again for each;
    - event-name aliases: EventAliaser maps every event name through botocore's fixed EVENT_ALIASES, with a
      cache of its own per session and per client, so each session's ~120 builtin handler registrations ran
      the mapping loop again. Aliasers with the default aliases share one cache;
    - client classes: ClientCreator._create_client_class builds a class with a method per operation (about
      350 for SageMaker) from the service model and the session's creating-client-class handlers. The handlers
      are botocore's and boto3's builtins in every session here (these tests register handlers on clients,
      client.meta.events, never on a session), so the class of a (service, API version) is built once."""
    loader = botocore.loaders.create_loader()
    aliases: dict[str, str] = {}
    aliaser_init = botocore.hooks.EventAliaser.__init__

    def shared_alias_cache(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        aliaser_init(self, event_emitter, event_aliases)
        if self._event_aliases == botocore.hooks.EVENT_ALIASES:
            self._alias_name_cache = aliases

    classes: dict[tuple[str, str], type] = {}
    create_class = botocore.client.ClientCreator._create_client_class

    def class_once(self: Any, service_name: str, service_model: Any) -> type:
        key = (service_name, service_model.api_version)
        if key not in classes:
            classes[key] = create_class(self, service_name, service_model)
        return classes[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("botocore.session.create_loader", lambda *_args, **_kw: loader)
        patch.setattr(botocore.hooks.EventAliaser, "__init__", shared_alias_cache)
        patch.setattr(botocore.client.ClientCreator, "_create_client_class", class_once)
        yield


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        # The deployer's own credentials: a session of its execution role in account C, as in Lambda.
        own = boto3.client("sts", region_name=REGION).assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT_C}:role/mlops-deployer", RoleSessionName="mlops-deployer"
        )["Credentials"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", own["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", own["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", own["SessionToken"])
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # botocore caches credentials per session
        # The deployer's clients (the ones its handler then uses) set up account C below.
        clients = RecordingClients()
        # Account A: the artifact bucket and its CMK; the artifact credentials are a session in A.
        creds = clients.sts().assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/mlops-pipeline", RoleSessionName="codepipeline"
        )["Credentials"]
        session_a = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=REGION,
        )
        s3_a = session_a.client("s3")
        s3_a.create_bucket(Bucket=ARTIFACT_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        # (A key ARN, not a moto KMS key: creating one costs an RSA key generation per test.)
        key_id = f"arn:aws:kms:{REGION}:{ACCOUNT_A}:key/11111111-aaaa-bbbb-cccc-222222222222"
        s3_a.put_bucket_encryption(
            Bucket=ARTIFACT_BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_id,
                        }
                    }
                ]
            },
        )
        # Versioned, as modules/kms-bucket makes it: the state machine pins the model's version.
        s3_a.put_bucket_versioning(Bucket=ARTIFACT_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        STORE_KEY_ID = "33333333-aaaa-bbbb-cccc-444444444444"
        # Account C: the model store (versioned, SSE-KMS by default) and the model package group.
        s3_c = clients.own_s3()
        s3_c.create_bucket(Bucket=STORE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3_c.put_bucket_versioning(Bucket=STORE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3_c.put_bucket_encryption(
            Bucket=STORE_BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": f"arn:aws:kms:{REGION}:{ACCOUNT_C}:key/{STORE_KEY_ID}",
                        }
                    }
                ]
            },
        )
        clients.sagemaker().create_model_package_group(ModelPackageGroupName=PACKAGE_GROUP)
        # Account C: the rollback alarm the instance settings name.
        clients.cloudwatch().put_metric_alarm(
            AlarmName="mlops-endpoint-5xx",
            MetricName="Invocation5XXErrors",
            Namespace="AWS/SageMaker",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        yield World(
            clients=clients,
            sim=SageMakerSim(clients),
            artifact_credentials={
                "accessKeyId": creds["AccessKeyId"],
                "secretAccessKey": creds["SecretAccessKey"],
                "sessionToken": creds["SessionToken"],
            },
            s3_a=s3_a,
            env=make_env(),
        )
