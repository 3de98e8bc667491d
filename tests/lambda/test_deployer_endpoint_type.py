"""Serverless endpoints run models without network isolation; a change of endpoint type is refused up front.

SageMaker Serverless Inference does not support network isolation (developer guide, "Deploy models with
Amazon SageMaker Serverless Inference", Feature exclusions), so the deployer isolates only the models of
instance endpoints.
SageMaker cannot update an instance endpoint to serverless, and updates a serverless one to instance only one
way, so an existing endpoint whose type changes fails the job with what to do, before anything is created.
(moto accepts both, so these tests assert the deployer's own refusal and what it sent to SageMaker.)
"""

from __future__ import annotations

from deployer_testkit import (
    CONFIG,
    ENDPOINT,
    EXAMPLE_OUTPUT,
    INSTANCE,
    ISOLATED_MODEL,
    MODEL,
    SERVERLESS,
    World,
    failure,
    make_env,
    names_for,
    success,
    trained,
)

CREATING = ("CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint")


def _created(world: World) -> list[str]:
    return [name for name in world.sim.mutating_calls() if name in CREATING]


def test_serverless_model_is_not_isolated_and_instance_model_is(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.env = make_env(INSTANCE, ENDPOINT_NAME="mlops-endpoint-instance")
    world.run()

    serverless_model, instance_model = world.sim.called("CreateModel")
    assert (serverless_model["ModelName"], serverless_model["EnableNetworkIsolation"]) == (MODEL, False)
    assert (instance_model["ModelName"], instance_model["EnableNetworkIsolation"]) == (ISOLATED_MODEL, True)
    # Both models exist side by side: the isolated one did not reuse the serverless one's name.
    assert {m["ModelName"] for m in world.sm.list_models()["Models"]} == {MODEL, ISOLATED_MODEL}


def _type_change_message(current: str, serving: str, wanted: str, reason: str) -> str:
    return (
        f"endpoint {ENDPOINT} is a {current} endpoint (config {serving}) and endpoint.type is now "
        f'"{wanted}": {reason}. Nothing was created. Delete the endpoint first (aws sagemaker '
        f"delete-endpoint --endpoint-name {ENDPOINT}; it stops serving until the Deploy stage creates it "
        f'again) and retry the Deploy stage, or set endpoint.type back to "{current}"'
    )


def test_instance_to_serverless_is_refused_before_anything_is_created(world: World) -> None:
    world.env = make_env(INSTANCE)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    _, instance_config = names_for(EXAMPLE_OUTPUT, INSTANCE)
    created_before = _created(world)

    world.env = make_env(SERVERLESS)
    world.put_artifact(trained(2))
    world.recorder.calls.clear()
    world.run()

    assert world.recorder.only() == failure(
        "ConfigurationError",
        _type_change_message(
            "instance",
            instance_config,
            "serverless",
            "SageMaker cannot update an instance endpoint to serverless "
            "(UpdateEndpoint answers ValidationError)",
        ),
    )
    assert _created(world) == created_before  # no model, config or update for the refused run
    assert {c["EndpointConfigName"] for c in world.sm.list_endpoint_configs()["EndpointConfigs"]} == {
        instance_config
    }


def test_serverless_to_instance_is_refused_once_per_run_and_deleting_the_endpoint_clears_it(
    world: World,
) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.env = make_env(INSTANCE)
    world.put_artifact(trained(2))
    world.recorder.calls.clear()
    expected = failure(
        "ConfigurationError",
        _type_change_message(
            "serverless",
            CONFIG,
            "instance",
            "SageMaker can update a serverless endpoint to instance only one way (it can never be "
            "updated back to serverless), so the deployer does not do it as a side effect of a settings "
            "change",
        ),
    )

    world.run()
    world.run()  # the same job re-delivered: the same single answer, still nothing created
    assert world.recorder.calls == [expected, expected]
    assert _created(world) == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]

    # What the message says to do works: with the endpoint deleted, the next run creates it as instance.
    world.sm.delete_endpoint(EndpointName=ENDPOINT)
    world.recorder.calls.clear()
    world.run()
    assert world.recorder.only() == success(
        *names_for(trained(2), INSTANCE, package_version=2), package_version=2
    )
