"""Colour groups for libraries of more folders than the map has colours.

The map colours a sound by its folder's last component (``category_of``), and the palette has
``PALETTE_SIZE`` colours: a library of 44 folders (Drums/Kicks, Drums/Hats, Sonic Pi/bd, …)
repeated every colour two or three times, so no colour told a folder apart. Such a library's
folders are merged into their parent folder (Drums/Kicks, Drums/Hats, … become "Drums"),
deepest parents first and, among those, the ones with the fewest groups (the least detail
lost), until the groups fit the palette; folders that need no merging keep their own names.

Thread: any (pure; made on the worker that reads the project).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from latentscape.project_records import Sound

PALETTE_SIZE = 16  # widgets.theme.CATEGORY_COLORS


def _by_folder(sound: Sound) -> bool:
    """Whether ``sound``'s colour comes from its folder (no tag, not generated)."""
    return bool(sound.folder) and not sound.tags and not sound.generated


@dataclass(frozen=True)
class FolderGroups:
    """Each folder (as stored) of a library, and the group it was merged into."""

    labels: dict[str, str]

    def label_of(self, sound: Sound) -> str | None:
        """``sound``'s group, or None where the rule says nothing (tagged, generated, or a
        folder it did not know: a later import)."""
        return self.labels.get(sound.folder) if _by_folder(sound) else None


def folder_groups(
    sounds: Sequence[Sound], category: Callable[[Sound], str], colours: int = PALETTE_SIZE
) -> FolderGroups | None:
    """Merged groups for ``sounds`` when their last folders make more groups than ``colours``
    (with the groups ``category`` gives the others: tags, generated); None when they fit."""
    folders = {s.folder for s in sounds if _by_folder(s)}
    others = len({category(s) for s in sounds if not _by_folder(s)})
    if not folders or len({PurePath(f).name or f for f in folders}) + others <= colours:
        return None
    group = {f: PurePath(f).parts for f in folders}  # folder -> the folder it is shown as
    while len(set(group.values())) + others > colours:
        shown = set(group.values())
        under = Counter(node[:-1] for node in shown if len(node) > 1)  # parent -> groups
        merges = [parent for parent, n in under.items() if n >= 2]
        if not merges:
            break
        parent = max(merges, key=lambda p: (len(p), -under[p]))  # deepest, then fewest
        group = {f: parent if node[: len(parent)] == parent else node for f, node in group.items()}
    return FolderGroups({f: node[-1] for f, node in group.items()})
