"""The emulator-server level of the compat layer: how patches are applied and undone, who a request's caller
is, the registry of patches, the worker threads patches start, and the server moto runs in."""

from __future__ import annotations

import datetime
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOG = logging.getLogger("rehearsal.compat")

_ORIGINALS: list[tuple[Any, str, Any]] = []
_STATE: dict[str, Any] = {"emulator": None}


class _Missing:
    pass


_MISSING = _Missing()


def _patch(owner: Any, name: str, value: Any) -> None:
    _ORIGINALS.append(
        (
            owner,
            name,
            owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name, _MISSING),
        )
    )
    setattr(owner, name, value)


def _patch_dict(owner: dict, key: str, value: Any) -> None:
    _ORIGINALS.append((owner, key, owner.get(key, _MISSING)))
    owner[key] = value


def _restore() -> None:
    """Undo every patch, newest first (a later patch may wrap an earlier one's function)."""
    while _ORIGINALS:
        owner, name, value = _ORIGINALS.pop()
        if isinstance(owner, dict):
            if value is _MISSING:
                owner.pop(name, None)
            else:
                owner[name] = value
        elif value is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, value)


def _emulator() -> Any:
    emulator = _STATE["emulator"]
    if emulator is None:
        raise RuntimeError("the rehearsal compat layer is not installed")
    return emulator


def _epoch(value: Any) -> Any:
    """ISO-8601 string or datetime as epoch seconds (AWS JSON protocol timestamps); others unchanged."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.UTC)
        return parsed.timestamp()
    return value


# ---------------------------------------------------------------------------------------------- the caller
def _principal_for_access_key(access_key: str) -> tuple[str, str] | None:
    """(principal ARN, account) of a moto access key: user or assumed role; None when unknown (also the
    authorizer's way to name a caller, rehearsal.authz)."""
    from moto.iam.models import iam_backends

    for account_id, account in list(iam_backends.items()):
        for partition_backend in account.values():
            key = partition_backend.access_keys.get(access_key)
            if key is None:
                continue
            if getattr(key, "role_arn", None):
                return key.role_arn, account_id
            if getattr(key, "user_name", None):
                return f"arn:aws:iam::{account_id}:user/{key.user_name}", account_id
    return None


def _access_key_of(headers: Any, query: str) -> str | None:
    auth = headers.get("Authorization", "") or ""
    match = re.search(r"Credential=([^/,\s]+)/", auth)
    if match:
        return match.group(1)
    match = re.search(r"X-Amz-Credential=([^%/&]+)", query or "")
    return match.group(1) if match else None


def _caller(response: Any) -> str | None:
    """The principal ARN that signed the request a moto response object is serving."""
    access_key = _access_key_of(response.headers, "")
    principal = _principal_for_access_key(access_key) if access_key else None
    return principal[0] if principal else None


# -------------------------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Patch:
    """One gap of moto and the patch that closes it. `reproduce(emulator)` makes the request that shows the
    gap on a running Emulator and answers whether the gap is there; tests/rehearsal/test_compat_registry.py
    runs it with the patch off (moto still has the gap, or the patch is to be deleted) and on (closed)."""

    id: str
    name: str
    gap: str
    install: Callable[[], None]
    reproduce: Callable[[Any], bool]


PATCHES: dict[str, Patch] = {}


def register(patch: Patch) -> None:
    if patch.id in PATCHES:
        raise ValueError(f"compat patch {patch.id} is registered twice")
    PATCHES[patch.id] = patch


# ---------------------------------------------------------------------------------------- worker threads
def _join(threads: list[threading.Thread], timeout: float) -> None:
    """Join `threads` (emptying the list) within `timeout` seconds in all; log the ones still running."""
    deadline = time.monotonic() + timeout
    running = []
    while threads:
        thread = threads.pop()
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            running.append(thread.name)
    if running:
        LOG.warning("worker threads did not stop within %ss: %s", timeout, ", ".join(sorted(running)))


# ----------------------------------------------------------------------------------------- the moto server
def start_server(emulator: Any, ssl_context: tuple[str, str] | None) -> Any:
    """moto's ThreadedMotoServer for `emulator`, started: serving TLS (`ssl_context`: cert and key paths) and,
    unless compat is off, behind the authorizer.

    The override of its private `_server_entry` (and its `_server` / `_server_ready_event` attributes): moto
    builds its werkzeug server there with neither an ssl_context nor a way to wrap its WSGI app, and has no
    public hook for either; the rehearsal needs both (the artifact bucket denies aws:SecureTransport = false,
    and every request is authorized before moto serves it). The ready event is set also when the server
    cannot be made, so that start() returns and `_server` is None says so instead of a wait forever."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    class _Server(ThreadedMotoServer):
        def _server_entry(inner) -> None:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server

            try:
                app = DomainDispatcherApplication(create_backend_app)
                if emulator.compat is not False:
                    from ..authz import Authorizer
                    from ..emulator import BOOTSTRAP_ACCESS_KEY

                    app = emulator.authorizer = Authorizer(app, BOOTSTRAP_ACCESS_KEY, emulator.enforce)
                inner._server = make_server(
                    inner._ip_address,
                    inner._port,
                    app,
                    True,
                    request_handler=MotoRequestHandler,
                    ssl_context=ssl_context,
                )
            finally:
                inner._server_ready_event.set()
            inner._server.serve_forever()

    server = _Server(ip_address=emulator.host, port=emulator.port, verbose=False)
    server.start()
    if server._server is None:
        raise RuntimeError(f"the emulator could not listen on {emulator.host}:{emulator.port}")
    return server


# ------------------------------------------------------------------------------------ reproduction helpers
def _unique(prefix: str) -> str:
    """A fresh resource name: reproductions run twice (patch off, then on) on one emulator."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _client(emulator: Any, service: str, account: str) -> Any:
    """A client in `account` that tries once: a gap often answers 500, which botocore would retry."""
    from botocore.config import Config

    return emulator.session(account).client(
        service,
        endpoint_url=emulator.endpoint,
        verify=emulator.verify,
        region_name=emulator.region,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def _service_role(emulator: Any, account: str, services: list[str], policy: dict | None = None) -> str:
    """A new role of `account` that `services` may assume, with `policy` inline; its ARN."""
    iam = _client(emulator, "iam", account)
    name = _unique("p-repro")
    trust = {
        "Version": "2012-10-17",
        # One statement per service: moto's CreatePipeline reads a statement's Service as one string.
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            for service in services
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="repro", PolicyDocument=json.dumps(policy))
    return arn


def _wire(client: Any, operation: str, **request: Any) -> dict[str, Any]:
    """The JSON body of `operation`'s answer as sent (botocore parses ISO strings and numbers alike)."""
    from botocore import xform_name

    sent: dict[str, Any] = {}

    def keep(http_response: Any, **_: Any) -> None:
        sent.update(json.loads(http_response.content or b"{}"))

    event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, keep)
    try:
        getattr(client, xform_name(operation))(**request)
    finally:
        client.meta.events.unregister(event, keep)
    return sent
