"""The map's colour groups (View → Colour By): folder, top folder, cluster or tag. Qt-free.

:func:`colouring_of` makes a :class:`Colouring` from the map's sounds and their latents on a
worker: when a project is read, when the user picks another colouring, and once an import has
added sounds. Its groups depend only on the set of sounds (their records, with the import depth
each import stored) and their latents, never on their order or on the map's layout, so a
library imported into a project and the same project read again show the same groups (QA s18
review H3: groups computed only when a project was read changed on reopen). Sounds that arrive between two runs get provisional groups from the last
colouring (:meth:`Colouring.categories`, cheap enough for the GUI thread) until the next run.

Generated (prior) sounds always keep their own group, "generated".
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath

import numpy as np

from latentscape.clusters import cluster_count, kmeans
from latentscape.engines.atlas.features import pooled_features, standardise
from latentscape.folder_groups import (
    Parts,
    common_prefix,
    folder_names,
    folder_parts,
    import_depth,
    imported_root,
    new_folder_name,
    outermost_root,
    top_below,
)
from latentscape.project_records import Sound

MODES = {"folder": "Folder", "top_folder": "Top Folder", "cluster": "Cluster", "tag": "Tag"}
DEFAULT_MODE = "folder"
SETTING_KEY = "view.colour_by"  # the choice, in the project's settings table
# {mode: {group: palette index}}: the colours each colouring's groups wore, kept with the
# project so that they wear them again (widgets/colour_slots.py)
COLOURS_KEY = "view.colours"
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
    """A sound's folder group without the rest of the corpus: the first tag, else the folder's
    last component, else "sounds"; "generated" for a generated sound. (:func:`colouring_of`
    tells same-named folders apart.)"""
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


def prefix_groups(sounds: Sequence[Sound]) -> dict[int, str] | None:
    """Each sound's :func:`name_prefix` by id when the prefixes split ``sounds`` into 2-10
    groups of at least 2 sounds each and every name has one ("kick_01, kick_02, snare_01,
    snare_02"); else None (a folder of one-off loop names is not split into groups of one)."""
    prefixes = {s.id: name_prefix(s) for s in sounds}
    counts = Counter(prefixes.values())
    if "" in counts or not 2 <= len(counts) <= MAX_PREFIX_GROUPS or min(counts.values()) < 2:
        return None
    return prefixes


def cluster_name(k: int) -> str:
    """Cluster ``k`` (0 = the largest) as the legend names it."""
    return f"cluster {k + 1}"


def palette_cluster_count(n: int) -> int:
    """Clusters for the Cluster colouring of ``n`` sounds: ``sqrt(n / 2)`` rounded, between 3
    and :data:`MAX_CLUSTERS` (1 under 6 sounds), so every cluster has a colour of its own."""
    return int(np.clip(round(np.sqrt(n / 2.0)), 3, MAX_CLUSTERS)) if n >= 6 else 1


@dataclass(frozen=True, eq=False)
class Colouring:
    """One way of colouring the map, as made by :func:`colouring_of` from ``made_from`` sounds.

    ``groups`` (sound id -> group) holds the groups that need the whole corpus (clusters, name
    prefixes); other groups follow from the sound itself and what the corpus left here:

    - folder: ``names`` (folder components -> its name in the legend, see
      :func:`~latentscape.folder_groups.folder_names`); the groups in ``split`` are split by
      name prefix, read "group: prefix" when ``qualify`` (the corpus has other groups), else
      "prefix"; ``fallback`` "cluster": every sound was in the one group ``shared``, split by
      clusters instead.
    - top folder: ``roots``, the folders imported (components), and ``root``, the folder
      holding every folder below none of them (older projects); ``base``: the project's
      folder, the one relative stored folders are under.
    - clusters: ``centres`` ``[k, 2L]`` float64, in the feature space standardised with
      ``mean`` and ``scale`` ``[2L]``, place sounds that arrived since.

    Used by one thread at a time (made on a worker, then handed to the GUI).
    """

    mode: str = DEFAULT_MODE
    groups: Mapping[int, str] = field(default_factory=dict)
    made_from: int = 0
    fallback: str = ""  # "", "prefix" (some groups split by name prefix) or "cluster"
    shared: str = ""
    names: Mapping[Parts, str] = field(default_factory=dict)
    split: frozenset[str] = frozenset()
    qualify: bool = False
    root: Parts | None = None
    roots: frozenset[Parts] = frozenset()
    base: str | None = None
    centres: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    # the colours kept with the project, per mode (COLOURS_KEY): read with it when it opens
    # (a colouring made again later has none; ColourBy keeps them from then on)
    kept: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # caches: stored folder -> name, (stored folder, import depth) -> top folder
    _named: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _tops: dict[tuple[str, int | None], str] = field(default_factory=dict, init=False, repr=False)

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
            return self._top(s) if s.folder else NO_FOLDER
        if mode == "cluster":
            return None
        group = self._folder_group(s)
        if self.fallback == "cluster" and group == self.shared:
            return None
        if group in self.split:
            prefix = name_prefix(s)
            return self._prefixed(group, prefix) if prefix else group
        return group

    def _prefixed(self, group: str, prefix: str) -> str:
        return f"{group}: {prefix}" if self.qualify else prefix

    def _folder_group(self, s: Sound) -> str:
        """The first tag, else the folder's name among the corpus's folders, else "sounds"."""
        if s.tags:
            return str(s.tags[0])
        if not s.folder:
            return NO_FOLDER
        folder = str(s.folder)
        name = self._named.get(folder)
        if name is None:
            if not self.names:  # no corpus yet (a map being read): the last component
                name = folder_label(folder)
            else:
                parts = folder_parts(folder, self.base)
                name = self.names.get(parts)
                if name is None:  # a folder that came since: a name no other folder has
                    name = new_folder_name(parts, self._tails)
            self._named[folder] = name
        return name

    @functools.cached_property
    def _tails(self) -> frozenset[Parts]:
        """Every tail of the corpus's folders' paths (made once a new folder arrives)."""
        return frozenset(p[-k:] for p in self.names for k in range(1, len(p) + 1))

    def _top(self, s: Sound) -> str:
        """The first folder below the outermost imported root holding the sound's folder, or
        below the common root of the folders under no imported root."""
        folder, depth = str(s.folder), import_depth(s)
        top = self._tops.get((folder, depth))
        if top is None:
            parts = folder_parts(folder, self.base)
            root = outermost_root(parts, self.roots, imported_root(parts, depth))
            if root is None:
                root = parts if self.root is None else common_prefix(self.root, parts)
            top = self._tops[(folder, depth)] = top_below(parts, root, folder)
        return top

    def _nearest(self, trajectories: list[np.ndarray]) -> list[str]:
        if self.centres is None or len(self.centres) <= 1:
            return [cluster_name(0)] * len(trajectories)
        z, _, _ = standardise(pooled_features(trajectories), self.mean, self.scale)
        return [cluster_name(int(k)) for k in nearest_centre(z, self.centres)]


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

    - ``folder``: the first tag, else the folder, named by the shortest tail of its path that
      no other folder ends in ("Kicks"; "drums_00/take0" beside "fx_00/take0"). A group whose
      sounds' name prefixes split it into 2-10 groups of 2 or more keeps those groups ("kick_01,
      kick_02, snare_01, snare_02"), read "group: prefix" when there are other groups: the
      demo's "gm", "sonicpi" and "drum" stay apart as "sounds: gm"… once other folders are
      imported (QA s19 Q2-08: they became one "sounds" group). When every sound is in one
      group that prefixes do not split, k-means clusters do (3-8).
    - ``top_folder``: the first folder below the folder the sound was imported with (the
      folder dropped or named to ``latentscape import``; a file imported on its own: its
      folder), the outermost one when a library was imported again from further up. So a
      second library adds its own top folders beside the first's instead of both becoming
      "lib" and "lib2" (QA s19 Q2-07). The import stores it with each sound (``import_depth``
      in its meta), so an import and a reopen show the same groups; sounds stored without it
      (projects from before) take the first folder below the common root of their folders.
    - ``cluster``: k-means clusters of the pooled latents (3-12, "cluster 1" the largest).
    - ``tag``: the first tag, else "untagged".
    """
    mode = mode_or_default(mode)
    real = sorted((s for s in sounds if not s.generated), key=lambda s: s.id)
    n = len(real)
    if mode == "tag":
        return Colouring(mode, made_from=n)
    if mode == "top_folder":
        return _by_top_folder(real, base)
    if mode == "cluster":
        return _clustered(mode, real, trajectories, palette_cluster_count(n))
    folders = {str(s.folder) for s in real if s.folder}
    names = folder_names(folder_parts(f, base) for f in folders)
    plain = Colouring(mode, made_from=n, names=names, base=base)
    members: dict[str, list[Sound]] = defaultdict(list)
    for s in real:
        members[plain._folder_group(s)].append(s)
    qualify = len(members) > 1
    groups: dict[int, str] = {}
    split: set[str] = set()
    for group, inside in members.items():
        prefixes = prefix_groups(inside)
        if prefixes is not None:
            split.add(group)
            groups.update((i, f"{group}: {p}" if qualify else p) for i, p in prefixes.items())
    if split:
        return replace(
            plain, groups=groups, fallback="prefix", split=frozenset(split), qualify=qualify
        )
    if qualify or cluster_count(n) <= 1:
        return plain
    (shared,) = members
    clustered = _clustered(mode, real, trajectories, cluster_count(n))
    return replace(clustered, fallback="cluster", shared=shared, names=names, base=base)


def _by_top_folder(real: list[Sound], base: str | None) -> Colouring:
    """The top folder colouring of ``real``: the imported roots, and the common root of the
    folders below none (see :func:`colouring_of`)."""
    pairs = {(str(s.folder), import_depth(s)) for s in real if s.folder}
    parts_of = {folder: folder_parts(folder, base) for folder, _ in pairs}
    roots: set[Parts] = set()
    for folder, depth in pairs:
        root = imported_root(parts_of[folder], depth)
        if root is not None:
            roots.add(root)
    common: Parts | None = None
    for parts in parts_of.values():
        if outermost_root(parts, roots) is None:
            common = parts if common is None else common_prefix(common, parts)
    return Colouring(
        "top_folder", made_from=len(real), root=common, roots=frozenset(roots), base=base
    )


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
