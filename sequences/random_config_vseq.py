"""Constrained-random configurations: each seed draws a whole configuration from
sequences/config_space.py (ddtp mode and device_id widths, device and process contexts,
first-stage and G-stage modes, PTE bit patterns, injected bus errors, the request mix, the
run's shape) within what the DUT supports, builds it through the software layer (sequences/sw)
and the env facade, then sends the drawn request mix (many in flight, random gaps) while
software makes updates with their invalidations now and then. The oracle judges every
response: nothing here computes an expected value.

The features the DUT reports are used when drawn (config_space: `_draw_features`): SADE/GADE
in device contexts (AMO_HWAD: the scoreboard judges each A/D write), the persona's S=1 / NL=1
invalidations (S, NL), performance counters programmed before the traffic (after the
shape's discovery, as HpmVseq does) and every one read back after it (the scoreboard judges
each read), an MSI page table of four basic-mode PTEs on G-stage-only devices with requests
to its interrupt files and one page beside them (MSI_FLAT), and interrupt messages on random
msi_cfg_tbl vectors with fie/cie set, fip cleared at each drain of the fault queue (IGS).

The 32-bit world (a DUT with Sv32, config_space `world` = 32): fctl.GXL set as drawn (init_iommu,
before anything is on), every device context with tc.SXL=1, first stages Sv32 (iosatp and PC
MODE 8), G-stages Sv32x4 (iohgatp MODE 8) under fctl.GXL=1 or the 64-bit x4 modes otherwise,
tables of 4-byte PTEs (sequences/sw PageTable sv32/sv32x4, in their stage's byte order), IOVAs
below 2^32 and GPAs below 2^34 (requests above them now and then: 13 and 21), 4 KiB and 4 MiB
pages, flaws stored through the table (so the other PTE of each doubleword keeps its value),
4 MiB pages remapped, split and merged by the updates, and injected bus errors on a PTE's whole
doubleword (the other PTE in it fails too: both the model and the DUT read the doubleword).

One INFO line summarises the drawn configuration; `python -m sequences.config_space --show
SEED` prints the same line without a simulator.
"""
from __future__ import annotations

import random
from dataclasses import replace
from typing import Optional

import cocotb
from cocotb.triggers import Timer

from models import Reg, Request
from sequences import config_space as cs
from sequences.config_space import Config, Device, Page, pick
from sequences.dut_features import PID_BITS
from sequences.random_traffic_vseq import RandomTrafficVseq
from sequences.sw.commands import iodir_inval_ddt, iotinval_gvma, iotinval_vma
from sequences.sw.device_directory import (DeviceContextSpec, DeviceDirectory, IOHGATP_MODES,
                                           IOSATP_MODES, PDT_MODES)
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_1G, SIZE_2M, SIZE_4K, SIZE_4M, SIZE_64K, PageTable
from sequences.sw.update import PTE_A, PTE_D, PTE_N, PTE_R, PTE_U, PTE_V, PTE_W

SIZES = {"4k": SIZE_4K, "64k": SIZE_64K, "2m": SIZE_2M, "1g": SIZE_1G, "4m": SIZE_4M}
MODE32 = {"sv32": 8, "sv32x4": 8}                # iosatp / PC.fsc / iohgatp MODE (SXL, GXL)
MODE_SV48 = 9              # not an SXL=1 / GXL=1 mode: 259 in a DC, 267 in a PC
VM_SPA0, VM_SPA_STEP = 0x4000_0000, 0x100_0000   # per guest: tables, data pages, big page
VM_TABLES, VM_DATA, VM_BIG = 0x0, 0x20_0000, 0x40_0000
IMSIC_SPA, IMSIC_STEP = 0x3F00_0000, 0x1_0000     # per device: its interrupt files (MSI_FLAT)
IRQ_ADDR = 0x0004_0000                           # interrupt messages land here (IGS), 16 B/vector
MSI_V, MSI_M_BASIC, MSI_M_MRIF = 1, 3 << 1, 1 << 1
IPSR_CIP, IPSR_FIP = 1, 2
PPN_LOW4 = 0xF << 10
NONLEAF = {"nonleaf_a": PTE_A, "nonleaf_d": PTE_D, "nonleaf_u": PTE_U}   # reserved there

# A flaw turns a well-formed leaf PTE into the pattern (config_space.INDUCES says what for).
FLAWS = {
    "a0": lambda v: v & ~PTE_A,
    "d0": lambda v: v & ~PTE_D,
    "u0": lambda v: v & ~PTE_U,
    "w_no_r": lambda v: (v | PTE_W) & ~PTE_R,
    "reserved": lambda v: v | 1 << 54,
    "pbmt": lambda v: v | 1 << 61,
    "v0": lambda v: v & ~PTE_V,
    "misaligned": lambda v: v + (1 << 10),                      # PPN[0] of a superpage
    "napot_bad": lambda v: (v & ~PPN_LOW4) | 0b0100 << 10 | PTE_N,
}


class _Remap4M:
    """A 4 MiB page's remap not yet made: RandomConfigVseq.after_update reads the page,
    makes it (`do`), invalidates and reads the page again."""
    kind = "remap"

    def __init__(self, do, reads: list) -> None:
        self.do, self.reads = do, reads


class _Live:
    """What the run built: tables and directories by configuration index."""

    def __init__(self) -> None:
        self.g: dict = {}            # vm index -> G-stage PageTable
        self.galloc: dict = {}       # vm index -> PageAllocator at GPAs
        self.spa_data: dict = {}     # vm index -> SPA of its data pages
        self.pt: dict = {}           # space index -> PageTable
        self.pd: dict = {}           # device index -> ProcessDirectory
        self.spec: dict = {}         # device index -> DeviceContextSpec written
        self.frozen_dev: set = set()
        self.frozen_space: set = set()
        self.frozen_vm: set = set()
        self.injected: list = []     # (device index, pid or None) behind an injected error


class RandomConfigVseq(RandomTrafficVseq):
    batch = (8, 20)
    wait_every = 3

    async def body(self):
        seed = cs.run_seed(self.env.cfg.seed)
        self.cfg: Config = cs.draw_config(random.Random(seed), self.dut, seed=seed)
        self.env.logger.info(self.cfg.summary())
        cfg = self.cfg
        self.n_batches = cfg.batches
        self.live = _Live()
        self.log_counts = {}
        self.persona_name = cfg.persona
        self.big_endian = cfg.big_endian       # every structure in one byte order (SBE too)
        self.gxl = cfg.gxl                     # fctl.GXL (the 32-bit world), set by init_iommu
        await self.program_interrupts()
        if cfg.early == "off_before_queues":
            await self.translate(self.early_requests())     # 256, no fault queue yet
        await self.init_iommu(cfg.ddt_mode, fq_log2=cfg.fq_log2)
        if cfg.irq == "msi":
            await self.reg_write(Reg.FQCSR, 0x3, 4)          # fqen, fie: records raise fip
            await self.reg_write(Reg.CQCSR, 0x3, 4)          # cqen, cie
        await self.program_counters()
        if cfg.extended:                       # 64-byte contexts (MSI_FLAT): a new directory
            await self.reg_write(Reg.DDTP, 0)  # through Off (xLVL -> xLVL is UNSPECIFIED)
            self.ddt = DeviceDirectory(cfg.ddt_mode, self.alloc, self.structure_store(),
                                       extended=True)
            await self.reg_write(Reg.DDTP, self.ddt.ddtp())
        if cfg.early in ("off", "off_bare"):
            await self.early_phase(cfg.early)
        self.build_vms()
        for k, sp in enumerate(cfg.spaces):
            self.build_space(k, sp)
        for i, dev in enumerate(cfg.devices):
            await self.build_device(i, dev)
        # The raw stores of the patterns replaced values no walk read: a global invalidation
        # ends their histories, so only the stored patterns are permitted from now on.
        await self.run_commands(self.flush_all())
        for inj in cfg.injections:
            self.inject(inj)
        self.holders = [self.ddt] + self.pdts
        self.traffic_done = False
        updates = cocotb.start_soon(self.update_loop())
        await self.traffic_loop()
        self.traffic_done = True
        await updates
        await self.read_counters()
        if self.log_counts:
            self.env.logger.info("random config: updates " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.log_counts.items())))

    # -- features the DUT reports ----------------------------------------------------------
    async def program_interrupts(self) -> None:
        """IGS = MSI / BOTH (before the IOMMU is on: fctl may change only then). Drawn 'msi':
        fctl.WSI = 0 (BOTH), msi_cfg_tbl entries of civ and fiv at IRQ_ADDR + 16 * vector
        with data 0x200 + vector, unmasked, and icvec pointing at them; 'wsi' with BOTH:
        fctl.WSI = 1 (the wires)."""
        cfg, caps = self.cfg, self.dut.caps
        if caps.igs == 1:                             # WSI only: nothing to program
            return
        if cfg.irq == "wsi":
            await self.reg_write(Reg.FCTL, 1 << 1, 4)
            return
        if caps.igs == 2:
            await self.reg_write(Reg.FCTL, 0, 4)
        civ, fiv = cfg.irq_vectors
        for v in sorted({civ, fiv}):
            base = Reg.MSI_CFG_TBL + 16 * v
            await self.reg_write(base, IRQ_ADDR + 16 * v)
            await self.reg_write(base + 8, 0x200 + v, 4)
            await self.reg_write(base + 12, 0, 4)
        await self.reg_write(Reg.ICVEC, fiv << 4 | civ)

    async def program_counters(self) -> None:
        """HPM: the shape found through the WARL registers (all-ones written to iocountinh
        and iohpmctr1) and told to the model; every counter inhibited, the drawn ones
        programmed (a preset 1..16 below the wrap overflows), then all counting."""
        if not self.cfg.hpm or not self.dut.has("hpm"):
            return
        await self.reg_write(Reg.IOCOUNTINH, 0xFFFF_FFFF, 4)
        inh = await self.reg_read(Reg.IOCOUNTINH, 4)
        n = inh.bit_length() - 1
        await self.reg_write(Reg.IOHPMCTR1, (1 << 64) - 1)
        width = (await self.reg_read(Reg.IOHPMCTR1)).bit_length()
        if n < 1 or not 32 <= width <= 64:
            raise AssertionError(f"HPM shape: iocountinh reads {inh:#x} after all-ones, "
                                 f"iohpmctr1 keeps {width} bits")
        self.env.hpm_shape(n, width)
        await self.reg_write(Reg.IOCOUNTINH, 0xFFFF_FFFF, 4)
        await self.reg_write(Reg.IOHPMCYCLES, 0)
        self.hpm_n = min(n, len(self.cfg.hpm))
        for x in range(1, n + 1):
            c = self.cfg.hpm[x - 1] if x <= self.hpm_n else None
            preset = 0
            if c is not None and c.preset == "near_wrap":
                preset = (1 << width) - self.rng.randint(1, 16)
            await self.reg_write(Reg.IOHPMCTR1 + 8 * (x - 1), preset)
            await self.reg_write(Reg.IOHPMEVT1 + 8 * (x - 1), c.evt() if c else 0)
        await self.reg_write(Reg.IOCOUNTINH, 0, 4)

    async def read_counters(self) -> None:
        """After the traffic (nothing in flight): every programmed counter, its event
        register, iohpmcycles and iocountovf read (the scoreboard judges each)."""
        if not getattr(self, "hpm_n", 0):
            return
        await self.quiesce()            # every request answered (the model counts at answers)
        for x in range(1, self.hpm_n + 1):
            await self.reg_read(Reg.IOHPMCTR1 + 8 * (x - 1))
            await self.reg_read(Reg.IOHPMEVT1 + 8 * (x - 1))
        await self.reg_read(Reg.IOHPMCYCLES)
        await self.reg_read(Reg.IOCOUNTOVF, 4)

    def build_msi(self, i: int, dev: Device) -> dict:
        """MSI_FLAT: device i's MSI page table (four 16-byte basic-mode PTEs, each valid,
        V=0 or MRIF mode as drawn) and the DC fields: mask = page bits 0-1, pattern = the VM's
        G_MSI region."""
        root = self.alloc.alloc_page()
        for j, state in enumerate(dev.msi_ptes):
            w0 = MSI_V | MSI_M_BASIC | ((IMSIC_SPA + i * IMSIC_STEP + j * SIZE_4K) >> 12) << 10
            if state == "v0":
                w0 &= ~MSI_V
            elif state == "mrif":
                w0 = w0 & ~MSI_M_BASIC | MSI_M_MRIF
            self.structure_store()(root + 16 * j, w0)      # MSI page tables follow fctl.BE
            self.structure_store()(root + 16 * j + 8, 0)
        base = self.cfg.vms[dev.vm].base + cs.G_MSI
        return dict(msi_mode="flat", msi_root=root, msi_addr_mask=cs.MSI_FILES - 1,
                    msi_addr_pattern=base >> 12)

    async def drain_fault_queue(self) -> None:
        """As RandomTrafficVseq's, keeping fie with interrupt messages, and ipsr.fip cleared
        so the next record sends the fault queue's message again."""
        if self.cfg.irq != "msi":
            return await super().drain_fault_queue()
        fqt = await self.reg_read(Reg.FQT, 4)
        self.fq.consume(fqt)
        await self.reg_write(*self.fq.head_write())
        await self.reg_write(Reg.FQCSR, 0x303, 4)      # fqen, fie; W1C fqmf, fqof
        await self.reg_write(Reg.IPSR, IPSR_FIP, 4)

    # -- building ---------------------------------------------------------------------------
    def early_requests(self) -> list:
        rng = self.rng
        return [Request(did=rng.randrange(1 << 16), iova=rng.randrange(1 << 48) & ~7,
                        ttyp=self.draw_ttyp()) for _ in range(rng.randint(4, 12))]

    async def early_phase(self, early: str) -> None:
        """With the queues on: ddtp Off (256, recorded whatever DTF says), for off_bare then
        Bare (pass-through; 260 for translated requests), then back to the drawn mode. The
        PPN stays as it is on entering Off, and Bare is entered from Off only (the spec
        leaves the other transitions UNSPECIFIED); nothing is cached yet."""
        ddtp = self.ddt.ddtp()
        reqs = self.early_requests()
        await self.reg_write(Reg.DDTP, ddtp & ~0xF)
        await self.translate(reqs)
        if early == "off_bare":
            await self.reg_write(Reg.DDTP, ddtp & ~0xF | 1)
            await self.translate(reqs)
        await self.reg_write(Reg.DDTP, ddtp)

    def peek_in(self, big_endian: bool):
        """A peek64 in that byte order (Sv32 tables: the neighbour PTE's A/D bits)."""
        return lambda pa: self.structure_peek(pa, big_endian)

    def page_table(self, mode: str, **kw) -> PageTable:
        if mode == "sv32x4":            # G-stage tables follow fctl.BE
            kw.setdefault("peek64", self.peek_in(self.big_endian))
        return super().page_table(mode, **kw)

    def build_vms(self) -> None:
        lv = self.live
        for k, vm in enumerate(self.cfg.vms):
            g = self.page_table(vm.g_mode, gscid=vm.gscid)
            spa = VM_SPA0 + k * VM_SPA_STEP
            big = SIZE_4M if g.sv32 else SIZE_2M        # Sv32x4: 4 MiB pages (no 2 MiB)
            g.map(vm.base + cs.G_TABLES, spa + VM_TABLES, big, "rw")
            self.flaw(g, Page(vm.base + cs.G_TABLES, "2m", "rw", flaw=vm.tables_flaw))
            for i, p in enumerate(vm.pages):
                g.map(p.va, spa + VM_DATA + i * SIZE_4K, SIZE_4K, p.perms)
                self.flaw(g, p)
            g.map(vm.base + cs.G_BIG, spa + VM_BIG, big, "rwx")
            if vm.sxl and not g.sv32:
                # a 32-bit guest under Sv39x4/Sv48x4: G_BIG's second 2 MiB (its 4 MiB guest
                # pages span both), and G_BIG again at GPA bit 34 (mapped, yet a guest-page
                # fault: the guest's GPAs end at 2^34)
                g.map(vm.base + cs.G_BIG + SIZE_2M, spa + VM_BIG + SIZE_2M, SIZE_2M, "rwx")
                g.map(cs.ALIAS34 | vm.base + cs.G_BIG, spa + VM_BIG, SIZE_2M, "rwx")
                # and the table region's (a guest root pointer there: root34)
                g.map(cs.ALIAS34 | vm.base + cs.G_TABLES, spa + VM_TABLES, SIZE_2M, "rw")
            lv.g[k], lv.spa_data[k] = g, spa + VM_DATA
            lv.galloc[k] = PageAllocator(vm.base + cs.G_TABLES, SIZE_2M, self.store64,
                                         addr_to_pa=g.translate, zero=False)

    def build_space(self, k: int, sp: cs.Space) -> None:
        lv, rng = self.live, self.rng
        # (big_endian places a 4-byte Sv32 PTE in its doubleword; 8-byte PTEs need not know)
        be = dict(big_endian=self.first_stage_big, peek64=self.peek_in(self.first_stage_big)) \
            if sp.mode == "sv32" else {}
        if sp.vm is None:
            pt = PageTable(sp.mode, self.alloc, self.structure_store(self.first_stage_big),
                           pscid=sp.pscid, **be, **self.rsw_kw())
        else:
            g = lv.g[sp.vm]
            pt = PageTable(sp.mode, lv.galloc[sp.vm], self.structure_store(self.first_stage_big),
                           addr_to_pa=g.translate, gscid=self.cfg.vms[sp.vm].gscid,
                           pscid=sp.pscid, **be, **self.rsw_kw())
        lv.pt[k] = pt
        for p in sp.pages:
            size = SIZES[p.size]
            pa = self.data_pa(sp, size)
            pt.map(p.va, pa, size, p.perms, user=p.user, global_=p.glob)
            self.flaw(pt, p)

    def data_pa(self, sp: cs.Space, size: int) -> int:
        """Where a page of the space points: anywhere for a host table; a guest's data pages,
        big page or (now and then) its G-stage hole for a guest table."""
        rng = self.rng
        if sp.vm is None:
            if sp.mode == "sv32":           # 34-bit PAs: below 2^32 or above (PPN[1] bits 11:10)
                lo = rng.choice((0x8000_0000, 0x3_0000_0000))
            else:
                lo = 0x8000_0000 if size < SIZE_1G else 0x1_0000_0000
            return rng.randrange(lo, lo + 0x8000_0000, size)
        base = self.cfg.vms[sp.vm].base
        if size in (SIZE_2M, SIZE_4M):
            return base + cs.G_BIG
        where = pick(rng, cs.WEIGHTS["guest_pa"])
        if where == "hole":
            return base + cs.G_HOLE
        flawed = [p.va for p in self.cfg.vms[sp.vm].pages if p.flaw != "none"]
        if where == "g_flawed" and flawed and size == SIZE_4K:
            return rng.choice(flawed)
        n = cs.G_DATA_PAGES * SIZE_4K // size
        return base + cs.G_DATA + rng.randrange(n) * size

    def flaw(self, pt: PageTable, p: Page) -> None:
        """Store the page's flawed PTE(s) over the well-formed ones map() wrote."""
        if p.flaw == "none":
            return
        if pt.sv32:
            # through the table: the doubleword's other PTE keeps its value, now and later
            if p.flaw.startswith("nonleaf_"):
                pt.write_entry(p.va, 1, pt.entry_value(p.va, 1) | NONLEAF[p.flaw])
                return
            level = 1 if pt.lookup(p.va).size == SIZE_4M else 0
            pt.write_entry(p.va, level, FLAWS[p.flaw](pt.entry_value(p.va, level)))
            return
        if p.flaw.startswith("nonleaf_"):
            pa = pt.addr_to_pa(pt.entry_addr(p.va, 1))
            self.structure_store()(pa, self.structure_peek(pa) | NONLEAF[p.flaw])
            return
        first = pt.pte_addr(p.va)
        n = 16 if p.size == "64k" else 1
        for j in range(n):
            pa = pt.addr_to_pa(first + 8 * j)
            self.structure_store()(pa, FLAWS[p.flaw](self.structure_peek(pa)))

    async def build_device(self, i: int, dev: Device) -> None:
        cfg, lv = self.cfg, self.live
        g_kw = {}
        if dev.vm is not None:
            vm = cfg.vms[dev.vm]
            g_kw = dict(g_mode=MODE32.get(vm.g_mode, vm.g_mode), g_root=lv.g[dev.vm].root,
                        gscid=vm.gscid)
        fs_kw = {}
        if dev.space is not None:
            sp = cfg.spaces[dev.space]
            fs_kw = dict(fs_mode=MODE32.get(sp.mode, sp.mode), fs_root=lv.pt[dev.space].root,
                         pscid=sp.pscid)
            if dev.root34:
                # the guest's root at its GPA with bit 34 set: beyond a 32-bit guest's GPAs (21
                # on every walk), though Sv39x4/Sv48x4 map it and Sv32x4 indexes bits 33:22
                fs_kw["fs_root"] |= cs.ALIAS34
        if dev.kind == "pdt":
            fs_kw = await self.build_pdt(i, dev)
        feat_kw = dict(sxl=True) if cfg.sxl else {}      # the 32-bit world: every DC SXL=1
        if dev.ad in ("sade", "both") and (dev.space is not None or dev.kind == "pdt"):
            feat_kw["sade"] = True
        if dev.ad in ("gade", "both") and dev.vm is not None:
            feat_kw["gade"] = True
        if dev.msi:
            feat_kw.update(self.build_msi(i, dev))
        if dev.qos != (0, 0):
            feat_kw.update(rcid=dev.qos[0], mcid=dev.qos[1])
        spec = DeviceContextSpec(dtf=dev.dtf, sbe=self.first_stage_big, **fs_kw, **g_kw, **feat_kw)
        if dev.misconfig:
            spec = self.misconfigure(spec, dev.misconfig)
            lv.frozen_dev.add(i)
        lv.spec[i] = spec
        await self.after_update(self.ddt.set_dc(dev.did, spec))
        if dev.misconfig == "tc_reserved":      # V=0 above; now tc with a reserved bit and V
            addr = self.ddt.dc_addr(dev.did)
            store, peek = self.structure_store(), self.structure_peek
            store(addr, peek(addr) | 1 << 12 | 1)
        if dev.misconfig == "ta_reserved" and self.ta_bit32():   # V=0 above: ta[32], then V
            addr = self.ddt.dc_addr(dev.did)
            store, peek = self.structure_store(), self.structure_peek
            store(addr + 16, peek(addr + 16) | 1 << 32)
            store(addr, peek(addr) | 1)

    async def build_pdt(self, i: int, dev: Device) -> dict:
        cfg, lv = self.cfg, self.live
        kw = dict(did=dev.did)
        if dev.vm is not None:
            kw.update(alloc=lv.galloc[dev.vm], addr_to_pa=lv.g[dev.vm].translate,
                      gscid=cfg.vms[dev.vm].gscid)
        pd = self.process_directory(dev.pd_mode, **kw)
        lv.pd[i] = pd
        for p in dev.processes:
            if p.state == "not_valid":
                continue
            fs = {}
            if p.space is not None:
                sp = cfg.spaces[p.space]
                fs = dict(pscid=sp.pscid, fs_mode=MODE32.get(sp.mode, sp.mode),
                          fs_root=lv.pt[p.space].root)
            if p.state == "misconfigured":
                # a reserved encoding (267); under SXL=1 Sv48's, legal only in a 64-bit world
                fs["fs_mode"] = MODE_SV48 if cfg.sxl else 3
            pd.set_pc(p.pid, ens=p.ens, sum_=p.sum, **fs)
        return dict(pdtv=True, pdt_mode=dev.pd_mode, pdt_root=pd.root, dpe=dev.dpe)

    def misconfigure(self, spec: DeviceContextSpec, how: str) -> DeviceContextSpec:
        """The device context with one rule of the spec broken (cause 259)."""
        f = self.dut
        unsupported = lambda family, table: next(  # noqa: E731
            table[m] for m in family if not f.has(m))
        g_root = self.alloc.alloc_gstage_root()
        g_on = dict(g_mode=next(m for m in ("sv39x4", "sv48x4", "sv57x4") if f.has(m)),
                    g_root=g_root, gscid=1) if any(
            f.has(m) for m in ("sv39x4", "sv48x4", "sv57x4")) else {}
        if self.cfg.gxl:                           # fctl.GXL=1: Sv32x4 is the G-stage mode
            g_on = dict(g_mode=MODE32["sv32x4"], g_root=g_root, gscid=1)
        changes = {
            "en_ats": dict(en_ats=True), "en_pri": dict(en_pri=True), "t2gpa": dict(t2gpa=True),
            "sade": dict(sade=True), "gade": dict(gade=True), "sbe": dict(sbe=True),
            "sxl": dict(sxl=True), "dpe_without_pdtv": dict(dpe=True),
            "fs_mode_reserved": dict(fs_mode=3),
            "fs_mode_unsupported": lambda: dict(fs_mode=unsupported(
                ("sv39", "sv48", "sv57"), IOSATP_MODES)),
            "g_mode_reserved": dict(g_mode=5, g_root=g_root, gscid=1),
            "g_mode_unsupported": lambda: dict(g_mode=unsupported(
                ("sv39x4", "sv48x4", "sv57x4"), IOHGATP_MODES), g_root=g_root, gscid=1),
            "g_root_misaligned": dict(g_on, g_root=g_root + SIZE_4K),
            "pdt_mode_reserved": dict(pdtv=True, pdt_mode=5, pdt_root=spec.fs_root),
            "pdt_mode_unsupported": lambda: dict(pdtv=True, pdt_root=spec.fs_root,
                                                 pdt_mode=unsupported(("pd8", "pd17", "pd20"),
                                                                      PDT_MODES)),
            "ta_reserved": self.ta_misconfig,
            "tc_reserved": dict(v=False),
            # the 32-bit world (DC.tc.SXL=1; the last two under fctl.GXL=1)
            "fs_mode_64": dict(fs_mode=MODE_SV48),
            "g_mode_64": dict(g_mode=MODE_SV48, g_root=g_root, gscid=1),
            "sxl0": dict(sxl=False),
        }[how]
        return replace(spec, **(changes() if callable(changes) else changes))

    def ta_bit32(self) -> bool:
        """QOSID with 12-bit RCID and MCID: every ta field is legal, so the misconfigured
        ta is reserved bit 32 (stored after the DC, as tc_reserved)."""
        return self.dut.has("qosid") and self.dut.qosid_widths == (12, 12)

    def ta_misconfig(self) -> dict:
        """A reserved or too-wide DC.ta: RCID 1 without QOSID (ta[63:32] reserved); with it,
        an RCID or MCID one bit wider than the DUT implements (or V=0 for ta_bit32)."""
        if not self.dut.has("qosid"):
            return dict(rcid=1)
        rbits, mbits = self.dut.qosid_widths
        if rbits < 12 and (mbits == 12 or self.rng.random() < 0.5):
            return dict(rcid=1 << rbits)
        return dict(mcid=1 << mbits) if mbits < 12 else dict(v=False)

    def flush_all(self) -> list:
        """Every cache: DDT/PDT, host and guest first stages, G-stages."""
        cmds = [iodir_inval_ddt(), iotinval_vma(), iotinval_gvma()]
        cmds += [iotinval_vma(gscid=vm.gscid) for vm in self.cfg.vms]
        return cmds

    def inject(self, inj: cs.Injection) -> None:
        """A bus error on one implicit read the drawn device makes, from now on (nothing has
        read it yet). The structures behind it are not updated. No cache holds the entry,
        except for a leaf PTE of a 64 KiB page: reading any other PTE of its NAPOT group may
        fill this page's entry too (Svnapot), so the oracle then permits the translation as
        well as the access fault."""
        if inj.kind != "bus_error":
            self.dut.skip(f"poisoned data at a {inj.where}", "the environment's memory has no "
                          "poison (AXI4 carries none)")
            return
        cfg, lv = self.cfg, self.live
        dev = cfg.devices[inj.device]
        lv.frozen_dev.add(inj.device)
        pid = None
        if inj.where == "ddte":
            lo, n = self.ddt.ddte_addr(dev.did, int(inj.detail)), 8
        elif inj.where == "dc":
            lo, n = self.ddt.dc_addr(dev.did), self.ddt.dc_bytes
        elif inj.where in ("pdte", "pc"):
            pd = lv.pd[inj.device]
            pid = next(p.pid for p in dev.processes if p.state == "valid")
            addr = pd.pdte_addr(pid, 1) if inj.where == "pdte" else pd.pc_addr(pid)
            lo, n = pd.addr_to_pa(addr), 8 if inj.where == "pdte" else 16
        elif inj.where == "pte1":
            pt = lv.pt[dev.space]
            lv.frozen_space.add(dev.space)
            page = self.rng.choice(cfg.spaces[dev.space].pages)
            ea = pt.pte_addr(page.va) if inj.detail == "leaf" else pt.entry_addr(
                page.va, pt.levels - 1)
            lo, n = pt.addr_to_pa(ea), 8
            if pt.sv32:    # the PTE's doubleword: its neighbour's reads fail as well
                lo &= ~7
        else:                                     # pte2
            vm = cfg.vms[dev.vm]
            g = lv.g[dev.vm]
            lv.frozen_vm.add(dev.vm)
            gpa = vm.base + cs.G_TABLES if inj.detail == "implicit" else \
                self.rng.choice(vm.pages).va
            lo, n = g.pte_addr(gpa) & ~7, 8
        lv.injected.append((inj.device, pid))
        self.env.set_access_fault(lo, lo + n)

    # -- traffic ----------------------------------------------------------------------------
    def draw_ttyp(self) -> int:
        t = cs.TTYPS[pick(self.rng, self.cfg.ttyp_weights)]
        return self.rng.choice(t) if isinstance(t, tuple) else t

    def random_request(self) -> Request:
        cfg, rng = self.cfg, self.rng
        target = pick(rng, cs.REQUEST["target"])
        ttyp = self.draw_ttyp()
        priv = rng.random() < cfg.supervisor
        if target == "no_context":
            did = rng.randrange(1 << 24) & self.ddt.max_did()
            if all(d.did != did for d in cfg.devices):
                return Request(did=did, iova=cs.WINDOW0, ttyp=ttyp)
        if target == "did_too_wide" and cfg.ddt_mode != "3lvl":
            return Request(did=rng.randrange(self.ddt.max_did() + 1, 1 << 24), iova=cs.WINDOW0,
                           ttyp=ttyp)
        i = rng.randrange(len(cfg.devices))
        injected = self.live.injected
        if injected and pick(rng, cs.REQUEST["device"]) == "injected":
            i, inj_pid = rng.choice(injected)
        else:
            inj_pid = None
        dev = cfg.devices[i]
        pid, space, vm = None, dev.space, dev.vm
        if inj_pid is not None:                   # the process whose directory path faults
            pid, space = inj_pid, next(p.space for p in dev.processes if p.pid == inj_pid)
        elif dev.kind == "pdt":
            pid, space = self.draw_pid(dev)
        elif pick(rng, cs.REQUEST["stray_pid"]):
            pid = rng.randrange(1 << 20)
        if dev.msi and space is None and rng.random() < 0.2:
            # an interrupt file of its MSI page table, now and then the page one bit outside
            # the mask (not an MSI: the G-stage translates it, unmapped there)
            j = rng.randrange(cs.MSI_FILES + 1)
            va = cfg.vms[vm].base + cs.G_MSI + j * SIZE_4K + rng.randrange(0, SIZE_4K, 8)
        else:
            va = self.draw_va(space, vm, target, dev.kind)
        return Request(did=dev.did, iova=va, ttyp=ttyp, pid=pid, priv_s=priv)

    def draw_pid(self, dev: Device) -> tuple:
        """(pid or None, the space its requests use)."""
        rng = self.rng
        how = pick(rng, cs.REQUEST["pid"])
        bits = PID_BITS[dev.pd_mode]
        if how == "absent":
            p0 = next((p for p in dev.processes if p.pid == 0), None)
            return None, p0.space if dev.dpe and p0 is not None else None
        if how == "too_wide" and bits < 20:
            return rng.randrange(1 << bits, 1 << 20), None
        if how == "unconfigured" or not dev.processes:
            pid = rng.randrange(1 << bits)
            if all(p.pid != pid for p in dev.processes):
                return pid, None
        p = rng.choice(dev.processes)
        return p.pid, p.space

    def draw_va(self, space: Optional[int], vm: Optional[int], target: str, kind: str) -> int:
        rng = self.rng
        if space is not None:
            sp = self.cfg.spaces[space]
            if target == "hole" or not sp.pages:
                return sp.window + cs.HOLE + rng.randrange(0, SIZE_4K, 8)
            if target == "non_canonical":
                # Sv32: an IOVA above 32 bits (13); else not sign-extended
                return sp.window | (1 << 32 if sp.mode == "sv32" else 1 << 60)
            p = self.choose_page(sp.pages)
            if p.size == "4m":
                # one of 4 pages 1 MiB apart across the megapage (PPN[0] bits in play), so a
                # page read before a remap is read again after it (a 4 MiB translation that
                # was cached as a 4 KiB one stays after IOTINVAL.VMA names the page's base)
                return p.va + rng.randrange(4) * (SIZE_4M // 4) + rng.randrange(0, SIZE_4K, 8)
            return p.va + rng.randrange(0, min(SIZES[p.size], 64 * SIZE_4K), 8)
        if vm is not None:                       # first stage Bare under a G-stage: a GPA
            base = self.cfg.vms[vm].base
            if target == "hole":
                return base + cs.G_HOLE
            if target == "non_canonical":
                if self.cfg.sxl:                  # a 32-bit guest's GPA above 34 bits: 21
                    return cs.ALIAS34 | base + cs.G_BIG + rng.randrange(0, SIZE_2M, 8)
                return base | 1 << 60             # beyond the x4 range: guest-page fault
            r = rng.random()
            if r < 0.8:
                return self.choose_page(self.cfg.vms[vm].pages).va + rng.randrange(0, SIZE_4K, 8)
            off = cs.G_BIG + rng.randrange(512) * SIZE_4K if r < 0.95 else cs.G_TABLES
            return base + off + rng.randrange(0, SIZE_4K, 8)
        if self.cfg.sxl and rng.random() < 0.8:  # both stages Bare: mostly 34-bit addresses
            return rng.randrange(1 << 34) & ~7
        return rng.randrange(1 << 48) & ~7       # both stages Bare

    def choose_page(self, pages: list) -> Page:
        """A page, now and then one of the rarer ones (a flaw, U=0, G=1)."""
        special = [p for p in pages if p.special]
        if special and pick(self.rng, cs.REQUEST["page"]) == "special":
            return self.rng.choice(special)
        if self.cfg.sxl and self.rng.random() < 0.3:     # the 32-bit world: megapages more often
            big = [p for p in pages if p.size == "4m" and not p.special]
            if big:
                return self.rng.choice(big)
        return self.rng.choice(pages)

    # -- updates (RandomTrafficVseq.update_loop picks the kind and issues the invalidations) --
    async def update_loop(self) -> None:
        cfg, lv = self.cfg, self.live
        self.n_updates = cfg.updates
        # what updates may touch: nothing behind an injected error or a misconfiguration
        self.spaces = [k for k, sp in enumerate(cfg.spaces) if k not in lv.frozen_space
                       and (sp.vm is None or sp.vm not in lv.frozen_vm)
                       and any(p.flaw == "none" and p.size == "4k" for p in sp.pages)]
        self.vms = [k for k, vm in enumerate(cfg.vms) if k not in lv.frozen_vm
                    and any(p.flaw == "none" for p in vm.pages)] or [None]
        if cfg.updates and self.spaces:
            await super().update_loop()
        await self.drain_fault_queue()

    async def after_update(self, update, holders=()) -> list:
        """The persona's invalidations. A 4 MiB remap of the 32-bit world comes deferred
        (_Remap4M): its page is read first (4 KiB parts 1 MiB apart, by every device using
        the table), then remapped and invalidated, then read again: each part must now
        translate to the new page (a 4 MiB translation cached as a 4 KiB one, which the
        IOTINVAL.VMA naming the page's base does not remove, would answer the old one)."""
        if not isinstance(update, _Remap4M):
            return await super().after_update(update, holders)
        await self.translate(update.reads)
        cmds = await super().after_update(update.do(), holders)
        await self.translate(update.reads)
        return cmds

    def megapage_users(self, k: int, p: Page) -> list:
        """(device_id, process_id or None) of each live device (and valid process) using
        space k for U-mode reads of its page p (none for a U=0 page)."""
        if not p.user:
            return []
        out = []
        for i, dev in enumerate(self.cfg.devices):
            if dev.misconfig or dev.root34 or i in self.live.frozen_dev:
                continue
            if dev.space == k:
                out.append((dev.did, None))
            out += [(dev.did, q.pid) for q in dev.processes if q.space == k and q.state == "valid"]
        return out

    def megapage_reads(self, k: int, p: Page) -> list:
        """Reads of four 4 KiB parts (1 MiB apart) of 4 MiB page p by each user of space k."""
        rng = self.rng
        return [Request(did=did, iova=p.va + j * (SIZE_4M // 4) + rng.randrange(0, SIZE_4K, 8),
                        ttyp=2, pid=pid)
                for did, pid in self.megapage_users(k, p) for j in range(4)]

    def first_stage_update(self, k: int):
        """Map, remap, protect or unmap a well-formed 4 KiB page of space k (with an S / NL
        persona, now and then split or merge a 64 KiB or 2 MiB page instead)."""
        rng, cfg, lv = self.rng, self.cfg, self.live
        pt, sp = lv.pt[k], cfg.spaces[k]
        if sp.mode == "sv32" and rng.random() < 0.6:
            # a 4 MiB page of a table updates may touch: half the time one some device reads,
            # remapped with reads before and after (_Remap4M), else remapped, or split into
            # 1024 4 KiB leaves and merged back the next time
            big = [(j, p) for j in self.spaces for p in cfg.spaces[j].pages
                   if p.flaw == "none" and p.size == "4m"]
            read = [(j, p) for j, p in big if cfg.spaces[j].vm is None
                    and lv.pt[j].lookup(p.va) is not None
                    and lv.pt[j].lookup(p.va).size == SIZE_4M and self.megapage_users(j, p)]
            if read and rng.random() < 0.5:
                k, p = rng.choice(read)
                pt, new = lv.pt[k], self.data_pa(cfg.spaces[k], SIZE_4M)
                return _Remap4M(lambda: pt.remap(p.va, new), self.megapage_reads(k, p))
            if big:
                k, p = rng.choice(big)
                pt, sp = lv.pt[k], cfg.spaces[k]
                m = pt.lookup(p.va)
                if m is not None and m.size == SIZE_4M:
                    if rng.random() < 0.6:
                        return pt.remap(p.va, self.data_pa(sp, SIZE_4M))
                    return pt.split(p.va)
                try:
                    return pt.merge(p.va, SIZE_4M)
                except ValueError:           # (not the 1024 leaves split made: keep them)
                    return None
        if cfg.persona != "spec" and rng.random() < 0.4:
            # S / NL personas: a 64 KiB page split into 16 leaves (an S=1 range over them) or
            # a 2 MiB page split into a table (a non-leaf change: NL=1 S=1 with nl-range),
            # and merged back the next time
            big = [p for p in sp.pages if p.flaw == "none" and p.size in ("64k", "2m")]
            if big:
                p = rng.choice(big)
                m = pt.lookup(p.va)
                if m is not None and m.size == SIZES[p.size]:
                    return pt.split(p.va)
                return pt.merge(p.va, SIZES[p.size])
        p = rng.choice([p for p in sp.pages if p.flaw == "none" and p.size == "4k"])
        if pt.lookup(p.va) is None:
            return pt.map(p.va, self.data_pa(sp, SIZE_4K), SIZE_4K, p.perms, user=p.user,
                          global_=p.glob)
        op = rng.choice(["remap", "remap", "protect", "unmap"])
        if op == "remap":
            return pt.remap(p.va, self.data_pa(sp, SIZE_4K))
        if op == "protect":
            return pt.protect(p.va, pick(rng, cs.WEIGHTS["perms"]))
        return pt.unmap(p.va)

    def g_stage_update(self, k: int):
        """The same on a well-formed G-stage data page of guest k."""
        rng, lv = self.rng, self.live
        if k is None:                              # no guest to change
            return None
        p, g = rng.choice([p for p in self.cfg.vms[k].pages if p.flaw == "none"]), lv.g[k]
        if g.lookup(p.va) is None:
            return g.map(p.va, lv.spa_data[k] + rng.randrange(64) * SIZE_4K, SIZE_4K, p.perms)
        op = rng.choice(["remap", "remap", "protect", "unmap"])
        if op == "remap":
            return g.remap(p.va, lv.spa_data[k] + rng.randrange(64) * SIZE_4K)
        if op == "protect":
            return g.protect(p.va, pick(rng, cs.WEIGHTS["g_perms"]))
        return g.unmap(p.va)

    async def context_update(self) -> None:
        await self.dc_toggle()

    async def dc_toggle(self) -> None:
        """A device context turned off and on again the driver's way (V=0, invalidations,
        the same context)."""
        rng, cfg, lv = self.rng, self.cfg, self.live
        devs = [i for i in range(len(cfg.devices)) if i not in lv.frozen_dev]
        if not devs:
            return
        i = rng.choice(devs)
        did = cfg.devices[i].did
        await self.after_update(self.ddt.invalidate_dc(did))
        await Timer(rng.randint(*self.update_gap_ns), unit="ns")
        await self.after_update(self.ddt.set_dc(did, lv.spec[i]))
        self.log_counts["dc"] = self.log_counts.get("dc", 0) + 1
