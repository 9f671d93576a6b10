"""latentscape: explore the latent space of neural audio models.

The package root is the card's ``app/`` folder: the application layer (CLI, GUI wiring,
project store, settings). ``latentscape.engines`` computes, ``latentscape.widgets`` draws.
"""

__version__ = "0.1.0"
