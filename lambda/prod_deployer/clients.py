"""Where the deployer gets its AWS clients: the one seam tests swap (see tests/lambda/deployer_testkit.py).

``ClientFactory`` builds boto3 clients in the Lambda's own account and region (SageMaker, CloudWatch, STS),
an S3 client with the job's artifact credentials, and a CodePipeline client with the credentials of A's
callback role. boto3 is imported on first use, which keeps the handler module cheap to import.
"""

from __future__ import annotations

from typing import Any

from .event import ArtifactCredentials


class ClientFactory:
    """Default factory: boto3 clients with standard retries and short timeouts (never hang the Lambda)."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    @staticmethod
    def _config(**extra: Any) -> Any:
        from botocore.config import Config

        return Config(
            connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 4}, **extra
        )

    def _cached(self, service: str) -> Any:
        if service not in self._cache:
            import boto3

            self._cache[service] = boto3.client(service, config=self._config())
        return self._cache[service]

    def sts(self) -> Any:
        return self._cached("sts")

    def sagemaker(self) -> Any:
        return self._cached("sagemaker")

    def cloudwatch(self) -> Any:
        return self._cached("cloudwatch")

    def s3(self, credentials: ArtifactCredentials) -> Any:
        """S3 with the job's artifact credentials; SigV4 is required to read SSE-KMS objects."""
        import boto3

        return boto3.client(
            "s3",
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token or None,
            config=self._config(signature_version="s3v4"),
        )

    def codepipeline(self, credentials: dict[str, str]) -> Any:
        """CodePipeline with the assumed callback role's credentials (STS AssumeRole ``Credentials``)."""
        import boto3

        return boto3.client(
            "codepipeline",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            config=self._config(),
        )
