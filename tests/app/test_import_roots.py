"""An import remembers, with each sound, the folder it was imported with (``import_depth``), so
View → Colour By → Top Folder shows each library's own top folders: a second library imported
beside the first adds its own instead of both becoming one group each (QA s19 Q2-07)."""

from __future__ import annotations

import shutil
from collections import Counter

from latentscape.colour_groups import colouring_of
from latentscape.project_import import IMPORT_DEPTH, ProjectImport
from latentscape.project_store import ProjectStore


def _copy(tmp, leaves: dict[str, int]) -> None:
    """Copies of the setup's sounds: ``leaves[folder]`` of them in each folder under ``tmp``."""
    k = 0
    for leaf, count in leaves.items():
        (tmp / leaf).mkdir(parents=True)
        for _ in range(count):
            shutil.copy(tmp / "sounds" / f"s{k % 8}.flac", tmp / leaf / f"n{k}.flac")
            k += 1


def _tops(store: ProjectStore) -> Counter:
    sounds = store.sounds()
    latents = store.all_latents()
    base = str(store.path.parent)
    return Counter(colouring_of("top_folder", sounds, latents, base).categories(sounds, latents))


def test_a_second_library_beside_the_first_keeps_the_first_libraries_top_folders(setup):
    from latentscape.engines.loader import load_model

    tmp, model = setup
    engine = load_model(model)
    _copy(tmp, {"lib/Drums/kit_a/take0": 2, "lib/Drums/kit_b/take0": 2, "lib/Keys/rhodes": 3})
    _copy(tmp, {"lib2/NewPack/kit_0": 2, "lib2/NewPack/kit_1": 1, "mat": 1})
    with ProjectStore.open(tmp / "p.lsc", create=True) as store:
        ProjectImport(store, engine, [str(tmp / "lib")]).run_to_end()
        assert _tops(store) == {"Drums": 4, "Keys": 3}
        depths = {s.folder: s.meta[IMPORT_DEPTH] for s in store.sounds()}
        assert depths == {
            "lib/Drums/kit_a/take0": 3,
            "lib/Drums/kit_b/take0": 3,
            "lib/Keys/rhodes": 2,
        }
        # the second library beside the first, and one file on its own
        ProjectImport(store, engine, [str(tmp / "lib2"), str(tmp / "mat" / "n3.flac")]).run_to_end()
        assert _tops(store) == {"Drums": 4, "Keys": 3, "NewPack": 3, "mat": 1}
    with ProjectStore.open(tmp / "p.lsc") as store:  # as read again
        assert _tops(store) == {"Drums": 4, "Keys": 3, "NewPack": 3, "mat": 1}


def test_a_library_imported_again_from_further_up_is_one_library(setup):
    """Drums first (its kits are its top folders), then the folder above it: the library's."""
    from latentscape.engines.loader import load_model

    tmp, model = setup
    engine = load_model(model)
    _copy(tmp, {"lib/Drums/kit_a": 2, "lib/Drums/kit_b": 2, "lib/Keys": 2})
    with ProjectStore.open(tmp / "p.lsc", create=True) as store:
        ProjectImport(store, engine, [str(tmp / "lib" / "Drums")]).run_to_end()
        assert _tops(store) == {"kit_a": 2, "kit_b": 2}
        ProjectImport(store, engine, [f"{tmp}/lib/Drums/../"]).run_to_end()  # another spelling
        assert len(store.sounds()) == 6
        assert _tops(store) == {"Drums": 4, "Keys": 2}
