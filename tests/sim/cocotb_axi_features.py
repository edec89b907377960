"""riscv_iommu_axi built with riscv_iommu's feature parameters (tests/sim/test_axi_dma.py,
test_axi_features): the wrapper passes them through, so the IOMMU behind the DMA front reports
them in capabilities and they work through the wrapper's ports.

$IOMMU_AXI_FEATURES names the build: "default" (no parameter given) or "all" (SVPBMT=1,
AMO_HWAD=1, DBG=1, HPM_COUNTERS=8, HPM_WIDTH=40, NL=1, S=1, MSI_FLAT=1, IGS=2, END=1, SV32=1,
SV32X4=1, SV57=1, SV57X4=1). The expected
capabilities are worked out by hand from the spec's bit positions (not from models/):
- default: version 0x10, Sv39 [9], Sv48 [10], Sv39x4 [17], Sv48x4 [18], IGS [29:28] = 1 (WSI),
  PAS [37:32] = 56, PD8/PD17/PD20 [40:38] = 0x0000_01F8_1006_0610;
- all: also Sv32 [8] (0x100), Sv57 [11] (0x800), Svpbmt [15] (0x8000), Sv32x4 [16]
  (0x1_0000), Sv57x4 [19] (0x8_0000), MSI_FLAT [22] (0x40_0000), AMO_HWAD [24] (0x100_0000),
  END [27] (0x800_0000), IGS = 2 (BOTH: 0x2000_0000 instead of 0x1000_0000), HPM [30], DBG [31],
  NL [42], S [43] = 0x0000_0DF8_E94F_8F10.
With "all", the features are also exercised through the wrapper: ddtp Bare, counter 1 on
event 1 (untranslated requests, no filter) counts exactly the DMA transactions sent; a debug
translation (DBG) of a Bare IOVA answers PPN = IOVA >> 12; fctl.WSI resets to 0 (IGS=BOTH) and
msi_addr_0 keeps ADDR [55:2]. Before that, while ddtp is Off and the queues off, fctl.BE [0]
(END) and fctl.GXL [2] (a 32-bit and a 64-bit scheme) are writable: 0x5 reads back 0x5.
"""
from __future__ import annotations

import os

import cocotb
from cocotb.triggers import Timer

from models import Reg, Request
from tests.sim.cocotb_axi_dma import CLK_NS, DDTP_BARE, RD, TIMEOUT_US, WR, AxiDmaTb

EXPECTED_CAPS = {"default": 0x0000_01F8_1006_0610, "all": 0x0000_0DF8_E94F_8F10}


def _features() -> str:
    name = os.environ.get("IOMMU_AXI_FEATURES", "default")
    if name not in EXPECTED_CAPS:
        raise ValueError(f"IOMMU_AXI_FEATURES={name!r}: expected one of {sorted(EXPECTED_CAPS)}")
    return name


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def features_through_wrapper(dut):
    name = _features()
    tb = AxiDmaTb(dut)
    await tb.start()
    caps = await tb.rd(Reg.CAPABILITIES, 8)
    assert caps == EXPECTED_CAPS[name], \
        f"capabilities of the {name} wrapper build: expected {EXPECTED_CAPS[name]:#018x}, " \
        f"got {caps:#018x}"
    if name != "all":
        return
    # END and Sv32/Sv32x4: fctl.BE and fctl.GXL writable while everything is off (then back)
    await tb.wr(Reg.FCTL, 0x5, 4)
    fctl = await tb.rd(Reg.FCTL, 4)
    assert fctl == 0x5, f"fctl after writing BE and GXL (END, Sv32x4): expected 0x5, got {fctl:#x}"
    await tb.wr(Reg.FCTL, 0x0, 4)
    # HPM: counter 1 on event 1 (untranslated requests), no filter
    await tb.wr(Reg.IOHPMEVT1, 1)
    await tb.wr(Reg.DDTP, DDTP_BARE)
    reqs = [Request(did=3, iova=0x8000_0000 + 0x1000 * i + 8 * i, ttyp=(RD if i % 2 else WR))
            for i in range(6)]
    results = await tb.run(reqs)
    assert all(not r.fault for r in results), f"Bare requests faulted: {results}"
    ctr = await tb.rd(Reg.IOHPMCTR1, 8)
    assert ctr == len(reqs), f"iohpmctr1 (event 1): expected {len(reqs)}, got {ctr}"
    # DBG: a read of IOVA 0x1234_5678 through the debug interface under ddtp Bare
    await tb.wr(Reg.TR_REQ_IOVA, 0x1234_5000)
    await tb.wr(Reg.TR_REQ_CTL, 1 | 1 << 3 | 3 << 40)          # Go, NW (read), DID 3
    for _ in range(100):
        if not await tb.rd(Reg.TR_REQ_CTL, 4) & 1:
            break
        await Timer(10 * CLK_NS, "ns")
    else:
        assert False, "tr_req_ctl.Go/Busy still 1 after 100 polls"
    rsp = await tb.rd(Reg.TR_RESPONSE, 8)
    assert rsp == 0x12345 << 10, f"tr_response: expected {0x12345 << 10:#x} (PPN 0x12345), got {rsp:#x}"
    # IGS = BOTH: fctl.WSI resets to 0; msi_addr_0 keeps ADDR [55:2]
    fctl = await tb.rd(Reg.FCTL, 4)
    assert fctl == 0, f"fctl with IGS=BOTH at reset: expected 0, got {fctl:#x}"
    await tb.wr(Reg.MSI_CFG_TBL, 0xFF12_3456_789A_BCDF)
    got = await tb.rd(Reg.MSI_CFG_TBL, 8)
    assert got == 0x0012_3456_789A_BCDC, f"msi_addr_0: expected 0x12_3456_789a_bcdc, got {got:#x}"
