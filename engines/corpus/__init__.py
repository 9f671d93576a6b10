"""Reading, cleaning and encoding folders of sounds into latent trajectories."""
