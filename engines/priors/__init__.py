"""Latent priors (GAN, diffusion) that invent new latent trajectories for the galleries."""
