"""Deterministic SageMaker names: a re-delivered job derives the same names and finds what it created.

``<NAME_PREFIX>-<training job name, trimmed>-<8 hex of a content hash>``, at most 63 characters of
[a-zA-Z0-9-]. The model hash covers what the model is (its release's model package version, which holds the
image and C's verified copy of the model data; the execution role; network isolation);
the endpoint config hash covers the model name and the endpoint settings, so changing the settings and
redeploying the same training job yields a new config instead of silently reusing the old one. Network
isolation is fixed when a model is created, so it is part of the name: an instance endpoint (isolated) never
reuses the serverless endpoint's model (not isolated) of the same training job, nor the other way round.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from typing import Any

from .config import EndpointSettings

MAX_NAME = 63
HASH_CHARS = 8


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def derive_name(prefix: str, slug: str, payload: Any) -> str:
    """``prefix-slug-hash`` trimmed to 63 characters; the slug is cut first, never the prefix or hash."""
    digest = _digest(payload)
    budget = MAX_NAME - len(prefix) - len(digest) - 2
    clean = re.sub(r"[^a-zA-Z0-9-]", "-", slug)[: max(budget, 0)].strip("-")
    return f"{prefix}-{clean}-{digest}" if clean else f"{prefix}-{digest}"


def model_name(
    prefix: str,
    training_job_name: str,
    model_package_arn: str,
    execution_role_arn: str,
    network_isolation: bool,
) -> str:
    return derive_name(
        prefix,
        training_job_name,
        {"package": model_package_arn, "role": execution_role_arn, "network_isolation": network_isolation},
    )


def endpoint_config_name(prefix: str, training_job_name: str, model: str, endpoint: EndpointSettings) -> str:
    return derive_name(prefix, training_job_name, {"model": model, "endpoint": asdict(endpoint)})
