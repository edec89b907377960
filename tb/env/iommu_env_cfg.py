"""Knobs of one environment instance (set by the test, read by the env at build time)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class IommuEnvCfg:
    policy: str = "riscv-1.0-strict"
    fills: str = "any"                       # when caches may fill: "any" (the spec) or "demand"
    seed: int = 0
    capabilities: Optional[int] = None       # what the DUT should report (the profile's
                                             # declaration); None: whatever it reports
    capabilities_must_match: bool = False    # a difference from `capabilities` fails the test
    svnapot: bool = True                     # the DUT implements Svnapot (no capability bit)
    port: str = "dev"                        # device port adapter: "dev" or "axi-dma"
    port_options: dict = field(default_factory=dict)   # the adapter's options (the profile's [port])
    fault_cause: str = "port"                # "record": the cause is seen only in the fault record
    msi_ranges: list = field(default_factory=list)     # [lo, hi) addresses where MSIs may be written
    icvec: Optional[int] = None              # a value software must program into icvec
    irq_outputs: tuple = ("irq_cq", "irq_fq")  # outputs of interrupt vectors 0 and 1 ("": none)
    dut_name: str = "riscv_iommu"
    max_outstanding: int = 64                # device requests in flight at once
    mem_stall: float = 0.0                   # probability an m_axi channel stalls a cycle
    rsp_stall: float = 0.0                   # probability dev_rsp_ready is held low a cycle
    watchdog_ns: int = 200_000               # no progress for this long with work pending: hung
    clock_ns: int = 10
    expect_failures: bool = False            # a negative test: the checker must fail
    checking: bool = True                    # False: no scoreboard (the throughput limit)
    params: dict = field(default_factory=dict)   # RTL parameters of this build (for reports)
    # The IOMMU's memory: "axiram" (cocotbext-axi AxiRam on m_axi of riscv_iommu: protocol
    # checking, any number of fault ranges) or "hdl" (axi_mem_model inside iommu_fast_top, built
    # from tb/hdl/fast_top.f: no Python on the bus; the bench uses it). Default: $IOMMU_MEMORY.
    memory: str = field(default_factory=lambda: os.environ.get("IOMMU_MEMORY", "axiram"))
    # What the oracle's undeclared findings do at the end of the test (tb/advice.py): "error"
    # fails the run with the verdict SEQUENCE, "warn" counts them. Default: $IOMMU_ADVICE.
    advice: str = field(default_factory=lambda: os.environ.get("IOMMU_ADVICE", "error"))
    # Where the oracle, the scoreboard's judgement and the coverage that reads the model run
    # (tb/env/checker.py): "process" (a checker process forked at connect time, fed the
    # events in order), "inline" (in the simulator's process) or "auto" (a process when a
    # core is idle at connect time). Results are the same. Default: $IOMMU_CHECKER, else auto.
    checker: str = field(default_factory=lambda: os.environ.get("IOMMU_CHECKER", "auto"))
    # Whether the IOMMU's implicit reads snoop the hart's cache (docs/coherence.md):
    # "coherent" (a software store is visible at once) or "non-coherent" (it waits in the
    # hart's write-back cache, sequences/sw/hart_cache.py, until software cleans its block).
    # Default: $IOMMU_COHERENCE, else coherent.
    coherence: str = field(default_factory=lambda: os.environ.get("IOMMU_COHERENCE", "coherent"))

    def apply_profile(self, dut) -> None:
        """Take the knobs a DUT profile (tb.dut_profile.DutProfile) sets."""
        self.dut_name = dut.name
        self.capabilities = dut.capabilities
        self.capabilities_must_match = dut.capabilities_must_match
        self.svnapot = dut.svnapot
        self.port = dut.port["kind"]
        self.port_options = dict(dut.port)
        self.max_outstanding = min(self.max_outstanding, dut.max_inflight)
        self.fault_cause = dut.fault_cause
        self.msi_ranges = list(dut.msi_ranges)
        self.icvec = dut.interrupts.get("icvec")
        self.irq_outputs = (dut.interrupts["cq"], dut.interrupts["fq"])
