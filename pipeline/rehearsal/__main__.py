"""`python -m rehearsal`: the whole three-account pipeline on an embedded AWS (what `make demo` runs).

    python -m rehearsal [run] [--config FILE] [--data DIR] [--fail-training | --fail-gate | --loosen-gate |
                        --forbidden-hyperparameter | --reject | --fail-deploy | --tamper-output |
                        --overwrite-model] [--interactive] [--keep]
    python -m rehearsal serve [--port N]      # only the emulator, until Ctrl-C

`run` starts the emulator, applies envs/shared, envs/training and envs/production into three emulated accounts
(rehearsal.apply), runs the pipeline that Terraform created (rehearsal.runner) and tears everything down,
unless
--keep. Exit status: 0 success; 1 a stage failed (the message names it and why); 2 bad arguments or input.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rehearsal import attacks
from rehearsal.emulator import DEFAULT_ACCOUNTS, Emulator

ROOT = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rehearsal",
        description="Run the three-account ML pipeline end to end on an embedded AWS emulator (moto).",
    )
    parser.add_argument("command", nargs="?", choices=["run", "serve"], default="run")
    parser.add_argument(
        "--config", type=Path, help="training configuration (default pipeline/training-config.json)"
    )
    parser.add_argument(
        "--data", type=Path, help="directory with train.csv and validation.csv (label first, no header)"
    )
    failure = parser.add_mutually_exclusive_group()
    failure.add_argument("--fail-training", action="store_true", help="train with an invalid hyperparameter")
    failure.add_argument(
        "--fail-gate", action="store_true", help="set the quality gate above what the model reaches"
    )
    failure.add_argument(
        "--loosen-gate",
        action="store_true",
        help="attack: a configuration threshold below the platform's floor (the floor must still apply)",
    )
    failure.add_argument(
        "--forbidden-hyperparameter",
        action="store_true",
        help="attack: a hyperparameter outside the allowlist (_kfold): refused before any training job",
    )
    failure.add_argument("--reject", action="store_true", help="reject the model at the approval")
    failure.add_argument(
        "--fail-deploy",
        action="store_true",
        help="deploy once, then a damaged model artifact: the update rolls back, the old model serves on",
    )
    failure.add_argument(
        "--tamper-output",
        action="store_true",
        help="attack: deploy once, then rewrite the training output after the approval (another image): "
        "the deployment is refused naming the field, the old model serves on",
    )
    failure.add_argument(
        "--overwrite-model",
        action="store_true",
        help="attack: overwrite the model object in A after the approval: the approved bytes still serve",
    )
    parser.add_argument("--apply-only", action="store_true", help="only apply the three envs, then tear down")
    parser.add_argument("--interactive", action="store_true", help="ask before approving the model")
    parser.add_argument(
        "--keep", action="store_true", help="leave the emulator running afterwards (Ctrl-C stops it)"
    )
    parser.add_argument("--port", type=int, default=0, help="emulator port (default: a free one)")
    parser.add_argument(
        "--no-tls", action="store_true", help="serve: plain HTTP (the bucket policy then denies S3 use)"
    )
    parser.add_argument("--workspace", default="demo", help="name of the build/rehearsal/<name> directory")
    parser.add_argument(
        "--sequential", action="store_true", help="apply training and production one after the other"
    )
    for name, default in DEFAULT_ACCOUNTS.items():
        parser.add_argument(
            f"--{name}-account", default=default, help=f"account ID of {name} (default {default})"
        )
    return parser


class Console:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:5.1f}s] {message}", flush=True)


def _failure_config(config: dict, args: argparse.Namespace) -> dict:
    config = copy.deepcopy(config)
    if args.fail_training:
        config["hyperparameters"]["num_round"] = "0"  # SageMaker XGBoost refuses it when the job starts
    if args.fail_gate:
        gate = config["quality_gate"]
        gate["threshold"] = 0.9999 if gate.get("higher_is_better", True) else 1e-9
    if args.loosen_gate:  # a bar every model clears: the platform's floor must apply instead
        gate = config["quality_gate"]
        gate["threshold"] = 0.0 if gate.get("higher_is_better", True) else 1e9
    if args.forbidden_hyperparameter:  # a name SageMaker's containers reserve, outside the allowlist
        config["hyperparameters"]["_kfold"] = "5"
    return config


def _attack_hooks(args: argparse.Namespace, aws, runner) -> dict:
    """The switch's damage or attack, by the action it precedes (rehearsal.attacks)."""
    from rehearsal import attacks

    def hook(name: str, function, doc: str):
        def run_it(run):
            function(aws, runner, run)

        run_it.__doc__ = doc
        return {name: run_it}

    if args.fail_deploy:
        return hook("Verify", attacks.damage_model, "--fail-deploy: an unloadable model is pinned")
    if args.tamper_output:
        return hook("Deploy", attacks.tamper_output, "--tamper-output: B rewrites the training output")
    if args.overwrite_model:
        return hook("Deploy", attacks.overwrite_model, "--overwrite-model: B overwrites the model object")
    return {}


def _keep(aws, workspace, log) -> None:
    print("\nThe emulator keeps running (Ctrl-C stops it). Point tools at it:")
    for name in aws.accounts:
        print(f"\n# account {name} ({aws.accounts[name]}), as its admin role {aws.admin_role_arn(name)}:")
        for key, value in aws.env(name).items():
            print(f"export {key}={shlex.quote(value)}")
    print("\n# then, for example:")
    print("aws s3 ls   # (in account shared)")
    for env in ("shared", "training", "production"):
        d = workspace.env_dir(env)
        print(
            f"TF_DATA_DIR={d / '.terraform'} TF_CLI_CONFIG_FILE={ROOT / 'build' / 'terraform.rc'} "
            f"terraform -chdir=envs/{env} plan -var-file={d / 'terraform.tfvars.json'}  # {env}'s exports"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


def run(args: argparse.Namespace) -> int:
    from rehearsal import apply as tf
    from rehearsal.runner import DEFAULT_CONFIG, DEFAULT_DATA, DataError, PipelineRunner, load_dataset

    log = Console()
    config_path = args.config or DEFAULT_CONFIG
    data_dir = args.data or DEFAULT_DATA
    try:
        config = json.loads(Path(config_path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        print(f"rehearsal: cannot read the training configuration {config_path}: {error}", file=sys.stderr)
        return 2
    try:
        load_dataset(data_dir)
    except DataError as error:
        print(f"rehearsal: bad --data: {error}", file=sys.stderr)
        return 2
    accounts = {name: getattr(args, f"{name}_account") for name in DEFAULT_ACCOUNTS}
    workspace = tf.Workspace(name=args.workspace)
    log(f"building the deployer package {tf.DEPLOYER_ZIP.relative_to(ROOT)}")
    try:
        tf.build_deployer_package()
    except RuntimeError as error:
        print(f"rehearsal failed at stage Package: {error}", file=sys.stderr)
        return 1
    with Emulator(accounts=accounts, port=args.port) as aws:
        log(f"embedded AWS on {aws.endpoint}; accounts {accounts}; region {aws.region}")
        log("Apply    terraform init + apply: shared, then training and production")
        try:
            started = time.monotonic()
            states = tf.apply_all(
                aws, workspace, lambda m: log(f"         {m}"), parallel=not args.sequential
            )
            apply_seconds = time.monotonic() - started
        except (tf.ApplyFailed, RuntimeError) as error:
            print(f"\nrehearsal failed at stage Apply: {error}", file=sys.stderr)
            return 1
        counts = {env: len(tf.resources(state)) for env, state in states.items()}
        log(
            f"Apply    ok {apply_seconds:5.1f} s  resources: "
            + ", ".join(f"{e} {n}" for e, n in counts.items())
        )
        if args.apply_only:
            if args.keep:
                _keep(aws, workspace, log)
            print(f"\napplied in {time.monotonic() - log.started:.1f} s")
            return 0
        runner = PipelineRunner(aws, states, log=log, work_dir=workspace.dir)
        config = _failure_config(config, args)
        hooks = _attack_hooks(args, aws, runner)
        if args.fail_deploy or args.tamper_output:
            log("a first execution deploys a good model")
            first = runner.run(config, data_dir)
            if not first.ok:
                print(
                    f"\nrehearsal failed at stage {first.failed.stage}: {first.failed.reason}",
                    file=sys.stderr,
                )
                return 1
            log(
                "the second execution: "
                + ", ".join(f"{h.__doc__} before {name}" for name, h in hooks.items())
            )
        approval = "reject" if args.reject else "interactive" if args.interactive else "auto"
        result = runner.run(config, data_dir, approval=approval, before_action=hooks)
        total = time.monotonic() - log.started
        _summary(aws, runner, counts, result, total)
        if args.overwrite_model and result.ok:
            served = attacks.served_model_sha256(aws, runner)
            approved = result.evidence["model_sha256"]
            verdict = "the approved bytes" if served == approved else "NOT the approved bytes"
            print(f"  served      SHA-256 {served} ({verdict})")
        if not result.ok and result.failed.stage == "Deploy":
            with contextlib.suppress(Exception):
                still = runner.score({"result": result, "dataset": load_dataset(data_dir)})
                print(f"  the endpoint keeps serving: {still}")
        if args.keep:
            _keep(aws, workspace, log)
        if not result.ok:
            print(
                f"\nrehearsal failed at stage {result.failed.stage}: {result.failed.reason}", file=sys.stderr
            )
            return 1
        print(f"\nrehearsal succeeded in {total:.1f} s")
        return 0


def _summary(aws, runner, counts, result, total) -> None:
    print("\nSummary")
    print("  accounts    " + ", ".join(f"{n} {i}" for n, i in aws.accounts.items()))
    print("  applied     " + ", ".join(f"envs/{e}: {n} resources" for e, n in counts.items()))
    execution = result.pipeline_execution_id or "(not started)"
    print(f"  pipeline    {runner.pipeline_name}, execution {execution}")
    if result.trigger:
        start = result.trigger
        print(f"  trigger     rule {start['rule']}, started as {start['role'].rsplit('/', 1)[1]}")
    for name, seconds, detail in result.stages:
        print(f"    {name:<8} {seconds:5.1f} s  {detail}")
    if result.training_execution_arn:
        print(f"  training    {result.training_execution_arn}")
    if result.training_output:
        gate = result.training_output.get("quality_gate", {})
        print(f"  metric      {gate.get('metric')} = {gate.get('value'):.4f} (gate {gate.get('threshold')})")
    if result.evidence:
        e = result.evidence
        print(f"  approved    SHA-256 {e['model_sha256_hex']} (training job {e['training_job_name']})")
    if result.deployment:
        deployed = result.deployment
        print(f"  endpoint    {deployed['EndpointName']} serving {deployed['EndpointConfigName']}")
    if result.release_record:
        print(f"  release     {result.deployment['ReleaseRecord']}:")
        print("\n".join("    " + line for line in json.dumps(result.release_record, indent=2).splitlines()))
    if result.score:
        s = result.score
        text = f"AUC {s['auc']:.4f}, accuracy {s['accuracy']:.4f}" if "auc" in s else f"RMSE {s['rmse']:.4f}"
        print(f"  score       {text} on {s['rows']} validation rows")
    if aws.authorizer is not None:
        print(f"  authorized  {aws.authorizer.record.summary()}")
    print(f"  total       {total:.1f} s")


def serve(args: argparse.Namespace) -> int:
    accounts = {name: getattr(args, f"{name}_account") for name in DEFAULT_ACCOUNTS}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Emulator(accounts=accounts, port=args.port, tls=not args.no_tls) as aws:
        print(f"# embedded AWS on {aws.endpoint} (started in {aws.start_seconds:.1f} s); accounts {accounts}")
        for key, value in aws.env().items():
            print(f"export {key}={shlex.quote(value)}")
        for name in accounts:
            print(f"# {name}: assume {aws.admin_role_arn(name)}")
        print("# ready", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    return serve(args) if args.command == "serve" else run(args)


if __name__ == "__main__":
    sys.exit(main())
