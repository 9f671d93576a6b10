"""``latentscape map -p project.lsc``: lay the project's sounds out on a 2D map.

PCA first (saved at once, so the map is usable after a few seconds: 3 s for 2,000 sounds,
most of it the inverse map), then UMAP refines it and replaces it. The inverse map and density overlay are saved with it. A stored UMAP map is kept
until the new one is ready: the PCA preview never replaces it, so an interrupted run (Ctrl-C,
a crash) leaves the earlier refined layout in place.
"""

from __future__ import annotations

import argparse
import sys
import time


def add_parser(sub: argparse._SubParsersAction) -> None:
    summary = "compute the project's 2D map (PCA now, UMAP refined)"
    p = sub.add_parser("map", help=summary, description=summary)
    p.add_argument("-p", "--project", required=True, help="project file (.lsc)")
    p.add_argument(
        "--method", choices=("umap", "pca"), default="umap", help="final projection (umap)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the layout (0 to 2**32 - 1)")
    p.add_argument(
        "--grid",
        type=int,
        default=256,
        help="inverse-map grid size (256; 128 makes a smaller file for small corpora)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from latentscape.engines.atlas import Atlas, InverseMapConfig, preview_config
    from latentscape.engines.errors import LatentscapeError
    from latentscape.map_arrivals import put_atlas_with_arrivals
    from latentscape.project_store import CURRENT_MAP, ProjectStore

    if not 16 <= args.grid <= 1024:
        raise LatentscapeError("--grid must be between 16 and 1024")
    if not 0 <= args.seed < 2**32:  # UMAP's limit; checked before anything is saved
        raise LatentscapeError(f"--seed must be between 0 and 2**32 - 1, got {args.seed}")
    config = InverseMapConfig(grid_size=args.grid)
    with ProjectStore.open(args.project) as store:
        model = store.model()
        latents = store.all_latents()
        if not latents:
            raise LatentscapeError(
                f"{args.project}: no encoded sounds; run 'latentscape import' first"
            )
        store.check_writable()  # before the layout is computed, not when it is saved
        ids = list(latents)
        trajectories = [latents[i] for i in ids]
        refine = args.method == "umap" and len(ids) >= 4
        saved = store.get_map(CURRENT_MAP)
        if refine and saved is not None and saved[1].get("method") == "umap":
            print("keeping the stored umap map until the new one is ready")
        else:
            start = time.perf_counter()
            shown = preview_config(config) if refine else config  # until UMAP's is ready
            atlas = Atlas.build(trajectories, ids, method="pca", seed=args.seed, config=shown)
            assert atlas is not None
            arrived = put_atlas_with_arrivals(store, atlas, model.content_hash)
            few = " (UMAP needs at least 4)" if args.method == "umap" and not refine else ""
            print(f"pca map of {len(ids)} sounds{few} in {time.perf_counter() - start:.2f} s")
            _say_arrived(arrived)
        if refine:
            bar = tqdm(
                total=100, unit="%", desc="umap", disable=args.quiet, file=sys.stderr, leave=False
            )

            def progress(fraction: float) -> None:
                bar.n = round(100 * fraction)
                bar.refresh()

            start = time.perf_counter()
            refined = Atlas.build(
                trajectories, ids, method="umap", progress=progress, seed=args.seed, config=config
            )
            bar.close()
            assert refined is not None
            arrived = put_atlas_with_arrivals(store, refined, model.content_hash)
            print(f"umap map of {len(ids)} sounds in {time.perf_counter() - start:.1f} s")
            _say_arrived(arrived)
    return 0


def _say_arrived(count: int) -> None:
    if count:
        print(f"placed {count} sounds imported meanwhile on it (run 'map' again to lay all out)")
