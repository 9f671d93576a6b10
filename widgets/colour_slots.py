"""The map's groups: each point's group code, and which palette colour each group wears,
kept while the groups change.

A group's colour is a *slot* of the palette (``theme.CATEGORY_COLORS``). A new colouring hands
them out by size (the largest group the first colour); from then on a group keeps its slot:
an import that brings a larger group, or renames one ("gm" becomes "sounds: gm" once another
folder is imported), does not repaint the groups already on the map (QA s22 #2), and the
project keeps the slots for its next opening.

Pure functions of their arguments; any thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def encode_categories(
    categories: Sequence[str] | np.ndarray, labels: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Category codes [N] int64 for ``categories``, extending ``labels`` with new names.

    ``categories`` is either a list of names or an integer array (cluster ids, shown as
    "cluster <id>"). Returns the codes and the (possibly extended) label list.
    """
    labels = list(labels)
    lookup = {name: i for i, name in enumerate(labels)}
    if isinstance(categories, np.ndarray) and categories.dtype.kind in "iu":
        # Name only the distinct ids, then map every point through them.
        uniq, inverse = np.unique(categories.ravel(), return_inverse=True)
        per_id = [lookup.setdefault(f"cluster {int(c)}", len(lookup)) for c in uniq]
        codes = np.asarray(per_id, dtype=np.int64)[inverse.ravel()]
    else:
        codes = np.fromiter(
            (lookup.setdefault(str(c), len(lookup)) for c in categories),
            dtype=np.int64,
            count=len(categories),
        )
    labels.extend(sorted(set(lookup) - set(labels), key=lookup.__getitem__))
    return codes, labels


def ranked_categories(categories: Sequence[str] | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes [N] int64 and labels of ``categories`` (as :func:`encode_categories`), the largest
    group first and ties by name: a new colouring hands out colours in this order, whatever
    the order the points came in (:func:`assign_slots`)."""
    codes, labels = encode_categories(categories, [])
    counts = np.bincount(codes, minlength=len(labels))
    order = sorted(range(len(labels)), key=lambda c: (-counts[c], labels[c]))
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    return rank[codes], [labels[c] for c in order]


def assign_slots(
    labels: Sequence[str], counts: np.ndarray, prior: Mapping[str, int], palette: int
) -> np.ndarray:
    """Slot ``[len(labels)]`` int64 of each group: its ``prior`` slot when it has one (and no
    larger group took it), else the first slot no group wears, largest group first. Once
    every slot is worn, colours repeat: a group whose prior slot a larger one took keeps it
    all the same (more than ``palette`` groups shared slots before too), and a group without
    one takes a slot by its size rank.

    ``counts`` ``[len(labels)]``: each group's points (groups without any take no slot from
    the others but keep their prior one)."""
    order = sorted(range(len(labels)), key=lambda k: -int(counts[k]))
    slots = np.full(len(labels), -1, np.int64)
    worn: set[int] = set()
    shared: list[tuple[int, int]] = []  # (group, its prior slot) that a larger group took
    for k in order:
        slot = prior.get(labels[k])
        if slot is None or not 0 <= slot < palette:
            continue
        if slot in worn:
            shared.append((k, slot))
            continue
        slots[k] = slot
        if counts[k]:
            worn.add(slot)
    spare = [s for s in range(palette) if s not in worn]
    for k, slot in shared:  # a free colour while there is one, else the one it wore
        slots[k] = spare.pop(0) if spare else slot
    for rank, k in enumerate(order):
        if slots[k] < 0:
            slots[k] = spare.pop(0) if spare else rank % palette
    return slots


def inherited_slots(
    old_labels: Sequence[str],
    old_codes: np.ndarray,
    old_slots: np.ndarray,
    new_labels: Sequence[str],
    new_codes: np.ndarray,
) -> dict[str, int]:
    """Prior slots for a recolouring of the same points ``[N]`` (old and new group codes):
    a group still there keeps its slot; a new group takes the slot of the old group most of
    its points were in (a renamed or split group), the larger new group first."""
    prior = {label: int(old_slots[k]) for k, label in enumerate(old_labels)}
    kept = {label: prior[label] for label in new_labels if label in prior}
    if len(old_codes) != len(new_codes) or not len(new_codes):
        return kept
    pairs = np.zeros((len(new_labels), max(1, len(old_labels))), np.int64)
    np.add.at(pairs, (new_codes, old_codes), 1)
    taken = set(kept.values())
    for k in np.argsort(-pairs.sum(1), kind="stable"):
        label = new_labels[k]
        if label in kept or not pairs[k].any():
            continue
        slot = int(old_slots[int(np.argmax(pairs[k]))])
        if slot not in taken:
            kept[label] = slot
            taken.add(slot)
    return kept
