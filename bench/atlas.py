"""Atlas benchmarks: projection times, and the inverse map against its baselines.

    .venv/bin/python bench/atlas.py inverse [--model M|tiny] [--n 1000]  # side-by-side table
    .venv/bin/python bench/atlas.py frontier [--model M|tiny] [--n 1000] # how low jump can go
    .venv/bin/python bench/atlas.py projection [--big]                # PCA/UMAP 1k, 10k (100k)

``inverse`` compares on (a) a synthetic clustered set (12 clusters on curved sheets in 16-D,
3000 sounds) and (b) a real corpus: FluidSynth GM notes encoded with the demo VAE, another
``--model``, or ``--model tiny`` (the random tiny nn~ model of the tests, whose latents hold
near-duplicates). Both are laid out with UMAP, as the app does. The counts
are explained in bench/atlas_inverse.py. ``baselines_beaten_on_all_three`` counts the
baselines that a setting of ours beats on held-out error, jump and off at once (the goal: 3);
``mean5`` lines and ``splits_beating_all_three`` repeat the comparison over 5 held-out
splits (one split is noise: its error moves ±10 % between splits). The ``oracle`` lines give
the least ``off`` any map can reach while every drag (or, as the median allows, half of them)
stays under the best baseline jump (``off_lower_bound``; NaN when the latents are not a few
clear clusters).

``frontier`` runs the same sets through bench/atlas_frontier.py: our grid optimised directly
for the three counts, with the drags' latent path length capped at multiples of IDW-16's.
It shows what a lower jump costs: jittery drags, or held-out error and distance to the data.
It also runs thin-plate smoothing splines (``tps_s…``, bench/atlas_inverse.SmoothingSpline),
another family with ramps between sounds instead of plateaus.

``projection`` times PCA and UMAP: ``cold`` = a fresh process with an empty numba cache
(import + compile + fit), ``cache`` = a fresh process with the persistent cache filled (what a
second app launch sees), ``warm`` = a second fit in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atlas_inverse import (
    SmoothingSpline,
    baselines,
    evaluate,
    off_lower_bound,
    ours,
    print_table,
)


def clustered(n: int = 3000, dims: int = 16, clusters: int = 12, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dims)) * 3.0
    bases = [np.random.default_rng(100 + c).standard_normal((2, dims)) for c in range(clusters)]
    out = []
    for _ in range(n):
        c = int(rng.integers(clusters))
        u, v = rng.uniform(-1, 1, 2)
        b = bases[c]
        anchor = centres[c] + u * b[0] + v * b[1] + 0.3 * np.sin(3 * u) * b[1][::-1]
        anchor = anchor + 0.1 * rng.standard_normal(dims)
        out.append((anchor + 0.2 * rng.standard_normal((10, dims))).astype(np.float32))
    return out


DEMO_MODEL = Path(__file__).resolve().parents[1] / "resources" / "demo" / "model.pt"


def real_corpus(n: int, model: str | None) -> tuple[list, str]:
    """``n`` GM notes encoded by ``model`` (a path, or None / "tiny" for the tiny nn~ model)."""
    from corpus_import import first_notes, tiny_model

    from latentscape.engines.corpus import ImportJob
    from latentscape.engines.loader import load_model

    tmp = Path(tempfile.mkdtemp(prefix="ls-atlas-"))
    files = first_notes(Path("/tmp/ls-bench-notes"), n)
    tiny = model in (None, "tiny")
    engine = load_model(tiny_model(tmp) if tiny else model)
    job = ImportJob(engine, files)
    job.start()
    job.wait()
    name = "tiny" if tiny else "demo_vae" if Path(model) == DEMO_MODEL else Path(model).stem
    return [r.latents for r in job.take_results()], name


def mapped_sets(args: argparse.Namespace):
    """Yield ``(corpus, sounds, xy, anchors)``: the synthetic set and the real corpus, laid
    out with UMAP as the app does."""
    from latentscape.engines.atlas import Atlas

    sets = [("synthetic", clustered())]
    trajectories, name = real_corpus(args.n, args.model)
    sets.append((f"notes_{name}", trajectories))
    for corpus, trajs in sets:
        atlas = Atlas.build(trajs, method="umap")
        yield corpus, len(trajs), atlas.xy, atlas.inverse.anchors


def print_summary(rows: list[dict[str, float]]) -> None:
    print(
        f"# {'method':16s} {'nmse':>7s} {'jump':>7s} {'p90':>7s} {'off':>7s} {'length':>7s} {'jitter':>7s} {'us':>6s}"
    )
    for r in rows:
        print(
            f"# {r['name']:16s} {r['nmse']:7.3f} {r['jump']:7.2f} {r['jump_p90']:7.2f} "
            f"{r['off']:7.3f} {r['length']:7.2f} {r['jitter']:7.3f} {r['query_us']:6.1f}"
        )


SPLITS = 5
COUNTS = ("nmse", "jump", "off")


def split_means(
    rows: list[dict[str, float]], corpus: str, xy: np.ndarray, anchors: np.ndarray, variants
) -> None:
    """The baselines, ours and its cap settings over ``SPLITS`` held-out splits (split 0 is
    ``rows``): one split's error moves by ±10 % from split to split, more than the methods
    differ. Prints each count's mean, and on how many splits all three baselines are beaten
    on all three counts at once."""
    makers = {**baselines(), "ours": ours()}
    makers.update({k: ours(variants[k]) for k in ("ours_uncapped", "ours_capped")})
    runs = {r["name"]: [r] for r in rows if r["name"] in makers}
    for seed in range(1, SPLITS):
        for name, factory in makers.items():
            runs[name].append(evaluate(name, factory, xy, anchors, seed=seed))
    base = list(baselines())
    for name, split_rows in runs.items():
        for key in COUNTS:
            mean = np.mean([r[key] for r in split_rows])
            print(f"inverse.{corpus}.{name}.mean{SPLITS}.{key} = {mean:.4g}")
        if name not in base:
            won = sum(
                all(all(r[k] < runs[b][i][k] for k in COUNTS) for b in base)
                for i, r in enumerate(split_rows)
            )
            print(f"inverse.{corpus}.{name}.splits_beating_all_three = {won} of {SPLITS}")


def inverse(args: argparse.Namespace) -> None:
    from latentscape.engines.atlas import InverseMapConfig

    variants = {  # other settings of ours, to show the trade-offs
        "ours_uncapped": InverseMapConfig(step_cap=0.0),  # no step cap, whatever the folds say
        "ours_capped": InverseMapConfig(step_cap_cost=float("inf")),  # the cap, whatever it costs
        "ours_step_cap2.5": InverseMapConfig(step_cap=2.5, step_cap_cost=float("inf")),
        "ours_no_settling": InverseMapConfig(settle_passes=0, residual_select=0, step_cap=0.0),
        "ours_even_steps": InverseMapConfig(thin_plate=10.0),  # a tenth of the pull to the data
        "ours_wide_snap": InverseMapConfig(snap_max=0.006),  # snap discs up to 6 px wide
        "ours_smoothest": InverseMapConfig(data_weight=0.0, thin_plate=1000.0),  # thin plate only
        "ours_pull1": InverseMapConfig(pull=1.0),
        "ours_g512": InverseMapConfig(grid_size=512, finest_width=1.0 / 1024),  # 4x memory
    }
    for corpus, sounds, xy, anchors in mapped_sets(args):
        rows = [evaluate(n, f, xy, anchors) for n, f in baselines().items()]
        base = list(rows)
        rows.append(evaluate("ours", ours(), xy, anchors))
        rows += [evaluate(n, ours(cfg), xy, anchors) for n, cfg in variants.items()]
        print(f"# {corpus}: {sounds} sounds, {anchors.shape[1]} latent dims, UMAP layout")
        print_table(rows, corpus)
        for r in rows[len(base) :]:  # the goal: better than every baseline on all three
            beaten = sum(all(r[k] < b[k] for k in COUNTS) for b in base)
            print(f"inverse.{corpus}.{r['name']}.baselines_beaten_on_all_three = {beaten}")
        split_means(rows, corpus, xy, anchors, variants)
        jump = min(b["jump"] for b in base)
        bound = off_lower_bound(xy, anchors, jump)
        print(f"inverse.{corpus}.oracle.clusters = {bound['clusters']:.0f}")
        print(f"inverse.{corpus}.oracle.jump_target = {jump:.4g}")
        print(f"inverse.{corpus}.oracle.off_bound_every_drag = {bound['every']:.4g}")
        print(f"inverse.{corpus}.oracle.off_bound_median_drag = {bound['median']:.4g}")
        print(f"inverse.{corpus}.oracle.off_target = {min(b['off'] for b in base):.4g}")
        print_summary(rows)


def frontier(args: argparse.Namespace) -> None:
    """Baselines, ours, and a grid optimised for the three counts under each drag-length cap
    and jitter weight (bench/atlas_frontier.py): what a lower jump costs."""
    from atlas_frontier import SETTINGS, optimised

    for corpus, sounds, xy, anchors in mapped_sets(args):
        rows = [evaluate(n, f, xy, anchors) for n, f in baselines().items()]
        rows.append(evaluate("ours", ours(), xy, anchors))
        for budget, calm in SETTINGS:
            name = f"opt_x{budget:g}" + (f"_calm{calm:g}" if calm else "")
            rows.append(evaluate(name, optimised(budget, calm), xy, anchors))
        for smoothing, settled in ((1e-3, False), (3e-3, False), (1e-3, True)):
            name = f"tps_s{smoothing:g}" + ("_settled" if settled else "")
            spline = lambda p, a, s=smoothing, t=settled: SmoothingSpline(p, a, s, t)  # noqa: E731
            rows.append(evaluate(name, spline, xy, anchors))
        print(
            f"# {corpus}: {sounds} sounds; opt_xB: mean drag step capped at B x IDW-16's, "
            "calmW: jitter weight W"
        )
        print_table(rows, corpus)
        print_summary(rows)


_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from latentscape.engines.atlas.umap_runtime import import_umap
import_umap()
import_s = time.perf_counter() - t0
import numpy as np
sys.path.insert(0, {bench!r})
from atlas import clustered
from latentscape.engines.atlas.features import pooled_features, standardise
from latentscape.engines.atlas.projection import umap_2d
z = standardise(pooled_features(clustered({n})))[0]
t0 = time.perf_counter(); umap_2d(z); first = time.perf_counter() - t0
t0 = time.perf_counter(); umap_2d(z); second = time.perf_counter() - t0
print(json.dumps(dict(import_s=import_s, first_s=first, second_s=second)))
"""


def _child(n: int, cache: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    code = _CHILD.format(bench=str(Path(__file__).resolve().parent), n=n)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fold(atlas, n: int) -> None:
    """An import's fold of 20 sounds into a map of ``n`` (``Atlas.with_added``, every 2 s
    while the GUI imports), beside the same inverse map with its residual passes chosen again
    (what every fold did before the count was kept)."""
    from latentscape.engines.atlas import InverseMap

    extra = clustered(20, seed=1)
    t0 = time.perf_counter()
    grown = atlas.with_added(extra, range(10**6, 10**6 + 20))
    print(f"projection.fold20.n{n}.with_added_s = {time.perf_counter() - t0:.2f} s")
    inv = grown.inverse
    t0 = time.perf_counter()
    InverseMap.build(inv.points, inv.anchors, inv.config)
    print(f"projection.fold20.n{n}.inverse_chosen_again_s = {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    InverseMap.build(inv.points, inv.anchors, inv.config, reuse=atlas.inverse.fit_choice)
    print(f"projection.fold20.n{n}.inverse_count_kept_s = {time.perf_counter() - t0:.2f} s")


def projection(args: argparse.Namespace) -> None:
    from latentscape.engines.atlas import Atlas

    sizes = [1000, 10000] + ([100000] if args.big else [])
    for n in sizes:
        trajs = clustered(n)
        t0 = time.perf_counter()
        atlas = Atlas.build(trajs, method="pca")
        print(f"projection.pca.n{n}.atlas_s = {time.perf_counter() - t0:.2f} s")
        fold(atlas, n)
    with tempfile.TemporaryDirectory() as cache:
        cold = _child(1000, cache)
        print(f"projection.umap.cold.import_s = {cold['import_s']:.1f} s")
        print(f"projection.umap.cold.n1000.first_fit_s = {cold['first_s']:.1f} s")
        for n in sizes:
            r = _child(n, cache)
            print(f"projection.umap.cache.import_s = {r['import_s']:.1f} s")
            print(f"projection.umap.cache.n{n}.first_fit_s = {r['first_s']:.1f} s")
            print(f"projection.umap.warm.n{n}.fit_s = {r['second_s']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("inverse")
    p.add_argument("--model", default=str(DEMO_MODEL), help="model file, or 'tiny'")
    p.add_argument("--n", type=int, default=1000)
    f = sub.add_parser("frontier", help="how low the jump goes: a grid optimised per length cap")
    f.add_argument("--model", default=str(DEMO_MODEL), help="model file, or 'tiny'")
    f.add_argument("--n", type=int, default=1000)
    q = sub.add_parser("projection")
    q.add_argument("--big", action="store_true", help="also 100k sounds (minutes)")
    args = parser.parse_args()
    {"inverse": inverse, "frontier": frontier, "projection": projection}[args.what](args)


if __name__ == "__main__":
    main()
