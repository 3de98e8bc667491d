"""The compat layer's registry: every patch's gap still exists in the pinned moto, and the patch closes it.

Each reproduction runs on the session's emulator twice: with every patch but its own (the gap must show; if it
does not, moto closed the gap itself and the patch is to be deleted), then with the whole layer (the gap must
be closed). moto's backends are process-global, so a patch is turned off on the one emulator (compat.only)
rather than by starting another."""

from __future__ import annotations

import moto
import pytest

from rehearsal import compat

PATCHES = sorted(compat.PATCHES.values(), key=lambda p: int(p.id[1:]))


def test_the_registry_lists_p1_to_p12_each_with_its_gap():
    assert [p.id for p in PATCHES] == [f"P{n}" for n in range(1, 13)]
    assert all(p.gap.endswith(".") and "\n" not in p.gap for p in PATCHES)


@pytest.mark.parametrize("patch", PATCHES, ids=[p.id for p in PATCHES])
def test_the_gap_exists_without_the_patch_and_is_closed_with_it(aws, patch):
    with compat.only(aws, set(compat.PATCHES) - {patch.id}):
        assert patch.reproduce(aws), (
            f"{patch.id} {patch.name}: moto {moto.__version__} no longer has the gap ({patch.gap}): "
            "delete the patch"
        )
    assert not patch.reproduce(aws), f"{patch.id} {patch.name} does not close its gap: {patch.gap}"
