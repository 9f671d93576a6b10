"""Folders as colour groups (View → Colour By → Folder, Top Folder): names that tell folders
apart, and the libraries whose top folders are groups. Qt-free; called on a worker by
:func:`~latentscape.colour_groups.colouring_of`, and on the GUI thread for sounds that arrive
between two colourings (cached per folder there).

Folders are compared by their components (:func:`folder_parts`), with relative stored folders
taken under the project's folder, so "Drums/Kicks" and "/home/a/Samples/Drums/Kicks" are one
folder when the project lies in /home/a/Samples.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection, Iterable
from pathlib import PurePath

from latentscape.project_import import IMPORT_DEPTH
from latentscape.project_records import Sound

Parts = tuple[str, ...]


def folder_parts(folder: str, base: str | None) -> Parts:
    """A stored folder's components, a relative one taken under ``base`` (the project's
    folder) so that it compares with absolute ones."""
    if base and not os.path.isabs(folder):
        folder = os.path.join(base, folder)
    return PurePath(os.path.normpath(folder)).parts


def tail_text(parts: Parts) -> str:
    """Components as a path ("drums_00/take0"); the root alone reads "/"."""
    return str(PurePath(*parts)) if parts else ""


def folder_names(folders: Iterable[Parts]) -> dict[Parts, str]:
    """Each folder's name in the legend: the shortest tail of its path that no other of
    ``folders`` ends in, so a name found once stays short ("Kicks") and same-named folders are
    told apart by their parents ("drums_00/take0", "fx_00/take0"; QA s19 Q2-06: one "take0"
    group of 35 sounds from 12 folders). A folder whose whole path ends another's is named by
    its whole path. 10,000 folders take ~20 ms."""
    names: dict[Parts, str] = {}
    groups: list[list[Parts]] = [sorted(set(folders))]  # folders that share a tail of length k-1
    k = 1
    while groups:
        by_tail: dict[Parts, list[Parts]] = defaultdict(list)
        for members in groups:
            for parts in members:
                if len(parts) < k:  # all of it is a tail of another folder's path
                    names[parts] = tail_text(parts)
                else:
                    by_tail[parts[-k:]].append(parts)
        groups = []
        for tail, members in by_tail.items():
            if len(members) == 1:
                names[members[0]] = tail_text(tail)
            else:
                groups.append(members)
        k += 1
    return names


def new_folder_name(parts: Parts, tails: Collection[Parts]) -> str:
    """A name for a folder that came after the names were made: its shortest tail that none of
    the other folders' paths ends in (``tails``: all of theirs), else its whole path."""
    for k in range(1, len(parts) + 1):
        if parts[-k:] not in tails:
            return tail_text(parts[-k:])
    return tail_text(parts)


def import_depth(sound: Sound) -> int | None:
    """How many folders the sound's folder lies below the folder (or the file) it was imported
    with (0: in that folder), as the import stored it; None when not known (older projects,
    generated sounds)."""
    depth = sound.meta.get(IMPORT_DEPTH) if sound.meta else None
    return depth if isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0 else None


def imported_root(parts: Parts, depth: int | None) -> Parts | None:
    """The folder imported, from a sound's folder ``parts`` and its :func:`import_depth`."""
    if depth is None or depth >= len(parts):
        return None
    return parts[: len(parts) - depth]


def outermost_root(
    parts: Parts, roots: Collection[Parts], own: Parts | None = None
) -> Parts | None:
    """The shortest of ``roots`` (and ``own``) that holds the folder ``parts``, else None: a
    library imported again from a folder above it is one library."""
    for i in range(1, len(parts) + 1):
        head = parts[:i]
        if head == own or head in roots:
            return head
    return None


def common_prefix(a: Parts, b: Parts) -> Parts:
    """The components ``a`` and ``b`` start with."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def top_below(parts: Parts, root: Parts, folder: str) -> str:
    """The top folder of ``parts`` below ``root``: the first component below it, or the root's
    own name for a folder that is the root (``folder`` as stored when the root is empty)."""
    if len(parts) > len(root):
        return parts[len(root)]
    return tail_text(root[-1:]) if root else folder
