"""Lambda entry point: a thin edge around pure steps.

``lambda_handler(event, context)`` uses the default ClientFactory and os.environ; ``handle`` takes both as
arguments, which is the seam the tests use (they pass a factory whose ``codepipeline()`` returns a recorder,
because moto does not implement PutJobSuccessResult/PutJobFailureResult).

Every job gets exactly one answer per invocation through A's callback role: success with a continuation token
while the endpoint is changing, success with output variables when it is InService with the new config, or a
failure with a message and a failure type. The only cases without an answer are those where none is
possible (not a job event; no callback role, or it cannot be assumed): they are logged and raised, so the
invocation counts as an error.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any

from .artifact import TrainingOutput, read_training_output
from .cleanup import clean_up
from .clients import ClientFactory
from .config import SAGEMAKER_NAME, Settings, callback_role_from_env, load_settings
from .deploy import (
    Names,
    OutOfTime,
    TimeBudget,
    check_deployment,
    check_endpoint_type,
    ensure_endpoint_config,
    ensure_model,
    retry_token,
    sagemaker_tags,
    start_deployment,
)
from .errors import (
    JOB_FAILED,
    CannotReport,
    ConfigurationError,
    DeployError,
    FailureType,
    JobFailed,
)
from .event import Job, UserParameters, job_id_of, parse_job, parse_user_parameters, raw_user_parameters
from .logs import JsonLogger
from .naming import endpoint_config_name, model_name
from .pipeline import Outcome, Reporter, open_reporter
from .provenance import check_approved, check_inputs, ensure_stored
from .release import ensure_package, find_approval, record_key, release_record, write_pending, write_serving

_DEFAULT_CLIENTS = ClientFactory()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda handler (``prod_deployer.handler.lambda_handler``)."""
    return handle(event, context, _DEFAULT_CLIENTS, os.environ)


def parse_token(raw: str) -> dict[str, Any]:
    """Decode and check a continuation token written by this deployer."""
    try:
        token = json.loads(raw)
    except json.JSONDecodeError:
        raise JobFailed("continuation token is not JSON written by this deployer") from None
    if not isinstance(token, dict) or token.get("v") != 1 or token.get("phase") not in ("deploy", "wait"):
        raise JobFailed(f"continuation token has an unknown version or phase: {raw[:200]}")
    if token["phase"] == "wait":
        for key in ("endpoint", "config", "model"):
            if (
                not isinstance(token.get(key), str)
                or len(token[key]) > 63
                or not SAGEMAKER_NAME.match(token[key])
            ):
                raise JobFailed(f"continuation token has no valid {key} name")
    return token


def handle(event: Any, context: Any, clients: ClientFactory, env: Mapping[str, str]) -> dict[str, Any]:
    """Process one invocation; returns a small summary (also logged) for the Lambda's own result."""
    started = time.monotonic()
    log = JsonLogger(request_id=getattr(context, "aws_request_id", None))
    try:
        job_id = job_id_of(event)
    except CannotReport as exc:
        log.error("malformed_event", error=str(exc))
        raise
    log.bind(job_id=job_id)

    # Choose the role to answer through before anything else can fail: the deployer's configured role
    # (CALLBACK_ROLE_ARN, the only one its IAM policy lets it assume), else the one in the user parameters.
    params: UserParameters | None = None
    params_error: ConfigurationError | None = None
    try:
        params = parse_user_parameters(raw_user_parameters(event))
    except ConfigurationError as exc:
        params_error = exc
    role = callback_role_from_env(env) or (params.callback_role_arn if params else "")
    if not role:
        message = (
            "no callback role to answer the pipeline with: CALLBACK_ROLE_ARN and user parameter are unusable"
        )
        log.error("cannot_report", error=message, user_parameters_error=params_error and params_error.message)
        raise CannotReport(message)
    try:
        reporter = open_reporter(clients.sts(), clients, role, job_id, log)
    except CannotReport as exc:
        log.error("cannot_report", error=str(exc))
        raise

    result: dict[str, Any] = {"job_id": job_id}
    try:
        outcome, settings, names = _run(event, context, clients, env, params, params_error, reporter, log)
        reporter.send(outcome)
        result.update(status=outcome.status, summary=outcome.summary)
        if outcome.status == "success" and names is not None and settings is not None:
            _clean_up(clients, settings, names, log, TimeBudget(context))
    except DeployError as exc:
        _fail(reporter, exc.failure_type, exc.message, log)
        result.update(status="failure", failure_type=exc.failure_type, message=exc.message)
    except Exception as exc:  # catch-all: the pipeline always gets an answer
        log.error(
            "unexpected_error", error=type(exc).__name__, message=str(exc), trace=traceback.format_exc()
        )
        if reporter.answered:
            raise
        message = f"deployer error: {type(exc).__name__}: {exc}"
        _fail(reporter, JOB_FAILED, message, log)
        result.update(status="failure", failure_type=JOB_FAILED, message=message)
    log.info("done", **result, duration_ms=round((time.monotonic() - started) * 1000, 1))
    return result


def _fail(reporter: Reporter, failure_type: FailureType, message: str, log: JsonLogger) -> None:
    log.error("job_failed", failure_type=failure_type, message=message)
    try:
        reporter.failure(failure_type, message)
    except Exception as exc:
        log.error("cannot_report", error=f"PutJobFailureResult failed: {type(exc).__name__}: {exc}")
        raise


def _run(
    event: Any,
    context: Any,
    clients: ClientFactory,
    env: Mapping[str, str],
    params: UserParameters | None,
    params_error: ConfigurationError | None,
    reporter: Reporter,
    log: JsonLogger,
) -> tuple[Outcome, Settings | None, Names | None]:
    if params_error is not None or params is None:
        raise params_error or ConfigurationError("action user parameters are missing")
    settings = load_settings(env)
    if params.callback_role_arn != settings.callback_role_arn:
        raise ConfigurationError(
            f"user parameter callback_role_arn {params.callback_role_arn} is not this deployer's callback "
            f"role {settings.callback_role_arn} (CALLBACK_ROLE_ARN): fix the deploy action or the deployer"
        )
    job = parse_job(event)
    log.bind(pipeline_execution_id=params.pipeline_execution_id, mode=params.mode)
    if params.mode == "verify":
        return _verify(job, clients, settings, log), None, None
    execution_id = params.pipeline_execution_id
    if params.approved is None or not execution_id:
        raise ConfigurationError(
            "mode deploy needs the user parameters approved and pipeline_execution_id: see docs/interfaces.md"
        )
    token = parse_token(job.continuation_token) if job.continuation_token else None
    polls = int(token.get("polls", 0)) if token else 0
    log.info(
        "start",
        continuation=token is not None,
        phase=(token or {}).get("phase", "deploy"),
        polls=polls,
        remaining_ms=TimeBudget(context).remaining_ms(),
        endpoint=settings.endpoint_name,
    )
    sm = clients.sagemaker()

    if token and token["phase"] == "wait":
        names = Names(token["endpoint"], token["config"], token["model"])
        log.bind(endpoint=names.endpoint, endpoint_config=names.config, model=names.model)
        return (
            _released(check_deployment(sm, token, log), clients, settings, execution_id, log),
            settings,
            names,
        )

    budget = TimeBudget(context)
    training = _read_training(job, clients, settings, log)
    check_approved(training, params.approved)
    stored = ensure_stored(clients.own_s3(), training, settings.provenance, log)
    record = release_record(
        settings,
        execution_id,
        params.source_revision,
        training,
        stored,
        find_approval(reporter.client, settings.provenance.pipeline_name, execution_id),
    )
    record["release_record_url"] = f"s3://{stored.bucket}/{record_key(execution_id)}"
    tags = sagemaker_tags(settings, training, execution_id)
    # Before anything is created: a refused type change must leave no package, model or config behind.
    check_endpoint_type(sm, settings.endpoint_name, settings.endpoint, log)
    record["package_arn"] = ensure_package(sm, settings, record, log)
    model = model_name(
        settings.name_prefix,
        training.training_job_name,
        record["package_arn"],
        settings.model_execution_role_arn,
        settings.endpoint.network_isolation,
    )
    names = Names(
        settings.endpoint_name,
        endpoint_config_name(settings.name_prefix, training.training_job_name, model, settings.endpoint),
        model,
    )
    log.bind(endpoint=names.endpoint, endpoint_config=names.config, model=names.model)
    record["endpoint"] = {
        "name": names.endpoint,
        "config": names.config,
        "model": names.model,
        "settings": asdict(settings.endpoint),
    }
    write_pending(clients.own_s3(), stored.bucket, record)
    try:
        budget.check("create_model")
        ensure_model(sm, names.model, record["package_arn"], settings, tags, log)
        budget.check("create_endpoint_config")
        ensure_endpoint_config(sm, names.config, names.model, settings.endpoint, tags, log)
        outcome = start_deployment(
            sm, clients.cloudwatch(), names, settings.endpoint, tags, log, budget, polls
        )
    except OutOfTime as exc:
        log.warning("out_of_time", before=str(exc), remaining_ms=budget.remaining_ms())
        outcome = Outcome(
            "continue",
            f"Deploying {names.config} to {names.endpoint}: continuing in the next invocation (before {exc})",
            retry_token(f"out of time before {exc}", polls + 1),
        )
    return _released(outcome, clients, settings, execution_id, log), settings, names


def _read_training(job: Job, clients: ClientFactory, settings: Settings, log: JsonLogger) -> TrainingOutput:
    """The training output of the job's input artifact, refused unless it names what C allows."""
    with log.timed("read_training_output", bucket=job.bucket, key=job.key) as extra:
        training = read_training_output(clients.s3(job.credentials), job.bucket, job.key)
        extra.update(training_job_name=training.training_job_name, model_data_url=training.model_data_url)
    check_inputs(training, settings.provenance)
    return training


def _verify(job: Job, clients: ClientFactory, settings: Settings, log: JsonLogger) -> Outcome:
    """Before the approval: pin and store the model, and give the approver the evidence as output variables
    (namespace Evidence: the approval's custom data and the Deploy action's ``approved`` read them)."""
    training = _read_training(job, clients, settings, log)
    stored = ensure_stored(clients.own_s3(), training, settings.provenance, log)
    gate = training.quality_gate
    return Outcome(
        "success",
        f"Verified the model of training job {training.training_job_name}: SHA-256 {stored.sha256_hex} "
        f"(S3 version {training.model_version_id}), stored as {stored.url}; {gate.metric} = {gate.value}, "
        f"effective threshold {gate.threshold}",
        output_variables={
            "model_sha256": stored.sha256,
            "model_sha256_hex": stored.sha256_hex,
            "model_version_id": training.model_version_id,
            "training_job_name": training.training_job_name,
            "gate_metric": gate.metric,
            "gate_value": str(gate.value),
            "gate_threshold": str(gate.threshold),
            "model_store_url": stored.url,
        },
    )


def _released(
    outcome: Outcome, clients: ClientFactory, settings: Settings, execution_id: str, log: JsonLogger
) -> Outcome:
    """Once the endpoint serves the release, its record says so (and becomes releases/current.json)."""
    if outcome.status != "success":
        return outcome
    record = write_serving(clients.own_s3(), settings.provenance.store_bucket, execution_id, log)
    variables = dict(
        outcome.output_variables,
        ModelPackageArn=record["package_arn"],
        ReleaseRecord=record["release_record_url"],
    )
    return replace(outcome, output_variables=variables)


def _clean_up(
    clients: ClientFactory, settings: Settings, names: Names, log: JsonLogger, budget: TimeBudget
) -> None:
    try:
        clean_up(clients.sagemaker(), settings.name_prefix, settings.keep_versions, names, log, budget)
    except OutOfTime as exc:
        log.warning("cleanup_stopped", reason=f"out of time before {exc}")
    except Exception as exc:  # the job already succeeded; a failed clean-up is only logged
        log.warning("cleanup_failed", error=type(exc).__name__, message=str(exc))
