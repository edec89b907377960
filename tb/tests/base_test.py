"""The one base test. A scenario test is a thin subclass naming its virtual sequence
(created by name through the factory) and, if it needs to, adjusting the env config."""
from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import First
from cocotb.utils import get_sim_time
from pyuvm import ConfigDB, uvm_factory, uvm_test

from tb import dut_profile
from tb.env.iommu_env import IommuEnv
from tb.env.iommu_env_cfg import IommuEnvCfg


class IommuBaseTest(uvm_test):
    vseq_name = ""                        # the scenario: a class name registered in the factory

    def configure(self, cfg: IommuEnvCfg) -> None:
        """Scenario tests override this to adjust knobs."""

    def build_phase(self):
        cfg = IommuEnvCfg(policy=os.environ.get("IOMMU_POLICY", "riscv-1.0-strict"),
                          fills=os.environ.get("IOMMU_FILLS", "any"),
                          seed=int(cocotb.RANDOM_SEED))
        # The DUT profile the regression chose ($IOMMU_DUT; our own RTL when unset).
        cfg.apply_profile(dut_profile.from_env())
        if os.environ.get("IOMMU_PORT"):
            cfg.port = os.environ["IOMMU_PORT"]      # dev-batch: iommu_bench_top's HDL driver
        self.configure(cfg)
        self.cfg = cfg
        ConfigDB().set(self, "env", "cfg", cfg)
        self.env = IommuEnv("env", self)

    async def run_phase(self):
        self.raise_objection()
        prof = None
        if os.environ.get("IOMMU_PROFILE"):
            # Profiles every Python call of the run (one thread): `make bench` findings.
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        self.logger.info(f"seed {self.cfg.seed} policy {self.cfg.policy} fills {self.cfg.fills} "
                         f"sequence {self.vseq_name}")
        await self.env.start(cocotb.top)
        if os.environ.get("IOMMU_GC", "1") == "1":
            # The run allocates many short-lived objects (results, walk records) next to a large
            # long-lived heap (simulator handles, pyuvm, the model); freezing what exists now
            # keeps the cyclic collector from re-scanning it, and a larger first generation
            # makes collections rarer.
            gc.collect()
            gc.freeze()
            gc.set_threshold(20000, 20, 20)
        vseq = uvm_factory().create_object_by_name(self.vseq_name, name="vseq")
        vseq.env = self.env
        vseq.rng.seed(self.cfg.seed)
        seq_task = cocotb.start_soon(self._run_vseq(vseq))
        wd_task = cocotb.start_soon(self.env.watchdog())
        await First(seq_task.complete, wd_task.complete)
        if wd_task.done():
            seq_task.cancel()
            self.hung = wd_task.result()
            self.logger.error(self.hung)
        else:
            wd_task.cancel()
            self.hung = None
            seq_task.result()             # re-raise a sequence's exception here
        if prof is not None:
            prof.disable()
            prof.dump_stats(os.environ["IOMMU_PROFILE"])
        self.drop_objection()

    async def _run_vseq(self, vseq) -> None:
        await vseq.start()
        await self.env.drain()
        self.env.check_interrupts()
        await self.env.audit_registers()

    def extract_phase(self):
        for problem in self.env.sb.pending_problems():
            self.env.sb._fail(problem)
        # Before check_phase (whose assertion ends the phases): the summary and the files the
        # regression collects from the test's directory (the simulator's cwd).
        sb = self.env.sb
        Path("stats.json").write_text(json.dumps({
            "checked": sb.checked, "failures": len(sb.failures), "stale": sb.stale_used,
            "sim_ns": get_sim_time("ns"), "skipped": self.env.features.skipped,
            "capabilities": self.env.capability_line}))
        for step, why in self.env.features.skipped:
            self.logger.info(f"SKIPPED step {step}: {why}")
        Path("coverage.yml").write_text("".join(f"{k}: {v}\n" for k, v in sorted(self.env.cov.bins.items())))
        for line in self.env.sb.report_lines() + self.env.cov.report_lines():
            self.logger.info(line)
        for f in self.env.oracle.advice():
            self.logger.info(f"advice: {f}")

    def check_phase(self):
        sb = self.env.sb
        if self.cfg.expect_failures:
            assert sb.failures, "negative test: the scoreboard was expected to report a failure"
            return
        assert self.hung is None, self.hung
        assert not sb.failures, f"{len(sb.failures)} check(s) failed; first: {sb.failures[0]}"
        assert sb.checked > 0, "no translation was checked"
