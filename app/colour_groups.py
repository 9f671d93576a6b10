"""The map's colour groups (View → Colour By): folder, top folder, cluster or tag. Qt-free.

:func:`colouring_of` makes a :class:`Colouring` from the map's sounds and their latents on a
worker: when a project is read, when the user picks another colouring, and once an import has
added sounds. Its groups depend only on the set of sounds and their latents, never on their
order or on the map's layout, so a library imported into a project and the same project read
again show the same groups (QA s18 review H3: groups computed only when a project was read
changed on reopen). Sounds that arrive between two runs get provisional groups from the last
colouring (:meth:`Colouring.categories`, cheap enough for the GUI thread) until the next run.

Generated (prior) sounds always keep their own group, "generated".
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath

import numpy as np

from latentscape.clusters import cluster_count, kmeans
from latentscape.engines.atlas.features import pooled_features, standardise
from latentscape.project_records import Sound

MODES = {"folder": "Folder", "top_folder": "Top Folder", "cluster": "Cluster", "tag": "Tag"}
DEFAULT_MODE = "folder"
SETTING_KEY = "view.colour_by"  # the choice, in the project's settings table
GENERATED = "generated"
UNTAGGED = "untagged"
NO_FOLDER = "sounds"
MAX_PREFIX_GROUPS = 10
MAX_CLUSTERS = 12  # the palette has 16 colours and the legend lists at most 12 groups
KMEANS_SAMPLE = 10_000  # k-means runs on this many sounds (100k: 0.6 s), then all are assigned
FEATURE_CHUNK = 10_000  # sounds pooled at once (100k trajectories at once: ~0.5 GB float64)


def mode_or_default(mode: object) -> str:
    """``mode`` when it is one of :data:`MODES`, else the default (a setting from elsewhere)."""
    return mode if isinstance(mode, str) and mode in MODES else DEFAULT_MODE


@functools.lru_cache(maxsize=4096)
def folder_label(folder: str) -> str:
    """A folder's last component (cached: a corpus has few folders and many sounds)."""
    return PurePath(folder).name or folder


def category_of(sound: Sound) -> str:
    """The folder colouring's group: the first tag, else the folder's last component, else
    "sounds"; "generated" for a generated sound."""
    if sound.generated:
        return GENERATED
    if sound.tags:
        return str(sound.tags[0])
    if sound.folder:
        return folder_label(str(sound.folder))
    return NO_FOLDER


def name_prefix(sound: Sound) -> str:
    """The leading letters of a sound's name ("drum040_k47" -> "drum"), lower case."""
    m = re.match(r"[A-Za-z]+", sound.name or "")
    return m.group(0).lower() if m else ""


def cluster_name(k: int) -> str:
    """Cluster ``k`` (0 = the largest) as the legend names it."""
    return f"cluster {k + 1}"


def palette_cluster_count(n: int) -> int:
    """Clusters for the Cluster colouring of ``n`` sounds: ``sqrt(n / 2)`` rounded, between 3
    and :data:`MAX_CLUSTERS` (1 under 6 sounds), so every cluster has a colour of its own."""
    return int(np.clip(round(np.sqrt(n / 2.0)), 3, MAX_CLUSTERS)) if n >= 6 else 1


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


@dataclass(frozen=True, eq=False)
class Colouring:
    """One way of colouring the map, as made by :func:`colouring_of` from ``made_from`` sounds.

    ``groups`` (sound id -> group) holds the groups that need the whole corpus (clusters, name
    prefixes); other groups follow from the sound itself and ``root`` (top folder: the parts
    of the folder holding every sound's folder, ``base`` the folder relative ones are under).
    ``centres`` ``[k, 2L]`` float64 (cluster groups), in the feature space standardised with
    ``mean`` and ``scale`` ``[2L]``, place sounds that arrived since. ``fallback`` ("",
    "prefix" or "cluster"): the folder colouring of a corpus whose folders are all
    ``shared``. Used by one thread at a time (made on a worker, then handed to the GUI).
    """

    mode: str = DEFAULT_MODE
    groups: Mapping[int, str] = field(default_factory=dict)
    made_from: int = 0
    fallback: str = ""
    shared: str = ""
    root: tuple[str, ...] | None = None
    base: str | None = None
    centres: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    _tops: dict[str, str] = field(default_factory=dict, init=False, repr=False)  # folder -> top

    def categories(
        self, sounds: Sequence[Sound], trajectories: Mapping[int, np.ndarray]
    ) -> list[str]:
        """Each sound's group, in order; ``trajectories`` (``[frames, L]`` float32 by sound
        id) places sounds made after the clusters on the nearest one."""
        out: list[str] = []
        unplaced: list[int] = []  # positions in ``out`` of sounds for the nearest cluster
        groups, clustered = self.groups, self.mode == "cluster" or self.fallback == "cluster"
        for s in sounds:
            if s.generated:
                out.append(GENERATED)
                continue
            group = groups.get(s.id)
            if group is None:
                group = self._label(s)
                if group is None:
                    unplaced.append(len(out))
            out.append(group)  # type: ignore[arg-type]  (None is filled in below)
        if clustered and unplaced:
            named = self._nearest([trajectories[sounds[i].id] for i in unplaced])
            for i, name in zip(unplaced, named):
                out[i] = name
        return out

    # -- internals -----------------------------------------------------------------------
    def _label(self, s: Sound) -> str | None:
        """A sound's group without the corpus; None: the nearest cluster's."""
        mode = self.mode
        if mode == "tag":
            return str(s.tags[0]) if s.tags else UNTAGGED
        if mode == "top_folder":
            return self._top(str(s.folder)) if s.folder else NO_FOLDER
        if mode == "cluster":
            return None
        group = category_of(s)
        if self.fallback and group == self.shared:
            if self.fallback == "cluster":
                return None
            return name_prefix(s) or group
        return group

    def _top(self, folder: str) -> str:
        top = self._tops.get(folder)
        if top is None:
            parts = folder_parts(folder, self.base)
            root = parts if self.root is None else _common_prefix(self.root, parts)
            top = parts[len(root)] if len(parts) > len(root) else (root[-1] if root else folder)
            self._tops[folder] = top
        return top

    def _nearest(self, trajectories: list[np.ndarray]) -> list[str]:
        if self.centres is None or len(self.centres) <= 1:
            return [cluster_name(0)] * len(trajectories)
        z, _, _ = standardise(pooled_features(trajectories), self.mean, self.scale)
        return [cluster_name(int(k)) for k in nearest_centre(z, self.centres)]


def folder_parts(folder: str, base: str | None) -> tuple[str, ...]:
    """A stored folder's components, a relative one taken under ``base`` (the project's
    folder) so that it compares with absolute ones."""
    if base and not os.path.isabs(folder):
        folder = os.path.join(base, folder)
    return PurePath(os.path.normpath(folder)).parts


def nearest_centre(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index ``[n]`` int64 of the nearest of ``centres`` ``[k, d]`` for each row of ``z``
    ``[n, d]``."""
    z = np.asarray(z, np.float64)
    d2 = (centres * centres).sum(1)[None, :] - 2.0 * (z @ centres.T)
    return d2.argmin(1).astype(np.int64)


def colouring_of(
    mode: str,
    sounds: Sequence[Sound],
    trajectories: Mapping[int, np.ndarray],
    base: str | None = None,
) -> Colouring:
    """The colouring ``mode`` of ``sounds`` (worker thread: 100,000 sounds take ~0.1 s by
    folder, ~2 s by cluster). ``trajectories``: ``[frames, L]`` float32 by sound id; ``base``:
    the project's folder, under which relative stored folders lie.

    - ``folder``: the first tag, else the folder's last component. When that is one label for
      every sound, name prefixes split them when they give 2-10 groups ("kick_01, snare_02"),
      else k-means clusters do (3-8).
    - ``top_folder``: the first folder below the one that holds every sound's folder (a
      library of 300 folders under 12 top folders has 12 groups).
    - ``cluster``: k-means clusters of the pooled latents (3-12, "cluster 1" the largest).
    - ``tag``: the first tag, else "untagged".
    """
    mode = mode_or_default(mode)
    real = sorted((s for s in sounds if not s.generated), key=lambda s: s.id)
    n = len(real)
    if mode == "tag":
        return Colouring(mode, made_from=n)
    if mode == "top_folder":
        root: tuple[str, ...] | None = None
        for folder in {str(s.folder) for s in real if s.folder}:
            parts = folder_parts(folder, base)
            root = parts if root is None else _common_prefix(root, parts)
        return Colouring(mode, made_from=n, root=root, base=base)
    if mode == "cluster":
        return _clustered(mode, real, trajectories, palette_cluster_count(n))
    labels = {category_of(s) for s in real}
    if len(labels) != 1:
        return Colouring(mode, made_from=n)
    (shared,) = labels
    prefixes = {s.id: name_prefix(s) for s in real}
    if 2 <= len(set(prefixes.values())) <= MAX_PREFIX_GROUPS and all(prefixes.values()):
        return Colouring(mode, groups=prefixes, made_from=n, fallback="prefix", shared=shared)
    if cluster_count(n) <= 1:
        return Colouring(mode, made_from=n)
    clustered = _clustered(mode, real, trajectories, cluster_count(n))
    return replace(clustered, fallback="cluster", shared=shared)


def _clustered(
    mode: str, real: list[Sound], trajectories: Mapping[int, np.ndarray], k: int
) -> Colouring:
    """k-means of ``real`` (sorted by id) into ``k`` groups of pooled, standardised latents.

    Fitted on a seeded sample of at most :data:`KMEANS_SAMPLE` sounds, then every sound goes to
    its nearest centre; "cluster 1" is the largest."""
    n = len(real)
    if k <= 1 or n <= k:
        return Colouring(mode, {s.id: cluster_name(0) for s in real}, made_from=n)
    trajs = [trajectories[s.id] for s in real]
    features = np.concatenate(
        [pooled_features(trajs[i : i + FEATURE_CHUNK]) for i in range(0, n, FEATURE_CHUNK)]
    )
    z, mean, scale = standardise(features)
    z64 = z.astype(np.float64)
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, KMEANS_SAMPLE, replace=False)) if n > KMEANS_SAMPLE else None
    fit = z64 if sample is None else z64[sample]
    fitted = kmeans(fit, k)
    centres = np.stack(
        [fit[fitted == j].mean(0) if np.any(fitted == j) else fit[0] for j in range(k)]
    )
    nearest = nearest_centre(z64, centres)
    by_size = np.argsort(-np.bincount(nearest, minlength=k), kind="stable")
    centres = centres[by_size]  # centre j is "cluster j + 1"
    rank = np.argsort(by_size)[nearest]
    groups = {s.id: cluster_name(int(r)) for s, r in zip(real, rank)}
    return Colouring(mode, groups, made_from=n, centres=centres, mean=mean, scale=scale)
