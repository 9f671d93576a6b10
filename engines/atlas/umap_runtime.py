"""Making UMAP start fast and report progress.

- A persistent numba cache (``NUMBA_CACHE_DIR``, default ``~/.cache/latentscape/numba``) and
  ``cache=True`` forced on for every numba function umap and pynndescent define while they are
  imported: a second process loads compiled code instead of compiling again (DESIGN.md §6).
- Progress and cancel: umap drives its layout epochs with ``tqdm``; while a fit runs, that name
  in ``umap.layouts`` is swapped for an iterator that reports each epoch and stops when
  cancelled. One fit at a time per process (a lock), so the swap is safe.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

_lock = threading.Lock()
_umap: ModuleType | None = None


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "latentscape" / "numba"


def cache_dir() -> Path:
    """The numba cache folder a UMAP process uses (``NUMBA_CACHE_DIR``, else the default)."""
    return Path(os.environ.get("NUMBA_CACHE_DIR") or default_cache_dir())


def configure_numba_cache(path: str | Path | None = None) -> Path:
    """Point numba at a persistent cache folder (before umap is imported)."""
    path = Path(path) if path else cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    import numba.core.config

    numba.core.config.reload_config()
    return path


def import_umap() -> ModuleType:
    """``import umap`` with numba caching forced on (first call only; cheap afterwards)."""
    global _umap
    with _lock:
        if _umap is not None:
            return _umap
        configure_numba_cache()
        import numba

        originals = numba.njit, numba.jit

        def caching(decorator: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                kwargs.setdefault("cache", True)
                return decorator(*args, **kwargs)

            return wrapper

        numba.njit, numba.jit = caching(originals[0]), caching(originals[1])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import umap
                import umap.layouts
        finally:
            numba.njit, numba.jit = originals
        _umap = umap
        return umap


class _Cancelled(Exception):
    pass


class _Hook:
    Cancelled = _Cancelled

    def __init__(self, progress: Callable[[float], None] | None, cancel: Any) -> None:
        self.progress = progress
        self.cancel = cancel

    def __call__(self, iterable: Any, **_: Any) -> Iterator[Any]:
        items = list(iterable)
        total = max(1, len(items))
        for i, item in enumerate(items):
            if self.cancel is not None and self.cancel.is_set():
                raise _Cancelled
            if self.progress is not None and i % 10 == 0:
                self.progress(i / total)
            yield item
        if self.progress is not None:
            self.progress(1.0)


_fit_lock = threading.Lock()


@contextlib.contextmanager
def epoch_hook(
    progress: Callable[[float], None] | None, cancel: threading.Event | None
) -> Iterator[_Hook]:
    import umap.layouts

    hook = _Hook(progress, cancel)
    with _fit_lock:
        original = umap.layouts.tqdm
        umap.layouts.tqdm = hook
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield hook
        finally:
            umap.layouts.tqdm = original
