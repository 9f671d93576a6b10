"""Our own small, causal, CPU-trainable audio VAE: model, trainer, engine and nn~ exporter."""
