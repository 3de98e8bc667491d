"""What the deployer tests share between botocore sessions and clients (conftest.py, _botocore_built_once) is
what botocore builds for each of them on its own: the same client class for a service, the same aliased name
for an event. Each test compares the shared result with botocore's own, built with the unpatched function."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.client
import botocore.hooks
import pytest
from deployer_testkit import REGION

# Taken when pytest imports this module (collection), before the package's fixture patches them for the tests.
BUILD_CLIENT_CLASS = botocore.client.ClientCreator._create_client_class
ALIASER_INIT = botocore.hooks.EventAliaser.__init__


def _session() -> boto3.Session:
    return boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


def _shape(cls: type) -> dict[str, Any]:
    """A client class as its callers see it: its bases, its operations and each attribute's name and doc."""
    return {
        "bases": cls.__bases__,
        "operations": cls._PY_TO_OP_NAME,  # type: ignore[attr-defined]
        "attributes": {name: getattr(value, "__doc__", None) for name, value in vars(cls).items()},
    }


@pytest.mark.parametrize("service", ["sagemaker", "s3", "sts", "cloudwatch", "codepipeline"])
def test_a_service_has_the_client_class_botocore_builds(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = type(_session().client(service))
    assert type(_session().client(service)) is shared  # one class for every session's clients
    monkeypatch.setattr(botocore.client.ClientCreator, "_create_client_class", BUILD_CLIENT_CLASS)
    own = type(_session().client(service))
    assert own is not shared
    assert _shape(own) == _shape(shared)
    assert len(_shape(own)["operations"]) > 3


def test_an_event_has_the_name_botocore_aliases_it_to(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _session().client("sagemaker")
    shared = client.meta.events._alias_name_cache
    assert _session()._session.get_component("event_emitter")._alias_name_cache is shared
    assert len(shared) > 100  # the events of botocore's and boto3's builtin handlers, registered per session
    monkeypatch.setattr(botocore.hooks.EventAliaser, "__init__", ALIASER_INIT)
    own = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter())
    assert own._alias_name_cache is not shared
    assert {name: own._alias_event_name(name) for name in list(shared)} == shared
    assert any(name != alias for name, alias in shared.items())  # e.g. autoscaling -> auto-scaling
