"""Streaming state of TorchScript models, one slot per voice.

Streaming nn~ exports (cached convolutions, as in RAVE's ``--streaming`` export) keep the past
in buffers named ``…pad`` or ``…cache``; they ship non-zero and have no reset method. One model
object serves many voices here: every voice owns a *slot*, a private set of those tensors,
which is swapped into the model (a pointer swap, not a copy) before the voice's call. A voice
that calls again while it still owns the model pays nothing.

Not thread-safe by itself: the owning engine holds its model lock around
:meth:`StateSlots.activate` and the call that follows.
"""

from __future__ import annotations

import re

import torch

from .errors import ModelLoadError

MAX_SLOTS = 64  # nn~'s limit on concurrent batch rows per model; more voices than this is a bug.

_STATE_NAME = re.compile(r"(^|\.)(pad|cache|[^.]*_cache|cache_[^.]*)$")


def is_state_buffer(name: str) -> bool:
    """True for buffer names that hold streaming state in nn~-convention exports."""
    return bool(_STATE_NAME.search(name))


class StateSlot:
    """One voice's private copy of a model's streaming state."""

    __slots__ = ("closed", "tensors")

    def __init__(self, tensors: list[torch.Tensor]) -> None:
        self.tensors = tensors
        self.closed = False

    def zero(self) -> None:
        for t in self.tensors:
            t.zero_()


class StateSlots:
    """The state buffers of one scripted model and the slots that take turns in them."""

    def __init__(self, model: torch.jit.ScriptModule) -> None:
        self._refs: list[tuple[torch._C.ScriptObject, str]] = []
        templates: list[torch.Tensor] = []
        for name, buf in model.named_buffers():
            if not is_state_buffer(name):
                continue
            owner_name, _, attr = name.rpartition(".")
            owner = model
            for part in owner_name.split(".") if owner_name else ():
                owner = getattr(owner, part)
            self._refs.append((owner._c, attr))
            templates.append(buf)
        self._templates = templates
        self._active: StateSlot | None = None
        self._live = 0
        self.reassigns = False  # set by detect_reassignment()
        self.zero_model_buffers()

    @property
    def is_streaming(self) -> bool:
        return bool(self._refs)

    @property
    def state_bytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self._templates)

    def zero_model_buffers(self) -> None:
        """Zero the buffers the model shipped with (exports leave warm-up state in them)."""
        for t in self._templates:
            t.zero_()

    def new_slot(self) -> StateSlot:
        if self._live >= MAX_SLOTS:
            raise ModelLoadError(
                f"too many voices on one streaming model (max {MAX_SLOTS}); close some first"
            )
        self._live += 1
        return StateSlot([torch.zeros_like(t) for t in self._templates])

    def release(self, slot: StateSlot) -> None:
        if slot.closed:
            return
        slot.closed = True
        self._live -= 1
        if self._active is slot:
            self._active = None

    def activate(self, slot: StateSlot) -> None:
        """Point the model's state buffers at ``slot``'s tensors (model lock held)."""
        if self._active is slot:
            return
        for (owner, attr), tensor in zip(self._refs, slot.tensors):
            owner.setattr(attr, tensor)
        self._active = slot

    def collect(self, slot: StateSlot) -> None:
        """After a call: keep tensors a model replaced instead of updating in place."""
        if not self.reassigns:
            return
        for i, (owner, attr) in enumerate(self._refs):
            slot.tensors[i] = owner.getattr(attr)

    def detect_reassignment(self, slot: StateSlot) -> None:
        """Call once after a call on ``slot``: does the model assign new state tensors?"""
        self.reassigns = any(
            owner.getattr(attr) is not tensor
            for (owner, attr), tensor in zip(self._refs, slot.tensors)
        )
        self.collect(slot)
