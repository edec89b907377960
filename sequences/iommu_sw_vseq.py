"""Scenario base with the software stack of sequences/sw: an allocator, a device directory,
the command queue and the fault queue, driven the way an OS driver does it.

Subclasses write `body()` with:
    await self.init_iommu("2lvl")               # CQ, FQ, DDT, ddtp
    pt = self.page_table("sv39", pscid=7)       # tables laid out through store64
    upd = self.ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7))
    await self.after_update(upd)                 # the persona's invalidations + IOFENCE.C
    results = await self.translate([...])

On a non-coherent platform (IOMMU_COHERENCE=non-coherent, docs/coherence.md) the stores wait
in the hart's cache; the cache persona (`cache_persona_name`, sequences/sw/cache_maintenance.py)
decides which dirty blocks are cleaned after an update, before a doorbell and before device
traffic. The default, `cleans`, cleans them all, so every scenario runs on both platforms.

Byte order (capabilities.END): with `big_endian` set, init_iommu sets fctl.BE first, and the
directory, the queues and the G-stage tables made here are stored big-endian; first-stage
tables and PDTs follow `sbe` (None: as fctl.BE), which device contexts must then carry in
tc.SBE (`DeviceContextSpec(sbe=...)`). A scenario that stores into a structure itself uses
`structure_store` / `structure_peek`. A DUT without END skips such a scenario, with the reason.

Sv32x4 G-stages (capabilities.Sv32x4): with `gxl` set, init_iommu sets fctl.GXL=1 (like fctl.BE,
before anything is on); Sv32 first stages need only DC.tc.SXL (`DeviceContextSpec(sxl=True)`).
`page_table("sv32" / "sv32x4")` builds tables of 4-byte PTEs in their stage's byte order.
"""
from __future__ import annotations

from models import Reg
from sequences.base_vseq import IommuBaseVseq
from sequences.sw.byte_order import peek_in, store_in
from sequences.sw.cache_maintenance import cache_persona as make_cache_persona
from sequences.sw.commands import CQ_ENTRY_BYTES, CommandQueueWriter, FaultQueueReader, iofence_c
from sequences.sw.device_directory import DeviceDirectory
from sequences.sw.invalidation_plan import persona as make_persona
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_4M, PageTable
from sequences.sw.process_directory import ProcessDirectory

# Physical layout of the scenario's memory (SPAs).
CQ_BASE = 0x0001_0000
FQ_BASE = 0x0002_0000
FENCE_DATA = 0x0003_0000          # IOFENCE.C AV writes land here
TABLES = 0x0100_0000              # table pages
TABLES_SIZE = 0x0100_0000


class IommuSwVseq(IommuBaseVseq):
    persona_name = "spec"             # which invalidations software issues (sw.invalidation_plan)
    cache_persona_name = "cleans"     # which cache blocks it cleans (sw.cache_maintenance)
    big_endian = False                # fctl.BE: structures big-endian (capabilities.END)
    sbe = None                        # first-stage tables and PDTs: None = as fctl.BE
    gxl = False                       # fctl.GXL: G-stages are Sv32x4 (capabilities.Sv32x4)

    def __init__(self, name: str = "vseq"):
        super().__init__(name)
        self.alloc = None
        self.ddt = None
        self.cq = None
        self.fq = None
        self.pdts: list[ProcessDirectory] = []   # holders of GPA pointers, with self.ddt
        self.fences = 0

    @property
    def persona(self):
        return make_persona(self.persona_name)

    @property
    def cache_persona(self):
        return make_cache_persona(self.cache_persona_name)

    # -- the hart's cache (non-coherent platforms) -----------------------------------------
    def maintain_caches(self, moment: str) -> list:
        """Clean the dirty blocks the cache persona cleans at this moment ("update",
        "doorbell", "device"); returns them. Nothing is dirty on a coherent platform."""
        dirty = self.env.dirty_blocks()
        if not dirty:
            return []
        queue = range(0)
        if self.cq is not None:
            queue = range(self.cq.base, self.cq.base + CQ_ENTRY_BYTES * self.cq.entries)
        blocks = self.cache_persona.blocks_to_clean(moment, dirty, queue)
        for b in blocks:
            self.env.clean(b)
        return blocks

    async def translate(self, reqs, wait: bool = True):
        self.maintain_caches("device")          # the device may use what was written
        return await super().translate(reqs, wait)

    async def reg_write(self, offset: int, value: int, size: int = 8) -> None:
        if int(offset) in (Reg.CQT, Reg.CQCSR):
            # a doorbell, or a cqcsr write that (re)starts fetching: the commands (and
            # anything else written) reach memory first
            self.maintain_caches("doorbell")
        await super().reg_write(offset, value, size)

    # -- set-up ---------------------------------------------------------------------------
    async def init_iommu(self, ddt_mode: str = "1lvl", cq_log2: int = 6, fq_log2: int = 6) -> None:
        await self.set_byte_order()            # (fctl.BE changes only while all is off)
        await self.set_gxl()                   # (so does fctl.GXL)
        store = self.structure_store()
        # Fresh simulation memory is zero, so pages need not be zeroed on first use.
        self.alloc = PageAllocator(TABLES, TABLES_SIZE, self.store64, zero=False)
        self.cq = CommandQueueWriter(CQ_BASE, cq_log2, store, None)
        self.fq = FaultQueueReader(FQ_BASE, fq_log2, peek_in(self.env.peek64, self.big_endian))
        for w in self.cq.setup_writes() + self.fq.setup_writes():
            await self.reg_write(*w)
        # extended (64-byte) DCs when the DUT reports MSI_FLAT: the format follows the capability
        self.ddt = DeviceDirectory(ddt_mode, self.alloc, store,
                                   extended=self.dut.has("msi_flat"))
        await self.reg_write(Reg.DDTP, self.ddt.ddtp())
        cov = getattr(self.env, "cov", None)
        if cov is not None and hasattr(cov, "coherence"):
            cov.coherence(self.cache_persona.name, self.env.cfg.coherence)

    # -- byte order (capabilities.END) ------------------------------------------------------
    @property
    def first_stage_big(self) -> bool:
        """The byte order of first-stage tables and PDTs: `sbe`, or fctl.BE's."""
        return self.big_endian if self.sbe is None else bool(self.sbe)

    async def set_byte_order(self) -> None:
        """fctl.BE = big_endian (only a DUT with END can: without it the scenario runs
        little-endian and the step is listed as skipped). ddtp is Off and the queues off."""
        if not (self.big_endian or self.first_stage_big):
            return
        if not self.dut.need("end", "big-endian structures (fctl.BE, DC.tc.SBE)"):
            self.big_endian, self.sbe = False, None
            return
        fctl = await self.reg_read(Reg.FCTL, 4)
        await self.reg_write(Reg.FCTL, fctl & ~1 | int(self.big_endian), 4)

    async def set_gxl(self) -> None:
        """fctl.GXL = gxl (a DUT without Sv32x4 cannot: the scenario's Sv32x4 part is listed
        as skipped and gxl cleared). ddtp is Off and the queues off."""
        if not self.gxl:
            return
        if not self.dut.need("sv32x4", "fctl.GXL=1 (Sv32x4 G-stages)"):
            self.gxl = False
            return
        fctl = await self.reg_read(Reg.FCTL, 4)
        await self.reg_write(Reg.FCTL, fctl | 4, 4)

    def structure_store(self, big_endian: bool | None = None):
        """store64 for a structure in that byte order (None: fctl.BE's, `big_endian`)."""
        return store_in(self.store64, self.big_endian if big_endian is None else big_endian)

    def structure_peek(self, pa: int, big_endian: bool | None = None) -> int:
        """The structure doubleword at pa, in that byte order (None: fctl.BE's)."""
        big = self.big_endian if big_endian is None else big_endian
        return peek_in(self.env.peek64, big)(pa)

    def page_table(self, mode: str, big_endian: bool | None = None, **kw) -> PageTable:
        """A page table stored in its stage's byte order: G-stage (x4 modes) fctl.BE's,
        first stage `first_stage_big` (big_endian overrides)."""
        if big_endian is None:
            big_endian = self.big_endian if mode.lower().endswith("x4") else self.first_stage_big
        return PageTable(mode, self.alloc, self.structure_store(big_endian),
                         big_endian=big_endian, **kw)

    def guest_page_table(self, gscid: int, pscid: int, gpa_tables: int, spa_tables: int,
                         mode: str = "sv39", g_mode: str = "sv39x4") -> tuple[PageTable, PageTable]:
        """A VM's first-stage table at GPAs: a G-stage (Sv39x4 or g_mode, tagged gscid) whose one
        2 MiB page (4 MiB under Sv32x4) maps the guest's table region gpa_tables -> spa_tables,
        and the guest's table (tagged pscid) allocated in that region. Returns (G-stage table,
        guest table)."""
        g = self.page_table(g_mode, gscid=gscid)
        g.map(gpa_tables, spa_tables, SIZE_4M if g_mode == "sv32x4" else 2 << 20, "rw")
        galloc = PageAllocator(gpa_tables, 2 << 20, self.store64, addr_to_pa=g.translate,
                               zero=False)
        return g, PageTable(mode, galloc, self.structure_store(self.first_stage_big),
                            addr_to_pa=g.translate, gscid=gscid,
                            pscid=pscid, big_endian=self.first_stage_big)

    def process_directory(self, mode: str, **kw) -> ProcessDirectory:
        """A PDT (pd8/pd17/pd20); kept so G-stage changes under it get their IODIR."""
        store = self.structure_store(kw.pop("big_endian", self.first_stage_big))
        pdt = ProcessDirectory(mode, kw.pop("alloc", self.alloc), store, **kw)
        self.pdts.append(pdt)
        return pdt

    # -- commands -------------------------------------------------------------------------
    async def run_commands(self, commands, fence: bool = True) -> None:
        """Queue commands (and an IOFENCE.C with an AV write), ring the doorbell and wait
        until cqh has passed them all."""
        commands = list(commands)
        if fence and (not commands or commands[-1].name != "IOFENCE.C"):
            commands.append(iofence_c())
        if not commands:
            return
        self.cq.write(commands)
        await self.reg_write(*self.cq.doorbell_write())     # cleans first (reg_write)
        cqh = await self.wait_cq_idle(self.cq.tail)
        self.cq.update_head(cqh)

    async def after_update(self, update, holders=()) -> list:
        """Issue what the persona issues after `update`; returns the commands. The update's
        stores are cleaned first (as the cache persona does) so the invalidation follows a
        globally visible update."""
        self.maintain_caches("update")
        cmds = self.persona.commands(update, holders or [self.ddt, *self.pdts])
        cov = getattr(self.env, "cov", None)
        if cov is not None:
            cov.update(update, cmds)
        if cmds:
            await self.run_commands(cmds, fence=True)
        return cmds

    async def fence(self) -> None:
        self.fences += 1
        await self.run_commands([iofence_c(addr=FENCE_DATA + 4 * (self.fences % 1024),
                                           data=self.fences)], fence=False)
