"""Plan harness: runs `terraform plan` on a module or an env with fake credentials and no backend.

Modules are planned through a generated wrapper root (a provider block with the skip flags, one
`module "this"` call passing through exactly the variables a case sets); envs are planned from a copy without
backend.tf and with their remote-state.tf replaced by a variable of test values (Fabric's way of feeding
upstream stages).

Each plan is made once per test session: `plan_file` keeps the `terraform show -json` output in a file cache
(<repo>/.tftest/<run>.plans/, keyed by a hash of the inputs, written atomically, one lock per key), so the
inventory, contract, checkov and ASL tests of one case read the same plan, and with pytest-xdist the first
worker that needs a case plans it while the others wait for it. Each worker initialises its directories under
<repo>/.tftest/<run>.<worker>.<name>/, two levels below the repo like the envs, so relative module sources
and "../../build/..." paths resolve as in the repo: one per env (all its cases plan there), one per module
case with overrides, one root holding the session's module cases (module_case_plan_file) and one holding its
examples (plan_example). Every terraform command costs ~3 CPU s of Terraform and the provider reading the
provider's schema, whatever the plan's size, hence the shared roots.

Every terraform command of a worker talks to one long-lived hashicorp/aws process (`provider_server`), the
same binary `terraform init` installs, started in the provider's debug mode and attached with
TF_REATTACH_PROVIDERS. Without it each plan, show and `terraform test` run starts the 700 MB provider again
and fetches its schema: ~1.3 CPU s per validation case, against ~0.3 s attached (measured on kms-key's 13
cases: 17 CPU s alone, 3.6 s attached, the same results).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import Any

import sfn_validator

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".tftest"
CLI_CONFIG = REPO / "build" / "terraform.rc"
# Filled by `make setup` (the Makefile's plugin-cache target), from the mirror the CLI config names.
PLUGIN_CACHE = REPO / "build" / "plugin-cache"
# One id per test session, shared by its xdist workers (tests/conftest.py sets it in the controller before the
# workers start); a plain script (regen_inventory.py) gets its own.
RUN_ENV = "TFTEST_RUN"

# Fake credentials and no account lookup: a plan needs no AWS.
FAKE_PROVIDER_SETTINGS = """
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
"""


class PlanFailed(Exception):
    """terraform init or plan refused the configuration; args[0] is Terraform's output."""


def module_provider() -> str:
    return f"""
provider "aws" {{
  region = "eu-west-1"
{FAKE_PROVIDER_SETTINGS}
}}
"""


def env_provider_override() -> str:
    # An override file merges into the env's own provider block. allowed_account_ids cannot be checked without
    # an account lookup, which the fake credentials skip; tests/test_contract.py asserts the envs' setting.
    return f"""
provider "aws" {{
  allowed_account_ids = null
{FAKE_PROVIDER_SETTINGS}
}}
"""


def plan_env_vars() -> dict[str, str]:
    # The provider's environment (provider_server). The one API the provider calls while planning
    # (states:ValidateStateMachineDefinition) goes to a local stand-in (tests/sfn_validator.py). Through the
    # SDK's environment variable, not an `endpoints` block in the provider: with that block every provider
    # start took ~9 s more CPU (measured, hashicorp/aws 5.100.0).
    return {"AWS_ENDPOINT_URL_SFN": sfn_validator.endpoint()}


ENV_REMOTE_STATE = """
variable "test_shared_outputs" {
  description = "Test stand-in for account A's remote state outputs."
  type        = any
}

locals {
  shared = var.test_shared_outputs
}
"""


def run_id() -> str:
    return os.environ.setdefault(RUN_ENV, f"p{os.getpid()}")


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def terraform_env() -> dict[str, str]:
    if not CLI_CONFIG.exists():
        subprocess.run([str(REPO / "scripts" / "terraform-cli-config.sh"), str(CLI_CONFIG)], check=True)
    return {
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TF_IN_AUTOMATION": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "CHECKPOINT_DISABLE": "1",
    }


@cache
def provider_server() -> dict[str, str]:
    """Start hashicorp/aws once per process with `-debug`; return the TF_REATTACH_PROVIDERS setting that
    points terraform at it. This is Terraform's documented way of running against a provider process it did
    not start ("Debugging providers", https://developer.hashicorp.com/terraform/plugin/debugging): Terraform
    then neither starts nor stops it, and this process stops it at exit.

    One worker runs one terraform at a time, and no configuration here has a second (aliased) aws provider,
    so every ConfigureProvider call sets the same settings. The provider's environment is fixed here: the
    plan's endpoint (plan_env_vars) and none of the caller's AWS_* settings (a plan uses the fake credentials
    of its provider block; and with AWS_CA_BUNDLE set, a provider configured a second time fails with
    "unable to add custom RootCAs HTTPClient"). Its logs are off: in debug mode it logs every request."""
    binaries = sorted(PLUGIN_CACHE.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*"))
    if not binaries:
        raise PlanFailed(f"no hashicorp/aws provider in {PLUGIN_CACHE}: run `make setup` first")
    log = WORK / f"{run_id()}.{worker()}.provider.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    quiet = {"TF_LOG": "off", "TF_LOG_PROVIDER": "off", "TF_LOG_SDK": "off"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(binaries[-1]), "-debug"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
                **plan_env_vars(),
                **quiet,
            },
            start_new_session=True,  # a Ctrl-C of the test run reaches it through atexit, not mid-request
        )
    atexit.register(_stop, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"TF_REATTACH_PROVIDERS='([^']+)'", log.read_text())
        if found:
            return {"TF_REATTACH_PROVIDERS": found.group(1)}
        if process.poll() is not None:
            raise PlanFailed(f"{binaries[-1]} -debug exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.05)
    raise PlanFailed(f"{binaries[-1]} -debug printed no TF_REATTACH_PROVIDERS in 120 s (log: {log})")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def terraform(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, **terraform_env(), **provider_server()}
    return subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def init(tfdir: Path, *args: str) -> None:
    """`terraform init` once per directory. It installs nothing (hashicorp/aws is attached, provider_server),
    so it needs neither the plugin cache nor the lock that serialises the rehearsal's inits on it."""
    if (tfdir / ".terraform").is_dir():
        return
    result = terraform(["init", "-input=false", "-backend=false", "-no-color", *args], tfdir, check=False)
    if result.returncode:
        shutil.rmtree(tfdir / ".terraform", ignore_errors=True)
        raise PlanFailed(result.stdout + result.stderr)


def tfvars_names(path: Path) -> list[str]:
    """Top-level variable names assigned in a .tfvars or .tfvars.json file."""
    if path.name.endswith(".json"):
        return list(json.loads(path.read_text()))
    return re.findall(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*=", path.read_text(), flags=re.M)


def module_outputs(module_dir: Path) -> list[str]:
    names: list[str] = []
    for tf in sorted(module_dir.glob("*.tf")):
        names += re.findall(r'^output\s+"([^"]+)"', tf.read_text(), flags=re.M)
    return names


def copy_env(src: Path, dst: Path) -> None:
    """envs/<env> without its backend, remote state replaced by the variable `test_shared_outputs`."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.tf"):
        if f.name not in {"backend.tf", "remote-state.tf"}:
            shutil.copy(f, dst / f.name)
    if (src / "remote-state.tf").exists():
        (dst / "remote-state.tf").write_text(ENV_REMOTE_STATE)


def _workdir(target: str) -> Path:
    return WORK / f"{run_id()}.{worker()}.{target.replace('/', '-')}"


def _module_dir(module: str) -> Path:
    src = REPO / "modules" / module
    if not src.is_dir():
        raise FileNotFoundError(f"no module {src}")
    return src


def write_atomically(path: Path, doc: dict) -> None:
    """Other workers wait on the lock, then read: they never see a half-written file."""
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(doc))
    os.replace(partial, path)


def prepare_module(module: str, var_names: list[str]) -> Path:
    """This worker's wrapper root for modules/<module>, passing the given variables through."""
    src = _module_dir(module)
    d = _workdir(f"modules/{module}")
    d.mkdir(parents=True, exist_ok=True)
    lines = [module_provider(), 'module "this" {', f'  source = "../../modules/{module}"']
    lines += [f"  {v} = var.{v}" for v in var_names]
    lines.append("}")
    lines += [f'variable "{v}" {{\n  type = any\n}}' for v in var_names]
    lines += [f'output "{o}" {{\n  value = module.this.{o}\n}}' for o in module_outputs(src)]
    (d / "main.tf").write_text("\n".join(lines) + "\n")
    return d


def prepare_env(env: str) -> Path:
    """This worker's copy of envs/<env> (made once per session: every case of the env plans in it)."""
    d = _workdir(f"envs/{env}")
    if not d.is_dir():
        copy_env(REPO / "envs" / env, d)
        (d / "zz_test_provider_override.tf").write_text(env_provider_override())
    return d


def _module_call(label: str, source: str, body: str, outputs: list[str]) -> list[str]:
    """A module block (`body`: its attribute lines) and its outputs re-exported as <label>__<output>, for a
    root of several module calls that _slice takes apart."""
    block = f'module "{label}" {{\n  source = "{source}"\n{body}}}'
    return [block] + [f'output "{label}__{o}" {{\n  value = module.{label}.{o}\n}}' for o in outputs]


def _example_module(module: str) -> str:
    return "example_" + re.sub(r"[^A-Za-z0-9_]", "_", module)


def prepare_examples(modules: list[str], key: str) -> Path:
    """This worker's root (one per set of examples, named by their `key`) calling each of `modules`'
    examples/basic as a module and re-exporting its outputs as <example module>__<output>. The whole modules/
    tree is copied (an example calls "../..", which may call a sibling such as "../kms-key") beside a link to
    build/, and the root sits where an example does (modules/<x>/examples/basic), so that relative paths,
    path.root's too, resolve as in the repo. Each example keeps its own provider block, which gets the fake
    credentials through an override file, as an env does."""
    d = _workdir(f"examples-{key}")
    root = d / "modules" / "examples-together" / "examples" / "basic"
    if not root.is_dir():
        shutil.copytree(REPO / "modules", d / "modules", ignore=shutil.ignore_patterns(".terraform*"))
        (d / "build").symlink_to(REPO / "build", target_is_directory=True)
        blocks = []
        for module in modules:
            example = d / "modules" / module / "examples" / "basic"
            (example / "zz_test_provider_override.tf").write_text(env_provider_override())
            blocks += _module_call(
                _example_module(module), f"../../../{module}/examples/basic", "", module_outputs(example)
            )
        root.mkdir(parents=True)
        (root / "main.tf").write_text("\n".join(blocks) + "\n")
    return root


def _plan(tfdir: Path, var_files: list[Path], overrides: dict[str, Any] | None) -> dict:
    init(tfdir)
    args = [f"-var-file={f}" for f in var_files]
    overrides_file = tfdir / "overrides.tfvars.json"
    overrides_file.write_text(json.dumps(overrides or {}))
    args.append(f"-var-file={overrides_file}")
    planned = terraform(["plan", "-input=false", "-no-color", "-out=case.tfplan", *args], tfdir, False)
    if planned.returncode:
        raise PlanFailed(planned.stdout + planned.stderr)
    return json.loads(terraform(["show", "-json", "case.tfplan"], tfdir).stdout)


def plan_file(kind: str, target: str, var_files: list[Path], overrides: dict[str, Any] | None = None) -> Path:
    """The plan JSON of modules/<target> (kind "module") or envs/<target> (kind "env") with these inputs,
    planned once per session."""
    inputs = [kind, target, [[f.name, f.read_text()] for f in var_files], overrides or {}]
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]
    path = WORK / f"{run_id()}.plans" / f"{kind}-{target}-{key}.json"
    with locked(path.with_suffix(".lock")):
        if not path.exists():
            if kind == "module":
                names = sorted({n for f in var_files for n in tfvars_names(f)} | set(overrides or {}))
                tfdir = prepare_module(target, names)
            else:
                tfdir = prepare_env(target)
            plan = _plan(tfdir, var_files, overrides)
            write_atomically(path, plan)
    return path


def _case_module(module: str, name: str) -> str:
    return "case_" + re.sub(r"[^A-Za-z0-9_]", "_", f"{module}__{name}")


def prepare_module_cases(cases: dict[tuple[str, str], Path], key: str) -> Path:
    """This worker's root (one per set of cases, named by their `key`) holding inventory cases ((module, case)
    -> .tfvars) as module calls of their own: a case's .tfvars (attribute assignments only) is the body of its
    `module` block, and each output of its module is re-exported as <case module>__<output>."""
    d = _workdir(f"module-cases-{key}")
    d.mkdir(parents=True, exist_ok=True)
    blocks = [module_provider()]
    for (module, name), tfvars in sorted(cases.items()):
        outputs = module_outputs(_module_dir(module))
        body = f"{tfvars.read_text()}\n"
        blocks += _module_call(_case_module(module, name), f"../../modules/{module}", body, outputs)
    (d / "main.tf").write_text("\n".join(blocks) + "\n")
    return d


def _slice(plan: dict, label: str, as_root: bool) -> dict:
    """The part of a plan of several module calls that is module.<label>, shaped like a plan of its own: as
    the wrapper's module.this (a module case), or as the root module (an example, which is a root), its
    outputs without their <label>__ prefix."""
    root = plan["planned_values"]["root_module"]
    child = [c for c in root.get("child_modules", []) if c["address"] == f"module.{label}"]
    call = plan["configuration"]["root_module"]["module_calls"][label]
    outputs = {
        o.removeprefix(f"{label}__"): v
        for o, v in plan["planned_values"].get("outputs", {}).items()
        if o.startswith(f"{label}__")
    }
    changes = [rc for rc in plan.get("resource_changes", []) if rc["address"].startswith(f"module.{label}.")]
    if as_root:
        module = {k: v for c in child for k, v in c.items() if k in ("resources", "child_modules")}
        configuration = {"root_module": call.get("module", {})}
        renames = [(f'"module.{label}.', '"')]
    else:
        module = {"child_modules": child}
        configuration = {"root_module": {"module_calls": {"this": call}}}
        renames = [(f'"module.{label}.', '"module.this.'), (f'"module.{label}"', '"module.this"')]
    text = json.dumps(
        {
            "planned_values": {"outputs": outputs, "root_module": module},
            "resource_changes": changes,
            "configuration": configuration,
        }
    )
    for old, new in renames:
        text = text.replace(old, new)
    doc = json.loads(text)
    for rc in doc["resource_changes"]:
        if as_root and rc.get("module_address") == f"module.{label}":
            del rc["module_address"]  # a resource of the example itself: in a root it has none
    return doc


def _plan_slices(lock: Path, root: Callable[[], Path], slices: dict[Path, str], as_root: bool) -> None:
    """Plan the root of several module calls that `root()` prepares, once per session (the first worker
    holding `lock` plans, the others wait and read), and write each call's slice (_slice) to its file:
    `slices` maps file -> module label."""
    with locked(lock):
        if not all(path.exists() for path in slices):
            plan = _plan(root(), [], None)
            for path, label in slices.items():
                write_atomically(path, _slice(plan, label, as_root))


def module_case_plan_file(cases: dict[tuple[str, str], Path], module: str, name: str) -> Path:
    """The plan JSON of inventory case `name` of modules/<module>, out of one plan of all `cases`
    ((module, case) -> .tfvars, possibly of several modules): one plan and one show for all of them instead
    of one per module or case. Each terraform command costs ~3 CPU s of Terraform and the provider reading
    and sending the provider's schema, whatever the size of the plan (a plan and a show of one resource: ~6
    CPU s). Planned once per session."""
    inputs = ["module-cases", sorted([m, n, f.read_text()] for (m, n), f in cases.items())]
    key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:16]
    plans = WORK / f"{run_id()}.plans"
    slices = {plans / f"module-{m}-case-{n}-{key}.json": _case_module(m, n) for m, n in cases}
    root = partial(prepare_module_cases, cases, key)
    _plan_slices(plans / f"module-cases-{key}.lock", root, slices, as_root=False)
    return plans / f"module-{module}-case-{name}-{key}.json"


def _provider_blocks(module: str) -> str:
    example = _module_dir(module) / "examples" / "basic"
    blocks = [
        re.findall(r'(?ms)^provider\s+"[^"]+"\s*\{.*?^\}', f.read_text())
        for f in sorted(example.glob("*.tf"))
    ]
    return "\n".join(b for found in blocks for b in found)


def plan_example(module: str, together: set[str]) -> dict:
    """The plan of modules/<module>/examples/basic, as a user would run it (no variables), out of one plan of
    the examples of the modules in `together` whose provider blocks are the same as this one's: every
    terraform command of a worker talks to one provider process (provider_server), and each provider block
    configures it, so only examples that configure it identically can share a plan. Planned once per
    session."""
    mine = _provider_blocks(module)
    group = sorted({module} | {m for m in together if _provider_blocks(m) == mine})
    key = hashlib.sha256(json.dumps(["examples", group]).encode()).hexdigest()[:16]
    plans = WORK / f"{run_id()}.plans"
    slices = {plans / f"example-{m}-{key}.json": _example_module(m) for m in group}
    root = partial(prepare_examples, group, key)
    _plan_slices(plans / f"examples-{key}.lock", root, slices, as_root=True)
    return load_plan(plans / f"example-{module}-{key}.json")


@cache
def load_plan(path: Path) -> dict:
    return json.loads(path.read_text())


def cleanup_run() -> None:
    """Remove this session's plans and work dirs."""
    for d in WORK.glob(f"{run_id()}.*"):
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
        else:
            d.unlink(missing_ok=True)


def all_resources(plan: dict) -> dict[str, dict]:
    """Every planned resource by address, module prefix `module.this.` of the wrapper removed."""
    found: dict[str, dict] = {}

    def walk(mod: dict) -> None:
        for r in mod.get("resources", []):
            found[r["address"].removeprefix("module.this.")] = r
        for child in mod.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    return found


def resource_counts(plan: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in all_resources(plan).values():
        if r["mode"] == "managed":
            counts[r["type"]] = counts.get(r["type"], 0) + 1
    return dict(sorted(counts.items()))


def planned_outputs(plan: dict) -> dict[str, Any]:
    return {k: v.get("value") for k, v in plan["planned_values"].get("outputs", {}).items() if "value" in v}
