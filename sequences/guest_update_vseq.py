"""Guest-update scenarios: software changes a structure the IOMMU may have cached, the way a
driver or hypervisor does, and the oracle checks every translation around the change.

Each update runs one *cycle* (GuestUpdateBase.cycle):
  1. translate (the caches warm up),
  2. make the update (stores through the software layer),
  3. translate BEFORE invalidating: the old value is still permitted (stale results accepted),
  4. the persona's invalidations and IOFENCE.C (persona_name: 'spec',
     'never-invalidate-on-map', 'invalidate-everything'),
  5. translate AFTER: only the new value is permitted. The cycle also checks that the oracle
     itself has settled (one permitted outcome per request) whenever the persona's commands are
     enough for the run's policy, and optionally that the settled outcome is the one the
     scenario meant to produce (`expect=`): a scenario that silently tests nothing fails.

Scenarios here: first-stage PTE updates (map, unmap, remap, permission up and down, global
pages) on Sv39 and Sv48; superpage split and merge (1 GiB <-> 2 MiB <-> 4 KiB) and Svnapot
64 KiB pages; device-context changes (V=0 + invalidate + new, one-doubleword changes, non-leaf
DDT entries, misconfiguration); ddtp mode changes 1LVL -> 2LVL -> 3LVL (through Off and Bare)
with the same contexts. Process contexts: process_context_vseq.py; two-stage: two_stage_vseq.py.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional, Union

from models import Reg, Request, TTYP
from sequences.invalidation_seq import InvalidationSeq
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec, DeviceDirectory
from sequences.sw.page_table import SIZE_1G, SIZE_2M, SIZE_64K
from sequences.sw.update import Update

RD, WR, EX = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE, TTYP.UNTRANSLATED_EXEC
TTYPS = {"r": RD, "w": WR, "x": EX}

# Policies under which each persona's commands leave exactly one permitted outcome.
SETTLES = {
    "spec": {"riscv-1.0-strict", "no-cache"},
    "never-invalidate-on-map": {"riscv-1.0-strict", "no-cache"},
    "invalidate-everything": {"riscv-1.0-strict", "riscv-dir-negative", "tlbi-on-map",
                              "riscv-negative-all", "caching-mode", "no-cache"},
}


def req(did: int, va: int, t: str = "r", pid: Optional[int] = None, s: bool = False) -> Request:
    return Request(did=did, iova=va, ttyp=TTYPS[t], pid=pid, priv_s=s)


def rwx(did: int, va: int, pid: Optional[int] = None, s: bool = False, kinds: str = "rwx") -> list:
    """One request of each kind in `kinds` at va (offsets differ so the IOTLB sees a page)."""
    return [req(did, va + 0x40 * i, k, pid, s) for i, k in enumerate(kinds)]


Expect = Union[None, int, str, Callable]


class GuestUpdateBase(InvalidationSeq, IommuSwVseq):
    """Cycle helpers shared by the guest-update scenarios."""

    def __init__(self, name: str = "vseq"):
        super().__init__(name)
        self.cycles = 0

    @property
    def policy(self) -> str:
        return self.env.cfg.policy

    @property
    def settles(self) -> bool:
        return self.policy in SETTLES.get(self.persona_name, ())

    # -- the cycle --------------------------------------------------------------------------
    async def cycle(self, reqs: list, change: Union[Update, Callable[[], Update]], *,
                    holders: Iterable = (), expect: Expect = None, warm: bool = True,
                    label: str = "") -> Update:
        """warm -> update -> translate before invalidating -> persona's invalidations ->
        translate after (settled). `change` is an Update already made (then the warm-up is
        skipped) or a callable making it."""
        if callable(change):
            if warm:
                await self.translate(reqs)
            upd = change()
        else:
            upd = change
        await self.translate(reqs)                      # stale values permitted
        await self.after_update(upd, list(holders) or None)
        await self.translate(reqs)                      # only the new value
        self.cycles += 1
        self.expect_settled(reqs, expect, label or str(upd))
        return upd

    async def settle(self, reqs: list, expect: Expect = None, label: str = "") -> None:
        """Translate and check the settled outcome (no update)."""
        await self.translate(reqs)
        self.expect_settled(reqs, expect, label)

    def expect_settled(self, reqs: list, expect: Expect = None, label: str = "") -> None:
        """Every request has exactly one permitted outcome (when the persona's commands are
        enough under this policy), and it is `expect`: 'ok' (a translation), a cause code,
        an int PA, or a callable(req, outcome) -> bool."""
        env = self.env
        for r in reqs:
            outs = env.permitted(r)
            if self.settles and len(outs) != 1:
                raise AssertionError(
                    f"after '{label}' and its invalidations ({self.persona_name}) the oracle "
                    f"still permits {sorted(map(str, outs))} for did={r.did:#x} iova={r.iova:#x}"
                    f" ttyp={int(r.ttyp)}: the scenario's invalidation is incomplete")
            if expect is None:
                continue
            cur = next(iter(outs)) if len(outs) == 1 else None
            if cur is None:
                continue
            e = expect(r) if callable(expect) and not isinstance(expect, (int, str)) else expect
            if not _matches(cur, e):
                raise AssertionError(f"after '{label}': did={r.did:#x} iova={r.iova:#x} "
                                     f"ttyp={int(r.ttyp)} settles on {cur}, the scenario "
                                     f"meant {e}")

    # -- set-up helpers ---------------------------------------------------------------------
    async def host_device(self, did: int, mode: str = "sv39", pscid: int = 7, **dc):
        """A page table and a valid DC for a host device (first stage only); the DC's tc.SBE
        says the table's byte order unless `dc` gives it."""
        dc.setdefault("sbe", self.first_stage_big)
        pt = self.page_table(mode, big_endian=dc["sbe"], pscid=pscid)
        await self.after_update(self.ddt.set_dc(
            did, DeviceContextSpec(fs_mode=mode, fs_root=pt.root, pscid=pscid, **dc)))
        return pt


def _matches(out, e) -> bool:
    if e is None:
        return True
    if e == "ok":
        return out.cause is None
    if e == "fault":
        return out.cause is not None
    if isinstance(e, tuple) and e[0] == "pbmt":    # ('pbmt', memory type)
        return out.cause is None and out.pbmt == e[1]
    if isinstance(e, tuple):                       # ('pa', value)
        return out.cause is None and out.pa == e[1]
    if isinstance(e, int):
        return out.cause == e
    return True


def perm_expect(perms: str, pa_of=None):
    """Expectation for rwx() requests against a page with `perms` (R/W/X): ok or 12/13/15."""
    fault = {RD: 13, WR: 15, EX: 12}
    need = {RD: "r", WR: "w", EX: "x"}

    def f(r):
        return "ok" if need[TTYP(r.ttyp)] in perms else fault[TTYP(r.ttyp)]
    return f


# ================================================================================ scenarios
VA = 0x4000_0000
PA = 0x8000_0000


class PteUpdateVseq(GuestUpdateBase):
    """First-stage leaf updates on a host Sv39 device (PSCID 7) and a host Sv48 device
    (PSCID 8, IOVAs above 512 GiB; a second Sv39 device at 128 GiB on a DUT without Sv48):
    map (0->1), remap, permission down (rw -> r) and up (r -> rwx), a global page remapped
    (PSCV=0 scope), unmap (1->0); each in a cycle."""

    async def body(self):
        await self.init_iommu("1lvl")
        wide = self.dut.fs_mode("sv48")
        devs = [(5, await self.host_device(5, "sv39", 7), VA),
                (6, await self.host_device(6, wide, 8), 0x80_4000_0000 if wide != "sv39" else 0x20_4000_0000)]
        for did, pt, va in devs:
            rq = rwx(did, va)
            await self.settle(rq, perm_expect(""), "unmapped")
            await self.cycle(rq, lambda: pt.map(va, PA, perms="rw"), expect=perm_expect("rw"))
            await self.cycle(rq, lambda: pt.remap(va, PA + 0x10_0000), expect=perm_expect("rw"))
            await self.cycle(rq, lambda: pt.protect(va, "r"), expect=perm_expect("r"))
            await self.cycle(rq, lambda: pt.protect(va, "rwx"), expect=perm_expect("rwx"))
            gva = va + 0x2000
            gq = rwx(did, gva, kinds="rw")
            await self.cycle(gq, lambda: pt.map(gva, PA + 0x2000, perms="rw", global_=True),
                             expect="ok")
            await self.cycle(gq, lambda: pt.remap(gva, PA + 0x20_2000), expect="ok")
            await self.cycle(rq, lambda: pt.unmap(va), expect=perm_expect(""))
            await self.cycle(gq, lambda: pt.unmap(gva, prune=False), expect=perm_expect(""))
        # the same IOVA in both devices' tables: PSCIDs keep them apart
        for did, pt, va in devs:
            await self.cycle(rwx(did, va + 0x5000), lambda pt=pt, va=va, did=did:
                             pt.map(va + 0x5000, PA + did * 0x100_0000, perms="rwx"),
                             expect="ok")


class SuperpageVseq(GuestUpdateBase):
    """Superpage split and merge on Sv39 (PSCID 7): a 2 MiB page split into 4 KiB pages, one
    of them remapped and back, merged again; a 1 GiB page split into 2 MiB pages and merged;
    Svnapot 64 KiB pages mapped, remapped, protected, split into 16 PTEs and merged back."""

    async def body(self):
        await self.init_iommu("1lvl")
        pt = await self.host_device(5, "sv39", 7)
        sp = VA + SIZE_2M                               # 2 MiB page
        sq = [req(5, sp + off, t) for off in (0, 0x1000, 0x7_3008, SIZE_2M - 8) for t in "rw"]
        await self.cycle(sq, lambda: pt.map(sp, PA, SIZE_2M, "rw"), expect="ok")
        await self.cycle(sq, lambda: pt.split(sp), expect="ok")
        await self.cycle(sq, lambda: pt.remap(sp + 0x1000, PA + 0x40_0000), expect="ok")
        await self.cycle(sq, lambda: pt.protect(sp + 0x7_3000, "r"))
        await self.cycle(sq, lambda: pt.protect(sp + 0x7_3000, "rw"))
        await self.cycle(sq, lambda: pt.remap(sp + 0x1000, PA + 0x1000), expect="ok")
        await self.cycle(sq, lambda: pt.merge(sp, SIZE_2M), expect="ok")
        await self.cycle(sq, lambda: pt.remap(sp, PA + SIZE_2M), expect="ok")
        # 1 GiB <-> 2 MiB
        gp = 0xC000_0000
        gq = [req(5, gp + off, "r") for off in (0, 0x20_1000, 0x3FFF_F000)]
        await self.cycle(gq, lambda: pt.map(gp, 0x1_4000_0000, SIZE_1G, "rw"), expect="ok")
        await self.cycle(gq, lambda: pt.split(gp), expect="ok")
        await self.cycle(gq, lambda: pt.remap(gp + SIZE_2M, 0x2_0000_0000), expect="ok")
        await self.cycle(gq, lambda: pt.remap(gp + SIZE_2M, 0x1_4000_0000 + SIZE_2M), expect="ok")
        await self.cycle(gq, lambda: pt.merge(gp, SIZE_1G), expect="ok")
        # Svnapot 64 KiB
        if not self.dut.need("svnapot", "Svnapot 64 KiB pages (map, remap, protect, split, merge)"):
            return
        np_ = VA + 0x10_0000
        nq = [req(5, np_ + off, t) for off in (0, 0x3008, 0xF000) for t in "rw"]
        await self.cycle(nq, lambda: pt.map(np_, PA + 0x100_0000, SIZE_64K, "rw"), expect="ok")
        await self.cycle(nq, lambda: pt.remap(np_, PA + 0x110_0000), expect="ok")
        await self.cycle(nq, lambda: pt.protect(np_, "r"))
        await self.cycle(nq, lambda: pt.protect(np_, "rw"), expect="ok")
        await self.cycle(nq, lambda: pt.split(np_), expect="ok")
        await self.cycle(nq, lambda: pt.remap(np_ + 0x3000, PA + 0x120_0000), expect="ok")
        await self.cycle(nq, lambda: pt.remap(np_ + 0x3000, PA + 0x110_3000), expect="ok")
        await self.cycle(nq, lambda: pt.merge(np_, SIZE_64K), expect="ok")
        await self.cycle(nq, lambda: pt.unmap(np_), expect=lambda r: 13 if r.ttyp == RD else 15)


class DeviceContextVseq(GuestUpdateBase):
    """Device-context changes in a 2LVL DDT: a host device moved to another table and PSCID
    the driver's way (V=0, invalidate, new context), a one-doubleword change in place (PSCID
    only), the mode changed Sv39 -> Sv48, a non-leaf DDT entry removed and restored (IODIR
    DV=0), a context made misconfigured (259) and valid again, DTF set."""

    async def body(self):
        await self.init_iommu("2lvl")
        did = 0x105                                       # DDI[1]=2: a non-leaf entry of its own
        a = self.page_table("sv39", pscid=7)
        wide = self.dut.fs_mode("sv48")                   # the mode change (Sv39 -> Sv48)
        b = self.page_table(wide, pscid=9)
        a.map(VA, PA, perms="rw")
        b.map(VA, PA + 0x10_0000, perms="rw")
        other = await self.host_device(0x106, "sv39", 11)  # same DDT leaf page, untouched
        other.map(VA, PA + 0x20_0000, perms="r")
        rq = rwx(did, VA, kinds="rw") + rwx(0x106, VA, kinds="rw")
        await self.cycle(rq, lambda: self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=a.root, pscid=7)), warm=True)
        await self.cycle(rq, lambda: self.ddt.invalidate_dc(did),
                         expect=lambda r: 258 if r.did == did else None)
        await self.cycle(rq, lambda: self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=wide, fs_root=b.root, pscid=9)))
        # one doubleword in place: ta.PSCID 9 -> 12 (same table)
        await self.cycle(rq, lambda: self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=wide, fs_root=b.root, pscid=12)), expect=lambda r: "ok" if r.did == did else None)
        # fsc in place: back to table a (Sv39), same PSCID
        await self.cycle(rq, lambda: self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=a.root, pscid=12)))
        # the non-leaf DDT entry above both devices: removed (258 for both), then restored
        ddte = self.ddt.root + 8 * self.ddt.ddi(did)[1]
        saved = self.ddt._shadow[ddte]
        await self.cycle(rq, lambda: self.ddt.set_ddte(did, 1, 0), expect=258)
        await self.cycle(rq, lambda: self.ddt.set_ddte(did, 1, saved))
        # misconfigured (DPE with PDTV=0): 259, then valid again
        await self.cycle(rq, lambda: self.ddt.invalidate_dc(did))
        await self.cycle(rq, lambda: self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=a.root, pscid=7, dpe=True)),
            expect=lambda r: 259 if r.did == did else None)
        await self.cycle(rq, lambda: self.ddt.invalidate_dc(did))
        await self.cycle(rq, lambda: self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=a.root, pscid=7, dtf=True)))
        # DTF=1: the page fault of an unmapped IOVA is answered but not recorded
        await self.settle([req(did, VA + 0x3000, t) for t in "rw"], expect=lambda r:
                          13 if r.ttyp == RD else 15, label="DTF page faults")


class DdtpModeVseq(GuestUpdateBase):
    """The same device contexts behind a 1LVL, then a 2LVL, then a 3LVL directory: ddtp goes
    to Off (256), to Bare (pass-through) and to the next mode, each switch followed by
    IODIR.INVAL_DDT DV=0 (a new directory: every cached DDT entry is stale)."""

    async def body(self):
        await self.init_iommu("1lvl")
        specs = {}
        for did, mode, pscid in ((5, "sv39", 7), (6, self.dut.fs_mode("sv48"), 8), (0x41, "sv39", 9)):
            pt = self.page_table(mode, pscid=pscid)
            pt.map(VA, PA + did * 0x1000, perms="rw")
            specs[did] = DeviceContextSpec(fs_mode=mode, fs_root=pt.root, pscid=pscid)
            await self.after_update(self.ddt.set_dc(did, specs[did]))
        rq = [req(d, VA, t) for d in specs for t in "rw"]
        await self.settle(rq, "ok", "1LVL")
        for mode, via_bare in (("2lvl", False), ("3lvl", True)):
            old = self.ddt
            await self.reg_write(Reg.DDTP, old.ddtp() & ~0xF)          # Off, same PPN
            await self.settle(rq, 256, "Off")
            if via_bare:
                await self.reg_write(Reg.DDTP, 1)                       # Bare (from Off)
                await self.settle(rq, lambda r: "ok", "Bare")
            new = DeviceDirectory(mode, self.alloc, self.store64, extended=self.ddt.extended)
            for did, spec in specs.items():
                new.set_dc(did, spec)
            self.ddt = new
            await self.reg_write(Reg.DDTP, new.ddtp())
            await self.translate(rq)                   # cached contexts of the old directory
            await self.inval_ddt()                     # DV=0
            await self.settle(rq, "ok", mode)
        # a device only the 3LVL directory can hold
        pt = self.page_table("sv39", pscid=10)
        pt.map(VA, PA, perms="r")
        big = 0x12_3456
        await self.cycle(rwx(big, VA, kinds="rw"), lambda: self.ddt.set_dc(
            big, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=10)),
            expect=lambda r: "ok" if r.ttyp == RD else 15)


# persona variants (the persona is a property of the sequence)
class PteUpdateInvalidateEverythingVseq(PteUpdateVseq):
    persona_name = "invalidate-everything"


class PteUpdateNeverOnMapVseq(PteUpdateVseq):
    persona_name = "never-invalidate-on-map"


class SuperpageInvalidateEverythingVseq(SuperpageVseq):
    persona_name = "invalidate-everything"


class DeviceContextInvalidateEverythingVseq(DeviceContextVseq):
    persona_name = "invalidate-everything"
