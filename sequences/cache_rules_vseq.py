"""Directed scenarios about what an IOMMU may cache and when software must invalidate.
Each is small and deterministic; together they show that the environment catches the
classic cache bugs (negative caching, tags ignored, directory caches not flushed, fences that
complete early, wrong causes) and accepts correct hardware.

All translate the same way: did 5 (and did 6) behind a 1LVL DDT with Sv39 tables."""
from __future__ import annotations

from models import Request, TTYP
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec

RD, WR = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
VA = 0x4000_0000
PA_A, PA_B = 0x8000_0000, 0x9000_0000


def reads(did: int, n: int = 4, va: int = VA) -> list[Request]:
    return [Request(did=did, iova=va + 0x10 * i, ttyp=RD) for i in range(n)]


class DcNegativeCacheVseq(IommuSwVseq):
    """Device 5's context is invalid when first used (cause 258), then made valid with the
    persona's invalidations. An IOMMU that caches the invalid context (NEG_CACHE_DC=1) keeps
    answering 258: forbidden by RISC-V 1.0, permitted by the riscv-dir-negative policy only
    until software invalidates."""
    persona_name = "never-invalidate-on-map"

    async def body(self):
        await self.init_iommu("1lvl")
        pt = self.page_table("sv39", pscid=7)
        pt.map(VA, PA_A, perms="rw")
        await self.translate(reads(5, 2))                    # DC V=0: 258, maybe cached
        upd = self.ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7))
        await self.after_update(upd)
        await self.translate(reads(5))                        # must see the valid context


class DcNegativeCacheInvalidatingVseq(DcNegativeCacheVseq):
    persona_name = "invalidate-everything"


class PscidTagVseq(IommuSwVseq):
    """Two devices with their own first-stage tables and PSCIDs map the same IOVA to
    different pages; the IOTLB must keep them apart by PSCID."""

    async def body(self):
        await self.init_iommu("1lvl")
        for did, pscid, pa in ((5, 7, PA_A), (6, 8, PA_B)):
            pt = self.page_table("sv39", pscid=pscid)
            pt.map(VA, pa, perms="rw")
            await self.after_update(self.ddt.set_dc(
                did, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=pscid)))
        for _ in range(3):
            await self.translate(reads(5, 2) + reads(6, 2))


class DcChangeVseq(IommuSwVseq):
    """Device 5 moves from table A to table B the way a driver does it: V=0, the persona's
    IODIR.INVAL_DDT and IOTINVAL, then the new context (V 0->1). After the fence the old
    context may no longer be used."""

    async def body(self):
        await self.init_iommu("1lvl")
        pts = []
        for pscid, pa in ((7, PA_A), (9, PA_B)):
            pt = self.page_table("sv39", pscid=pscid)
            pt.map(VA, pa, perms="rw")
            pts.append(pt)
        await self.after_update(self.ddt.set_dc(
            5, DeviceContextSpec(fs_mode="sv39", fs_root=pts[0].root, pscid=7)))
        await self.translate(reads(5))
        await self.after_update(self.ddt.invalidate_dc(5))
        await self.translate(reads(5))                        # 258 only
        await self.after_update(self.ddt.set_dc(
            5, DeviceContextSpec(fs_mode="sv39", fs_root=pts[1].root, pscid=9)))
        await self.translate(reads(5))


class RemapRoundsVseq(IommuSwVseq):
    """The page of device 5 is remapped three times, each followed by the persona's
    IOTINVAL.VMA and IOFENCE.C; after each fence only the newest page is permitted."""

    async def body(self):
        await self.init_iommu("1lvl")
        pt = self.page_table("sv39", pscid=7)
        pt.map(VA, PA_A, perms="rw")
        await self.after_update(self.ddt.set_dc(
            5, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7)))
        for rnd in range(3):
            await self.translate(reads(5))
            await self.after_update(pt.remap(VA, PA_B + 0x1000 * rnd))
        await self.translate(reads(5))


class DcMisconfiguredVseq(IommuSwVseq):
    """Device contexts that break one DC rule each (cause 259), next to a valid one."""

    async def body(self):
        await self.init_iommu("1lvl")
        pt = self.page_table("sv39", pscid=7)
        pt.map(VA, PA_A, perms="rw")
        good = DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7)
        bad = [DeviceContextSpec(fs_mode=1, fs_root=pt.root),            # reserved iosatp mode
               DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, dpe=True),   # DPE with PDTV=0
               DeviceContextSpec(en_ats=True),                          # ATS not implemented
               DeviceContextSpec(g_mode="sv39x4", g_root=0x0100_1000)]  # root not 16 KiB aligned
        await self.after_update(self.ddt.set_dc(5, good))
        for i, spec in enumerate(bad):
            await self.after_update(self.ddt.set_dc(10 + i, spec))
        await self.translate(reads(5, 1) + [r for i in range(len(bad)) for r in reads(10 + i, 2)])
