"""The atlas: pooled features, 2D projections (PCA, UMAP), the inverse map and density."""
