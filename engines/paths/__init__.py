"""Latent paths: recorded gestures, their edits, and their exports (audio, MIDI, CSV/JSON, OSC)."""
