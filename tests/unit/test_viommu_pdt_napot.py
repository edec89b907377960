"""PASID guests and Svnapot in the vIOMMU stack, no simulator: the VMM's reading of a guest PDT
and of guest NAPOT PTEs (sequences/guest/guest_walk.py), the nested forwarding of a PDTV=1
device context and of IODIR.INVAL_PDT / IODIR.INVAL_DDT DV=0 (forwarding.py, the broken
`nested-dv0-dropped`), and the shadowing VMM's host PDT and NAPOT shadow pages (vmm.py) over a
fake host (one Memory, the sequences/sw layer, the host persona's commands recorded).

Values worked by hand from the formats: leaf PTE = PPN<<10 | flags, flags of an "rw" user leaf
V|R|W|U|A|D = 0x1|0x2|0x4|0x10|0x40|0x80 = 0xD7; a 64 KiB NAPOT leaf has N (bit 63) and
PPN[3:0] = 0b1000; PC ta = V | PSCID<<12, fsc = MODE<<60 | PPN (Sv39 = 8); DC tc V=bit 0,
PDTV=bit 5; pdtp MODE PD8=1, PD17=2; IODIR opcode 3, func3 INVAL_PDT=1 at bits 9:7, PID 31:12,
DV 33, DID 63:40."""
import asyncio

from models import Memory, Reg
from models.command_queue import Command, encode
from sequences.guest import guest_walk
from sequences.guest.forwarding import COMMAND_DROPPED, ForwardingAudit, VmIdentity, host_dc
from sequences.guest.vm_memory import VmMemoryMap
from sequences.guest.vmm import NestedDv0DroppedVmm, NestedForwardingVmm, ShadowingVmm
from sequences.sw import (SIZE_4K, DeviceContextSpec, DeviceDirectory, PageAllocator, PageTable,
                          SpecRecommended)
from sequences.sw import iodir_inval_ddt as DDT
from sequences.sw import iodir_inval_pdt as PDT
from sequences.sw import iotinval_vma as VMA
from sequences.sw.page_table import SIZE_64K
from sequences.sw.process_directory import ProcessDirectory

VM = VmIdentity(gscid=3, did_map={3: 0x23, 4: 0x24}, g_mode="sv39x4", g_root=0x0100_4000)
N = 1 << 63
RW = 0xD7


# ------------------------------------------------------------------------------ guest walks
def _guest_table(mem):
    return PageTable("sv39", PageAllocator(0x8010_0000, 0x10_0000, mem.write64, zero=False),
                     mem.write64, pscid=7)


def test_guest_napot_leaf_is_one_64k_page():
    mem = Memory()
    pt = _guest_table(mem)
    pt.map(0x1010_0000, 0x8090_0000, SIZE_64K, "rw")
    # PPN 0x80900 -> NAPOT 0x80908; every one of the 16 PTEs holds the same value
    pte = N | 0x80908 << 10 | RW
    first = pt.pte_addr(0x1010_0000)
    assert [mem.read64(first + 8 * k) for k in range(16)] == [pte] * 16
    want = guest_walk.GuestLeaf(0x1010_0000, 0x8090_0000, "rw", SIZE_64K)
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x1010_5123) == want
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x1010_F000) == want
    assert guest_walk.leaves(mem.read64, pt.root, "sv39") == [want]     # once, not 16 times


def test_guest_napot_encodings_other_than_64k_read_as_unmapped():
    mem = Memory()
    pt = _guest_table(mem)
    pt.map(0x1010_0000, 0x8090_0000, perms="rw")
    a = pt.pte_addr(0x1010_0000)
    mem.write64(a, N | 0x80904 << 10 | RW)          # PPN[3:0]=0b0100: a reserved NAPOT size
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x1010_0000) is None
    mem.write64(a, 0x80900 << 10 | RW)              # N=0: the plain 4 KiB page
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x1010_0000).size == SIZE_4K
    pt.map(0x4000_0000, 0x8060_0000, 0x20_0000, "rw")
    b = pt.pte_addr(0x4000_0000)                    # a level-1 leaf with N=1: reserved
    mem.write64(b, N | 0x80608 << 10 | RW)
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x4000_0000) is None


def test_guest_process_contexts_of_a_pd17_directory():
    mem = Memory()
    pdt = ProcessDirectory("pd17", PageAllocator(0x8010_0000, 0x10_0000, mem.write64,
                                                 zero=False), mem.write64, did=3)
    pdt.set_pc(1, pscid=0x11, fs_mode="sv39", fs_root=0x8020_0000)
    pdt.set_pc(0x105, pscid=0x12, fs_mode="sv39", fs_root=0x8021_0000, ens=True)
    pc = guest_walk.process_context(mem.read64, "pd17", pdt.root, 1)
    assert pc == guest_walk.GuestPc(1, 0x1_1001, 0x8000_0000_0008_0200)
    assert (pc.pscid, pc.fs_mode, pc.fs_root, pc.ens) == (0x11, "sv39", 0x8020_0000, False)
    pc2 = guest_walk.process_context(mem.read64, 2, pdt.root, 0x105)     # mode by its code
    assert pc2.ta == 0x1_2003 and pc2.ens                              # V | ENS | 0x12<<12
    assert guest_walk.process_context(mem.read64, "pd17", pdt.root, 0x205) is None  # no page
    assert guest_walk.process_context(mem.read64, "pd17", pdt.root, 2) is None      # V=0
    assert guest_walk.process_context(mem.read64, "pd17", pdt.root, 1 << 17) is None
    assert [p.pid for p in guest_walk.process_contexts(mem.read64, "pd17", pdt.root)] == [
        1, 0x105]
    pdt.invalidate_pc(1)
    assert [p.pid for p in guest_walk.process_contexts(mem.read64, "pd17", pdt.root)] == [0x105]


# ------------------------------------------------------------------------------ nesting
def test_host_dc_of_a_pasid_device_keeps_pdtv_and_the_guests_pdtp_gpa():
    guest = DeviceContextSpec(pdtv=True, pdt_mode="pd17", pdt_root=0x8010_8000)
    tc, iohgatp, ta, fsc = host_dc(guest, VM).words()
    assert tc == 0x21                                # V | PDTV
    assert iohgatp == 0x8000_3000_0000_1004          # Sv39x4, GSCID 3, the VM's G-stage root
    assert ta == 0
    assert fsc == 0x2000_0000_0008_0108              # PD17, the guest PDT's GPA (not an SPA)


def test_inval_pdt_gets_the_host_device_id():
    vmm = NestedForwardingVmm(None, None, VM.did_map, 3)
    (hw,) = vmm.translate_command(PDT(3, 2))
    assert hw == Command("IODIR.INVAL_PDT", dv=1, did=0x23, pid=2)
    assert encode(hw) == (0x2302_0000_2083, 0)       # 3 | 1<<7 | 2<<12 | DV<<33 | 0x23<<40


def test_dv0_dropped_forwarder_and_its_audit():
    bad = NestedDv0DroppedVmm(None, None, VM.did_map, 3)
    assert bad.translate_command(DDT()) == []
    assert bad.translate_command(DDT(4)) == [DDT(0x24)]              # DV=1 still forwarded
    a = ForwardingAudit(VM)
    m1, m2 = a.forwarded(DDT(), [])
    assert (m1.name, m2.name) == (COMMAND_DROPPED, COMMAND_DROPPED)
    assert str(m1) == ("command dropped: guest IODIR.INVAL_DDT DV=0 has no hardware "
                       "IODIR.INVAL_DDT (wanted IODIR.INVAL_DDT DV=1 DID=0x23)")
    assert m2.detail.endswith("(wanted IODIR.INVAL_DDT DV=1 DID=0x24)")
    # half of it (only the first device) is still a dropped command, for the other one
    (m,) = ForwardingAudit(VM).forwarded(DDT(), [DDT(0x23)])
    assert m.detail.endswith("DID=0x24)")


# ------------------------------------------------------------------------------ shadowing
GPA, SPA = 0x8000_0000, 0x4000_0000


class FakeHost:
    """The host software layer over one Memory (SPAs): its DDT, allocator, the host persona's
    commands recorded instead of run."""

    def __init__(self):
        self.mem = Memory()
        self.store64 = self.mem.write64
        self.env = type("Env", (), {"peek64": staticmethod(self.mem.read64)})()
        self.alloc = PageAllocator(0x0100_0000, 0x100_0000, self.store64, zero=False)
        self.ddt = DeviceDirectory("2lvl", self.alloc, self.store64)
        self.commands = []

    def page_table(self, mode, **kw):
        return PageTable(mode, self.alloc, self.store64, **kw)

    async def after_update(self, update, holders=()):
        cmds = SpecRecommended().commands(update, [self.ddt])
        self.commands += cmds
        return cmds

    async def run_commands(self, cmds, fence=True):
        self.commands += list(cmds)


def _stack():
    host = FakeHost()
    vm = VmMemoryMap(GPA, SPA, 0x100_0000)
    vmm = ShadowingVmm(host, vm, {3: 0x23}, 3)

    def gstore(gpa, v):
        host.mem.write64(vm.spa(gpa), v)

    galloc = PageAllocator(GPA + 0x10_0000, 0x70_0000, gstore, zero=False)
    gddt = DeviceDirectory("1lvl", galloc, gstore)
    vmm.regs[Reg.DDTP] = gddt.ddtp()
    return host, vmm, galloc, gddt, gstore


def test_shadow_pdt_napot_and_inval_pdt():
    host, vmm, galloc, gddt, gstore = _stack()
    pt = PageTable("sv39", galloc, gstore, pscid=0x11)
    pt.map(0x1000_0000, GPA + 0x80_0000, perms="rw")
    pt.map(0x1010_0000, GPA + 0x90_0000, SIZE_64K, "rw")
    pdt = ProcessDirectory("pd8", galloc, gstore, did=3)
    pdt.set_pc(1, pscid=0x11, fs_mode="sv39", fs_root=pt.root)
    gddt.set_dc(3, DeviceContextSpec(pdtv=True, pdt_mode="pd8", pdt_root=pdt.root))
    asyncio.run(vmm.on_guest_command(DDT(3), 0))

    # the host DC: PDTV=1, PD8, pointing at the VMM's host PDT (an SPA in host memory)
    _, hpdt = vmm.host_pdts[3]
    hdc = host.ddt.get_dc(0x23)
    assert (hdc.v, hdc.pdtv, hdc.pdt_mode, hdc.pdt_root) == (True, True, "pd8", hpdt.root)
    # its PC of pid 1: the first shadow PSCID (0x100), the shadow table, Sv39
    sp, spt = vmm.shadows[(3, 1)]
    assert (sp.pscid, sp.root) == (0x11, pt.root)
    assert hpdt.pc_words(1) == (0x10_0001, 0x8000_0000_0000_0000 | spt.root >> 12)
    # guest GPA 0x8080_0000 is SPA 0x4080_0000; the NAPOT page shadowed by a NAPOT page
    assert spt.lookup(0x1000_0123) == (0x4080_0123, "rw", SIZE_4K)
    assert spt.lookup(0x1010_5123) == (0x4090_5123, "rw", SIZE_64K)
    assert host.mem.read64(spt.pte_addr(0x1010_5000)) == N | 0x40908 << 10 | RW

    # the guest makes pid 1 invalid and sends IODIR.INVAL_PDT (3, 1): the host PC is made
    # invalid with the host's own IODIR.INVAL_PDT (0x23, 1) and IOTINVAL.VMA for PSCID 0x100
    host.commands.clear()
    pdt.invalidate_pc(1)
    asyncio.run(vmm.on_guest_command(PDT(3, 1), 1))
    assert host.commands[:2] == [PDT(0x23, 1), VMA(pscid=0x100)]
    assert hpdt.pc_words(1)[0] & 1 == 0 and (3, 1) not in vmm.shadows
    # valid again on the same table: a new shadow (PSCID 0x101), V 0->1 (nothing to invalidate)
    host.commands.clear()
    pdt.set_pc(1, pscid=0x11, fs_mode="sv39", fs_root=pt.root)
    asyncio.run(vmm.on_guest_command(PDT(3, 1), 2))
    assert host.commands == [] and vmm.shadows[(3, 1)][1].pscid == 0x101


def test_shadow_follows_napot_merge_and_split():
    host, vmm, galloc, gddt, gstore = _stack()
    pt = PageTable("sv39", galloc, gstore, pscid=7)
    base, data = 0x1010_0000, GPA + 0x90_0000
    for k in range(16):
        pt.map(base + k * SIZE_4K, data + k * SIZE_4K, perms="rw")
    gddt.set_dc(3, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7))
    asyncio.run(vmm.on_guest_command(DDT(3), 0))
    sp, spt = vmm.shadows[(3, None)]
    assert spt.lookup(base + 0x5000) == (0x4090_5000, "rw", SIZE_4K)
    # the guest merges the 16 pages into one NAPOT page; its first invalidation (AV=1 at the
    # base) already replaces the 16 shadow pages: 16 unmaps (the first one for the page at
    # the base) and one NAPOT map
    pt.merge(base, SIZE_64K)
    ups = vmm.sync_page(spt, sp, base)
    assert [u.kind for u in ups] == ["unmap"] * 16 + ["map"]
    assert spt.lookup(base + 0xF123) == (0x4090_F123, "rw", SIZE_64K)
    assert vmm.mapped[spt] == {base}
    assert vmm.sync_page(spt, sp, base + 0x5000) == []             # already in sync
    # split back: the invalidation of page 5 unmaps the NAPOT page and maps page 5 alone
    pt.split(base)
    ups = vmm.sync_page(spt, sp, base + 0x5000)
    assert [(u.kind, u.page_size) for u in ups] == [("unmap", SIZE_64K), ("map", SIZE_4K)]
    assert spt.lookup(base + 0x5000) == (0x4090_5000, "rw", SIZE_4K)
    assert spt.lookup(base) is None                  # until the guest invalidates page 0 too
    # the remap of a NAPOT page: one remap of the shadow's 16 PTEs
    pt.merge(base, SIZE_64K)
    for va in vmm.pages_of((3, None)):
        vmm.sync_page(spt, sp, va)
    pt.remap(base, GPA + 0xA0_0000)
    (u,) = vmm.sync_page(spt, sp, base + 0x3000)
    assert (u.kind, len(u.stores)) == ("remap", 16)
    assert host.mem.read64(spt.pte_addr(base)) == N | 0x40A08 << 10 | RW


def test_shadow_pc_audit_names_a_host_pc_left_valid():
    from sequences.guest.forwarding import SHADOW_NOT_UPDATED
    from sequences.guest.vmm import ShadowingPdtNotUpdatedVmm
    from sequences.sw import iofence_c
    for cls, mistakes in ((ShadowingVmm, 0), (ShadowingPdtNotUpdatedVmm, 1)):
        host, vmm, galloc, gddt, gstore = _stack()
        vmm.__class__ = cls
        pt = PageTable("sv39", galloc, gstore, pscid=0x12)
        pt.map(0x1000_0000, GPA + 0x80_0000, perms="rw")
        pdt = ProcessDirectory("pd8", galloc, gstore, did=3)
        pdt.set_pc(2, pscid=0x12, fs_mode="sv39", fs_root=pt.root)
        gddt.set_dc(3, DeviceContextSpec(pdtv=True, pdt_mode="pd8", pdt_root=pdt.root))
        asyncio.run(vmm.on_guest_command(DDT(3), 0))
        assert vmm.pc_state(3, 2) == (f"valid ENS=0 SUM=0 sv39 table @{pt.root:#x} PSCID 0x12",) * 2
        pdt.invalidate_pc(2)
        vmm.regs[Reg.CQB] = (GPA + 0x1_0000) >> 12 << 10 | 5
        for slot, cmd in enumerate((PDT(3, 2), VMA(pscid=0x12), iofence_c())):
            asyncio.run(vmm.on_guest_command(cmd, slot))
        assert len(vmm.audit.mistakes) == mistakes, cls.name
        if mistakes:
            (m,) = vmm.audit.mistakes
            assert m.name == SHADOW_NOT_UPDATED
            assert m.detail == (f"after guest IODIR.INVAL_PDT DV=1 DID=0x3 PID=0x2 the host "
                                f"process context of guest device 0x3 pid 0x2 is valid ENS=0 "
                                f"SUM=0 sv39 table @{pt.root:#x} PSCID 0x12, the guest's invalid")


def test_shadow_superpage_after_the_small_pages_went():
    """A guest 4 KiB page unmapped (the shadow's emptied table pruned), then a 2 MiB page over
    the same region: one map of a 2 MiB shadow leaf (no empty table in its way)."""
    host, vmm, galloc, gddt, gstore = _stack()
    pt = PageTable("sv39", galloc, gstore, pscid=7)
    pt.map(0x1040_0000, GPA + 0x80_0000, perms="rw")
    gddt.set_dc(3, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7))
    asyncio.run(vmm.on_guest_command(DDT(3), 0))
    sp, spt = vmm.shadows[(3, None)]
    pt.unmap(0x1040_0000, prune=True)
    (u,) = vmm.sync_page(spt, sp, 0x1040_0000)
    # its only page: the level-0 table and the level-1 table above it are both pruned
    assert (u.kind, len(u.freed)) == ("unmap", 2)
    pt.map(0x1040_0000, GPA + 0x20_0000, 0x20_0000, "rw")
    (m,) = vmm.sync_page(spt, sp, 0x1040_0000)
    assert (m.kind, m.page_size) == ("map", 0x20_0000)
    assert spt.lookup(0x1045_6789) == (0x4025_6789, "rw", 0x20_0000)
