"""Realtime audio: ring buffer, voices, mixer, output stream, devices and offline render."""
