"""An in-process stand-in for the Lambda runtime: runs the deployer's code as Terraform deployed it.

`LambdaRuntime(aws, function_name, account, package)`:
  - reads the function's configuration from the emulator (GetFunctionConfiguration in its account: handler,
    role, timeout, environment, CodeSha256) and checks that `package` is the code Terraform uploaded
    (CodeSha256 is the base64 SHA-256 of the zip);
  - imports the handler from that zip (zipimport, like /var/task), in its own module namespace, so the
    project's
    `lambda/` sources or the Lambda unit tests' imports are never mixed with it;
  - invokes it with the event, a context (aws_request_id, function_name, get_remaining_time_in_millis from the
    function's timeout) and the process environment a Lambda gets: the function's variables, AWS_REGION /
    AWS_DEFAULT_REGION, AWS_LAMBDA_FUNCTION_NAME, and the credentials of its execution role (assumed
    through the
    emulator's STS, as the Lambda service does), plus the emulator's endpoint and CA bundle.
The environment is swapped in for the duration of one invocation (one at a time, under a lock) and restored.
The handler's JSON log lines (stdout) are appended to `log_file`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import io
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()


@dataclass
class LambdaContext:
    function_name: str
    timeout_seconds: int
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InvocationError(Exception):
    """The handler raised (the invocation counts as a Lambda error)."""

    def __init__(self, error: BaseException):
        super().__init__(f"{error.__class__.__name__}: {error}")
        self.error = error


class LambdaRuntime:
    def __init__(
        self, aws: Any, function_name: str, account: str, package: Path, log_file: Path | None = None
    ) -> None:
        self.aws = aws
        self.account = account
        self.package = Path(package)
        self.log_file = log_file
        self.config = aws.client("lambda", account).get_function_configuration(FunctionName=function_name)
        digest = base64.b64encode(hashlib.sha256(self.package.read_bytes()).digest()).decode()
        if digest != self.config["CodeSha256"]:
            raise RuntimeError(
                f"{self.package} is not the code of {function_name} (CodeSha256 {self.config['CodeSha256']}, "
                f"the file's {digest}): apply envs/production again after `make package`"
            )
        self._modules = self._load()
        module_name, _, attribute = self.config["Handler"].rpartition(".")
        self._handler = getattr(self._modules[module_name], attribute)

    # ---------------------------------------------------------------------------------------------- code
    def _package_names(self) -> set[str]:
        import zipfile

        with zipfile.ZipFile(self.package) as archive:
            return {n.split("/", 1)[0] for n in archive.namelist() if "/" in n}

    @contextlib.contextmanager
    def _namespace(self) -> Any:
        """sys.modules holds this function's modules (and only them, for its packages) inside the block."""
        packages = self._package_names()

        def ours(name: str) -> bool:
            return name.split(".", 1)[0] in packages

        saved = {n: m for n, m in sys.modules.items() if ours(n)}
        for name in saved:
            del sys.modules[name]
        sys.modules.update(getattr(self, "_modules", {}))
        try:
            yield
        finally:
            loaded = {n: m for n, m in sys.modules.items() if ours(n)}
            for name in loaded:
                del sys.modules[name]
            sys.modules.update(saved)
            self._last_loaded = loaded

    def _load(self) -> dict[str, Any]:
        module_name = self.config["Handler"].rpartition(".")[0]
        with _LOCK, self._namespace():
            sys.path.insert(0, str(self.package))
            try:
                importlib.invalidate_caches()
                importlib.import_module(module_name)
            finally:
                sys.path.remove(str(self.package))
        return dict(self._last_loaded)

    # ------------------------------------------------------------------------------------------- invoke
    def environment(self) -> dict[str, str]:
        role = self.config["Role"]
        session = self.aws.session_for_role(role, self.config["FunctionName"])
        creds = session.get_credentials().get_frozen_credentials()
        env = dict((self.config.get("Environment") or {}).get("Variables") or {})
        env.update(
            AWS_REGION=self.aws.region,
            AWS_DEFAULT_REGION=self.aws.region,
            AWS_LAMBDA_FUNCTION_NAME=self.config["FunctionName"],
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(self.config.get("MemorySize", 128)),
            AWS_ACCESS_KEY_ID=creds.access_key,
            AWS_SECRET_ACCESS_KEY=creds.secret_key,
            AWS_SESSION_TOKEN=creds.token or "",
            AWS_ENDPOINT_URL=self.aws.endpoint,
            AWS_EC2_METADATA_DISABLED="true",
        )
        if self.aws.ca_bundle:
            env["AWS_CA_BUNDLE"] = str(self.aws.ca_bundle)
        return env

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(
            function_name=self.config["FunctionName"],
            timeout_seconds=int(self.config.get("Timeout", 3)),
            memory_limit_in_mb=int(self.config.get("MemorySize", 128)),
            invoked_function_arn=self.config["FunctionArn"],
        )
        env = self.environment()
        output = io.StringIO()
        with _LOCK, self._namespace():
            saved = {k: os.environ.get(k) for k in set(env) | {k for k in os.environ if k.startswith("AWS_")}}
            for key in saved:
                os.environ.pop(key, None)
            os.environ.update(env)
            import boto3

            # boto3's default session caches the credentials it first resolved: give the function its own, as
            # its own container would have (clients the handler cached stay warm between its invocations).
            saved_session, boto3.DEFAULT_SESSION = (
                boto3.DEFAULT_SESSION,
                getattr(self, "_boto3_session", None),
            )
            try:
                with contextlib.redirect_stdout(output):
                    try:
                        return self._handler(event, context)
                    except Exception as error:
                        raise InvocationError(error) from error
            finally:
                self._boto3_session, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, saved_session
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
                if self.log_file is not None:
                    with self.log_file.open("a") as log:
                        log.write(output.getvalue())
