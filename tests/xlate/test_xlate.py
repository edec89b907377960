"""pytest entry: build iommu_xlate once per simulator and parameter set, run the cocotb tests.

The memory latencies and stalls are drawn from cocotb's random, seeded here with 1 so that a
failure replays; XLATE_SEED=<n> runs them with other stall patterns."""
import os

import pytest

from tb.runner import build, failures, run

FILELIST = "rtl/xlate_files.f"
TOP = "iommu_xlate"
CONFIGS = {
    # cocotb module -> parameters of its build
    "tests.xlate.cocotb_xlate": {},
    "tests.xlate.cocotb_xlate_small": dict(IOTLB_ENTRIES=2, DDTC_ENTRIES=2, PDTC_ENTRIES=2,
                                           NEG_CACHE_DC=1),
    "tests.xlate.cocotb_xlate_nocache": dict(IOTLB_ENTRIES=0, DDTC_ENTRIES=0, PDTC_ENTRIES=0),
}


@pytest.mark.parametrize("module", list(CONFIGS))
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_xlate(sim, module):
    # No skip: a missing simulator fails here with build()'s one-line message saying how to
    # install it (both are part of the project's set-up).
    bdir = build(sim, TOP, filelist=FILELIST, parameters=CONFIGS[module])
    seed = int(os.environ.get("XLATE_SEED", "1"))
    n_pass, n_fail, xml = run(sim, bdir, TOP, module, seed=seed)
    assert n_fail == 0 and n_pass > 0, ("\n".join(failures(xml)) + f"\nlog: {xml.parent}/sim.log"
                                        f" (seed {seed}: XLATE_SEED={seed} replays it)")
