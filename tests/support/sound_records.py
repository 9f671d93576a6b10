"""``sound``: a project's Sound record with plain defaults, for tests of what reads them."""

from __future__ import annotations

from latentscape.project_records import Sound


def sound(sound_id: int, path: str | None = None, **fields) -> Sound:
    """A Sound ``sound_id`` at ``path``; ``fields`` replace the defaults (folder, tags, …)."""
    record = dict(
        id=sound_id, path=path, content_hash=f"h{sound_id}", duration_s=1.0, folder="",
        name="", tags=(), generated=False, segment_index=0, start_s=0.0, meta={}, frames=4,
    )  # fmt: skip
    record.update(fields)
    return Sound(**record)
