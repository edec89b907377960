"""The guest driver's invalidation behaviour under each guest-visible policy: under
riscv-1.0-strict the spec's guidelines (nothing after a V 0->1 change); under caching-mode
(a shadowing VMM) the guideline command for every change, V 0->1 included, at its own scope.
And a broken guest driver (a guest-layer mistake the regression must attribute to the guest)."""
from __future__ import annotations

from sequences.sw.invalidation_plan import Persona, SpecRecommended, guideline_commands


class CachingModeGuest(Persona):
    """Every change the IOMMU could see gets its guideline command (a map too): what a driver
    does when its IOMMU reports caching mode."""
    name = "caching-mode-guest"

    def select(self, update, holders=()) -> list:
        return guideline_commands(update, holders)


class ForgetsUnmapGuest(SpecRecommended):
    """A broken guest driver: the spec's guidelines, except that an unmap or a remap of a
    first-stage page is left without its IOTINVAL.VMA (the driver frees the IOVA and moves
    on). Under any VMM the guest is at fault: the guest layer's advice names the store."""
    name = "forgets-unmap"

    def select(self, update, holders=()) -> list:
        if update.structure == "first" and update.kind in ("unmap", "remap"):
            return []
        return super().select(update, holders)


GUEST_PERSONAS = {"riscv-1.0-strict": SpecRecommended, "caching-mode": CachingModeGuest}
# broken guest drivers, by name (ViommuVseq.guest_driver_policy takes a policy or one of these)
BROKEN_GUEST_DRIVERS = {"forgets-unmap": ForgetsUnmapGuest}


def guest_persona(policy: str) -> Persona:
    """The guest driver for the guest-visible policy `policy`."""
    try:
        return {**GUEST_PERSONAS, **BROKEN_GUEST_DRIVERS}[policy]()
    except KeyError:
        raise ValueError(f"no guest driver for policy {policy!r}: expected one of "
                         f"{sorted(GUEST_PERSONAS)} or a broken driver "
                         f"{sorted(BROKEN_GUEST_DRIVERS)}") from None
