"""The pyuvm environment: register, memory and device agents, the oracle-backed scoreboard,
coverage, the software facade that sequences use, and the hang watchdog."""
from __future__ import annotations

import logging
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, Timer
from cocotb.utils import get_sim_time
from pyuvm import ConfigDB, uvm_env

from scoreboards import CoherenceOracle
from tb.agents.dev.dev_agent import DevAgent
from tb.agents.mem.hdl_mem_agent import HdlMemAgent
from tb.agents.mem.mem_agent import MemAgent
from tb.agents.reg.reg_agent import RegAgent
from tb.env.iommu_cov import IommuCoverage
from tb.env.iommu_env_cfg import IommuEnvCfg
from tb.env.iommu_scoreboard import IommuScoreboard, subscriber


class IommuEnv(uvm_env):
    def build_phase(self):
        self.cfg: IommuEnvCfg = ConfigDB().get(self, "", "cfg")
        self.rng = random.Random(self.cfg.seed)
        self.reg = RegAgent("reg", self)
        if self.cfg.memory not in ("axiram", "hdl"):
            raise ValueError(f"IommuEnvCfg.memory={self.cfg.memory!r}: use 'axiram' or 'hdl'")
        self.memory = (HdlMemAgent if self.cfg.memory == "hdl" else MemAgent)("memory", self)
        self.dev = DevAgent("dev", self)
        self.sb = IommuScoreboard("sb", self)
        self.cov = IommuCoverage("cov", self)
        self.oracle = CoherenceOracle(policy=self.cfg.policy, capabilities=self.cfg.capabilities)

    def connect_phase(self):
        self.sb.oracle = self.oracle
        self.cov.oracle = self.oracle
        # Coverage first: it decodes a doorbell's commands before the oracle consumes them.
        self.reg.ap.connect(subscriber("cov_reg", self, self.cov.reg_op).analysis_export)
        self.reg.ap.connect(subscriber("sb_reg", self, self.sb.reg_op).analysis_export)
        if not self.cfg.checking:
            return                    # the throughput limit: traffic without Python checking
        self.dev.ap.connect(subscriber("sb_dev", self, self.sb.translation).analysis_export)
        self.dev.ap.connect(subscriber("cov_dev", self, self.cov.translation).analysis_export)
        self.memory.ap.connect(subscriber("sb_mem", self, self.sb.mem_access).analysis_export)

    async def start(self, dut) -> None:
        """Clock, reset, and the bus models (AxiRam must start while reset is held; the HDL
        memory's backdoor registers are set then too)."""
        self.dut = dut
        # The C++ (GPI) clock: on Icarus always; on Verilator with the HDL memory (the Python
        # clock costs 2 wake-ups a cycle, ~3x the cycle rate there; the AxiRam regression keeps it).
        # iommu_bench_top makes its own clock (CLK_HALF_NS, 10 ns a cycle like cfg.clock_ns).
        if not hasattr(dut, "u_drv"):
            icarus = cocotb.SIM_NAME.lower().startswith("icarus")
            impl = "gpi" if icarus or self.cfg.memory == "hdl" else None
            clock = Clock(dut.clk, self.cfg.clock_ns, unit="ns", **({"impl": impl} if impl else {}))
            clock.start()
        dut.rst_n.value = 0
        if hasattr(dut, "dev_req_valid"):     # iommu_bench_top drives it in HDL (u_drv)
            dut.dev_req_valid.value = 0
            dut.dev_rsp_ready.value = 1
            for name in ("did", "pv", "pid", "priv", "iova", "ttyp", "tag"):
                getattr(dut, f"dev_req_{name}").value = 0
        # The bus models start while reset is held, once the DUT's outputs are out of X/Z;
        # their start-up banners are INFO and silenced before they are built.
        await ClockCycles(dut.clk, 2)
        for prefix in ("s_axil", "m_axi"):
            logging.getLogger(f"cocotb.{dut._name}.{prefix}").setLevel(logging.WARNING)
        if self.cfg.memory == "axiram" and not hasattr(dut, "m_axi_arvalid"):
            raise RuntimeError(f"IommuEnvCfg.memory='axiram' needs m_axi on the toplevel "
                               f"({dut._name} has none: set IOMMU_MEMORY=hdl)")
        self.memory.attach(dut, stall=self.cfg.mem_stall, rng=random.Random(self.rng.random()))
        self.reg.driver.attach(dut)
        if hasattr(dut, "u_drv"):
            dut.u_drv.go_gen.value = 0        # the batch driver's handshake starts from 0
            dut.u_drv.rsp_stall_thresh.value = 0
        await ClockCycles(dut.clk, 5)
        dut.rst_n.value = 1
        await ClockCycles(dut.clk, 2)
        self.dev.attach(dut, clock_ns=self.cfg.clock_ns, max_outstanding=self.cfg.max_outstanding,
                        rsp_stall=self.cfg.rsp_stall, rng=random.Random(self.rng.random()))
        self.sb.bfm = self.dev.bfm

    # -- software facade: what a driver running on a hart does ------------------------------
    def store64(self, pa: int, value: int) -> None:
        """A hart's 64-bit store to memory: visible to the IOMMU from now on."""
        self.sb.store64(pa, value)
        self.memory.store64(pa, value)

    def set_access_fault(self, lo: int, hi: int) -> None:
        """Make IOMMU accesses to [lo, hi) fail with a bus error (the model predicts it)."""
        self.memory.set_access_fault(lo, hi)
        self.oracle.mem.set_access_fault(lo, hi)

    # -- end of test ----------------------------------------------------------------------
    async def drain(self, quiet_cycles: int = 64) -> None:
        """Wait until every device request has its response and the IOMMU has made no memory
        access for `quiet_cycles` (fault records are written after the response)."""
        bfm = self.dev.bfm
        quiet_ns = quiet_cycles * self.cfg.clock_ns
        while bfm.busy or get_sim_time("ns") - self.memory.last_access_ns < quiet_ns:
            await ClockCycles(self.dut.clk, 16)

    async def watchdog(self) -> str:
        """Returns (ending the test) with a message when work is pending and nothing moved
        for cfg.watchdog_ns; never returns on a healthy run."""
        period = max(self.cfg.watchdog_ns // 4, 1000)
        while True:
            await Timer(period, unit="ns")
            bfm = self.dev.bfm
            if bfm is None or not bfm.busy:
                continue
            now = get_sim_time("ns")
            if now - bfm.last_progress_ns >= self.cfg.watchdog_ns:
                out = bfm.outstanding()
                head = ", ".join(f"tag {t} did={r.did:#x} iova={r.iova:#x} ttyp={int(r.ttyp)} "
                                 f"since {ts:.0f} ns" for t, r, ts in out[:4])
                return (f"HUNG DUT: no device response for {now - bfm.last_progress_ns:.0f} ns with "
                        f"{len(out)} requests in flight and {len(bfm.pending)} queued; oldest: {head}")
