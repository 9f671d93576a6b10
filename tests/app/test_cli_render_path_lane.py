"""``latentscape render --path`` applies the latent controls recorded with the path (its lane,
QA s19 M3), as the app's export does: the file sounds as the path plays."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from latentscape.cli import main
from latentscape.engines.loader import load_model
from latentscape.engines.paths import ITEM_KIND, LatentPath, export_path, path_to_item
from latentscape.engines.paths.controls import ControlLane, control_values
from latentscape.engines.paths.render import render_path
from latentscape.project_store import ProjectStore

BEFORE = ([0.5, -0.5], [1.5, 1.0])  # offsets and scales of z0, z1 up to the step
AFTER = ([-1.0, 0.25], [0.5, 2.0])


def test_render_path_applies_the_paths_lane(project, tmp_path):
    with ProjectStore.open(project) as store:
        engine = load_model(store.resolve(store.model().path))
        z = store.latents(store.sounds()[0].id)[:8]
        t = np.linspace(0.0, 0.5, len(z))
        lane = ControlLane([0.0, t[3]], [control_values(*BEFORE), control_values(*AFTER)])
        xy = np.stack([t / 0.5, t / 0.5], 1)
        path = LatentPath(
            t, xy, z, name="Swept", seed=3, model_hash=engine.info.space, controls=lane
        )
        store.put_item(ITEM_KIND, *path_to_item(path))
    out = tmp_path / "swept.wav"
    assert main(["render", "-p", str(project), "--path", "Swept", "-o", str(out)]) == 0
    audio, _ = sf.read(str(out), dtype="float32", always_2d=True)
    # by hand: the latents heard, with a step at t[3] from the first controls to the second
    heard = []
    for rows, (offset, scale) in ((z[:4], BEFORE), (z[3:], AFTER)):
        rows = np.array(rows, np.float32)
        rows[:, :2] *= np.asarray(scale, np.float32)
        rows[:, :2] += np.asarray(offset, np.float32)
        heard.append(rows)
    by_hand = LatentPath(
        np.concatenate([t[:4], t[3:]]),
        np.concatenate([xy[:4], xy[3:]]),
        np.concatenate(heard),
        seed=3,
    )
    want = render_path(engine, by_hand, seed=3, exact_length=True)
    np.testing.assert_allclose(audio.T, want, atol=1e-5)
    plain = render_path(engine, path.replace(controls=None), seed=3, exact_length=True)
    assert np.abs(audio.T - plain).max() > 1e-3
    # the app's export of the same path writes the same file
    app = export_path(path, "wav", tmp_path / "app.wav", engine=engine)
    np.testing.assert_array_equal(sf.read(str(app), dtype="float32", always_2d=True)[0], audio)
