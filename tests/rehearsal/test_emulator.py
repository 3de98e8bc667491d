"""Emulator start/stop, accounts and the environment it hands to other tools."""

from __future__ import annotations

import socket

import pytest

from rehearsal.emulator import Emulator


def test_accounts_are_isolated_and_assumed_roles_act_in_their_account(aws):
    for name, account_id in aws.accounts.items():
        identity = aws.client("sts", name).get_caller_identity()
        assert identity["Account"] == account_id
    key = aws.client("kms", "shared").create_key(Description="only in A")["KeyMetadata"]["KeyId"]
    assert key not in {k["KeyId"] for k in aws.client("kms", "training").list_keys()["Keys"]}


def test_env_points_tools_at_the_emulator(aws):
    env = aws.env("production")
    assert env["AWS_ENDPOINT_URL"] == aws.endpoint and env["AWS_ENDPOINT_URL"].startswith(
        "https://127.0.0.1:"
    )
    assert env["AWS_CA_BUNDLE"] == str(aws.ca_bundle)
    assert env["AWS_SESSION_TOKEN"]


def test_start_stop_frees_the_port_and_rejects_bad_accounts():
    emulator = Emulator(
        accounts={"shared": "444444444444", "training": "555555555555", "production": "666666666666"},
        tls=False,
        compat=False,
    ).start()
    port = emulator.port
    try:
        assert emulator.client("sts", "training").get_caller_identity()["Account"] == "555555555555"
    finally:
        emulator.stop()
    assert not emulator.running
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # free again
    with pytest.raises(ValueError, match="distinct 12-digit"):
        Emulator(accounts={"shared": "1", "training": "2", "production": "3"}).start()
