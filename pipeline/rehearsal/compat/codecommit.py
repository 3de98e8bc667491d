"""CodeCommit: epoch timestamps and the tag and branch APIs Terraform calls (P7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .server import Patch, _client, _epoch, _patch, _unique, _wire, register

# ============================================================================================= P7 CodeCommit
# Gap: moto returns repositoryMetadata timestamps as ISO strings (the AWS JSON protocol and Terraform's Go SDK
# expect epoch numbers: "expected Date to be a JSON Number") and has no ListTagsForResource / TagResource /
# UntagResource / ListBranches, which the provider calls after CreateRepository.
# See it: `_reproduce_codecommit` (creationDate a string on the wire, ListTagsForResource an error), or
# terraform apply of aws_codecommit_repository.
# Fix: numbers for the timestamps; tags kept per ARN; ListBranches answers the branches moto knows (none: moto
# stores no commits).
_CODECOMMIT_TAGS: dict[str, dict[str, str]] = {}


def _install_codecommit() -> None:
    from moto.codecommit import responses as cc

    def with_epoch(name: str) -> Callable[..., str]:
        original = getattr(cc.CodeCommitResponse, name)

        def method(self: Any) -> str:
            result = json.loads(original(self))
            metadata = result.get("repositoryMetadata")
            if isinstance(metadata, dict):
                for key in ("creationDate", "lastModifiedDate"):
                    if key in metadata:
                        metadata[key] = _epoch(metadata[key])
                if name == "create_repository" and self._get_param("tags"):
                    _CODECOMMIT_TAGS.setdefault(metadata["Arn"], {}).update(self._get_param("tags"))
            return json.dumps(result)

        return method

    for name in ("create_repository", "get_repository"):
        _patch(cc.CodeCommitResponse, name, with_epoch(name))

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"tags": _CODECOMMIT_TAGS.get(self._get_param("resourceArn"), {})})

    def tag_resource(self: Any) -> str:
        _CODECOMMIT_TAGS.setdefault(self._get_param("resourceArn"), {}).update(self._get_param("tags") or {})
        return "{}"

    def untag_resource(self: Any) -> str:
        tags = _CODECOMMIT_TAGS.get(self._get_param("resourceArn"), {})
        for key in self._get_param("tagKeys") or []:
            tags.pop(key, None)
        return "{}"

    def list_branches(self: Any) -> str:
        self.codecommit_backend.get_repository(self._get_param("repositoryName"))  # raises if unknown
        return json.dumps({"branches": []})

    for function in (list_tags_for_resource, tag_resource, untag_resource, list_branches):
        _patch(cc.CodeCommitResponse, function.__name__, function)


def _reproduce_codecommit(emulator: Any) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    cc = _client(emulator, "codecommit", "shared")
    created = _wire(cc, "CreateRepository", repositoryName=_unique("p-repro"))["repositoryMetadata"]
    if isinstance(created["creationDate"], str):
        return True
    try:
        cc.list_tags_for_resource(resourceArn=created["Arn"])
        cc.list_branches(repositoryName=created["repositoryName"])
    except (BotoCoreError, ClientError):
        return True
    return False


register(
    Patch(
        "P7",
        "codecommit",
        "moto's CodeCommit sends timestamps as ISO strings and has no ListTagsForResource, TagResource, "
        "UntagResource or ListBranches.",
        _install_codecommit,
        _reproduce_codecommit,
    )
)
