"""The guest OS's IOMMU driver, running inside a VM on a virtual RISC-V IOMMU: its own DDT (1LVL),
process directories (PD8/PD17/PD20, for devices with PDTV=1), first-stage page tables and command
queue, all in guest-physical memory. It writes IOTINVAL.VMA, IODIR.INVAL_DDT, IODIR.INVAL_PDT
and IOFENCE.C into its queue in RISC-V format, rings its (virtual) cqt and polls
its (virtual) cqh; the VMM persona behind the registers decides what the hardware sees.

Every store goes to the VMM (which places it at the SPA behind the GPA, and may trap it) and to
the guest-layer oracle; every register write to the VMM and the guest-layer oracle; every cqh
read to the guest-layer oracle as the completion the guest observed."""
from __future__ import annotations

from dataclasses import replace

from models import Reg
from sequences.sw.commands import FENCE, INVAL_DDT, INVAL_PDT, CommandQueueWriter
from sequences.sw.device_directory import DeviceDirectory
from sequences.sw.invalidation_plan import Persona
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import PageTable
from sequences.sw.process_directory import ProcessDirectory

# The guest's physical layout (offsets from the VM's RAM base).
CQ_OFFSET = 0x1_0000
FENCE_OFFSET = 0x3_0000           # the guest's IOFENCE.C AV writes land here
TABLES_OFFSET = 0x10_0000
TABLES_SIZE = 0x70_0000
DATA_OFFSET = 0x80_0000           # the guest's DMA buffers


class GuestDriver:
    def __init__(self, vmm, view, persona: Persona, gpa_base: int) -> None:
        self.vmm, self.view, self.persona = vmm, view, persona
        self.gpa_base = gpa_base
        self.alloc = self.cq = self.ddt = None
        self.fences = 0
        self.commands = 0
        self.features: set = set()   # what the guest exercised: 'pdt' (a process context
                                     # changed, IODIR.INVAL_PDT), 'napot' (a 64 KiB page
                                     # changed), 'dv0' (an IODIR.INVAL_DDT DV=0 issued)

    @property
    def data(self) -> int:
        """GPA of the guest's first DMA buffer page."""
        return self.gpa_base + DATA_OFFSET

    # -- the guest's raw actions ----------------------------------------------------------
    def store64(self, gpa: int, value: int) -> None:
        self.view.store64(gpa, value)
        self.vmm.guest_store(gpa, value)

    async def reg_write(self, offset: int, value: int, size: int = 8) -> None:
        self.view.write_reg(offset, value, size)
        await self.vmm.guest_reg_write(offset, value, size)

    async def read_cqh(self) -> int:
        cqh = self.vmm.guest_reg_read(Reg.CQH)
        self.view.commands_done(cqh)
        return cqh

    # -- set-up -----------------------------------------------------------------------------
    async def init(self, cq_log2: int = 6) -> None:
        self.alloc = PageAllocator(self.gpa_base + TABLES_OFFSET, TABLES_SIZE, self.store64,
                                   zero=False)
        self.cq = CommandQueueWriter(self.gpa_base + CQ_OFFSET, cq_log2, self.store64, None)
        for w in self.cq.setup_writes():
            await self.reg_write(*w)
        self.ddt = DeviceDirectory("1lvl", self.alloc, self.store64)
        await self.reg_write(Reg.DDTP, self.ddt.ddtp())

    def page_table(self, mode: str, pscid: int) -> PageTable:
        """A first-stage table at GPAs (the guest sees no G-stage: its vIOMMU has none)."""
        return PageTable(mode, self.alloc, self.store64, pscid=pscid)

    def process_directory(self, mode: str, did: int) -> ProcessDirectory:
        """A PDT of guest device `did` at GPAs (no G-stage in the guest's view: gscid None,
        so its PC updates call for IODIR.INVAL_PDT and IOTINVAL.VMA GV=0)."""
        return ProcessDirectory(mode, self.alloc, self.store64, did=did)

    # -- commands -------------------------------------------------------------------------
    async def after_update(self, update) -> list:
        """The guest persona's commands for `update`, closed by an IOFENCE.C with an AV write,
        submitted and waited for (cqh past the fence, the AV data in guest memory)."""
        cmds = self.persona.commands(update, [self.ddt])
        if update.structure == "pdt" and any(c.name == INVAL_PDT for c in cmds):
            self.features.add("pdt")
        if update.note == "napot":
            self.features.add("napot")
        if cmds:
            await self.run_commands(cmds)
        return cmds

    async def run_commands(self, cmds: list, max_polls: int = 1000) -> None:
        cmds = list(cmds)
        self.fences += 1
        fence_addr = self.gpa_base + FENCE_OFFSET + 8 * (self.fences % 512)
        if cmds and cmds[-1].name == FENCE:
            cmds[-1] = replace(cmds[-1], av=1, addr=fence_addr, data=self.fences)
        else:
            from sequences.sw.commands import iofence_c
            cmds.append(iofence_c(addr=fence_addr, data=self.fences))
        self.commands += len(cmds)
        if any(c.name == INVAL_DDT and not c.dv for c in cmds):
            self.features.add("dv0")
        self.cq.write(cmds)
        await self.reg_write(*self.cq.doorbell_write())
        for _ in range(max_polls):
            cqh = await self.read_cqh()
            if cqh == self.cq.tail:
                break
            await self.vmm.idle()
        else:
            raise RuntimeError(f"guest command queue did not drain: cqh stuck below "
                               f"cqt={self.cq.tail}")
        self.cq.update_head(cqh)
        got = self.vmm.guest_read64(fence_addr) & 0xFFFF_FFFF
        if got != self.fences:
            raise AssertionError(f"VIOMMU guest IOFENCE.C #{self.fences} completed but its AV "
                                 f"write is missing: guest memory @{fence_addr:#x} holds "
                                 f"{got:#x}, expected {self.fences:#x}")
