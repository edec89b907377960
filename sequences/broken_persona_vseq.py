"""Software that gets an invalidation wrong, on correct hardware: the coherence oracle's finding
must end the run with the verdict SEQUENCE (tb/advice.py), not with an RTL failure.

Device 5 reads and writes a page through Sv39 tables tagged PSCID 21; those requests walk the
tables, so the IOTLB may hold the read-write leaf. Then the driver takes write permission away
(RW -> R, a valid leaf PTE changed) and issues:
- PteProtectVseq: what the spec requires (IOTINVAL.VMA PSCID=21 ADDR, IOFENCE.C): no finding;
- PteProtectNeverInvalidateVseq: nothing at all ("ADVICE missing ... no covering invalidation
  issued");
- PteProtectWrongPscidVseq: the same commands with PSCID 22 instead of 21, and the fence: the
  command covers nothing of this page, so the finding is the same.
The device then writes again. Until a covering invalidation completes, the IOMMU may go on
using the cached read-write leaf, so the oracle permits both the write and the store page fault:
the RTL passes every check, and the only verdict is the software's.
"""
from __future__ import annotations

from dataclasses import replace

from models import Request, TTYP
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.invalidation_plan import Persona, required_commands

DID, PSCID = 5, 21
VA, PA = 0x4000_0000, 0x8000_0000


class ForgetsInvalidation(Persona):
    """Issues nothing after any update: the driver that forgot its IOTLB invalidation."""
    name = "forgets-invalidation"

    def select(self, update, holders=()) -> list:
        return []


class WrongPscid(Persona):
    """The spec's commands, but every IOTINVAL.VMA with PSCV=1 names the next PSCID (the
    driver that looked up the wrong address space's tag)."""
    name = "wrong-pscid"

    def select(self, update, holders=()) -> list:
        return [replace(c, pscid=c.pscid + 1) if c.name == "IOTINVAL.VMA" and c.pscv else c
                for c in required_commands(update, holders)]


def accesses(n: int = 2) -> list[Request]:
    """n reads and n writes in the page (different offsets: one IOTLB entry serves them)."""
    return [Request(did=DID, iova=VA + 0x40 * i, ttyp=t) for i in range(n)
            for t in (TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE)]


class PteProtectVseq(IommuSwVseq):
    """The permission downgrade done right (persona 'spec'): the control of the two below."""
    persona_name = "spec"

    async def body(self):
        await self.init_iommu("1lvl")
        pt = self.page_table("sv39", pscid=PSCID)
        pt.map(VA, PA, perms="rw")
        await self.after_update(self.ddt.set_dc(
            DID, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=PSCID)))
        first = await self.translate(accesses())          # the leaf is read (and may be cached)
        assert all(not r.fault for r in first), "the read-write page must translate"
        await self.after_update(pt.protect(VA, "r"))      # RW -> R of a valid, used leaf
        await self.translate(accesses())                  # the scoreboard checks each outcome


class PteProtectNeverInvalidateVseq(PteProtectVseq):
    persona_name = ForgetsInvalidation.name

    @property
    def persona(self):
        return ForgetsInvalidation()


class PteProtectWrongPscidVseq(PteProtectVseq):
    persona_name = WrongPscid.name

    @property
    def persona(self):
        return WrongPscid()
