"""What the map shows, Qt-free: the sounds in map order, their trajectories and the atlas.

The map view knows sounds by *index* (the order they were added); the project knows them by
*sound id*; the atlas has its own row order. ``MapState`` keeps the three in step. It is owned by
the GUI thread; workers get immutable snapshots (:meth:`snapshot`). A worker that opens a
project builds a fresh ``MapState`` and its :class:`MapPoints` off the GUI thread (100,000 sounds:
~0.2 s of naming, grouping and indexing), and the GUI thread takes it over with :meth:`adopt`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from latentscape.colour_groups import Colouring
from latentscape.engines.atlas.atlas import Atlas
from latentscape.project_store import Sound


def display_name(sound: Sound) -> str:
    """What hover shows: the sound's name (the import names pieces of long files "stem #2").

    ``os.path.basename``, not ``PurePath``: 10x faster, and a 100,000-sound map names every
    sound on the GUI thread when it opens (230 ms with ``PurePath``)."""
    if sound.name:
        return sound.name
    name = os.path.basename(sound.path) if sound.path else f"sound {sound.id}"
    return f"{name} #{sound.segment_index + 1}" if sound.segment_index else name


@dataclass(frozen=True)
class MapPoints:
    """What the map view draws, in map order: ``xy`` ``[N, 2]`` float32, one colour group and
    one name per sound, ``generated`` ``[N]`` bool (the arguments of ``MapView.set_points``)."""

    xy: np.ndarray
    categories: list[str]
    names: list[str]
    generated: np.ndarray


@dataclass
class MapState:
    """Sounds on the map, in map-index order."""

    sounds: list[Sound] = field(default_factory=list)
    trajectories: dict[int, np.ndarray] = field(default_factory=dict)
    atlas: Atlas | None = None
    colouring: Colouring = field(default_factory=Colouring)  # the colour groups (View → Colour By)
    _index_of: dict[int, int] = field(default_factory=dict)
    revision: int = 0  # changes whenever the sounds or their records do (readers cache by it)
    coloured_at: int = 0  # the revision ``colouring`` was made for

    # -- contents ------------------------------------------------------------------------
    def reset(self, sounds: Sequence[Sound], trajectories: dict[int, np.ndarray]) -> None:
        """Keep only encoded sounds (those with trajectories), in the given order."""
        self.sounds = [s for s in sounds if s.id in trajectories]
        self.trajectories = {s.id: trajectories[s.id] for s in self.sounds}
        self._index_of = {s.id: i for i, s in enumerate(self.sounds)}
        self.atlas = None
        self.colouring = Colouring(self.colouring.mode)
        self.revision += 1

    def adopt(self, other: MapState) -> None:
        """Take over ``other``'s contents (built on a worker); ``other`` must not be used after."""
        self.sounds, self.trajectories = other.sounds, other.trajectories
        self.atlas, self.colouring, self._index_of = other.atlas, other.colouring, other._index_of
        self.revision += 1
        self.coloured_at = self.revision if other.coloured_at == other.revision else -1

    def points(self) -> MapPoints:
        """Every sound's position, colour group, name and generated flag (any thread that owns
        this state)."""
        return MapPoints(self.xy_in_map_order(), self.categories(), self.names(), self.generated())

    def append(self, sounds: Sequence[Sound], trajectories: dict[int, np.ndarray]) -> list[Sound]:
        """Add new encoded sounds at the end; returns the ones actually added."""
        added = []
        for s in sounds:
            if s.id in self._index_of or s.id not in trajectories:
                continue
            self._index_of[s.id] = len(self.sounds)
            self.sounds.append(s)
            self.trajectories[s.id] = trajectories[s.id]
            added.append(s)
        self.revision += bool(added)
        return added

    def replace_records(self, sounds: Sequence[Sound]) -> int:
        """Take newer records of sounds on the map (a moved file: new path, folder, name);
        returns how many were on it."""
        replaced = 0
        for s in sounds:
            index = self._index_of.get(s.id)
            if index is not None:
                self.sounds[index] = s
                replaced += 1
        self.revision += bool(replaced)
        return replaced

    def __len__(self) -> int:
        return len(self.sounds)

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.sounds]

    def index_of(self, sound_id: int) -> int:
        return self._index_of.get(int(sound_id), -1)

    def sound_at(self, index: int) -> Sound:
        return self.sounds[index]

    def trajectory(self, sound_id: int) -> np.ndarray:
        """``[frames, latent_size]`` float32."""
        return self.trajectories[int(sound_id)]

    def names(self, sounds: Sequence[Sound] | None = None) -> list[str]:
        return [display_name(s) for s in (self.sounds if sounds is None else sounds)]

    def categories(self, sounds: Sequence[Sound] | None = None) -> list[str]:
        """Colour groups of ``sounds`` (default: all, in map order) by :attr:`colouring`;
        sounds that arrived since it was made get provisional ones."""
        sounds = self.sounds if sounds is None else sounds
        return self.colouring.categories(sounds, self.trajectories)

    # -- colour groups -------------------------------------------------------------------
    def set_colouring(self, colouring: Colouring, revision: int) -> None:
        """Colour by ``colouring``, made from the sounds as they were at ``revision``."""
        self.colouring, self.coloured_at = colouring, revision

    @property
    def colouring_stale(self) -> bool:
        """True when sounds came or changed since :attr:`colouring` was made."""
        return self.coloured_at != self.revision

    def generated(self, sounds: Sequence[Sound] | None = None) -> np.ndarray:
        return np.array([s.generated for s in (self.sounds if sounds is None else sounds)], bool)

    # -- the atlas -----------------------------------------------------------------------
    def atlas_covers_all(self) -> bool:
        """True when the atlas has a position for every sound on the map."""
        if self.atlas is None:
            return False
        return set(int(i) for i in self.atlas.sound_ids) >= set(self._index_of)

    def xy_in_map_order(self, atlas: Atlas | None = None) -> np.ndarray:
        """``[N, 2]`` float32 positions of the map's sounds from ``atlas`` (default: the current).

        Sounds the atlas does not know are placed from their neighbours (``atlas.place``).
        """
        atlas = atlas or self.atlas
        if atlas is None or not self.sounds:
            return np.zeros((len(self.sounds), 2), np.float32)
        ids = np.fromiter((s.id for s in self.sounds), np.int64, len(self.sounds))
        known = np.asarray(atlas.sound_ids, np.int64)
        if not len(known):
            return np.asarray(atlas.place([self.trajectories[int(i)] for i in ids]), np.float32)
        order = np.argsort(known, kind="stable")  # vectorised lookup: 100k sounds in ~10 ms
        rows = order[np.minimum(np.searchsorted(known, ids, sorter=order), len(known) - 1)]
        xy = np.asarray(atlas.xy, np.float32)[rows]
        missing = np.flatnonzero(known[rows] != ids)
        if len(missing):
            xy[missing] = atlas.place([self.trajectories[self.sounds[i].id] for i in missing])
        return xy

    def snapshot(self) -> tuple[list[np.ndarray], list[int]]:
        """(trajectories, sound ids) in map order, for building an atlas on a worker thread."""
        ids = self.ids
        return [self.trajectories[i] for i in ids], ids
