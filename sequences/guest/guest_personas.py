"""The guest driver's invalidation behaviour under each guest-visible policy: under
riscv-1.0-strict the spec's guidelines (nothing after a V 0->1 change); under caching-mode
(a shadowing VMM) the guideline command for every change, V 0->1 included, at its own scope."""
from __future__ import annotations

from sequences.sw.invalidation_plan import Persona, SpecRecommended, guideline_commands


class CachingModeGuest(Persona):
    """Every change the IOMMU could see gets its guideline command (a map too): what a driver
    does when its IOMMU reports caching mode."""
    name = "caching-mode-guest"

    def select(self, update, holders=()) -> list:
        return guideline_commands(update, holders)


GUEST_PERSONAS = {"riscv-1.0-strict": SpecRecommended, "caching-mode": CachingModeGuest}


def guest_persona(policy: str) -> Persona:
    """The guest driver for the guest-visible policy `policy`."""
    try:
        return GUEST_PERSONAS[policy]()
    except KeyError:
        raise ValueError(f"no guest driver for policy {policy!r}: expected one of "
                         f"{sorted(GUEST_PERSONAS)}") from None
