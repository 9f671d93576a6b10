"""Which voice decodes next, when the model cannot carry every voice at once.

One :class:`DecodeScheduler` per :class:`~.voice_host.VoiceHost`: each voice's thread asks it
for a turn before every model call and hands the turn back after. Turns go one at a time
(:attr:`DecodePriority.concurrent`), to the voice whose queue runs dry first
(earliest-deadline-first), with one rule on top: a voice of a lower class (path > scrub >
audition) gets a turn only while every voice of a higher class has queued enough to wait for
that call and its own next one. A looping path therefore never waits for a click, and a click
decodes in whatever time the path leaves. For that room, a streaming voice keeps one other
voice's call and its own more queued (the path keeps room for a click's call even when it
plays alone). A stopped voice's call in flight no longer holds the turn (:meth:`cancel`).
Calls are planned with their smoothed time plus twice its smoothed deviation, or their
recent peak, by call size (a click's first call, its later ones and a path's cost different
amounts), learnt from the host's warm-up and then from every call.

An audition that cannot keep up gives way (:func:`start_decision`, and the yield in
:meth:`DecodeScheduler.acquire`): it holds its first audio back until what it holds lets it
play to its end at the rate it decodes (it starts late), and when that does not come within
:attr:`DecodePriority.max_start_delay_s` it starts with what it has and fades out where it
would run dry (it is shortened), or, holding less than :attr:`DecodePriority.min_start_s`, it
is dropped. The host counts each case (``VoiceHost.give_way_counts``). With a fast model none
of this happens: its calls take a millisecond, and everything fits.

Why one at a time: on 2 shared cores two concurrent 1-thread decodes of the RAVE-sized model
got no more done than one (1-frame calls: real-time factor 1.12 alone, 0.55 + 0.55 together;
2 torch threads collapsed to 0.11 under the same load), so running them together only decides
by chance who is late. ``bench/audio_voice_priority.py`` measures the whole: with the path
first, one call at a time (``on``), two (``on2``) and one on 2 torch threads (``on-t2``) all
kept the path going; two at a time started the clicks ~50 ms later (median) than one.

Threads: :meth:`~DecodeScheduler.join`, :meth:`~DecodeScheduler.acquire`,
:meth:`~DecodeScheduler.release` and :meth:`~DecodeScheduler.leave` are called on the voices'
threads; the rest (:meth:`~DecodeScheduler.cancel` too) from any thread. One condition variable guards the tickets; no audio thread
ever touches it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

RANKS = {"path": 0, "scrub": 1, "audition": 2}
"""Classes of voices, most important first; other kinds rank with the auditions."""

GRANTED, STOPPED, YIELDED = "granted", "stopped", "yielded"

_DEVIATIONS = 2.0  # plan with a call's smoothed time plus this many smoothed deviations ...
_PEAK_DECAY = 0.95  # ... or its recent peak, which fades by this much a call
_START_SAFETY = 1.25  # an audition that waits to start plans with a quarter more to make up
_POLL_S = 0.005  # a waiting voice looks again this often (stop requests, its own queue)


@dataclass(frozen=True)
class DecodePriority:
    """How a voice host shares the machine among its voices' model calls.

    Parameters
    ----------
    enabled
        False: every voice decodes on its own as soon as it wants (no scheduler; the voices
        compete for the cores and any of them may run dry).
    concurrent
        Model calls at a time (1: one after another, each on torch's own threads).
    guard_s
        Slack a higher-class voice keeps beyond the two calls it must wait for.
    max_start_delay_s
        An audition that cannot keep up waits at most this long after the click for enough
        audio to play to its end; then it starts with what it has (and is shortened), or is
        dropped when that is less than ``min_start_s``.
    min_start_s
        The least audio a late audition starts with.
    start_whole
        An audition starts only once it holds enough to last until its next chunk comes (a
        slow model's first chunk is short and its next ones long): later, but without a gap
        just after it started. False: it starts with its first chunk, as without priority.
    """

    enabled: bool = True
    concurrent: int = 1
    guard_s: float = 0.004
    max_start_delay_s: float = 0.25
    min_start_s: float = 0.1
    start_whole: bool = True


def _planned(cost: tuple[float, float, float], cautious: bool) -> float:
    """A call's planned duration from its (smoothed time, deviation, recent peak), seconds:
    see :meth:`DecodeScheduler.call_estimate_s`."""
    mean, dev, peak = cost
    return max(mean + _DEVIATIONS * dev, peak) if cautious else mean


class DecodeTicket:
    """One voice's place in a :class:`DecodeScheduler`.

    ``slack_s`` returns how long the voice can wait for its next chunk before it runs dry
    (seconds, negative when it already has; any thread, cheap: it reads the voice's ring).
    """

    def __init__(self, kind: str, slack_s: Callable[[], float]) -> None:
        self.kind = kind
        self.rank = RANKS.get(kind, RANKS["audition"])
        self.slack_s = slack_s
        self.next_frames = 1  # latent frames of its next model call (its thread sets it)
        self.waiting = False
        self.waiting_since = 0.0
        self.in_call = False  # holds a turn now


class DecodeScheduler:
    """Hands out decode turns to the voices of one host (see the module's docstring)."""

    def __init__(self, concurrent: int = 1, guard_s: float = 0.004) -> None:
        if concurrent < 1:
            raise ValueError(f"concurrent decodes must be at least 1, not {concurrent}")
        self._concurrent = concurrent
        self._guard_s = guard_s
        self._cond = threading.Condition()
        self._tickets: list[DecodeTicket] = []
        self._busy = 0
        # smoothed duration of a model call, its deviation and its recent peak, by its latent
        # frames: a click's first call, its later ones and a path's differ in size and cost
        self._cost_s: dict[int, tuple[float, float, float]] = {}
        self.click_frames = 0  # latent frames of an audition's first call (the host sets it)

    # -- voices' threads --------------------------------------------------------------------
    def join(self, kind: str, slack_s: Callable[[], float]) -> DecodeTicket:
        ticket = DecodeTicket(kind, slack_s)
        with self._cond:
            self._tickets.append(ticket)
        return ticket

    def leave(self, ticket: DecodeTicket) -> None:
        with self._cond:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
            self._cond.notify_all()

    def acquire(
        self, ticket: DecodeTicket, stopped: Callable[[], bool], may_yield: bool = False
    ) -> str:
        """Wait for ``ticket``'s turn: :data:`GRANTED` (call :meth:`release` after the model
        call), :data:`STOPPED` once ``stopped()`` holds, or, with ``may_yield``,
        :data:`YIELDED` when a higher-class voice keeps it from its turn until it would run
        dry (it should fade out now, while it still has audio to fade). It yields only after
        it has waited out one call of the voices it waits for: a fast model's path catches
        up in a millisecond, and the audition then goes."""
        with self._cond:
            ticket.waiting = True
            ticket.waiting_since = now = time.monotonic()
            try:
                while True:
                    if stopped():
                        return STOPPED
                    if self._busy < self._concurrent and self._pick() is ticket:
                        self._busy += 1
                        ticket.in_call = True
                        return GRANTED
                    if may_yield and self._must_yield(ticket, time.monotonic() - now):
                        return YIELDED
                    self._cond.wait(_POLL_S)
            finally:
                ticket.waiting = False

    def release(self, ticket: DecodeTicket, decode_s: float) -> None:
        """The model call of a granted turn took ``decode_s``: the next voice may go."""
        with self._cond:
            self._learn(ticket.next_frames, decode_s)
            if ticket.in_call:
                ticket.in_call = False
                self._busy -= 1
            self._cond.notify_all()

    def cancel(self, ticket: DecodeTicket) -> None:
        """``ticket``'s voice was stopped or replaced (any thread): its call in flight, if
        any, no longer holds the turn. A retriggered click's first call then need not wait
        for the old click's last one (measured with the demo model, clicks 0.1 s apart: the
        first chunk came ~1-2 ms later while it waited)."""
        with self._cond:
            if ticket.in_call:
                ticket.in_call = False
                self._busy -= 1
            self._cond.notify_all()

    def learn(self, frames: int, decode_s: float) -> None:
        """A model call of ``frames`` latent frames took ``decode_s`` (a warm-up's, say)."""
        with self._cond:
            self._learn(frames, decode_s)

    def _learn(self, frames: int, decode_s: float) -> None:
        if frames <= 0:  # a source's last call, which decodes nothing
            return
        old = self._cost_s.get(frames)
        if old is None:
            self._cost_s[frames] = (decode_s, 0.25 * decode_s, decode_s)
        else:  # as TCP times its round trips (RFC 6298), and the peak for a busy machine's
            # bursts: calls took 2-4 times as long for a second at a time while others ran
            mean, dev, peak = old
            dev = 0.75 * dev + 0.25 * abs(decode_s - mean)
            peak = max(decode_s, _PEAK_DECAY * peak)
            self._cost_s[frames] = (0.875 * mean + 0.125 * decode_s, dev, peak)

    # -- figures (any thread) ----------------------------------------------------------------
    def estimate_s(self, ticket: DecodeTicket, cautious: bool = True) -> float:
        """How long ``ticket``'s next model call may take (see :meth:`call_estimate_s`)."""
        return self.call_estimate_s(ticket.next_frames, cautious)

    def call_estimate_s(self, frames: int, cautious: bool = True) -> float:
        """How long a model call of ``frames`` latent frames may take: its smoothed time
        and twice its smoothed deviation, or its recent peak if longer (``cautious=False``:
        its smoothed time only). As measured, else scaled up from the nearest smaller size
        measured (calls cost less per frame the larger they are: an overestimate), else the
        cheapest size measured; 0 before any."""
        with self._cond:  # (reentrant: also called with it held)
            cost = self._cost_s
            if frames in cost:
                return _planned(cost[frames], cautious)
            smaller = [f for f in cost if f < frames]
            if smaller:
                f = max(smaller)
                return _planned(cost[f], cautious) * frames / f
            return min((_planned(c, cautious) for c in cost.values()), default=0.0)

    def lead_extra_s(self, ticket: DecodeTicket) -> float:
        """What a streaming voice keeps queued on top of a block while others decode: the
        longest call of another voice and its own next one as planned (it may have to wait
        for the one, then make the other), so that at the moment it asks for a turn a
        lower-class voice could still go first. The path keeps room for a click's calls even
        when alone, so that a click over a slow model need not wait until the path has
        caught up that far; other voices keep none when alone."""
        with self._cond:
            others = [self.estimate_s(t) for t in self._tickets if t is not ticket]
            if ticket.rank == RANKS["path"] and self.click_frames:
                others.append(self.call_estimate_s(self.click_frames))
            if not others:
                return 0.0
            return max(others) + self.estimate_s(ticket) + self._guard_s

    # -- choice (under the condition's lock) --------------------------------------------------
    def _fits(self, candidate: DecodeTicket, cautious: bool = True) -> bool:
        """Whether every higher-class voice can wait for ``candidate``'s call and its own."""
        need = self.estimate_s(candidate, cautious)
        for t in self._tickets:
            if t.rank < candidate.rank:
                room = need + self.estimate_s(t, cautious) + self._guard_s
                if t.slack_s() < room:
                    return False
        return True

    def _must_yield(self, ticket: DecodeTicket, waited_s: float) -> bool:
        """Kept from its turn by a higher-class voice until it would run dry.

        Judged on the calls' smoothed times, not the cautious plan a turn is granted by: a
        busy machine's burst makes the plan wary for a second, which may delay a click but
        should not end it when the model is in fact fast.
        """
        higher = [self.estimate_s(t) for t in self._tickets if t.rank < ticket.rank]
        if not higher or waited_s < max(higher) + self._guard_s:
            return False
        late = ticket.slack_s() < self.estimate_s(ticket, cautious=False) + self._guard_s
        return late and not self._fits(ticket, cautious=False)

    def _pick(self) -> DecodeTicket | None:
        """The waiting voice to go next: the earliest to run dry among those that fit."""
        best, best_key = None, None
        for t in self._tickets:
            if t.waiting and self._fits(t):
                key = (t.slack_s(), t.rank, t.waiting_since)
                if best_key is None or key < best_key:
                    best, best_key = t, key
        return best


def start_decision(
    elapsed_s: float,
    held_s: float,
    rate_x: float,
    remaining_s: float,
    source_done: bool,
    min_play_s: float,
    policy: DecodePriority,
    next_call_s: float = 0.0,
    lasts_s: float = float("inf"),
) -> str:
    """Whether an audition holding back its first ``held_s`` seconds of audio starts now.

    Parameters
    ----------
    elapsed_s
        Seconds since the click.
    rate_x
        Seconds of audio it has decoded per second since the click (its share of the model).
    remaining_s
        Seconds of audio still to decode.
    source_done
        Everything is decoded.
    min_play_s
        What the mixer needs queued to start a voice (a block and its look-ahead).
    next_call_s, lasts_s
        How long its next model call may take, and how long what it holds lasts once started
        before the mixer finds it short (whole blocks): it holds on while the call would take
        longer, or it would run dry right after it started (a slow model's first chunk is
        short, and its next call long).

    Returns
    -------
    ``"start"`` (play from now on), ``"wait"`` (hold on: its next chunk is not there yet),
    ``"hold"`` (hold on: it cannot keep up; it gives way by starting late) or ``"drop"``
    (give up: too little came in time). Started at ``rate_x < 1``, the audition plays to its
    end without running dry when ``held_s >= remaining_s * (1 / rate_x - 1)``: it holds for
    that (with a quarter more), at most ``policy.max_start_delay_s``.
    """
    if source_done:
        return "start" if held_s > 0 else "drop"
    waiting = "wait"
    if held_s >= min_play_s and next_call_s <= lasts_s:
        if rate_x >= 1.0:
            return "start"
        short_s = remaining_s * (1.0 / max(rate_x, 1e-3) - 1.0)
        if held_s >= _START_SAFETY * short_s:
            return "start"
        waiting = "hold"
    if elapsed_s < policy.max_start_delay_s:
        return waiting
    return "start" if held_s >= max(policy.min_start_s, min_play_s) else "drop"
