"""Plan harness: runs `terraform plan` on a module or an env with fake credentials and no backend.

Modules are planned through a generated wrapper root (a provider block with the skip flags, one `module
"this"`
call passing through exactly the variables a case sets); envs are planned from a copy without backend.tf
and with
their remote-state.tf replaced by a variable of test values (Fabric's way of feeding upstream stages).
Copies live in
<repo>/.tftest/<name>/, two levels below the repo like the envs, so relative module sources and
"../../build/..." paths resolve as in the repo.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import tftest

import sfn_validator

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".tftest"
CLI_CONFIG = REPO / "build" / "terraform.rc"

# Fake credentials and no account lookup: a plan needs no AWS. The sfn endpoint is a local stand-in for the
# one API
# the provider calls while planning (tests/sfn_validator.py).
FAKE_PROVIDER_SETTINGS = """
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
"""


def module_provider() -> str:
    return f"""
provider "aws" {{
  region = "eu-west-1"
{FAKE_PROVIDER_SETTINGS}
  endpoints {{
    sfn = "{sfn_validator.endpoint()}"
  }}
}}
"""


def env_provider_override() -> str:
    # An override file merges into the env's own provider block. allowed_account_ids cannot be checked
    # without an
    # account lookup, which the fake credentials skip; tests/test_contract.py asserts the envs' setting
    # instead.
    return f"""
provider "aws" {{
  allowed_account_ids = null
{FAKE_PROVIDER_SETTINGS}
  endpoints {{
    sfn = "{sfn_validator.endpoint()}"
  }}
}}
"""


ENV_REMOTE_STATE = """
variable "test_shared_outputs" {
  description = "Test stand-in for account A's remote state outputs."
  type        = any
}

locals {
  shared = var.test_shared_outputs
}
"""


def terraform_env() -> dict[str, str]:
    if not CLI_CONFIG.exists():
        subprocess.run([str(REPO / "scripts" / "terraform-cli-config.sh"), str(CLI_CONFIG)], check=True)
    return {
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TF_IN_AUTOMATION": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "CHECKPOINT_DISABLE": "1",
    }


def tfvars_names(path: Path) -> list[str]:
    """Top-level variable names assigned in a .tfvars file."""
    return re.findall(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*=", path.read_text(), flags=re.M)


def module_outputs(module_dir: Path) -> list[str]:
    names: list[str] = []
    for tf in sorted(module_dir.glob("*.tf")):
        names += re.findall(r'^output\s+"([^"]+)"', tf.read_text(), flags=re.M)
    return names


def _fresh(name: str) -> Path:
    # One directory per pytest-xdist worker: two workers may plan the same case (session caches are per
    # process).
    d = WORK / f"{name}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def prepare_module(module: str, name: str, var_names: list[str]) -> Path:
    """Wrapper root for modules/<module> passing the given variables through."""
    src = REPO / "modules" / module
    if not src.is_dir():
        raise FileNotFoundError(f"no module {src}")
    d = _fresh(name)
    lines = [module_provider(), 'module "this" {', f'  source = "../../modules/{module}"']
    lines += [f"  {v} = var.{v}" for v in var_names]
    lines.append("}")
    lines += [f'variable "{v}" {{\n  type = any\n}}' for v in var_names]
    lines += [f'output "{o}" {{\n  value = module.this.{o}\n}}' for o in module_outputs(src)]
    (d / "main.tf").write_text("\n".join(lines) + "\n")
    return d


def prepare_env(env: str, name: str) -> Path:
    """Copy of envs/<env> without its backend and with remote state replaced by test values."""
    src = REPO / "envs" / env
    d = _fresh(name)
    for f in src.glob("*.tf"):
        if f.name not in {"backend.tf", "remote-state.tf"}:
            shutil.copy(f, d / f.name)
    (d / "zz_test_provider_override.tf").write_text(env_provider_override())
    if (src / "remote-state.tf").exists():
        (d / "remote-state.tf").write_text(ENV_REMOTE_STATE)
    return d


def plan_dir(
    tfdir: Path, tfvars: list[Path] | None = None, overrides: dict[str, Any] | None = None
) -> tftest.TerraformPlanOutput:
    """init + plan; tfvars files and JSON overrides are copied in as auto.tfvars so untyped vars keep
    types."""
    for i, f in enumerate(tfvars or []):
        suffix = ".auto.tfvars.json" if f.name.endswith(".json") else ".auto.tfvars"
        shutil.copy(f, tfdir / f"{i:02d}-{f.name.split('.')[0]}{suffix}")
    if overrides:
        (tfdir / "99-overrides.auto.tfvars.json").write_text(json.dumps(overrides))
    tf = tftest.TerraformTest(str(tfdir), env=terraform_env())
    tf.setup(cleanup_on_exit=False)
    return tf.plan(output=True)


def plan_module(module: str, case: str, tfvars: Path, overrides: dict[str, Any] | None = None):
    names = sorted(set(tfvars_names(tfvars)) | set(overrides or {}))
    return plan_dir(prepare_module(module, f"{module}-{case}", names), [tfvars], overrides)


def plan_env(env: str, case: str, tfvars: list[Path], overrides: dict[str, Any] | None = None):
    return plan_dir(prepare_env(env, f"env-{env}-{case}"), tfvars, overrides)


def all_resources(plan: tftest.TerraformPlanOutput) -> dict[str, dict]:
    """Every planned resource by address, module prefix `module.this.` of the wrapper removed."""
    found: dict[str, dict] = {}

    def walk(mod: dict) -> None:
        for r in mod.get("resources", []):
            found[r["address"].removeprefix("module.this.")] = r
        for child in mod.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    return found


def resource_counts(plan: tftest.TerraformPlanOutput) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in all_resources(plan).values():
        if r["mode"] == "managed":
            counts[r["type"]] = counts.get(r["type"], 0) + 1
    return dict(sorted(counts.items()))


def planned_outputs(plan: tftest.TerraformPlanOutput) -> dict[str, Any]:
    return {k: v.get("value") for k, v in plan["planned_values"].get("outputs", {}).items() if "value" in v}


def terraform(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, **terraform_env()}
    return subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)
