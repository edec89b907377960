"""Virtual-IOMMU scenarios: a guest driver on a virtual RISC-V IOMMU provided by a VMM persona
(sequences/guest/), every response judged at two layers (the host oracle: the testbench's
scoreboard; the guest oracle: sequences/guest/guest_view.py) and every finding attributed to the
guest, the VMM or the hardware (sequences/guest/attribution.py).

The guest has two devices (guest device_id 3 and 4, host 0x23 and 0x24) with Sv39 tables at
GPAs (PSCID 7 and 8). Each step is a cycle: translate (warm), the guest's update, translate
before the guest invalidates (both layers accept the old or the new value, as each policy
says), the guest's commands through its own queue, translate after. The steps: remap,
permission down, unmap, map (V 0->1: nothing to invalidate under riscv-1.0-strict; its
invalidation under caching-mode), unmap with the table pruned (a non-leaf PTE: IOTINVAL.VMA
AV=0), the device context made invalid (258) and a new one with another table and PSCID, a
remap in the new table. The run ends with one line per layer finding and fails on the first.
"""
from __future__ import annotations

from models import Reg, Request, TTYP
from sequences.guest.attribution import GUEST, VMM, attribute_advice
from sequences.guest.guest_driver import GuestDriver
from sequences.guest.guest_personas import guest_persona
from sequences.guest.guest_view import GuestView
from sequences.guest.vm_memory import VmMemoryMap
from sequences.guest.vmm import vmm_persona
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.commands import iodir_inval_ddt, iofence_c, iotinval_vma
from sequences.sw.page_table import SIZE_4K, SIZE_64K

GPA_BASE, SPA_BASE, VM_SIZE = 0x8000_0000, 0x4000_0000, 0x100_0000
GSCID = 3
DID_MAP = {3: 0x23, 4: 0x24}
IOVA = 0x1000_0000
RD, WR = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE


def greqs(did: int, va: int, pid=None, priv_s: bool = False) -> list:
    """A read and a write in the page at va (guest device_id; with a process_id: PASID; with
    priv_s: supervisor requests, which need the process context's ENS)."""
    return [Request(did=did, iova=va + 0x10, ttyp=RD, pid=pid, priv_s=priv_s),
            Request(did=did, iova=va + 0x48, ttyp=WR, pid=pid, priv_s=priv_s)]


class ViommuVseq(IommuSwVseq):
    vmm_name = "nested-forwarding"
    guest_driver_policy = None     # the policy the guest driver was written for (None: the
                                   # VMM's guest-visible policy)

    def __init__(self, name: str = "vseq"):
        super().__init__(name)
        self.layer_findings: list = []
        self.vmm = self.view = self.guest = None

    async def start_stack(self) -> GuestDriver:
        """The host software, the VMM persona, the guest layer's oracle and the guest driver
        (its queue and DDT set up); returns the driver."""
        await self.init_iommu("2lvl")
        vm = VmMemoryMap(GPA_BASE, SPA_BASE, VM_SIZE)
        self.vmm = vmm_persona(self.vmm_name)(self, vm, DID_MAP, GSCID)
        await self.vmm.start()
        self.view = GuestView(self.vmm.guest_policy, vm, DID_MAP)
        self.view.oracle.set_capabilities(self.env.expected_reg(Reg.CAPABILITIES))
        self.guest = g = GuestDriver(
            self.vmm, self.view, guest_persona(self.guest_driver_policy or self.vmm.guest_policy),
            GPA_BASE)
        self.env.logger.info(f"vIOMMU: VMM persona {self.vmm.name}, guest policy "
                             f"{self.vmm.guest_policy}, host policy {self.env.cfg.policy}, {vm}")
        await g.init()
        return g

    async def body(self):
        g = await self.start_stack()
        data = g.data
        tables = {}
        for did, pscid in ((3, 7), (4, 8)):
            pt = g.page_table("sv39", pscid)
            for i in range(4):
                await g.after_update(pt.map(IOVA + i * SIZE_4K, data + (did * 16 + i) * SIZE_4K,
                                            perms="rw"))
            await g.after_update(g.ddt.set_dc(did, DeviceContextSpec(
                fs_mode="sv39", fs_root=pt.root, pscid=pscid)))
            tables[did] = pt
        both = [r for did in (3, 4) for r in greqs(did, IOVA) + greqs(did, IOVA + SIZE_4K)]
        await self.settle(both, "set up")
        for did in (3, 4):
            pt = tables[did]
            rq = greqs(did, IOVA) + greqs(did, IOVA + SIZE_4K)
            new = data + 0x40 * SIZE_4K + did * SIZE_4K
            await self.cycle(rq, lambda: pt.remap(IOVA, new),
                             expect=lambda r: r.iova >> 12 != IOVA >> 12 or new | r.iova & 0xFFF)
            await self.cycle(rq, lambda: pt.protect(IOVA + SIZE_4K, "r"),
                             expect=lambda r: r.iova >> 12 == IOVA >> 12 or r.ttyp == RD or 15)
            await self.cycle(rq, lambda: pt.unmap(IOVA),
                             expect=lambda r: r.iova >> 12 != IOVA >> 12 or
                             (13 if r.ttyp == RD else 15))
            back = data + 0x50 * SIZE_4K + did * SIZE_4K
            await self.cycle(rq, lambda: pt.map(IOVA, back, perms="rw"),
                             expect=lambda r: r.iova >> 12 != IOVA >> 12 or back | r.iova & 0xFFF)
            # a page in a 2 MiB region of its own, unmapped with its table pruned: a non-leaf
            # PTE removed, so the guest's IOTINVAL.VMA has AV=0
            far = IOVA + 0x40_0000
            await g.after_update(pt.map(far, data + (0x58 + did) * SIZE_4K, perms="rw"))
            await self.cycle(greqs(did, far), lambda: pt.unmap(far, prune=True),
                             expect=lambda r: 13 if r.ttyp == RD else 15)
        # the device context of guest device 3 replaced: V=0 (258 for its requests), then a new
        # context with another table and PSCID, and a remap in it
        rq3 = greqs(3, IOVA) + greqs(3, IOVA + 2 * SIZE_4K)
        await self.cycle(rq3, lambda: g.ddt.invalidate_dc(3), expect=lambda r: 258)
        pt9 = g.page_table("sv39", 9)
        for i in range(4):
            pt9.map(IOVA + i * SIZE_4K, data + (0x60 + i) * SIZE_4K, perms="rw")
        await self.cycle(rq3, lambda: g.ddt.set_dc(3, DeviceContextSpec(
            fs_mode="sv39", fs_root=pt9.root, pscid=9)),
            expect=lambda r: data + (0x60 + (r.iova - IOVA >> 12)) * SIZE_4K | r.iova & 0xFFF)
        await self.cycle(rq3, lambda: pt9.remap(IOVA + 2 * SIZE_4K, data + 0x70 * SIZE_4K),
                         expect=lambda r: r.iova >> 12 == IOVA >> 12 or
                         data + 0x70 * SIZE_4K | r.iova & 0xFFF)
        await self.vmm.finish()
        self.report()

    # -- the cycle ------------------------------------------------------------------------
    async def cycle(self, reqs: list, change, expect=None) -> None:
        """warm -> the guest's update -> translate before the guest's invalidation -> its
        commands through its queue -> translate after. `expect(req)`: what the guest must see
        once settled (True: anything; an int: a PA or a cause code; checked only when the guest
        oracle has one outcome left, i.e. the guest's commands were enough for its policy)."""
        await self.guest_translate(reqs)               # warm: the hardware caches fill
        upd = change()
        await self.guest_translate(reqs)               # before the guest's invalidation
        await self.guest.after_update(upd)
        await self.guest_translate(reqs)               # after: only the new value
        self.check_settled(reqs, upd, expect)

    async def cycle_batch(self, reqs: list, changes: list, commands: list, expect=None) -> None:
        """A cycle of several guest updates followed by one batch of guest commands of the
        guest's choosing (e.g. one IODIR.INVAL_DDT DV=0 for the contexts of every device)
        instead of the persona's commands per update."""
        await self.guest_translate(reqs)
        ups = [change() for change in changes]
        await self.guest_translate(reqs)
        await self.guest.run_commands(commands)
        await self.guest_translate(reqs)
        self.check_settled(reqs, "; ".join(map(str, ups)), expect)

    def check_settled(self, reqs: list, upd, expect) -> None:
        if expect is None:
            return
        for r in reqs:
            outs = self.view.oracle.outcomes(r)
            want = expect(r)
            if len(outs) != 1 or want is True:
                continue
            (out,) = outs
            got = out.cause if out.cause is not None else out.pa
            if got != want:
                pid = "-" if r.pid is None else f"{r.pid:#x}"
                raise AssertionError(f"vIOMMU scenario: after '{upd}' guest did={r.did:#x} "
                                     f"pid={pid} iova={r.iova:#x} ttyp={int(r.ttyp)} settles on {out}, the "
                                     f"scenario meant {want:#x}")

    async def settle(self, reqs: list, label: str) -> None:
        results = await self.guest_translate(reqs)
        # a fault the guest's policy still permits (the guest skipped an invalidation) is the
        # guest's finding at the end, not the scenario's
        bad = [r for r in results if r.fault and
               len(self.view.oracle.outcomes(self.view.guest_request(r.req))) == 1]
        if bad:
            raise AssertionError(f"vIOMMU {label}: guest did={self.view.guest_did[bad[0].req.did]:#x}"
                                 f" iova={bad[0].req.iova:#x} faults ({bad[0].cause})")

    async def guest_translate(self, reqs: list) -> list:
        """The guest's device requests, sent as the host devices; each response judged at the
        guest layer (and its host verdict taken for the attribution)."""
        results = await self.translate([self.view.host_request(r) for r in reqs])
        for res in results:
            f = self.view.judge(res, self.env.permitted(res.req), self.vmm.audit.mistakes)
            if f is not None:
                self.layer_findings.append(f)
                self.env.logger.error(str(f))
        return results

    # -- the end --------------------------------------------------------------------------
    def report(self) -> None:
        """Every layer finding one line each. A mismatch or a VMM finding fails the run here
        (the virtual IOMMU is what the guest checks); the guest's own findings go to the end
        of the test with the oracle's (env.add_advice): the software verdict SEQUENCE, unless
        declared, counted under ADVICE=warn."""
        host = [str(f) for f in self.env.advice() if not str(f).startswith("VIOMMU")]
        advice = attribute_advice(host, self.view.advice(), self.view.vm.gpa)
        guest = [f for f in advice if f.layer == GUEST]
        vmm = [f for f in advice if f.layer != GUEST]
        for f in vmm:
            self.env.logger.error(str(f))
        self.env.add_advice(guest)
        seen = {str(f.why) for f in self.layer_findings}
        audit = [m for m in self.vmm.audit.mistakes if str(m) not in seen]
        for m in audit:
            self.env.logger.error(f"VIOMMU AUDIT layer=VMM ({m.name}): {m.detail}")
        self.env.logger.info(
            f"vIOMMU {self.vmm.name}: {self.view.checked} responses judged at the guest layer "
            f"(policy {self.view.policy}), {self.guest.commands} guest commands, "
            f"{len(self.layer_findings)} mismatches, {len(advice)} advice findings "
            f"({len(guest)} the guest's), {len(self.vmm.audit.mistakes)} forwarding mistakes")
        cov = getattr(self.env, "cov", None)
        if cov is not None and hasattr(cov, "viommu"):
            layers = {f.layer for f in self.layer_findings + advice} or {"none"}
            if audit:
                layers.add(VMM)
            for layer in sorted(layers):
                cov.viommu(self.vmm.name, self.view.policy, layer)
            if hasattr(cov, "viommu_feature"):
                for feature in sorted(self.guest.features):
                    cov.viommu_feature(self.vmm.name, feature)
        n = len(self.layer_findings) + len(vmm) + len(audit)
        first = self.layer_findings + vmm
        if first:
            raise AssertionError(f"{first[0]} ({n} finding(s) at the VMM or hardware layer)")
        if audit:
            raise AssertionError(f"VIOMMU AUDIT layer=VMM ({audit[0].name}): {audit[0].detail}")


class ViommuPasidVseq(ViommuVseq):
    """PASID guests (issue 15): guest device 3 has PDTV=1, its PDT (PD17, at GPAs) holding
    processes 1 and 2 with their own Sv39 tables and PSCIDs (0x11, 0x12); guest device 4 an Sv39
    table (PSCID 8). Requests carry the process_id. Under nesting the host DC keeps PDTV and the
    guest's pdtp (a GPA the G-stage translates, as every PDT and first-stage address of the
    walk); under shadowing a host PDT holds one shadow table per guest process. Steps: a remap
    in process 1's table (IOTINVAL.VMA PSCV=1 PSCID=0x11 AV=1); process 2's PC made invalid
    (IODIR.INVAL_PDT DID=3 PID=2 and IOTINVAL.VMA PSCID=0x12: 266); process 2 valid again on
    another table (PSCID 0x13) with ENS=1 SUM=1 (its supervisor requests translate, process 1's
    get 260); process 1's PC re-pointed at a new table (fsc only, in place);
    a 64 KiB Svnapot page in it mapped, remapped, split into 4 KiB pages, merged back and
    unmapped; both device contexts made invalid and one IODIR.INVAL_DDT DV=0 for both (the VMM
    owes the hardware one DV=1 per device of the VM: 258 for every request), then valid again."""
    pdt_mode = "pd17"

    async def body(self):
        g = await self.start_stack()
        data = g.data

        def page(n: int) -> int:
            return data + n * SIZE_4K

        pt4 = g.page_table("sv39", 8)
        for i in range(2):
            await g.after_update(pt4.map(IOVA + i * SIZE_4K, page(0x70 + i), perms="rw"))
        spec4 = DeviceContextSpec(fs_mode="sv39", fs_root=pt4.root, pscid=8)
        await g.after_update(g.ddt.set_dc(4, spec4))
        pdt = g.process_directory(self.pdt_mode, 3)
        where = {}                     # (pid, IOVA page) -> guest PA the scenario expects
        tables = {}
        for pid, pscid in ((1, 0x11), (2, 0x12)):
            pt = g.page_table("sv39", pscid)
            for i in range(2):
                await g.after_update(pt.map(IOVA + i * SIZE_4K, page(0x80 + 8 * pid + i)))
                where[pid, IOVA + i * SIZE_4K] = page(0x80 + 8 * pid + i)
            await g.after_update(pdt.set_pc(pid, pscid=pscid, fs_mode="sv39", fs_root=pt.root))
            tables[pid] = pt
        spec3 = DeviceContextSpec(pdtv=True, pdt_mode=self.pdt_mode, pdt_root=pdt.root)
        await g.after_update(g.ddt.set_dc(3, spec3))

        def preqs(pid: int) -> list:
            return greqs(3, IOVA, pid) + greqs(3, IOVA + SIZE_4K, pid)

        def at(r) -> int:
            return where[r.pid, r.iova & ~0xFFF] | r.iova & 0xFFF

        p1, p2 = preqs(1), preqs(2)
        await self.settle(p1 + p2 + greqs(4, IOVA), "set up")
        # a remap in process 1's table; process 2 (same IOVA, another PSCID) is untouched
        where[1, IOVA] = page(0xA0)
        await self.cycle(p1 + p2, lambda: tables[1].remap(IOVA, page(0xA0)), expect=at)
        # process 2's PC made invalid: IODIR.INVAL_PDT (3, 2) + IOTINVAL.VMA PSCID 0x12
        await self.cycle(p1 + p2, lambda: pdt.invalidate_pc(2),
                         expect=lambda r: r.pid != 2 or 266)
        # process 2 valid again on another table and PSCID (V 0->1), with ENS=1 and SUM=1: its
        # supervisor requests reach its (U=1) pages; process 1's (ENS=0) get 260
        pt_c = g.page_table("sv39", 0x13)
        for i in range(2):
            pt_c.map(IOVA + i * SIZE_4K, page(0xB0 + i))
            where[2, IOVA + i * SIZE_4K] = page(0xB0 + i)
        s1, s2 = greqs(3, IOVA, 1, priv_s=True), greqs(3, IOVA, 2, priv_s=True)
        await self.cycle(p2 + s2 + s1, lambda: pdt.set_pc(2, pscid=0x13, fs_mode="sv39",
                                                          fs_root=pt_c.root, ens=True,
                                                          sum_=True),
                         expect=lambda r: 260 if r.pid == 1 else at(r))
        # process 1's PC re-pointed at a new table, PSCID kept (one store of fsc): the guest's
        # IODIR.INVAL_PDT (3, 1) and IOTINVAL.VMA PSCID 0x11
        pt_d = g.page_table("sv39", 0x11)
        for i in range(2):
            pt_d.map(IOVA + i * SIZE_4K, page(0xC0 + i))
            where[1, IOVA + i * SIZE_4K] = page(0xC0 + i)
        await self.cycle(p1 + p2, lambda: pdt.set_pc(1, pscid=0x11, fs_mode="sv39",
                                                     fs_root=pt_d.root), expect=at)
        # a 64 KiB Svnapot page in process 1's table: pages 0 and 5 of it
        nap = IOVA + 0x10_0000
        rq = greqs(3, nap, 1) + greqs(3, nap + 5 * SIZE_4K, 1)
        a, b = page(0x100), page(0x110)
        await self.cycle(rq, lambda: pt_d.map(nap, a, SIZE_64K, "rw"),
                         expect=lambda r: a + (r.iova - nap))
        await self.cycle(rq, lambda: pt_d.remap(nap, b), expect=lambda r: b + (r.iova - nap))
        await self.cycle(rq, lambda: pt_d.split(nap), expect=lambda r: b + (r.iova - nap))
        await self.cycle(rq, lambda: pt_d.merge(nap, SIZE_64K),
                         expect=lambda r: b + (r.iova - nap))
        await self.cycle(rq, lambda: pt_d.unmap(nap), expect=lambda r: 13 if r.ttyp == RD else 15)
        # both device contexts made invalid, then ONE IODIR.INVAL_DDT DV=0 (with IOTINVAL.VMA
        # GV=0 PSCV=0 AV=0 and a fence with PR=PW=1): the VMM must send DV=1 for 0x23 and 0x24
        both = p1[:2] + p2[:2] + greqs(4, IOVA)
        await self.cycle_batch(both, [lambda: g.ddt.invalidate_dc(3),
                                      lambda: g.ddt.invalidate_dc(4)],
                               [iodir_inval_ddt(), iotinval_vma(), iofence_c(pr=True, pw=True)],
                               expect=lambda r: 258)
        await g.after_update(g.ddt.set_dc(4, spec4))
        await self.cycle(p1 + p2 + s2, lambda: g.ddt.set_dc(3, spec3), expect=at)
        await self.vmm.finish()
        self.report()


class NestedPasidVseq(ViommuPasidVseq):
    vmm_name = "nested-forwarding"


class ShadowingPasidVseq(ViommuPasidVseq):
    vmm_name = "shadowing"


class NestedDv0DroppedVseq(ViommuPasidVseq):
    vmm_name = "nested-dv0-dropped"


class NestedPdtDidNotTranslatedVseq(ViommuPasidVseq):
    vmm_name = "nested-did-not-translated"


class ShadowingPdtNotUpdatedVseq(ViommuPasidVseq):
    vmm_name = "shadowing-pdt-not-updated"


class NestedForwardingVseq(ViommuVseq):
    vmm_name = "nested-forwarding"


class NestedGscidNotSubstitutedVseq(ViommuVseq):
    vmm_name = "nested-gscid-not-substituted"


class NestedDidNotTranslatedVseq(ViommuVseq):
    vmm_name = "nested-did-not-translated"


class NestedFenceCompletedEarlyVseq(ViommuVseq):
    vmm_name = "nested-fence-completed-early"


class ShadowingVseq(ViommuVseq):
    vmm_name = "shadowing"


class ShadowingNotUpdatedVseq(ViommuVseq):
    vmm_name = "shadowing-not-updated"


class NestedForgetsUnmapGuestVseq(ViommuVseq):
    """A guest driver that leaves its unmaps and remaps without IOTINVAL.VMA, on a correct
    nesting VMM: the hardware keeps the guest's old translations as the spec allows; the guest
    is at fault."""
    vmm_name = "nested-forwarding"
    guest_driver_policy = "forgets-unmap"


class ShadowingStrictGuestVseq(ViommuVseq):
    """A guest driver written for riscv-1.0-strict (nothing after a map) on a shadowing VMM whose
    contract is caching-mode: its maps never reach the shadow. The guest is at fault."""
    vmm_name = "shadowing"
    guest_driver_policy = "riscv-1.0-strict"
