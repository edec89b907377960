"""A driver's life on a coherent or a non-coherent platform (docs/coherence.md): the same
scenario under three cache personas (sequences/sw/cache_maintenance.py). The platform is the
run's coherence mode (IOMMU_COHERENCE; the `coherence` key of a tb/regression.toml entry).

Device 5 gets a device context (first stage Sv39, PSCID 21) whose table is empty, then a
read-write page at IOVA 0x4000_0000 and a read-only one at 0x4000_1000 are mapped; the device
reads and writes both. The driver then takes write permission away from the first page
(IOTINVAL.VMA ADDR + IOFENCE.C), the device writes again, the driver unmaps the second page
(IOTINVAL.VMA ADDR + IOFENCE.C PR) and the device uses both pages once more. Every response is
judged by the scoreboard against memory as the IOMMU sees it.

- CoherenceCleansVseq: cleans every block it wrote after each update, before each doorbell and
  before device traffic: correct on both platforms; the device's first accesses must translate.
- CoherenceAssumesVseq: never cleans. Coherent: the same run. Non-coherent: the IOMMU reads a
  device context with V=0 (cause 258, which the oracle permits: memory holds V=0), fetches
  zeros instead of the commands (cmd_ill, also what the model does), and the oracle's advice
  names each store left in the hart's cache; the run ends with the verdict SEQUENCE.
- CoherenceForgetsQueueVseq: cleans the tables, never the command queue. Non-coherent: the
  translations work, but the IOMMU fetches a zero command at the first doorbell (cmd_ill):
  the finding names the command-queue entry not cleaned before the doorbell.
"""
from __future__ import annotations

from models import Request, TTYP
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec

DID, PSCID = 5, 21
VA, VA2 = 0x4000_0000, 0x4000_1000
PA, PA2 = 0x8000_0000, 0x8000_1000


def accesses(va: int, n: int = 2) -> list[Request]:
    """n reads and n writes in the page at va."""
    return [Request(did=DID, iova=va + 0x40 * i, ttyp=t) for i in range(n)
            for t in (TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE)]


class CoherenceCleansVseq(IommuSwVseq):
    cache_persona_name = "cleans"
    must_translate = True         # the first accesses must succeed (every store was cleaned)

    async def body(self):
        await self.init_iommu("1lvl")
        pt = self.page_table("sv39", pscid=PSCID)
        await self.after_update(self.ddt.set_dc(
            DID, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=PSCID)))
        await self.after_update(pt.map(VA, PA, perms="rw"))
        await self.after_update(pt.map(VA2, PA2, perms="r"))
        first = await self.translate(accesses(VA) + accesses(VA2)[:1])
        if self.must_translate:
            bad = [r for r in first if r.fault]
            assert not bad, (f"{len(bad)} of {len(first)} first accesses faulted on a "
                             f"{self.env.cfg.coherence} platform (first cause {bad[0].cause})")
        await self.after_update(pt.protect(VA, "r"))        # RW -> R of a used leaf
        await self.translate(accesses(VA))
        await self.after_update(pt.unmap(VA2))              # a used page given up
        await self.translate(accesses(VA) + accesses(VA2))


class CoherenceAssumesVseq(CoherenceCleansVseq):
    cache_persona_name = "assumes-coherence"
    must_translate = False        # non-coherent: the IOMMU reads a V=0 device context


class CoherenceForgetsQueueVseq(CoherenceCleansVseq):
    cache_persona_name = "forgets-queue-clean"
