"""The one base test. A scenario test is a thin subclass naming its virtual sequence
(created by name through the factory), declaring the oracle findings its sequence causes on
purpose (`expected_findings`, tb/advice.py) and, if it needs to, adjusting the env config.

The end of a run, in order: extract_phase prints the scoreboard and coverage summaries and the
oracle's findings (expected ones at INFO, undeclared ones as one line each) and writes
stats.json for the regression; check_phase fails the run on a hang, on the sequence's own
exception, on a failed RTL check, and last, with ADVICE=error, on undeclared findings (the
SEQUENCE verdict, worded so the regression can tell it from an RTL failure)."""
from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import First
from cocotb.utils import get_sim_time
from pyuvm import ConfigDB, uvm_factory, uvm_test

from sequences.sw.hart_cache import check_mode as check_coherence
from tb import advice, dut_profile
from tb.env.iommu_env import IommuEnv
from tb.env.iommu_env_cfg import IommuEnvCfg


ADVICE_LOGGED = 20                        # undeclared findings printed one per line, then a count
ADVICE_KEPT = 100                         # ... and kept in stats.json for the regression


def _one_line(e: BaseException) -> str:
    text = (str(e).strip().splitlines() or [""])[0]
    return text if isinstance(e, AssertionError) and text else f"{type(e).__name__}: {text}"


class IommuBaseTest(uvm_test):
    vseq_name = ""                        # the scenario: a class name registered in the factory
    # The oracle findings the sequence causes on purpose: regular expressions searched in each
    # finding's line ("ADVICE <status>: store #n to <item> needs <command>: <detail>"); a
    # matched finding is printed as "expected advice" and never fails the run. A pattern that
    # matches nothing in a run is allowed. Say why next to each declaration.
    expected_findings: tuple = ()

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
        # Bad knobs stop the test here with one line (the regression checks them earlier).
        cfg.advice = advice.check_mode(cfg.advice, "IOMMU_ADVICE")
        cfg.coherence = check_coherence(cfg.coherence, "IOMMU_COHERENCE")
        advice.compile_declarations(self.expected_findings,
                                    f"{type(self).__name__}.expected_findings")
        self.cfg = cfg
        self.hung = None
        self.seq_error = None             # the sequence's own exception, re-raised in check_phase
        self.findings = advice.SortedFindings()
        self.start_ns = get_sim_time("ns")  # 0, unless a run server ran runs before this one
        ConfigDB().set(self, "env", "cfg", cfg)
        self.env = IommuEnv("env", self)

    async def run_phase(self):
        # pyuvm starts run_phase as a task of its own (cocotb.start_soon) and waits only for the
        # objections to drop: an exception escaping it ends the cocotb test on the spot, and
        # extract_phase/check_phase never run (no scoreboard summary, no findings in the log).
        # So the sequence's exception is caught, logged and kept; the phases run; check_phase
        # raises it again.
        self.raise_objection()
        prof = None
        if os.environ.get("IOMMU_PROFILE"):
            # Profiles every Python call of the run (one thread): `make bench` findings.
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        try:
            await self._run()
        except Exception as e:            # noqa: BLE001 (any failure of the sequence or the env)
            self.seq_error = e
            self.logger.error(f"{_one_line(e)} (the sequence {self.vseq_name} stopped here)")
        finally:
            if prof is not None:
                prof.disable()
                prof.dump_stats(os.environ["IOMMU_PROFILE"])
            self.drop_objection()

    async def _run(self) -> None:
        self.logger.info(f"seed {self.cfg.seed} policy {self.cfg.policy} fills {self.cfg.fills} "
                         f"coherence {self.cfg.coherence} sequence {self.vseq_name}")
        await self.env.start(cocotb.top)
        if os.environ.get("IOMMU_GC", "1") == "1":
            # The run allocates many short-lived objects (results, walk records) next to a large
            # long-lived heap (simulator handles, pyuvm, the model); freezing what exists now
            # keeps the cyclic collector from re-scanning it, and a larger first generation
            # makes collections rarer. (No collection first: it cost 80 ms of each run, and
            # the start-up garbage it would free is small and never grows.)
            if not gc.get_freeze_count():  # (a run server froze its shared heap already)
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
            seq_task.result()             # re-raise a sequence's exception here

    async def _run_vseq(self, vseq) -> None:
        await vseq.start()
        await self.env.drain()
        self.env.check_interrupts()
        await self.env.audit_registers()

    def extract_phase(self):
        for problem in self.env.sb.pending_problems():
            self.env.sb._fail(problem)
        self.findings = advice.sort_findings(self.env.advice(), self.expected_findings)
        undeclared = self.findings.undeclared
        # Before check_phase (whose assertion ends the phases): the summary and the files the
        # regression collects from the test's directory (the simulator's cwd).
        sb = self.env.sb
        Path("stats.json").write_text(json.dumps({
            "checked": sb.checked, "failures": len(sb.failures), "stale": sb.stale_used,
            "sim_ns": round(get_sim_time("ns") - self.start_ns, 3), "skipped": self.env.features.skipped,
            "capabilities": self.env.capability_line, "advice_mode": self.cfg.advice,
            "advice_count": len(undeclared), "advice": undeclared[:ADVICE_KEPT],
            "expected_advice": len(self.findings.expected)}))
        for step, why in self.env.features.skipped:
            self.logger.info(f"SKIPPED step {step}: {why}")
        self.env.cov.write(Path("coverage.yml"))      # tb/coverage_report.py reads and merges it
        for line in self.env.sb.report_lines() + self.env.cov.report_lines():
            self.logger.info(line)
        self.log_findings()

    def log_findings(self) -> None:
        """The oracle's findings: expected ones at INFO, each undeclared one as an ERROR line
        (ADVICE=error) or a WARNING (ADVICE=warn), then one summary line."""
        f = self.findings
        for line, _ in f.expected:
            self.logger.info(f"expected advice: {line}")
        log = self.logger.error if self.cfg.advice == "error" else self.logger.warning
        for line in f.undeclared[:ADVICE_LOGGED]:
            log(f"advice: {line}")
        if not (f.expected or f.undeclared or self.expected_findings):
            return
        n = len(f.undeclared)
        more = f", {n - ADVICE_LOGGED} of them not printed" if n > ADVICE_LOGGED else ""
        unseen = (f"; declared, not seen this run (allowed): {', '.join(map(repr, f.unused))}"
                  if f.unused else "")
        summary = (f"advice: {len(f.expected)} expected, {n} not in "
                   f"{type(self).__name__}.expected_findings{more}{unseen}")
        if not n:
            self.logger.info(summary)
        elif self.cfg.advice == "error":
            log(f"{summary}: the verdict is SEQUENCE if no other check failed")
        else:
            log(f"{summary}: counted, not failing the run (ADVICE=warn)")

    def check_phase(self):
        sb = self.env.sb
        if self.cfg.expect_failures:
            assert sb.failures, "negative test: the scoreboard was expected to report a failure"
            return
        assert self.hung is None, self.hung
        if self.seq_error is not None:
            raise self.seq_error          # the sequence's own check (or a crash), as it was raised
        assert not sb.failures, f"{len(sb.failures)} check(s) failed; first: {sb.failures[0]}"
        assert sb.checked > 0, "no translation was checked"
        if self.findings.undeclared and self.cfg.advice == "error":
            raise AssertionError(advice.failure_message(self.findings.undeclared))
