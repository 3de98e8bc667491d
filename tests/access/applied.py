"""The access proof's input: the three envs as applied on the embedded emulator.

A plan of envs/shared cannot know the CMK's ARN, so the bucket policy and the pipeline role's policy that
name it are unknown until apply. Applying the real roots on the emulator (the rehearsal's apply) and reading
`terraform show -json` gives every policy fully rendered, exactly as Terraform sends it to AWS; the policies
are then evaluated here, by the engine, not by the emulator (which enforces few of them).
"""

from __future__ import annotations

import json
from pathlib import Path

from .matrix import Matrix, load


def write_states(states: dict[str, dict], directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for env, state in states.items():
        paths[env] = directory / f"{env}.state.json"
        paths[env].write_text(json.dumps(state))
    return paths


def matrix_for(states: dict[str, dict], directory: Path) -> Matrix:
    return load(plan_paths=write_states(states, directory))


def all_resources(states: dict[str, dict]) -> list[dict]:
    from rehearsal.apply import resources

    return [r for state in states.values() for r in resources(state)]
