"""Best-effort clean-up after a successful deployment: superseded endpoint configs and models.

Only names that start with ``NAME_PREFIX-`` are considered. The newest ``KEEP_VERSIONS`` of each kind are
kept, and so is everything in use: the endpoint's config (read back from SageMaker, not assumed), the models
that any kept config refers to, and the names just deployed. Errors are logged, never reported to the pipeline
(the job has already succeeded).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from .deploy import Names, TimeBudget, describe_endpoint
from .logs import JsonLogger

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient


def _list(
    sm: SageMakerClient, operation: Literal["list_endpoint_configs", "list_models"], key: str, prefix: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in sm.get_paginator(operation).paginate(NameContains=prefix):
        listing: Mapping[str, Any] = page  # key names the page's list, which the page type cannot say
        items.extend(listing.get(key, []))
    return items


def _newest_first(items: list[dict[str, Any]], name_key: str, prefix: str) -> list[dict[str, Any]]:
    ours = [i for i in items if str(i.get(name_key, "")).startswith(prefix + "-")]
    return sorted(ours, key=lambda i: (i.get("CreationTime") or 0, i[name_key]), reverse=True)


def clean_up(
    sm: SageMakerClient, prefix: str, keep: int, names: Names, log: JsonLogger, budget: TimeBudget
) -> dict[str, Any]:
    """Delete superseded configs and models; returns what was deleted and kept (also logged)."""
    if keep <= 0:
        return {"skipped": "KEEP_VERSIONS is 0"}
    deleted_configs: list[str] = []
    deleted_models: list[str] = []
    endpoint: Mapping[str, Any] = describe_endpoint(sm, names.endpoint) or {}
    in_use_config = endpoint.get("EndpointConfigName")
    pending_config = (endpoint.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")

    configs = _newest_first(
        _list(sm, "list_endpoint_configs", "EndpointConfigs", prefix), "EndpointConfigName", prefix
    )
    keep_configs = {c["EndpointConfigName"] for c in configs[:keep]}
    keep_configs |= {n for n in (in_use_config, pending_config, names.config) if n}
    for config in configs:
        name = config["EndpointConfigName"]
        if name in keep_configs:
            continue
        budget.check("delete_endpoint_config")
        sm.delete_endpoint_config(EndpointConfigName=name)
        deleted_configs.append(name)

    models_in_use = {names.model}
    for name in sorted(keep_configs):
        try:
            desc = sm.describe_endpoint_config(EndpointConfigName=name)
        except Exception:  # a config we keep but cannot read: keep every model, to be safe
            log.warning("cleanup_config_unreadable", endpoint_config=name)
            return {
                "deleted_configs": deleted_configs,
                "deleted_models": [],
                "kept_configs": sorted(keep_configs),
            }
        models_in_use |= {v["ModelName"] for v in desc.get("ProductionVariants", [])}

    models = _newest_first(_list(sm, "list_models", "Models", prefix), "ModelName", prefix)
    keep_models = {m["ModelName"] for m in models[:keep]} | models_in_use
    for model in models:
        name = model["ModelName"]
        if name in keep_models:
            continue
        budget.check("delete_model")
        sm.delete_model(ModelName=name)
        deleted_models.append(name)

    result = {
        "deleted_configs": deleted_configs,
        "deleted_models": deleted_models,
        "kept_configs": sorted(keep_configs),
        "kept_models": sorted(keep_models),
    }
    log.info("cleanup", **result)
    return result
