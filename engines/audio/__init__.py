"""Realtime audio: ring buffer, voices, mixer, output stream, devices and offline render.

Public entry points: :class:`.engine.AudioEngine` (realtime), :func:`.offline.render_offline`
(exports, tests), :func:`.devices.list_output_devices`. Layout of the package:

- :mod:`.ring_buffer`, :mod:`.shared_state` — lock-free SPSC rings and counters in one memory
  block (plain, or a memory-mapped file shared with helper processes);
- :mod:`.mixer` — the consumer: the audio callback's body (copy, gain ramps, clip guard, tap);
- :mod:`.sources`, :mod:`.voices`, :mod:`.voice_runner`, :mod:`.voice_host` — the producers:
  audition / scrub / path voices, one decode thread each;
- :mod:`.player_process`, :mod:`.voice_host_process`, :mod:`.sinks` — where the callback and
  the decoders run (own processes by default, so GUI work cannot starve them);
- :mod:`.devices`, :mod:`.output_stream` — PortAudio devices by name and host API.

Importing this package costs nothing; submodules import numpy (and torch only through the
model engines).
"""
