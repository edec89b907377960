"""Process-context scenarios (PDTV=1): devices with PD8, PD17 and PD20 directories, processes
with their own first-stage tables and PSCIDs, and every PDT update a driver makes, each in a
guest-update cycle (warm, update, translate before invalidating, persona's invalidations,
translate after):
- a process moved to another table and PSCID the driver's way (V=0, IODIR.INVAL_PDT +
  IOTINVAL.VMA PSCV=1, new context), and its fsc changed in place (one doubleword);
- ENS cleared and set (supervisor requests get 260 while ENS=0), SUM;
- a non-leaf PDT entry removed and restored (266; IODIR.INVAL_DDT DV=1 DID);
- a process context made misconfigured (reserved fsc mode: 267);
- DPE: requests without a process_id use process 0;
- a process_id too wide for PD8 (260); a PDT page that cannot be read (265).
"""
from __future__ import annotations

from sequences.dut_features import PID_BITS
from sequences.guest_update_vseq import PA, VA, GuestUpdateBase, req, rwx
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.process_directory import ProcessDirectory

# device -> (PDT mode, two process ids that fit it)
DEVICES = {0x20: ("pd8", (0x03, 0xA7)), 0x21: ("pd17", (0x1_0203, 0x0042)),
           0x22: ("pd20", (0xF_1234, 0x2_0001))}


def retarget(dut) -> dict:
    """DEVICES on this DUT: each PDT mode it lacks becomes the widest it has below it, and the
    process ids keep their low bits (still two distinct ids per device)."""
    out = {}
    for did, (mode, pids) in DEVICES.items():
        m = dut.pd_mode(mode)
        out[did] = (m, tuple(p & ((1 << PID_BITS[m]) - 1) for p in pids))
    return out


class ProcessContextVseq(GuestUpdateBase):
    async def body(self):
        await self.init_iommu("1lvl")
        devices = retarget(self.dut)
        wide = self.dut.fs_mode("sv48")
        if all(mode == "pd8" for mode, _ in devices.values()):
            self.dut.skip("non-leaf PDT entry removed and restored (266)",
                          f"DUT {self.dut.name} has only PD8 (a one-level PDT)")
        pscid = 20
        self.pd_of = {}
        tables = {}
        for did, (mode, pids) in devices.items():
            pd = self.process_directory(mode, did=did)
            self.pd_of[did] = pd
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                pdtv=True, pdt_mode=mode, pdt_root=pd.root)))
            for pid in pids:
                pt = self.page_table("sv39", pscid=pscid)
                pt.map(VA, PA + pscid * 0x1000, perms="rw")
                pt.map(VA + 0x1000, PA + pscid * 0x1000 + 0x10_0000, perms="rx", user=False)
                tables[(did, pid)] = pt
                # a process made valid: the process id was seen invalid (266) first
                rq = rwx(did, VA, pid) + rwx(did, VA + 0x1000, pid, s=True)
                await self.cycle(rq, lambda pd=pd, pid=pid, pt=pt, p=pscid: pd.set_pc(
                    pid, pscid=p, fs_mode="sv39", fs_root=pt.root, ens=True),
                    expect=lambda r: "ok" if (r.iova & 0x1000) == 0 and r.ttyp != 1
                    or (r.iova & 0x1000) and r.ttyp != 3 else None)
                pscid += 1
        for did, (mode, pids) in devices.items():
            pd = self.pd_of[did]
            p0, p1 = pids
            rq = (rwx(did, VA, p0, kinds="rw") + rwx(did, VA, p1, kinds="rw")
                  + rwx(did, VA + 0x1000, p0, s=True, kinds="x")
                  + rwx(did, VA + 0x1000, p1, s=True, kinds="x"))
            # move p0 to p1's table under a new PSCID: V=0, invalidate, new context
            await self.cycle(rq, lambda: pd.invalidate_pc(p0),
                             expect=lambda r: 266 if r.pid == p0 else None)
            new = self.page_table(wide, pscid=pscid)
            new.map(VA, PA + 0x70_0000, perms="r")
            await self.cycle(rq, lambda: pd.set_pc(p0, pscid=pscid, fs_mode=wide,
                                                   fs_root=new.root, ens=True))
            # fsc in place (one doubleword): back to its own Sv39 table, same PSCID
            await self.cycle(rq, lambda: pd.set_pc(p0, pscid=pscid, fs_mode="sv39",
                                                   fs_root=tables[(did, p0)].root, ens=True))
            pscid += 1
            # ENS cleared (supervisor requests: 260), then SUM and ENS set
            await self.cycle(rq, lambda: pd.set_pc(p1, pscid=tables[(did, p1)].pscid,
                                                   fs_mode="sv39", fs_root=tables[(did, p1)].root),
                             expect=lambda r: 260 if r.pid == p1 and r.priv_s else None)
            await self.cycle(rq, lambda: pd.set_pc(p1, pscid=tables[(did, p1)].pscid,
                                                   fs_mode="sv39", fs_root=tables[(did, p1)].root,
                                                   ens=True, sum_=True))
            # a non-leaf PDT entry (PD17/PD20): removed (266), restored
            if pd.levels > 1:
                ea = pd.root + 8 * pd.pdi(p0)[pd.levels - 1]
                saved = pd._shadow[ea]
                await self.cycle(rq, lambda: pd.set_pdte(p0, pd.levels - 1, 0),
                                 expect=lambda r: 266 if r.pid == p0 or
                                 pd.pdi(r.pid)[pd.levels - 1] == pd.pdi(p0)[pd.levels - 1] else None)
                await self.cycle(rq, lambda: pd.set_pdte(p0, pd.levels - 1, saved))
            # misconfigured: reserved first-stage mode in fsc (267), then valid again
            await self.cycle(rq, lambda: pd.invalidate_pc(p1))
            await self.cycle(rq, lambda: pd.set_pc(p1, pscid=99, fs_mode=1, fs_root=0x1000),
                             expect=lambda r: 267 if r.pid == p1 else None)
            await self.cycle(rq, lambda: pd.invalidate_pc(p1))
            await self.cycle(rq, lambda: pd.set_pc(p1, pscid=tables[(did, p1)].pscid,
                                                   fs_mode="sv39", fs_root=tables[(did, p1)].root,
                                                   ens=True))
        # DPE: the PD8 device's requests without a process_id use process 0
        pd8 = self.pd_of[0x20]
        pt0 = self.page_table("sv39", pscid=60)
        pt0.map(VA, PA + 0x60_0000, perms="rw")
        dpe_rq = rwx(0x20, VA, None, kinds="rw") + rwx(0x20, VA, 0, kinds="rw")
        await self.cycle(dpe_rq, lambda: pd8.set_pc(0, pscid=60, fs_mode="sv39", fs_root=pt0.root))
        await self.cycle(dpe_rq, lambda: self.ddt.invalidate_dc(0x20))
        await self.cycle(dpe_rq, lambda: self.ddt.set_dc(0x20, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd8.root, dpe=True)), expect="ok")
        # a process_id too wide for PD8: 260
        await self.settle([req(0x20, VA, "r", 0x100), req(0x21, VA, "r", 0x2_0000)], 260,
                          "process_id too wide")
        # a PDT whose root page cannot be read: 265 (PDT entry load access fault)
        bad = ProcessDirectory("pd8", self.alloc, self.store64, did=0x30)
        bad.set_pc(1, pscid=70, fs_mode="bare")
        self.env.set_access_fault(bad.root, bad.root + 0x1000)
        await self.cycle(rwx(0x30, VA, 1, kinds="rw"), lambda: self.ddt.set_dc(0x30, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=bad.root)), expect=265)


class ProcessContextInvalidateEverythingVseq(ProcessContextVseq):
    persona_name = "invalidate-everything"
