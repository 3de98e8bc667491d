"""Derived SageMaker names: valid, bounded, deterministic, and content-addressed."""

from __future__ import annotations

import re

from prod_deployer.config import EndpointSettings, ServerlessSettings
from prod_deployer.naming import derive_name, endpoint_config_name, model_name

NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ROLE = "arn:aws:iam::333333333333:role/mlops-model-execution"
JOB = "mlops-train-20250101-120000-ab12cd"
PACKAGE = "arn:aws:sagemaker:eu-west-1:333333333333:model-package/mlops-models/1"
SERVERLESS = EndpointSettings("serverless", serverless=ServerlessSettings(2048, 5))


def test_names_are_valid_and_deterministic() -> None:
    model = model_name("mlops-model", JOB, PACKAGE, ROLE, False)
    config = endpoint_config_name("mlops-model", JOB, model, SERVERLESS)
    assert model == "mlops-model-mlops-train-20250101-120000-ab12cd-d9a4c33d"
    assert config == "mlops-model-mlops-train-20250101-120000-ab12cd-29b2a3d1"
    assert model == model_name("mlops-model", JOB, PACKAGE, ROLE, False)
    assert NAME.match(model) and NAME.match(config)


def test_network_isolation_is_part_of_the_model_name() -> None:
    # EnableNetworkIsolation cannot change on an existing model: an isolated model (instance endpoints) and a
    # non-isolated one (serverless endpoints) of the same training job must never share a name.
    open_model = model_name("mlops-model", JOB, PACKAGE, ROLE, False)
    isolated = model_name("mlops-model", JOB, PACKAGE, ROLE, True)
    assert isolated == "mlops-model-mlops-train-20250101-120000-ab12cd-e0c7da4b"
    assert isolated != open_model
    assert len(isolated) <= 63 and NAME.match(isolated)


def test_long_training_job_names_are_trimmed_to_63_characters() -> None:
    name = model_name("x" * 40, "a" * 40 + "-" + "b" * 22, PACKAGE, ROLE, True)
    assert len(name) == 63 and NAME.match(name) and name.startswith("x" * 40 + "-")


def test_trimming_never_leaves_a_dangling_hyphen() -> None:
    name = derive_name("p", "abc---" + "d" * 60, {})
    assert NAME.match(name) and "--" not in name.rsplit("-", 1)[0][-3:]
    assert NAME.match(derive_name("p", "", {})) and NAME.match(derive_name("p", "---", {}))


def test_settings_change_gives_a_new_config_name_but_the_same_model() -> None:
    model = model_name("mlops-model", JOB, PACKAGE, ROLE, False)
    bigger = EndpointSettings("serverless", serverless=ServerlessSettings(4096, 5))
    assert endpoint_config_name("mlops-model", JOB, model, SERVERLESS) != endpoint_config_name(
        "mlops-model", JOB, model, bigger
    )


def test_another_release_gives_a_different_model_name() -> None:
    # Each release (model package version) gets its own model, even for the same training job.
    other = PACKAGE.replace("/1", "/2")
    first = model_name("mlops-model", JOB, PACKAGE, ROLE, False)
    assert first != model_name("mlops-model", JOB, other, ROLE, False)
