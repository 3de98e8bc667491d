"""Apply the three account roots (envs/shared, envs/training, envs/production) into the emulated accounts.

Exactly what a user does with `make apply ENV=...`, with the real Terraform, the real provider and the real S3
backend (a state bucket in account A), and nothing edited in envs/: the rehearsal only generates, under
build/rehearsal/<workspace>/<env>/,
  - `backend.hcl`   the S3 backend settings (state bucket in A, path-style, lock file, A's admin role),
  - `terraform.tfvars.json`  the env's variables (accounts, key administrators, `shared_state` for B and
    C ...),
  - the Terraform data directory (TF_DATA_DIR), so a user's own `.terraform` in envs/ is never touched and
    two workspaces (a demo and a test run) never share one,
and passes the emulator's endpoint, CA bundle and credentials through the environment (AWS_ENDPOINT_URL,
AWS_CA_BUNDLE, the keys of the account's admin role: the envs' providers take ambient credentials, as they do
for a real operator; `allowed_account_ids` then proves that each root landed in its own account).

    states = apply_all(aws)          # {"shared": <terraform show -json>, "training": ..., "production": ...}
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENVS = ("shared", "training", "production")
PREFIX = "mlops"
STATE_BUCKET = "rehearsal-tfstate-{account}"
STATE_KEY = "mlops/{env}.tfstate"
DEPLOYER_ZIP = ROOT / "build" / "deployer.zip"
SOURCE_OBJECT_KEY = "source/training.zip"
# The people of account A (README, "The people, and what each may do"): roles the operator creates before
# applying envs/shared, which attaches each persona's policy to them. They trust A's bootstrap admin role,
# through which the rehearsal acts as each person.
PERSONAS = {
    "data_writers": "ml-data-writer",
    "source_writers": "ml-source-writer",
    "approvers": "ml-approver",
    "observers": "ml-observer",
}


# Terraform's plugin cache (plugin_cache_dir in build/terraform.rc) is not safe for concurrent writers: two
# inits that fill it at once fail with "failed to create directory ... file exists". Every init here,
# the rehearsal's and the plan tests', takes this lock; with a warm cache an init takes about a second.
INIT_LOCK = ROOT / "build" / "terraform-init.lock"


@contextlib.contextmanager
def init_lock() -> Iterator[None]:
    INIT_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with INIT_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


class ApplyFailed(RuntimeError):
    """terraform failed for one env; `env`, `command` and the tail of its output say where and why."""

    def __init__(self, env: str, command: str, output: str):
        tail = "\n".join(output.strip().splitlines()[-40:])
        super().__init__(f"terraform {command} of envs/{env} failed:\n{tail}")
        self.env, self.command, self.output = env, command, output


@dataclass
class Workspace:
    """Where one rehearsal keeps its generated files and Terraform data dirs (build/rehearsal/<name>)."""

    name: str = "demo"
    root: Path = ROOT / "build" / "rehearsal"
    prefix: str = PREFIX
    package_file: Path = DEPLOYER_ZIP
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        return self.root / self.name

    def env_dir(self, env: str) -> Path:
        return self.dir / env


def terraform_bin() -> str:
    found = shutil.which("terraform")
    if not found:
        raise RuntimeError("terraform is not on the PATH (Terraform >= 1.9 is required)")
    return found


def cli_config() -> str:
    """The project's Terraform CLI config (scripts/terraform-cli-config.sh; make setup writes it)."""
    configured = os.environ.get("TF_CLI_CONFIG_FILE")
    if configured and Path(configured).is_file():
        return configured
    default = ROOT / "build" / "terraform.rc"
    if not default.is_file():
        subprocess.run([str(ROOT / "scripts" / "terraform-cli-config.sh"), str(default)], check=True)
    return str(default)


def build_deployer_package(output: Path = DEPLOYER_ZIP) -> Path:
    """scripts/package_lambda.py (reproducible zip; `make package` does the same)."""
    import sys

    script = ROOT / "scripts" / "package_lambda.py"
    done = subprocess.run(
        [sys.executable, str(script), str(output)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0 or not output.is_file():
        raise RuntimeError(f"scripts/package_lambda.py failed ({done.returncode}): {done.stderr.strip()}")
    return output


def _hcl(value: Any) -> str:
    """A backend-config value in HCL (JSON strings, numbers and booleans are valid HCL)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_hcl(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def state_bucket(aws: Any) -> str:
    return STATE_BUCKET.format(account=aws.accounts["shared"])


def create_state_bucket(aws: Any) -> str:
    """The operator's state bucket in account A (versioned, as a state bucket should be)."""
    s3 = aws.client("s3", "shared")
    bucket = state_bucket(aws)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def backend_settings(aws: Any, env: str) -> dict[str, Any]:
    """S3 backend of `env`: state in A's bucket, reached through A's admin role (as B's and C's operators
    would with cross-account access to the state bucket)."""
    return {
        "bucket": state_bucket(aws),
        "key": STATE_KEY.format(env=env),
        "region": aws.region,
        "encrypt": True,
        "use_lockfile": True,
        "use_path_style": True,
        "endpoints": {"s3": aws.endpoint, "sts": aws.endpoint},
        "assume_role": {"role_arn": aws.admin_role_arn("shared")},
    }


def shared_state(aws: Any) -> dict[str, Any]:
    """The `shared_state` variable of envs/training and envs/production: where A's state is."""
    settings = backend_settings(aws, "shared")
    return {
        "bucket": settings["bucket"],
        "key": settings["key"],
        "region": settings["region"],
        "assume_role": settings["assume_role"],
        "endpoints": settings["endpoints"],
        "use_path_style": True,
    }


def persona_role_arn(aws: Any, persona: str) -> str:
    """The role of one persona (a key of PERSONAS) in account A."""
    return f"arn:aws:iam::{aws.accounts['shared']}:role/{PERSONAS[persona]}"


def create_persona_roles(aws: Any) -> None:
    """The persona roles in account A, with no permissions of their own: envs/shared attaches them."""
    iam = aws.client("iam", "shared")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": aws.admin_role_arn("shared")},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    for name in PERSONAS.values():
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, Description="rehearsal persona")


def tfvars(aws: Any, env: str, workspace: Workspace) -> dict[str, Any]:
    admin = [aws.admin_role_arn(env)]  # KMS refuses a key policy that locks out the caller
    if env == "shared":
        return {
            "prefix": workspace.prefix,
            "region": aws.region,
            "accounts": dict(aws.accounts),
            "key_administrators": admin,
            "pipeline_source": {"type": "s3", "s3_object_key": SOURCE_OBJECT_KEY},
            **{persona: [persona_role_arn(aws, persona)] for persona in PERSONAS},
            "force_destroy": True,
            "tags": {"mlops:rehearsal": workspace.name},
        }
    common = {
        "shared_state": shared_state(aws),
        "key_administrators": admin,
        "tags": {"mlops:rehearsal": workspace.name},
    }
    if env == "production":
        common["package_file"] = str(workspace.package_file)
        # The rehearsal reads the release record as C's administrator, as an operator names an auditor's role.
        common["release_readers"] = admin
    return common


def terraform_env(aws: Any, env: str, workspace: Workspace) -> dict[str, str]:
    """The process environment of terraform for `env`: emulator endpoint and the account's admin keys."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "TF_")) or k in ("TF_PLUGIN_CACHE_DIR", "TF_LOG", "TF_LOG_PATH")
    }
    base.update(aws.env(env))
    base.update(
        AWS_MAX_ATTEMPTS="1",  # moto's 500s are not transient: fail at once instead of retrying for minutes
        TF_CLI_CONFIG_FILE=cli_config(),
        TF_DATA_DIR=str(workspace.env_dir(env) / ".terraform"),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    return base


def _terraform(
    env: str, args: list[str], environ: dict[str, str], command: str, ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [terraform_bin(), f"-chdir={ROOT / 'envs' / env}", *args],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in ok:
        raise ApplyFailed(env, command, done.stdout + done.stderr)
    return done


def _run(env: str, args: list[str], environ: dict[str, str], command: str) -> str:
    return _terraform(env, args, environ, command).stdout


def apply_env(
    aws: Any, env: str, workspace: Workspace, log: Callable[[str], None] = lambda _m: None
) -> dict[str, Any]:
    """terraform init + apply of envs/<env> in its account; returns `terraform show -json`."""
    directory = workspace.env_dir(env)
    directory.mkdir(parents=True, exist_ok=True)
    backend = directory / "backend.hcl"
    backend.write_text("".join(f"{k} = {_hcl(v)}\n" for k, v in backend_settings(aws, env).items()))
    variables = directory / "terraform.tfvars.json"
    variables.write_text(json.dumps(tfvars(aws, env, workspace), indent=2) + "\n")
    environ = terraform_env(aws, env, workspace)
    started = time.monotonic()
    with init_lock():
        _run(env, ["init", "-input=false", "-reconfigure", f"-backend-config={backend}"], environ, "init")
    initialised = time.monotonic()
    _run(
        env,
        ["apply", "-input=false", "-auto-approve", "-no-color", f"-var-file={variables}"],
        environ,
        "apply",
    )
    applied = time.monotonic()
    state = json.loads(_run(env, ["show", "-json", "-no-color"], environ, "show"))
    workspace.timings[env] = time.monotonic() - started
    log(f"envs/{env}: init {initialised - started:.1f} s, apply {applied - initialised:.1f} s")
    return state


@dataclass
class Plan:
    """A `terraform plan` of one env: `changes` is False when the plan is empty (exit code 0)."""

    env: str
    changes: bool
    output: str
    document: dict[str, Any]

    def changed_resources(self) -> list[str]:
        """`address: actions` of every resource the plan would change (no-op and read excluded)."""
        return [
            f"{change['address']}: {'/'.join(change['change']['actions'])}"
            for change in self.document.get("resource_changes", [])
            if set(change["change"]["actions"]) - {"no-op", "read"}
        ]


def plan_env(aws: Any, env: str, workspace: Workspace) -> Plan:
    """`terraform plan -detailed-exitcode` of envs/<env> after `apply_env`: the same backend, data dir and
    variables, so an empty plan means the applied state and the emulator agree (no perpetual diff)."""
    variables = workspace.env_dir(env) / "terraform.tfvars.json"
    plan_file = workspace.env_dir(env) / "second.tfplan"
    environ = terraform_env(aws, env, workspace)
    args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", f"-var-file={variables}"]
    # -detailed-exitcode: 0 no changes, 1 error, 2 changes.
    done = _terraform(env, [*args, f"-out={plan_file}"], environ, "plan", ok=(0, 2))
    document = json.loads(_run(env, ["show", "-json", "-no-color", str(plan_file)], environ, "show"))
    plan_file.unlink()
    return Plan(env, done.returncode == 2, done.stdout, document)


def apply_all(
    aws: Any,
    workspace: Workspace | None = None,
    log: Callable[[str], None] = lambda _m: None,
    parallel: bool = True,
) -> dict[str, dict[str, Any]]:
    """Create A's state bucket, then apply shared, then training and production (which both read only A's
    state, so they apply side by side unless `parallel` is False). Returns each env's `terraform show -json`.
    """
    workspace = workspace or Workspace()
    if not workspace.package_file.is_file():
        raise RuntimeError(
            f"{workspace.package_file} is missing: build it with `make package` (scripts/package_lambda.py)"
        )
    create_state_bucket(aws)
    create_persona_roles(aws)
    states = {"shared": apply_env(aws, "shared", workspace, log)}
    if parallel:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {env: pool.submit(apply_env, aws, env, workspace, log) for env in ENVS[1:]}
            for env in ENVS[1:]:
                states[env] = futures[env].result()
    else:
        for env in ENVS[1:]:
            states[env] = apply_env(aws, env, workspace, log)
    return states


def destroy_env(aws: Any, env: str, workspace: Workspace) -> None:
    """terraform destroy of envs/<env> (used by `--destroy` checks; the emulator's teardown is enough)."""
    variables = workspace.env_dir(env) / "terraform.tfvars.json"
    _run(
        env,
        ["destroy", "-input=false", "-auto-approve", "-no-color", f"-var-file={variables}"],
        terraform_env(aws, env, workspace),
        "destroy",
    )


def resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Every managed resource of a `terraform show -json` document (root and child modules)."""
    found: list[dict[str, Any]] = []

    def walk(module: dict[str, Any]) -> None:
        found.extend(r for r in module.get("resources", []) if r.get("mode") == "managed")
        for child in module.get("child_modules", []):
            walk(child)

    walk((state.get("values") or {}).get("root_module") or {})
    return found


def outputs(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("value") for k, v in ((state.get("values") or {}).get("outputs") or {}).items()}
