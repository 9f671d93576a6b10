"""Import sounds into a project: the background :class:`ImportJob` plus writing its results.

Threads: the job encodes on its own worker thread; :meth:`ProjectImport.poll` drains finished
sounds into the project on the *caller's* thread (the GUI's timer, or the CLI's loop), one
transaction per poll, so the project only ever holds whole sounds.

Paths are stored relative to the project's folder when inside it (``store.resolve`` turns
them back into usable paths), so a project travels with its sounds (the demo does).

What is (not) encoded again:
- a sound whose key (content hash, segment, rules) is already encoded with this model in the
  project is not encoded again: its latents are copied;
- the same file at the same path is not added twice, however the path is spelled (links,
  ``..``: :class:`FileIdentity`), nor when another import into the same project (a second
  CLI run) stored it meanwhile;
- a file imported before under other cutting rules (segment length, trimming) gets the new
  cuts beside the old sounds, which stay (paths and gallery items may use them):
  ``recut_files`` tells which, so the caller can say so; likewise a file whose content
  changed gets new sounds beside its old ones (``changed_files``);
- after a model change, the project's sounds that lack latents for the new model and whose
  files still exist are re-encoded into the same sound rows (their ids stay);
- a file found at a new place while its sound's old place is gone (moved or renamed) is given
  to that sound (``moved_ids``: same id, new path, folder and name), not added again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from latentscape.engines.contract import ModelEngine
from latentscape.engines.corpus import (
    AUDIO_EXTENSIONS,
    ImportedSound,
    ImportJob,
    ImportProgress,
    ImportReport,
    ImportRules,
    scan_paths,
)
from latentscape.project_records import Sound
from latentscape.project_store import NewSound, ProjectError, ProjectStore
from latentscape.project_writes import ProjectWriteError

# In a sound's meta: how many folders its file's folder lies below the folder it was imported
# with (0: that folder itself, or a file imported on its own). Colour By → Top Folder takes the
# top folders below each folder imported, so a second library adds its own (QA s19 Q2-07).
IMPORT_DEPTH = "import_depth"


class FileIdentity:
    """One spelling per file, so importing a folder again through another spelling (a linked
    folder, ``a/../a``, a relative path) finds its sounds already there: the file's folder with
    links resolved, plus its name. Folders are resolved once each (100,000 sounds lie in a few
    folders: resolving every file took 2.8 s); a file that is itself a link keeps its name."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str | Path) -> str:
        folder, name = os.path.split(os.path.abspath(path))
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)


class SoundNames:
    """A sound's name: its file's stem, or its whole name where the folder holds another
    audio file of that stem (``x.wav`` and ``x.flac`` were both "x"). Each folder is listed
    once."""

    def __init__(self) -> None:
        self._stems: dict[str, Counter] = {}  # folder -> audio files per stem (casefolded)

    def __call__(self, path: Path) -> str:
        folder = str(path.parent)
        stems = self._stems.get(folder)
        if stems is None:
            try:
                names = os.listdir(folder)
            except OSError:
                names = []
            stems = self._stems[folder] = Counter(
                os.path.splitext(n)[0].casefold()
                for n in names
                if os.path.splitext(n)[1].lower() in AUDIO_EXTENSIONS
            )
        return path.name if stems[path.stem.casefold()] > 1 else path.stem


class ProjectImport:
    """Import ``paths`` into ``store`` with ``engine`` (which becomes the project's model)."""

    def __init__(
        self,
        store: ProjectStore,
        engine: ModelEngine,
        paths: Sequence[str | Path],
        *,
        rules: ImportRules | None = None,
        seed: int | None = 0,
    ) -> None:
        info = engine.info
        current = store.model()
        # Another model becomes the project's (its sounds are encoded again); an export of the
        # project's model encodes the same latents, so the project keeps its model, latents
        # and map.
        if current is None or current.space != info.space:
            # its info keeps the absolute path (the model as typed may be "my.ts"): where it
            # is looked for when the project moves without it (resolve_model_path)
            recorded = dict(info.to_dict(), path=str(Path(info.path).absolute()))
            store.set_model(store.relative(info.path), info.content_hash, recorded)
        self._store = store
        self._space = info.space  # the latent space this import's latents are of
        self._skipped = 0  # results already in the project (same path, same content)
        self._unchanged_sounds = 0  # sounds of files passed over unread (job thread)
        self.added_ids: list[int] = []
        self.reencoded_ids: list[int] = []
        self.added_with_known_latents = 0  # added sounds whose content was encoded already
        self.copies = 0  # added sounds of the content of another sound (a byte-for-byte copy)
        self._key_source: dict[str, int] = {}  # key -> a sound id holding its latents
        # (file identity, key) of the project's sounds with / without latents for this model
        self._same_file = FileIdentity()
        self._name_of = SoundNames()
        self._present: dict[tuple[str, str], int] = {}  # -> sound id
        self._missing: dict[tuple[str, str], int] = {}  # -> sound id
        # key -> [(sound id, its identity)] of the project's sounds: one whose file is no
        # longer where it was (checked when a file of its content turns up elsewhere: moved or
        # renamed) takes the new place instead of a new row
        self._by_key: dict[str, list[tuple[int, tuple[str, str]]]] = {}
        self._paths = list(paths)
        # the paths imported as components, the shortest (outermost) first
        self._roots = sorted({_abs_parts(p) for p in paths}, key=len)
        self._incoming: Counter[str] | None = None  # names of this import's files, when needed
        self.moved_ids: list[int] = []
        reencode: list[str] = []
        signature = ":" + (rules or ImportRules()).signature()
        files: dict[str, list] = {}  # identity -> [size, mtime_ns, sounds, all encoded so]
        self._cut_otherwise: set[str] = set()  # identities with sounds cut by other rules
        self.recut_files: set[str] = set()  # of those, the ones this import cut again
        self.changed_files: set[str] = set()  # files in the project whose content changed
        sounds = store.sounds()
        for s in sounds:
            key = s.meta.get("key")
            if not key or s.path is None:
                continue
            full = str(store.resolve(s.path))
            ident = self._same_file(full)
            stat = (s.meta.get("size"), s.meta.get("mtime_ns"))
            entry = files.setdefault(ident, [*stat, 0, True])
            if not key.endswith(signature):
                self._cut_otherwise.add(ident)
            entry[2] += 1
            entry[3] &= (
                s.frames is not None and key.endswith(signature) and stat == tuple(entry[:2])
            )
            self._by_key.setdefault(key, []).append((s.id, (ident, key)))
            if s.frames is not None:
                self._key_source.setdefault(key, s.id)
                self._present[(ident, key)] = s.id
            else:
                self._missing[(ident, key)] = s.id
                if Path(full).exists() and full not in reencode:
                    reencode.append(full)
        self.generated_without_latents = sum(1 for s in sounds if s.generated and s.frames is None)
        # Files whose every sound is encoded with this model under these rules, with the size
        # and mtime they had then: an import passes them over unread (a resumed import of a
        # big folder read, resampled and hashed every file again: ~2 ms each).
        self._known_files = frozenset(files)
        self._unchanged = {
            ident: (size, mtime, count)
            for ident, (size, mtime, count, ok) in files.items()
            if ok and size is not None and mtime is not None
        }
        self._job = ImportJob(
            engine,
            [*reencode, *paths],
            rules=rules,
            known_keys=frozenset(self._key_source),
            seed=seed,
            skip_file=self._is_unchanged,
        )

    def start(self) -> None:
        self._job.start()

    @property
    def skipped(self) -> int:
        """Sounds found already in the project (same file, same content), read or not."""
        return self._skipped + self._unchanged_sounds

    def _is_unchanged(self, path: Path) -> bool:
        """Job thread: is ``path`` in the project already, as it is now (same size and mtime,
        every sound encoded with this model under these rules)?"""
        known = self._unchanged.get(self._same_file(path))
        if known is None:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != known[:2]:
            return False
        self._unchanged_sounds += known[2]
        return True

    @property
    def missing_count(self) -> int:
        """Sounds of the project still without latents for this model (their files are gone,
        or the import has not reached them yet)."""
        return len(self._missing)

    @property
    def progress(self) -> ImportProgress:
        return self._job.progress

    @property
    def finished(self) -> bool:
        return self._job.finished

    @property
    def report(self) -> ImportReport | None:
        return self._job.report

    def cancel(self) -> None:
        self._job.cancel()

    def bad_files(self) -> list:
        """Bad files reported since the last call (``BadFile(path, reason)``)."""
        return self._job.take_bad()

    def noted_files(self) -> list:
        """Files imported with a remark since the last call (``BadFile(path, reason)``)."""
        return self._job.take_notes()

    def poll(self) -> list[int]:
        """Store the sounds finished since the last call; returns the new sounds' ids."""
        results = self._job.take_results()
        if not results:
            return []
        new: list[NewSound] = []
        idents: list[tuple[str, str]] = []  # of ``new``
        keys: set[str] = set()  # of ``new``
        with self._store.transaction():
            self._store.check_space(
                self._space,
                "this import stopped, and the sounds it had encoded with the earlier model "
                "were not stored",
            )
            for r in results:
                latents = r.latents
                if latents is None:
                    latents = self._store.latents(self._key_source[r.key])
                ident = (self._same_file(r.path), r.key)
                if ident in self._present:  # read again: its file's size and mtime now are
                    self._skipped += 1  # remembered, so the next import passes it over
                    self._store.update_meta(self._present[ident], _file_meta(r))
                    continue
                if ident not in self._missing and ident not in idents:
                    other = self._added_meanwhile(r, ident)
                    if other is not None and other.frames is not None:
                        self._skipped += 1
                        self._present[ident] = other.id
                        continue
                    if other is not None:  # stored without latents for this model
                        self._missing[ident] = other.id
                if ident in self._missing:
                    sound_id = self._missing.pop(ident)
                    self._store.put_latents(sound_id, latents)
                    self._store.update_meta(sound_id, _file_meta(r))
                    self.reencoded_ids.append(sound_id)
                    self._present[ident] = sound_id
                    continue
                if ident in idents:  # one file reached twice in this batch
                    self._skipped += 1
                    continue
                if self._moved_here(r, ident, latents):
                    continue
                idents.append(ident)
                if ident[0] in self._cut_otherwise:
                    self.recut_files.add(ident[0])
                elif ident[0] in self._known_files:
                    self.changed_files.add(ident[0])  # a new key, same rules: new content
                new.append(self._new_sound(r, latents, self._store.relative(r.path)))
                self.added_with_known_latents += r.latents is None
                self.copies += r.key in self._key_source or r.key in keys
                keys.add(r.key)
            ids = self._store.add_sounds(new)
        for sound, sound_id, ident in zip(new, ids, idents):
            self._key_source.setdefault(sound.meta["key"], sound_id)
            self._present[ident] = sound_id
        self.added_ids.extend(ids)
        return ids

    def _moved_here(self, r: ImportedSound, ident: tuple[str, str], latents: np.ndarray) -> bool:
        """Give ``r``'s file to a sound of the same content whose own file is gone (a moved or
        renamed file) instead of adding a second one; True when it did. Inside the write
        transaction of :meth:`poll`. Files are checked only for content that turns up anew
        (a prepared import stats no file: slow on network shares)."""
        gone = [
            entry
            for entry in self._by_key.get(r.key, [])
            if entry[1] != ident and not Path(entry[1][0]).exists()
        ]
        if not gone:
            return False
        if self._incoming is None:
            self._incoming = Counter(p.name for p in scan_paths(self._paths))
        name = Path(r.path).name
        self._incoming[name] -= 1

        def fit(entry) -> tuple[bool, bool]:
            """The sound that had this file's name first; else one whose own name does not
            come later in this import (copies of one content keep their own sounds)."""
            old = Path(entry[1][0]).name
            return old != name, self._incoming[old] > 0

        entry = min(gone, key=fit)
        sound_id, old_ident = entry
        new = self._new_sound(r, None, self._store.relative(r.path))
        self._store.move_sound(sound_id, new.path, new.folder, new.name)
        self._store.update_meta(sound_id, new.meta)
        if self._missing.pop(old_ident, None) is not None:  # no latents for this model yet
            self._store.put_latents(sound_id, latents)
            self.reencoded_ids.append(sound_id)
        self._present.pop(old_ident, None)
        self._present[ident] = sound_id
        self._by_key[r.key].remove(entry)
        self._by_key[r.key].append((sound_id, ident))
        self.moved_ids.append(sound_id)
        return True

    def _added_meanwhile(self, r: ImportedSound, ident: tuple[str, str]) -> Sound | None:
        """A sound of this file and key that another import into this project (a second CLI
        run) stored after this one read the project, or None. Called inside the write
        transaction (BEGIN IMMEDIATE): no other writer can add one before the insert."""
        for s in self._store.sounds_with_content(r.content_hash, r.segment_index):
            same_key = s.path is not None and s.meta.get("key") == r.key
            if same_key and self._same_file(self._store.resolve(s.path)) == ident[0]:
                return s
        return None

    def _import_depth(self, path: str) -> int | None:
        """How many folders ``path``'s folder lies below the outermost path imported that
        holds it (0: in that folder, or ``path`` was imported itself); None: below none (a
        file encoded again for another model)."""
        parts = _abs_parts(path)
        for root in self._roots:
            if parts[: len(root)] == root:
                return max(len(parts) - len(root) - 1, 0)
        return None

    def _new_sound(self, r: ImportedSound, latents: np.ndarray | None, stored: str) -> NewSound:
        path = Path(r.path)
        stem = self._name_of(path)
        name = stem if r.segment_index == 0 else f"{stem} #{r.segment_index + 1}"
        meta = _file_meta(r)
        depth = self._import_depth(r.path)
        if depth is not None:
            meta[IMPORT_DEPTH] = depth
        return NewSound(
            path=stored,
            content_hash=r.content_hash,
            duration_s=r.duration_s,
            latents=latents,
            folder=self._store.relative(path.absolute().parent),
            name=name,
            segment_index=r.segment_index,
            start_s=r.start_s,
            meta=meta,
        )

    def run_to_end(
        self,
        on_progress: Callable[[ImportProgress], None] | None = None,
        poll_s: float = 0.05,
    ) -> ImportReport:
        """Start (if needed), poll until done, store everything; returns the job's report.

        Whatever ends it early (Ctrl-C, an error in the job, a write that fails), the job is
        stopped and joined and every sound it finished is stored before the error goes on; a
        failed write (a full disk, a read-only project) becomes a :class:`ProjectError` that
        says how many sounds this import saved.
        """
        if self._job._thread is None:
            self.start()
        try:
            while not self._job.finished:
                self.poll()
                if on_progress is not None:
                    on_progress(self._job.progress)
                time.sleep(poll_s)  # a CLI loop; the GUI polls from a timer instead
            self.poll()  # what the job finished last, before its own error (if any) is raised
            report = self._job.wait()
        except sqlite3.Error as exc:
            self._stop_job()
            why = f"because {exc.reason}" if isinstance(exc, ProjectWriteError) else f"({exc})"
            raise ProjectError(
                f"{self._store.path.name}: could not save the import {why}; "
                f"{len(self.added_ids) + len(self.reencoded_ids)} sounds were saved before"
            ) from None
        except BaseException:
            self._stop_job()
            with contextlib.suppress(sqlite3.Error, ProjectError):
                self.poll()
            raise
        if on_progress is not None:
            on_progress(self._job.progress)
        assert report is not None
        return report

    def stop(self) -> None:
        """Cancel the job and wait for its thread to end (any thread but the job's)."""
        self._stop_job()

    def _stop_job(self) -> None:
        """Cancel the job and wait for its thread (whose own error, if any, is dropped: the
        one being raised says more)."""
        self.cancel()
        with contextlib.suppress(BaseException):
            self._job.wait()


def _abs_parts(path: str | Path) -> tuple[str, ...]:
    """``path`` made absolute and normal ("a/../b" is "b"), as components."""
    return Path(os.path.normpath(os.path.abspath(path))).parts


def _file_meta(r: ImportedSound) -> dict:
    """What a sound remembers of its import: its key, and its file's size and mtime then."""
    meta: dict = {"key": r.key}
    if r.file_size >= 0:
        meta["size"], meta["mtime_ns"] = r.file_size, r.file_mtime_ns
    return meta
