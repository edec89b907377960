"""VMM personas: the virtual RISC-V IOMMU a VMM gives its guest, on top of the host software
layer (sequences/sw through an IommuSwVseq: the host DDT, the hardware command queue).

The guest's registers are emulated (cqb, cqt, cqh, cqcsr, ddtp); a write of the guest's cqt runs
the guest's queue: each command is read from guest memory, decoded (RISC-V format) and handled
by the persona:
- `nested-forwarding`: the hardware translates in two stages, the guest's first stage under the
  VM's G-stage (GSCID). Commands are forwarded in the same format (sequences/guest/forwarding.py:
  GV=1 and the VM's GSCID, host device_id, host DC rebuilt before its IODIR); the guest's
  IOFENCE.C completes (cqh, AV write) only after the hardware's IOFENCE.C did. A guest DC going
  from invalid to valid needs no invalidation under riscv-1.0-strict, so the VMM write-protects
  the guest's DDT page and mirrors such a DC when the store traps. A guest DC with PDTV=1
  keeps PDTV and the guest's pdtp: a GPA, as are its PDT pointers and each PC's fsc, all
  translated by the VM's G-stage in the hardware's walk (nothing of the PDT is copied).
- `shadowing`: no nesting; per guest address space (a DC's iosatp, or each process context of
  a guest PDT) a host Sv39/Sv48 table shadows the guest's (guest IOVA -> SPA through the guest's
  table and the VM's memory map), tagged with a host PSCID of its own; the host DC points at
  it, or, for a guest DC with PDTV=1, at a host PDT of the guest's mode whose PCs point at the
  shadows. A guest 64 KiB NAPOT page is shadowed by a NAPOT page. A shadow entry changes only
  when the guest invalidates it (IOTINVAL.VMA: the pages it covers are read again from the
  guest's table; IODIR.INVAL_PDT: the host PC and its shadow rebuilt; IODIR.INVAL_DDT: the DC,
  its host PDT and its shadows rebuilt), so the guest-visible contract is caching-mode.
Broken forwarders (each a subclass changing one step): `nested-gscid-not-substituted`,
`nested-did-not-translated`, `nested-fence-completed-early`, `nested-dv0-dropped`,
`shadowing-not-updated`, `shadowing-pdt-not-updated`.

Every persona reports what it did to a ForwardingAudit (nested) or checks its shadow against the
guest's table after each guest fence (shadowing): the mistakes the regression's messages name."""
from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple, Optional

from cocotb.triggers import Timer

from models import Reg
from models.command_queue import decode
from sequences.sw.commands import FENCE, INVAL_DDT, INVAL_PDT, VMA, iofence_c
from sequences.sw.device_directory import DDT_MODES, DeviceContextSpec
from sequences.sw.page_table import PageTable
from sequences.sw.process_directory import ProcessDirectory
from sequences.sw.update import Update

from . import guest_walk
from .forwarding import ForwardingAudit, VmIdentity, forward_command, host_dc
from .vm_memory import VmMemoryMap

CQ_ENTRY = 16
DC_BYTES = 32
CQCSR_CQEN, CQCSR_CQON = 1, 1 << 16
SHADOW_PSCID_BASE = 0x100


def hardware_fence(guest_fence):
    """The VMM's own IOFENCE.C for a guest's: the guest's PR/PW kept (the guest's reads and
    writes must be ordered as it asked), no AV (the VMM writes the guest's AV data itself)."""
    return iofence_c(pr=bool(guest_fence.pr), pw=bool(guest_fence.pw))


class Vmm:
    name = ""
    guest_policy = "riscv-1.0-strict"     # the contract the guest is judged against

    def __init__(self, host, vm: VmMemoryMap, did_map: dict, gscid: int) -> None:
        """host: the host software (an IommuSwVseq after init_iommu)."""
        self.host, self.vm = host, vm
        self.did_map = dict(did_map)
        self.gscid = gscid
        self.regs = {Reg.CQB: 0, Reg.CQT: 0, Reg.CQH: 0, Reg.CQCSR: 0, Reg.DDTP: 0}
        self.identity = VmIdentity(gscid, self.did_map)
        self.audit = ForwardingAudit(self.identity)
        self.guest_commands = 0

    # -- guest memory -------------------------------------------------------------------------
    def guest_store(self, gpa: int, value: int) -> None:
        """A store of the guest's software: memory at the SPA behind gpa."""
        self.host.store64(self.vm.spa(gpa), value)
        self.on_guest_store(gpa, value)

    def guest_read64(self, gpa: int) -> int:
        return self.host.env.peek64(self.vm.spa(gpa))

    def on_guest_store(self, gpa: int, value: int) -> None:
        """A trapped store (personas that write-protect guest pages)."""

    # -- the guest's registers ----------------------------------------------------------------
    async def guest_reg_write(self, offset: int, value: int, size: int = 8) -> None:
        off = int(offset)
        if off not in self.regs:
            raise ValueError(f"the virtual IOMMU does not emulate register {off:#x}")
        if off == Reg.CQCSR:
            value = value | CQCSR_CQON if value & CQCSR_CQEN else 0
        if off == Reg.DDTP and value & 0xF not in (DDT_MODES["off"], DDT_MODES["1lvl"]):
            raise ValueError(f"the virtual IOMMU supports a 1LVL guest DDT only (ddtp {value:#x})")
        self.regs[off] = value
        if off == Reg.CQT:
            await self.run_guest_queue()

    def guest_reg_read(self, offset: int) -> int:
        return self.regs[int(offset)]

    async def idle(self) -> None:
        """What a polling guest waits between two reads of cqh."""
        await Timer(100, unit="ns")

    # -- the guest's queue --------------------------------------------------------------------
    def _guest_queue(self) -> tuple:
        cqb = self.regs[Reg.CQB]
        return (cqb >> 10) << 12, 1 << ((cqb & 0x1F) + 1)

    async def run_guest_queue(self) -> None:
        base, entries = self._guest_queue()
        head = self.regs[Reg.CQH]
        while head != self.regs[Reg.CQT] % entries:
            a = base + CQ_ENTRY * head
            cmd = decode(self.guest_read64(a), self.guest_read64(a + 8), 0)
            self.guest_commands += 1
            await self.on_guest_command(cmd, head)
            head = (head + 1) % entries
            if cmd.name != FENCE:
                self.regs[Reg.CQH] = head        # fetched; a fence moves cqh when it completes

    async def on_guest_command(self, cmd, slot: int) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        """The end of the test: anything the persona still owes the hardware."""

    def undone(self) -> list:
        """Guest commands handled so far whose hardware effect has not completed (what the
        audit checks when a guest fence completes); none for a persona that waits for each."""
        return []

    def reflect_fence(self, cmd, slot: int) -> None:
        """Complete the guest's IOFENCE.C: its AV write into guest memory, cqh past it."""
        self.audit.guest_fence_reflected(slot, self.undone())
        if cmd.av:
            a = cmd.addr & ~7
            old = self.guest_read64(a)
            shift = 32 if cmd.addr & 4 else 0
            self.host.store64(self.vm.spa(a), old & ~(0xFFFF_FFFF << shift) | cmd.data << shift)
        _, entries = self._guest_queue()
        self.regs[Reg.CQH] = (slot + 1) % entries

    # -- the guest's directory --------------------------------------------------------------
    def guest_ddt_root(self) -> Optional[int]:
        ddtp = self.regs[Reg.DDTP]
        return (ddtp >> 10) << 12 if ddtp & 0xF == DDT_MODES["1lvl"] else None

    def guest_dc(self, guest_did: int) -> DeviceContextSpec:
        root = self.guest_ddt_root()
        if root is None:
            return DeviceContextSpec(v=False)
        words = tuple(self.guest_read64(root + DC_BYTES * guest_did + 8 * i) for i in range(4))
        return DeviceContextSpec.from_words(words)

    def covered_guest_dids(self, cmd) -> list:
        if cmd.dv:
            if cmd.did not in self.did_map:
                return []          # a device the VM does not have: nothing to do
            return [cmd.did]
        return sorted(self.did_map)

    def host_dc_valid(self, host_did: int) -> bool:
        return bool(self.host.ddt.dc_words(host_did)[0] & 1)


# ================================================================================ nesting
class NestedForwardingVmm(Vmm):
    name = "nested-forwarding"
    guest_policy = "riscv-1.0-strict"

    def __init__(self, host, vm, did_map, gscid, g_mode: str = "sv39x4") -> None:
        super().__init__(host, vm, did_map, gscid)
        self.g_mode = g_mode
        self.g = None
        self.sent: list = []              # (guest command, its hardware Submitted records)

    async def start(self) -> None:
        """The VM's G-stage: its RAM window in 2 MiB pages, tagged with the VM's GSCID."""
        self.g = self.host.page_table(self.g_mode, gscid=self.gscid)
        for gpa, spa in self.vm.pages_2m():
            self.g.map(gpa, spa, 0x20_0000, "rwx")
        self.identity = VmIdentity(self.gscid, self.did_map, self.g_mode, self.g.root)
        self.audit = ForwardingAudit(self.identity)

    # -- the substitutions (the broken personas override one) -----------------------------
    def translate_command(self, cmd) -> list:
        return forward_command(cmd, self.identity)

    def build_host_dc(self, guest: DeviceContextSpec) -> DeviceContextSpec:
        return host_dc(guest, self.identity)

    # -- device contexts ----------------------------------------------------------------------
    def on_guest_store(self, gpa: int, value: int) -> None:
        root = self.guest_ddt_root()
        if root is None or not root <= gpa < root + 0x1000:
            return
        did = (gpa - root) // DC_BYTES
        if did in self.did_map and not self.host_dc_valid(self.did_map[did]):
            gs = self.guest_dc(did)
            if gs.v:                      # V 0->1: nothing cached, mirrored at once
                self.write_host_dc(did, gs)

    def write_host_dc(self, guest_did: int, guest: DeviceContextSpec) -> list:
        """The host DC of a guest device, from the guest's; returns the host Updates."""
        hd = self.did_map[guest_did]
        ups = []
        if self.host_dc_valid(hd):
            ups.append(self.host.ddt.invalidate_dc(hd))
        spec = self.build_host_dc(guest) if guest.v else DeviceContextSpec(v=False)
        if guest.v:
            ups.append(self.host.ddt.set_dc(hd, spec))
        self.audit.host_dc_written(guest_did, guest, spec if guest.v else
                                   DeviceContextSpec(v=False))
        return ups

    async def on_guest_command(self, cmd, slot: int) -> None:
        if cmd.name == FENCE:
            await self.fence(cmd, slot)
            return
        if cmd.name == INVAL_DDT:
            for did in self.covered_guest_dids(cmd):
                gs = self.guest_dc(did)
                hd = self.did_map[did]
                if gs.v or self.host_dc_valid(hd):
                    self.write_host_dc(did, gs)       # before the IODIR that covers it
        host_cmds = self.translate_command(cmd)
        self.audit.forwarded(cmd, host_cmds)
        self.sent.append((cmd, self.host.cq.write(host_cmds)))

    def undone(self) -> list:
        """From the hardware queue's own record: a command is complete once cqh moved past an
        IOFENCE.C at or after it (CommandQueueWriter.completed)."""
        cq = self.host.cq
        self.sent = [(c, subs) for c, subs in self.sent
                     if not all(cq.completed(x) for x in subs)]
        return [c for c, _ in self.sent]

    async def fence(self, cmd, slot: int) -> None:
        await self.host.run_commands([hardware_fence(cmd)])   # waited for (cqh past it)
        self.reflect_fence(cmd, slot)


class NestedGscidNotSubstitutedVmm(NestedForwardingVmm):
    """Forwards IOTINVAL.VMA as the guest wrote it: GV=0, so the hardware invalidates host
    address spaces and keeps the VM's first-stage translations."""
    name = "nested-gscid-not-substituted"

    def translate_command(self, cmd) -> list:
        if cmd.name == VMA:
            return [cmd]
        return super().translate_command(cmd)


class NestedDidNotTranslatedVmm(NestedForwardingVmm):
    """Forwards IODIR with the guest's device_id: the hardware drops the context of another
    (or no) device and keeps the guest device's."""
    name = "nested-did-not-translated"

    def translate_command(self, cmd) -> list:
        if cmd.name in (INVAL_DDT, INVAL_PDT) and cmd.dv:
            return [cmd]
        return super().translate_command(cmd)


class NestedDv0DroppedVmm(NestedForwardingVmm):
    """Handles the guest's IODIR.INVAL_DDT DV=1 but drops DV=0: the host device contexts are
    rebuilt from the guest's, the hardware is never told (no IODIR.INVAL_DDT DV=1 per device
    of the VM), so it keeps the device and process contexts the guest made invalid."""
    name = "nested-dv0-dropped"

    def translate_command(self, cmd) -> list:
        if cmd.name == INVAL_DDT and not cmd.dv:
            return []
        return super().translate_command(cmd)


class NestedFenceCompletedEarlyVmm(NestedForwardingVmm):
    """Completes the guest's IOFENCE.C at once and hands the forwarded commands to the hardware
    later (at the next guest doorbell): the guest goes on while the hardware still holds what
    the guest invalidated."""
    name = "nested-fence-completed-early"

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.deferred = False             # forwarded commands the hardware has not been given

    async def fence(self, cmd, slot: int) -> None:
        self.reflect_fence(cmd, slot)
        self.deferred = True

    async def run_guest_queue(self) -> None:
        await self.flush()
        await super().run_guest_queue()

    async def flush(self) -> None:
        if self.deferred:
            self.deferred = False
            await self.host.run_commands([], fence=True)

    async def finish(self) -> None:
        await self.flush()


# ================================================================================ shadowing
class GuestSpace(NamedTuple):
    """One guest address space a shadow table mirrors: a DC's iosatp (pid None) or the fsc of
    a process context of the guest's PDT (pid given), with the guest's PSCID tagging it."""
    did: int
    pid: Optional[int]
    mode: str
    root: int
    pscid: int

    def __str__(self) -> str:
        who = f"guest device {self.did:#x}" + ("" if self.pid is None else f" pid {self.pid:#x}")
        return f"{who} ({self.mode} table @{self.root:#x}, PSCID {self.pscid:#x})"


def _key_order(item) -> tuple:
    (did, pid), _ = item
    return did, -1 if pid is None else pid


class ShadowingVmm(Vmm):
    name = "shadowing"
    guest_policy = "caching-mode"

    def __init__(self, host, vm, did_map, gscid) -> None:
        super().__init__(host, vm, did_map, gscid)
        self.shadows: dict = {}          # (guest did, pid or None) -> (GuestSpace, PageTable)
        self.mapped: dict = {}           # shadow PageTable -> set of page IOVAs it maps
        self.host_pdts: dict = {}        # guest did -> (its guest DC, the host PDT shadowing it)
        self.next_pscid = SHADOW_PSCID_BASE
        self.to_audit: list = []         # ((did, pid), [iova], guest command) since the last fence
        self.pcs_to_audit: list = []     # (did, pid, guest IODIR.INVAL_PDT) since the last fence
        self.shadow_updates = 0

    async def start(self) -> None:
        """No G-stage: the hardware sees host tables only."""

    async def on_guest_command(self, cmd, slot: int) -> None:
        if cmd.name == FENCE:
            await self.host.run_commands([hardware_fence(cmd)])
            self.check_shadows()
            self.reflect_fence(cmd, slot)
            return
        if cmd.name == VMA:
            for key, (sp, pt) in sorted(self.shadows.items(), key=_key_order):
                if cmd.pscv and sp.pscid != cmd.pscid:
                    continue
                vas = [cmd.addr] if cmd.av else self.pages_of(key)
                self.to_audit.append((key, vas, cmd))
                await self.sync_pages(key, vas)
            return
        if cmd.name == INVAL_DDT:
            for did in self.covered_guest_dids(cmd):
                await self.rebuild_dc(did)
            return
        if cmd.name == INVAL_PDT:
            if cmd.did in self.host_pdts:      # else no shadowed PDT: nothing cached for it
                self.pcs_to_audit.append((cmd.did, cmd.pid, cmd))
                await self.rebuild_pc(cmd.did, cmd.pid)
            return
        raise ValueError(f"the shadowing VMM does not support {cmd.name} from the guest")

    # -- shadow tables ------------------------------------------------------------------------
    def pages_of(self, key: tuple) -> list:
        """Every page the guest's table or the shadow maps (an AV=0 invalidation)."""
        sp, pt = self.shadows[key]
        vas = {leaf.va for leaf in guest_walk.leaves(self.guest_read64, sp.root, sp.mode)}
        vas |= self.mapped[pt]
        return sorted(vas)

    def wanted(self, sp: GuestSpace, va: int):
        """(page va, spa, perms, size) the shadow should hold for va, or None."""
        leaf = guest_walk.walk(self.guest_read64, sp.root, sp.mode, va)
        if leaf is None:
            return None
        try:
            spa = self.vm.spa(leaf.gpa)
        except ValueError:
            return None                     # outside the VM's RAM: left unmapped (a fault)
        return leaf.va, spa, leaf.perms, leaf.size

    async def sync_pages(self, key: tuple, vas: list) -> None:
        sp, pt = self.shadows[key]
        for va in vas:
            for upd in self.sync_page(pt, sp, va):
                self.shadow_updates += 1
                await self.host.after_update(upd)

    def sync_page(self, pt: PageTable, sp: GuestSpace, va: int) -> list:
        """Make the shadow's page at va what the guest's table says (the host Updates, in
        order). A guest page of another size replaces the shadow's: every shadow page inside
        the new one is unmapped first (16 4 KiB pages under a 64 KiB NAPOT page, 512 under a
        2 MiB page); a guest NAPOT page is shadowed by a NAPOT page. Every unmap prunes the
        shadow tables it empties (so a later superpage finds no empty table in its way; the
        pages are not reused: the host allocator has room for the scenarios)."""
        want = self.wanted(sp, va)
        cur = pt.lookup(va)
        ups = []
        if cur is not None and (want is None or cur.size != want[3]):
            base = va & ~(cur.size - 1)
            ups.append(pt.unmap(base, prune=True))
            self.mapped[pt].discard(base)
            cur = None
        if want is None:
            return ups
        pva, spa, perms, size = want
        if cur is None:
            inside = sorted(x for x in self.mapped[pt] if pva <= x < pva + size)
            for x in inside:
                ups.append(pt.unmap(x, prune=True))
                self.mapped[pt].discard(x)
            ups.append(pt.map(pva, spa, size, perms))
            self.mapped[pt].add(pva)
            return ups
        if cur.pa & ~(size - 1) != spa:
            ups.append(pt.remap(pva, spa))
        if cur.perms != perms:
            ups.append(pt.protect(pva, perms))
        return ups

    def new_shadow(self, sp: GuestSpace) -> PageTable:
        if sp.mode not in ("sv39", "sv48"):
            raise ValueError(f"the shadowing VMM shadows Sv39/Sv48 guest tables only, not {sp}")
        pt = self.host.page_table(sp.mode, pscid=self.next_pscid)
        self.next_pscid += 1
        self.mapped[pt] = set()
        for leaf in guest_walk.leaves(self.guest_read64, sp.root, sp.mode):
            self.sync_page(pt, sp, leaf.va)        # a table not linked yet: no invalidation
        return pt

    # -- device and process contexts ----------------------------------------------------------
    def _drop_shadows(self, keys) -> None:
        for k in list(keys):
            _, pt = self.shadows.pop(k)
            self.mapped.pop(pt, None)

    async def rebuild_dc(self, did: int) -> None:
        gs, hd = self.guest_dc(did), self.did_map[did]
        if self.host_dc_valid(hd):
            await self.host.after_update(self.host.ddt.invalidate_dc(hd))
        self._drop_shadows(k for k in self.shadows if k[0] == did)
        self.host_pdts.pop(did, None)
        if not gs.v:
            return
        if gs.pdtv:
            spec = self.new_shadow_pdt(did, gs)
        else:
            sp = GuestSpace(did, None, gs.fs_mode, gs.fs_root, gs.pscid)
            pt = self.new_shadow(sp)
            self.shadows[(did, None)] = (sp, pt)
            spec = DeviceContextSpec(fs_mode=pt.mode, fs_root=pt.root, pscid=pt.pscid)
        await self.host.after_update(self.host.ddt.set_dc(self.did_map[did], spec))

    def new_shadow_pdt(self, did: int, gs: DeviceContextSpec) -> DeviceContextSpec:
        """A host PDT of the guest's mode whose process contexts point at one shadow table per
        guest process (each with its own host PSCID); returns the host DC pointing at it."""
        if gs.pdt_mode not in guest_walk.PD_LEVELS:
            raise ValueError(f"the shadowing VMM shadows PD8/PD17/PD20 guest PDTs only, "
                             f"not pdtp mode {gs.pdt_mode!r} of guest device {did:#x}")
        hpdt = ProcessDirectory(gs.pdt_mode, self.host.alloc, self.host.store64,
                                did=self.did_map[did])
        self.host_pdts[did] = (gs, hpdt)
        for pc in guest_walk.process_contexts(self.guest_read64, gs.pdt_mode, gs.pdt_root):
            self.shadow_pc(did, hpdt, pc)        # a directory not linked yet: no invalidation
        return DeviceContextSpec(pdtv=True, pdt_mode=gs.pdt_mode, pdt_root=hpdt.root,
                                 dpe=gs.dpe)

    def shadow_pc(self, did: int, hpdt: ProcessDirectory, pc) -> Update:
        """The host PC of one guest process: the guest's ENS/SUM, the shadow of its table."""
        if pc.fs_mode == "bare":
            return hpdt.set_pc(pc.pid, fs_mode="bare", ens=pc.ens, sum_=pc.sum)
        sp = GuestSpace(did, pc.pid, pc.fs_mode, pc.fs_root, pc.pscid)
        pt = self.new_shadow(sp)
        self.shadows[(did, pc.pid)] = (sp, pt)
        return hpdt.set_pc(pc.pid, pscid=pt.pscid, fs_mode=pt.mode, fs_root=pt.root,
                           ens=pc.ens, sum_=pc.sum)

    async def rebuild_pc(self, did: int, pid: int) -> None:
        """The guest's IODIR.INVAL_PDT (did, pid): the host PC made invalid (and invalidated:
        IODIR.INVAL_PDT with the host device_id, IOTINVAL.VMA for its shadow PSCID), then
        rebuilt from the guest's PC as it is now, with a new shadow table."""
        gs, hpdt = self.host_pdts[did]
        if hpdt.pc_words(pid)[0] & 1:
            await self.host.after_update(hpdt.invalidate_pc(pid))
        self._drop_shadows(k for k in self.shadows if k == (did, pid))
        pc = guest_walk.process_context(self.guest_read64, gs.pdt_mode, gs.pdt_root, pid)
        if pc is not None:
            await self.host.after_update(self.shadow_pc(did, hpdt, pc))

    def check_shadows(self) -> None:
        """The guest's invalidations since the last fence: every page they covered must now
        shadow the guest's table (else the audit records 'shadow not updated')."""
        for key, vas, cmd in self.to_audit:
            if key not in self.shadows:
                continue
            sp, pt = self.shadows[key]
            for va in vas:
                want = self.wanted(sp, va)
                cur = pt.lookup(va)
                got = None if cur is None else (va & ~(cur.size - 1), cur.pa & ~(cur.size - 1),
                                                cur.perms, cur.size)
                if got != want:
                    self.audit.shadow_mismatch(
                        va, None if got is None else f"to SPA {got[1]:#x} {got[2]}",
                        None if want is None else f"to SPA {want[1]:#x} {want[2]}", cmd)
        self.to_audit = []
        for did, pid, cmd in self.pcs_to_audit:
            if did not in self.host_pdts:
                continue
            host, guest = self.pc_state(did, pid)
            if host != guest:
                self.audit.shadow_pc_mismatch(did, pid, host, guest, cmd)
        self.pcs_to_audit = []

    def pc_state(self, did: int, pid: int) -> tuple:
        """(host, guest) text of the process context of (did, pid): 'invalid', or 'valid' with
        ENS/SUM and the guest table it follows (for the host PC: the guest table its shadow
        mirrors, or 'not a shadow' when it points at none of the VMM's shadow tables)."""
        gs, hpdt = self.host_pdts[did]
        pc = guest_walk.process_context(self.guest_read64, gs.pdt_mode, gs.pdt_root, pid)
        guest = "invalid" if pc is None else _pc_text(pc.ens, pc.sum, pc.fs_mode, pc.fs_root,
                                                      pc.pscid)
        ta, fsc = hpdt.pc_words(pid)
        if not ta & 1:
            return "invalid", guest
        ens, sum_ = bool(ta & 2), bool(ta & 4)
        if fsc >> 60 == 0:
            return _pc_text(ens, sum_, "bare", 0, 0), guest
        sh = self.shadows.get((did, pid))
        root = (fsc & ((1 << 44) - 1)) << 12
        if sh is None or sh[1].root != root:
            return f"valid, not a shadow (its table @{root:#x})", guest
        sp = sh[0]
        return _pc_text(ens, sum_, sp.mode, sp.root, sp.pscid), guest


def _pc_text(ens: bool, sum_: bool, mode: str, root: int, pscid: int) -> str:
    if mode == "bare":
        return f"valid ENS={int(ens)} SUM={int(sum_)} bare"
    return f"valid ENS={int(ens)} SUM={int(sum_)} {mode} table @{root:#x} PSCID {pscid:#x}"


class ShadowingNotUpdatedVmm(ShadowingVmm):
    """Hears the guest's IOTINVAL.VMA and completes its fence, but never updates the shadow:
    the hardware keeps translating through the old shadow entry."""
    name = "shadowing-not-updated"

    async def sync_pages(self, key: tuple, vas: list) -> None:
        return None


class ShadowingPdtNotUpdatedVmm(ShadowingVmm):
    """Hears the guest's IODIR.INVAL_PDT and completes its fence, but leaves the host process
    context as it was: the hardware keeps translating for a process the guest removed."""
    name = "shadowing-pdt-not-updated"

    async def rebuild_pc(self, did: int, pid: int) -> None:
        return None


VMM_PERSONAS = {p.name: p for p in (NestedForwardingVmm, NestedGscidNotSubstitutedVmm,
                                    NestedDidNotTranslatedVmm, NestedFenceCompletedEarlyVmm,
                                    NestedDv0DroppedVmm,
                                    ShadowingVmm, ShadowingNotUpdatedVmm,
                                    ShadowingPdtNotUpdatedVmm)}


def vmm_persona(name: str):
    """The VMM persona class by name (ValueError with one line for an unknown name)."""
    try:
        return VMM_PERSONAS[name]
    except KeyError:
        raise ValueError(f"unknown VMM persona {name!r}: expected one of "
                         f"{', '.join(sorted(VMM_PERSONAS))}") from None
