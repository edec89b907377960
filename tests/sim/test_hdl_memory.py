"""The HDL memory (tb/hdl/axi_mem_model.v in iommu_fast_top, IOMMU_MEMORY=hdl) gives the same
checks as the AxiRam memory: scenario tests pass on it, on both simulators, and an aliasing
access fails the test with one line.

This file is also the cocotb test module of the two negative tests (run in the simulator):
- HdlStoreAliasTest: a software store to an address that shares its word with another one;
- HdlReadAliasTest: an IOMMU read of a word whose tag says it holds another address.
"""
from __future__ import annotations

from tb.tests.uvm_test import uvm_test
import pytest

from models import Reg, Request, TTYP
from sequences.base_vseq import IommuBaseVseq
from tb import runner
from tb.tests.base_test import IommuBaseTest

TOP, FILELIST = "iommu_fast_top", "tb/hdl/fast_top.f"
DDT_ROOT = 0x10_0000


# ------------------------------------------------------------------ cocotb side (negative tests)
class HdlStoreAliasVseq(IommuBaseVseq):
    async def body(self):
        mem = self.env.memory
        self.store64(0x20_0000, 1)
        self.store64(mem.alias_of(0x20_0000), 2)          # must raise HdlMemoryAlias


class HdlReadAliasVseq(IommuBaseVseq):
    async def body(self):
        await self.reg_write(Reg.DDTP, (DDT_ROOT >> 12) << 10 | 2)              # 1LVL
        # Device 5's context word now "holds" another address: the IOMMU's DC read aliases.
        self.env.memory.plant_tag(DDT_ROOT + 5 * 32, self.env.memory.alias_of(DDT_ROOT + 5 * 32))
        await self.translate([Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_READ)])


class _HdlTest(IommuBaseTest):
    def configure(self, cfg):
        cfg.memory = "hdl"


@uvm_test(timeout_time=1, timeout_unit="ms")
class HdlStoreAliasTest(_HdlTest):
    vseq_name = "HdlStoreAliasVseq"


@uvm_test(timeout_time=1, timeout_unit="ms")
class HdlReadAliasTest(_HdlTest):
    vseq_name = "HdlReadAliasVseq"


# ------------------------------------------------------------------ pytest side
SCENARIOS = [("tb.tests.iommu_tests", "SmokeTest"), ("tb.tests.iommu_tests", "RemapRoundsTest"),
             ("tb.tests.iommu_tests", "DcMisconfiguredTest"),      # fault records: the write log
             ("tb.tests.scenario_tests", "InvalidationScopesTest")]  # IOFENCE.C data writes


@pytest.fixture(scope="module", params=runner.SIMULATORS)
def fast_build(request):
    sim = request.param      # a missing simulator fails in build() with how to install it
    return sim, runner.build(sim, TOP, filelist=FILELIST)


@pytest.mark.parametrize("module,test", SCENARIOS, ids=[t for _, t in SCENARIOS])
def test_scenario_passes_on_hdl_memory(fast_build, module, test):
    sim, bdir = fast_build
    # seed 6 (6 % 3 == 0): ScenarioTest picks memory stalls (the HDL's LFSR) and response back-pressure
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, module, test, seed=6,
                                     extra_env={"IOMMU_MEMORY": "hdl"},
                                     test_dir=bdir / "hdl_memory" / test)
    assert (n_pass, n_fail) == (1, 0), f"{sim} {test} on the HDL memory: {runner.failures(xml)}"


@pytest.mark.parametrize("test", ["HdlStoreAliasTest", "HdlReadAliasTest"])
def test_alias_fails_the_test_with_one_line(fast_build, test):
    sim, bdir = fast_build
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, "tests.sim.test_hdl_memory", test, seed=1,
                                     test_dir=bdir / "hdl_memory" / test)
    fails = runner.failures(xml)
    assert n_fail == 1 and "HDL memory alias" in fails[0], f"{sim} {test}: {fails}"
