"""The embedded AWS: a moto server on 127.0.0.1 (a free port, TLS by default) with three emulated accounts.

    with Emulator() as aws:                      # starts; compat patches installed first; stops on exit
        a = aws.session("shared")                # boto3 Session acting in account A (admin role assumed)
        aws.client("s3", "training")             # a client in account B
        aws.session_for_role("arn:aws:iam::222222222222:role/p-training-sagemaker")   # act as a given role
        aws.env()                                # AWS_* variables for the AWS CLI / Terraform / boto3

Accounts: moto keeps each account's IAM, S3, KMS, ... apart and puts STS AssumeRole keys into the role's
account. The emulator creates one bootstrap admin role per account (`OrganizationAccountAccessRole`, as AWS
Organizations does) and reaches an account by assuming it; Terraform does the same with `assume_role` (see
terraform_settings).

Authorization: every request is authorized as AWS would authorize it before moto serves it
(`rehearsal.authz`, installed with the compat layer; `aws.authorizer.record` counts the decisions). Who asks
for a role's credentials is who would on AWS (`session_for_role`): the outside caller for the bootstrap role,
the service for a service role, an operator of the role's account (its admin role) for any other.

TLS: the server serves HTTPS with a self-signed certificate for 127.0.0.1/localhost that the emulator
generates (its path is `ca_bundle`, exported as AWS_CA_BUNDLE, which boto3, the AWS CLI and Terraform's AWS
SDK read). Why: the artifact bucket denies requests with aws:SecureTransport = false; over plain HTTP the
compat layer's correct condition evaluation would (rightly) refuse every request. `tls=False` gives plain
HTTP.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_ACCOUNTS = {"shared": "111111111111", "training": "222222222222", "production": "333333333333"}
DEFAULT_REGION = "eu-west-1"
ADMIN_ROLE_NAME = "OrganizationAccountAccessRole"
# Credentials of the "outside" caller (moto's default account, 123456789012) that assumes into the accounts.
BOOTSTRAP_ACCESS_KEY = "rehearsal"
BOOTSTRAP_SECRET_KEY = "rehearsal"
ORGANIZATION_ACCOUNT = "123456789012"  # the outside caller's account: the organisation's management account
_ADMIN_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def write_self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A fresh key and self-signed certificate for `host` and localhost; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rehearsal embedded AWS")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt_names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "emulator-cert.pem", directory / "emulator-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Emulator:
    """moto in server mode, in this process, with the compatibility layer installed before it starts.

    moto's backends are process-global: run one emulator with compat at a time per process (a second one with
    compat=True is refused); emulators with compat=False share the same resources.
    """

    accounts: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ACCOUNTS))
    region: str = DEFAULT_REGION
    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True
    # True: every compat patch; False: moto untouched (no authorizer either); a collection of patch ids
    # ("P1", ...): only those, with the authorizer (compat.PATCHES lists them).
    compat: bool | Collection[str] = True
    # Tests only: record the authorizer's decisions but serve every request (to show a gap exists without it).
    enforce: bool = True
    workdir: Path | None = None

    _server: Any = field(default=None, init=False, repr=False)
    _tmp: Any = field(default=None, init=False, repr=False)
    _sessions: dict[str, boto3.Session] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    ca_bundle: Path | None = field(default=None, init=False)
    authorizer: Any = field(default=None, init=False, repr=False)
    start_seconds: float = field(default=0.0, init=False)

    # ------------------------------------------------------------------------------------------ lifecycle
    @property
    def endpoint(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        started = time.monotonic()
        ids = list(self.accounts.values())
        if len(set(ids)) != len(ids) or not all(len(i) == 12 and i.isdigit() for i in ids):
            raise ValueError(f"accounts must be distinct 12-digit IDs, got {self.accounts}")
        if self.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="rehearsal-aws-")
            self.workdir = Path(self._tmp.name)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port(self.host)
        ssl_context = None
        if self.tls:
            cert, key = write_self_signed_certificate(self.workdir, self.host)
            self.ca_bundle = cert
            ssl_context = (str(cert), str(key))

        from .compat import start_server

        if self.compat is not False:
            from . import compat

            compat.install(self)  # raises if another emulator of this process holds it
        os.environ["MOTO_PORT"] = str(self.port)  # moto's own self-calls (its ASL interpreter) use this
        self._server = start_server(self, ssl_context)
        try:
            self._bootstrap()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        if self.compat is not False:
            from . import compat

            # Before the server stops: the worker threads compat waits for still call the emulator.
            compat.uninstall(self)
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._sessions.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.workdir = None

    def reset(self) -> None:
        """Forget every resource (moto's /moto-api/reset) and create the bootstrap roles again."""
        import requests

        requests.post(f"{self.endpoint}/moto-api/reset", verify=self.verify, timeout=30).raise_for_status()
        self._sessions.clear()
        self._bootstrap()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------- clients
    @property
    def verify(self) -> str | bool:
        return str(self.ca_bundle) if self.tls and self.ca_bundle else True

    def account_id(self, account: str) -> str:
        """An account ID from a name of `accounts` ("shared", ...) or an ID."""
        return self.accounts.get(account, account)

    def bootstrap_session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=BOOTSTRAP_ACCESS_KEY,
            aws_secret_access_key=BOOTSTRAP_SECRET_KEY,
            region_name=self.region,
        )

    def client(self, service: str, account: str | None = None, session: boto3.Session | None = None) -> Any:
        """A boto3 client on the emulator: in `account` (admin) or with `session`'s credentials."""
        if session is None:
            session = self.session(account) if account else self.bootstrap_session()
        return session.client(
            service,
            endpoint_url=self.endpoint,
            verify=self.verify,
            region_name=self.region,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}),
        )

    def session(self, account: str) -> boto3.Session:
        """A Session acting as the bootstrap admin role of `account` (name or ID)."""
        account_id = self.account_id(account)
        return self.session_for_role(f"arn:aws:iam::{account_id}:role/{ADMIN_ROLE_NAME}")

    def session_for_role(
        self, role_arn: str, session_name: str = "rehearsal", source: boto3.Session | None = None
    ) -> boto3.Session:
        """Assume `role_arn` from `source`, or (no source) as whoever would ask for it on AWS
        (`_assumer`); a Session with its keys."""
        cache_key = f"{role_arn}|{session_name}|{id(source) if source else ''}"
        with self._lock:
            if cache_key in self._sessions:
                return self._sessions[cache_key]
        sts = self.client("sts", session=source or self._assumer(role_arn))
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=self.region,
        )
        with self._lock:
            self._sessions[cache_key] = session
        return session

    def _assumer(self, role_arn: str) -> boto3.Session:
        """Who asks STS for `role_arn` on AWS. The bootstrap role: the outside caller (the organisation's
        management account). A role that trusts a service: that service, for the resource configured with the
        role (a state machine, training job, model, function, pipeline: AWS assumes a service role only for a
        resource that names it, with aws:SourceAccount/aws:SourceArn of that resource). Any other role: an
        operator of its account, signed in as the account's admin role."""
        if role_arn.rsplit("/", 1)[-1] == ADMIN_ROLE_NAME or self.compat is False:
            return self.bootstrap_session()
        from .authz import service_credentials

        account = role_arn.split(":")[4]
        found = self._service_resource(role_arn) or self._trusted_service(role_arn)
        if found is not None:
            service, source_arn = found
            key = service_credentials(service, account, source_arn)
            return boto3.Session(aws_access_key_id=key, aws_secret_access_key=key, region_name=self.region)
        return self.session(account)

    @staticmethod
    def _trusted_service(role_arn: str) -> tuple[str, None] | None:
        """A role no resource uses yet whose trust names one service and no one else: that service, for a
        resource of the role's account the emulator does not hold (a test that plays the service itself).
        It brings aws:SourceAccount but no aws:SourceArn: a trust that names its resource refuses it."""
        from moto.iam.models import iam_backends

        account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        role = next((r for r in iam_backends[account]["aws"].roles.values() if r.name == name), None)
        if role is None:
            return None
        principals: set[tuple[str, str]] = set()
        for statement in json.loads(role.assume_role_policy_document).get("Statement", []):
            principal = statement.get("Principal")
            if not isinstance(principal, dict):  # "*": anyone, not a service role
                return None
            for kind, values in principal.items():
                principals |= {(kind, v) for v in ([values] if isinstance(values, str) else values)}
        if len(principals) == 1 and next(iter(principals))[0] == "Service":
            return next(iter(principals))[1], None
        return None

    def _service_resource(self, role_arn: str) -> tuple[str, str | None] | None:
        """(service principal, aws:SourceArn) of the resource of the role's account that uses `role_arn`."""
        from moto.awslambda.models import lambda_backends
        from moto.codepipeline.models import codepipeline_backends
        from moto.sagemaker.models import sagemaker_backends
        from moto.stepfunctions.responses import get_backend as stepfunctions_backend

        account = role_arn.split(":")[4]
        # The backend the API serves (moto's ASL interpreter keeps its own: compat's execute_state_machine).
        for machine in stepfunctions_backend(account, self.region).state_machines:
            if machine.roleArn == role_arn:
                return "states.amazonaws.com", machine.arn
        sagemaker = sagemaker_backends[account][self.region]
        for job in list(sagemaker.training_jobs.values()):
            if job.role_arn == role_arn:
                return "sagemaker.amazonaws.com", job.arn
        for model in list(sagemaker._models.values()):
            if model.execution_role_arn == role_arn:
                return "sagemaker.amazonaws.com", model.arn
        for function in lambda_backends[account][self.region].list_functions():
            if function.role == role_arn:
                # Lambda sends aws:SourceAccount, no aws:SourceArn, when it assumes the execution role
                # (modules/prod-deployer/iam.tf says where AWS documents it).
                return "lambda.amazonaws.com", None
        for pipeline in codepipeline_backends[account][self.region].pipelines.values():
            if pipeline.pipeline.get("roleArn") == role_arn:
                return "codepipeline.amazonaws.com", pipeline._arn
        return None

    def _admin_trust(self) -> str:
        """Who may assume an admin role: the management account (as AWS Organizations creates the role), and
        the admin roles of the rehearsal's accounts, because the operator keeps every env's state in A's
        bucket and Terraform's backend reaches it through A's admin role from each account's admin role
        (apply.backend_settings). AWS needs that trust stated: a role assuming itself needs it too
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html)."""
        admins = [f"arn:aws:iam::{a}:role/{ADMIN_ROLE_NAME}" for a in self.accounts.values()]
        principals = {"AWS": [f"arn:aws:iam::{ORGANIZATION_ACCOUNT}:root", *admins]}
        statement = {"Effect": "Allow", "Principal": principals, "Action": "sts:AssumeRole"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    def _bootstrap(self) -> None:
        """The admin role in each account, created as AWS Organizations creates it with a new member account
        (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_create.html): by the
        platform, not by an API call anyone in the account could make."""
        from moto.iam.models import iam_backends

        for account_id in self.accounts.values():
            iam = iam_backends[account_id]["aws"]
            if any(role.name == ADMIN_ROLE_NAME for role in iam.roles.values()):
                continue
            iam.create_role(ADMIN_ROLE_NAME, self._admin_trust(), "/", None, "", [], None)
            iam.put_role_policy(ADMIN_ROLE_NAME, "admin", _ADMIN_POLICY)

    # ------------------------------------------------------------------------------------- for other tools
    def env(self, account: str | None = None) -> dict[str, str]:
        """Environment for the AWS CLI, boto3, Terraform: endpoint, CA bundle, outside-caller keys, region."""
        env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": BOOTSTRAP_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": BOOTSTRAP_SECRET_KEY,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if self.tls and self.ca_bundle:
            env["AWS_CA_BUNDLE"] = str(self.ca_bundle)
        if account:
            creds = self.session(account).get_credentials().get_frozen_credentials()
            env.update(
                AWS_ACCESS_KEY_ID=creds.access_key,
                AWS_SECRET_ACCESS_KEY=creds.secret_key,
                AWS_SESSION_TOKEN=creds.token or "",
            )
        return env

    def admin_role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{self.account_id(account)}:role/{ADMIN_ROLE_NAME}"
