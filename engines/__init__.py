"""Everything that computes: model engines, corpus, atlas, paths, priors and realtime audio.

This layer knows nothing of Qt, widgets or the app (DESIGN.md §2). Numpy float32 arrays cross
its boundary; torch stays inside. Import submodules explicitly
(``from latentscape.engines.contract import ModelEngine``): importing this package costs nothing.
"""
