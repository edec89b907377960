"""QoS IDs scenario (capabilities.QOSID): iommu_qosid's WARL behaviour and device contexts
carrying RCID/MCID in DC.ta.

- Register: iommu_qosid (0x270, 4 bytes) read at reset, then written with all-ones, zero and
  random values; each readback must be what the golden model says (only the low RCID/MCID
  bits the DUT implements are writable, [15:12] and [31:28] read 0). The environment found
  those widths at start (tb/env/iommu_env.py, discover_qosid) and told the model.
- Device contexts: 0x41 with the widest legal IDs, 0x42 with random legal ones (both
  translate), 0x43 with an RCID and 0x44 with an MCID one bit wider than implemented (cause
  259, misconfigured; left out for a field of 12 bits); then 0x42's RCID is made too wide and
  back again, each change invalidated (IODIR.INVAL_DDT).
A DUT without QOSID skips the whole scenario, with the reason.
"""
from __future__ import annotations

from models import Reg
from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.sw.device_directory import DeviceContextSpec

IOVA, PA = 0x6000_0000, 0x4800_0000


def rw(did: int) -> list:
    return [req(did, IOVA, "r"), req(did, IOVA + 0x40, "w")]


class QosIdVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("qosid", "QoS IDs (the whole qosid scenario)"):
            return
        await self.register_checks()
        await self.init_iommu("1lvl")
        await self.device_contexts()

    async def expect_qosid(self, when: str) -> None:
        got = await self.reg_read(Reg.IOMMU_QOSID, 4)
        want = self.env.expected_reg(Reg.IOMMU_QOSID, 4)
        if got != want:
            raise AssertionError(f"REGISTER iommu_qosid expected {want:#x} got {got:#x} {when}")

    async def register_checks(self) -> None:
        await self.expect_qosid("at reset")
        values = [0xFFFF_FFFF, 0, 0x0FFF_0FFF, 0xF000_F000]
        values += [self.rng.getrandbits(32) for _ in range(6)]
        for v in values:
            await self.reg_write(Reg.IOMMU_QOSID, v, 4)
            await self.expect_qosid(f"after writing {v:#x}")
        await self.reg_write(Reg.IOMMU_QOSID, 0, 4)

    async def device_contexts(self) -> None:
        rbits, mbits = self.dut.qosid_widths
        rng = self.rng
        pt = self.page_table("sv39", pscid=9)
        pt.map(IOVA, PA, perms="rw")
        widest = dict(rcid=(1 << rbits) - 1, mcid=(1 << mbits) - 1)
        legal = dict(rcid=rng.randrange(1 << rbits), mcid=rng.randrange(1 << mbits))
        devices = {0x41: (widest, "ok"), 0x42: (legal, "ok")}
        if rbits < 12:
            devices[0x43] = (dict(rcid=1 << rbits), 259)
        if mbits < 12:
            devices[0x44] = (dict(mcid=1 << mbits), 259)
        for did, (ids, _) in devices.items():
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                fs_mode="sv39", fs_root=pt.root, pscid=9, **ids)))
        for did, (ids, want) in devices.items():
            await self.settle(rw(did), want, f"device {did:#x} with RCID/MCID {ids}")
        if rbits < 12:
            for ids, want in ((dict(rcid=(1 << rbits) | legal["rcid"]), 259), (legal, "ok")):
                await self.cycle(rw(0x42), lambda ids=ids: self.ddt.set_dc(
                    0x42, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=9,
                                            **dict(legal, **ids))),
                    expect=want, label=f"device 0x42 DC.ta -> {ids}")
