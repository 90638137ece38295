"""A policy wrapper that keeps a token whose consultation has begun from being bumped.

The engine knows a token as ALLOCATED until the simulator reports it COMPLETED at the end of
the consultation; in between, a policy that lets emergencies bump (``emergency-cap``) could
otherwise pick the very patient who is sitting with the doctor.
"""

from __future__ import annotations

from opd_sim.engine import Policy, Slot, Token

__all__ = ["ConsultShield"]


class ConsultShield(Policy):
    """Delegates every decision to ``inner``, hiding tokens in consultation from ``victim``."""

    def __init__(self, inner: Policy, in_consult: set[int]) -> None:
        object.__setattr__(self, "inner", inner)
        object.__setattr__(self, "in_consult", in_consult)
        object.__setattr__(self, "name", inner.name)  # the engine reports the real policy

    inner: Policy
    in_consult: set[int]

    def seats(self, slot: Slot) -> int:
        return self.inner.seats(slot)

    def may_seat(self, slot: Slot, token: Token) -> bool:
        return self.inner.may_seat(slot, token)

    def may_overbook(self, slot: Slot, token: Token) -> bool:
        return self.inner.may_overbook(slot, token)

    def bumpable(self, token: Token) -> bool:
        return token.id not in self.in_consult and self.inner.bumpable(token)

    def victim(self, slot: Slot, token: Token) -> Token | None:
        busy = self.in_consult
        if not any(seated.id in busy for seated in slot.seated):
            return self.inner.victim(slot, token)
        view = Slot(slot.id, slot.doctor_id, slot.start, slot.end, slot.capacity, slot.day,
                    seated=[t for t in slot.seated if t.id not in busy], waitlist=slot.waitlist)
        return self.inner.victim(view, token)

    def __str__(self) -> str:
        return str(self.inner)
