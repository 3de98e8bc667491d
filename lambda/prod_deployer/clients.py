"""Where the deployer gets its AWS clients: the one seam tests swap (see tests/lambda/deployer_testkit.py).

``ClientFactory`` builds boto3 clients in the Lambda's own account and region (SageMaker, CloudWatch, STS),
an S3 client with the job's artifact credentials, and a CodePipeline client with the credentials of A's
callback role. boto3 is imported on first use, which keeps the handler module cheap to import. The client
types come from the boto3 stubs (mypy-boto3-*), which exist only for the type checker: the Lambda runtime
has boto3, not them, hence the TYPE_CHECKING imports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .event import ArtifactCredentials

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sts import STSClient
    from mypy_boto3_sts.type_defs import CredentialsTypeDef

Client = TypeVar("Client")


class ClientFactory:
    """Default factory: boto3 clients with standard retries and short timeouts (never hang the Lambda)."""

    def __init__(self) -> None:
        self._cache: dict[str, object] = {}

    @staticmethod
    def _config(**extra: Any) -> Config:
        from botocore.config import Config

        return Config(
            connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 4}, **extra
        )

    def _cached(self, service: str, make: Callable[[], Client]) -> Client:
        if service not in self._cache:
            self._cache[service] = make()
        return cast("Client", self._cache[service])

    def sts(self) -> STSClient:
        import boto3

        return self._cached("sts", lambda: boto3.client("sts", config=self._config()))

    def sagemaker(self) -> SageMakerClient:
        import boto3

        return self._cached("sagemaker", lambda: boto3.client("sagemaker", config=self._config()))

    def cloudwatch(self) -> CloudWatchClient:
        import boto3

        return self._cached("cloudwatch", lambda: boto3.client("cloudwatch", config=self._config()))

    def own_s3(self) -> S3Client:
        """S3 with the deployer's own role: A's pinned model (read) and C's model store (write)."""
        import boto3

        return self._cached(
            "own_s3", lambda: boto3.client("s3", config=self._config(signature_version="s3v4"))
        )

    def s3(self, credentials: ArtifactCredentials) -> S3Client:
        """S3 with the job's artifact credentials; SigV4 is required to read SSE-KMS objects."""
        import boto3

        return boto3.client(
            "s3",
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token or None,
            config=self._config(signature_version="s3v4"),
        )

    def codepipeline(self, credentials: CredentialsTypeDef) -> CodePipelineClient:
        """CodePipeline with the assumed callback role's credentials (STS AssumeRole ``Credentials``)."""
        import boto3

        return boto3.client(
            "codepipeline",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            config=self._config(),
        )
