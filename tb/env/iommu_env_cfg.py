"""Knobs of one environment instance (set by the test, read by the env at build time)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class IommuEnvCfg:
    policy: str = "riscv-1.0-strict"
    seed: int = 0
    capabilities: Optional[int] = None       # None: the RTL's defaults (docs/design.md)
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
