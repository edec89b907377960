"""The worked example of docs/writing-a-sequence.md: a driver maps a buffer for device 3,
the device reads it, the driver unmaps one page the way the spec recommends, and the device
reads again. The scoreboard checks every response against the oracle; the sequence also
asserts what it expects, to show how a scenario inspects its results."""
from models import Request, TTYP
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec

BUF_IOVA, BUF_PA = 0x1000_0000, 0x8000_0000


class ExampleUnmapVseq(IommuSwVseq):
    persona_name = "spec"                                    # the spec's invalidations

    async def body(self):
        await self.init_iommu("2lvl")                        # CQ, FQ, a 2-level DDT, ddtp
        pt = self.page_table("sv39", pscid=3)                # the device's I/O page table
        for i in range(4):
            pt.map(BUF_IOVA + 0x1000 * i, BUF_PA + 0x1000 * i, perms="rw")
        await self.after_update(self.ddt.set_dc(3, DeviceContextSpec(
            fs_mode="sv39", fs_root=pt.root, pscid=3)))      # V 0->1: nothing to invalidate

        reads = [Request(did=3, iova=BUF_IOVA + 0x1000 * i + 0x40, ttyp=TTYP.UNTRANSLATED_READ)
                 for i in range(4)]
        first = await self.translate(reads)
        assert all(not r.fault for r in first), "the mapped buffer must translate"

        await self.after_update(pt.unmap(BUF_IOVA + 0x2000))  # IOTINVAL.VMA + IOFENCE.C
        again = await self.translate(reads)
        unmapped = [r for r in again if r.req.iova >> 12 == (BUF_IOVA + 0x2000) >> 12]
        assert unmapped[0].fault, "after the fence: a fault (the scoreboard checks it is 13)"
