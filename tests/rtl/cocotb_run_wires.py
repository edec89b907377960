"""The activation wire of every activity-gated clocked block of rtl/riscv_iommu.v, read while
the IOMMU is idle after reset: 0 in a normal build (an idle cycle runs nothing), 1 in a build
with +define+IOMMU_ALWAYS_RUN ($IOMMU_ALWAYS_RUN=1 says which build this is)."""

import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly

# every `wire *_run = `IOMMU_RUN(...)` in rtl/, by its path under riscv_iommu
RUN_WIRES = ["u_regs.reg_run", "u_cq.cq_run", "u_fq.fq_run", "u_axi.r_run", "u_axi.w_run",
             "u_xlate.x_run", "u_xlate.u_walker.w_run", "u_xlate.u_iotlb.g_tlb.t_run",
             "u_xlate.u_ddtc.g_cache.c_run", "u_xlate.u_pdtc.g_cache.c_run"]


def handle(dut, path):
    h = dut
    for name in path.split("."):
        h = getattr(h, name)
    return h


@cocotb.test()
async def run_wires_when_idle(dut):
    want = int(os.environ.get("IOMMU_ALWAYS_RUN", "0"))
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst_n.value = 0
    for name in ("s_axil_awvalid", "s_axil_wvalid", "s_axil_bready", "s_axil_arvalid",
                 "s_axil_rready", "m_axi_awready", "m_axi_wready", "m_axi_bvalid",
                 "m_axi_arready", "m_axi_rvalid", "dev_req_valid", "dev_rsp_ready"):
        getattr(dut, name).value = 0
    await ClockCycles(dut.clk, 3)
    dut.rst_n.value = 1
    await ClockCycles(dut.clk, 5)
    await ReadOnly()
    got = {p: int(handle(dut, p).value) for p in RUN_WIRES}
    wrong = {p: v for p, v in got.items() if v != want}
    assert not wrong, f"IOMMU_ALWAYS_RUN={want}: idle *_run wires {wrong} (expected all {want})"
