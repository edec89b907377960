"""Functional coverage, reported at the end of a run: translation modes, causes, page sizes,
commands, register writes. Plain counters keyed `iommu.<area>.<item>` (written as YAML by the
regression and merged there)."""
from __future__ import annotations

from collections import Counter

from pyuvm import uvm_component

from models import Reg
from models.command_queue import IllegalCommand
from tb.env.coverage_goals import GOALS
from tb.env.cross_bins import record_bins, translation_bins
from tb.env.doorbell import published_commands

MODES = {0: "Off", 1: "Bare", 2: "1LVL", 3: "2LVL", 4: "3LVL"}


class IommuCoverage(uvm_component):
    def build_phase(self):
        self.oracle = None
        self.bins: Counter = Counter()
        self._names: dict = {}
        self._xmemo: dict = {}            # page key -> (oracle epoch, cross bins)

    def translation(self, res) -> None:
        mode = self.oracle.model.ddtp & 0xF
        req = res.req
        key = (mode, int(req.ttyp), req.pid is not None, res.cause if res.fault else None)
        names = self._names.get(key)
        if names is None:                 # bin names built once per kind of result
            names = self._names[key] = (
                f"iommu.ddtp_mode.{MODES.get(mode, '?')}", f"iommu.ttyp.{key[1]}",
                f"iommu.pid.{'yes' if key[2] else 'no'}",
                ("iommu.result.fault_cause_on_record_only" if res.cause is None else
                 f"iommu.cause.{res.cause}") if res.fault else "iommu.result.success")
        bins = self.bins
        for name in names:
            bins[name] += 1
        for name in self._cross(req, mode):
            bins[name] += 1

    def _cross(self, req, mode: int) -> list:
        """The cross bins of what the request walks now (the model's trace over current
        memory), computed once per page and oracle epoch."""
        key = (req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12)
        epoch = self.oracle.epoch
        hit = self._xmemo.get(key)
        if hit is not None and hit[0] == epoch:
            return hit[1]
        if len(self._xmemo) > 65536:
            self._xmemo.clear()
        model = self.oracle.model
        trace: list = []
        walked = model.walk(req, trace=trace)
        names = ["iommu." + b for b in translation_bins(req, trace, walked.outcome, mode,
                                                        model.caps.msi_flat)]
        self._xmemo[key] = (epoch, names)
        return names

    def record_fields(self, words: tuple) -> None:
        """A fault record paired with its response: which fields it exercised."""
        for b in record_bins(words):
            self.bins["iommu." + b] += 1

    def race(self, kind: str) -> None:
        """A response whose request was in flight while memory changed or an invalidation
        completed (the scoreboard tells)."""
        self.bins[f"iommu.race.{kind}"] += 1

    def record_cause(self, cause: int) -> None:
        """The cause of a fault whose port answer had none, once its fault record named it."""
        self.bins[f"iommu.cause.{cause}"] += 1

    def reg_op(self, op) -> None:
        if op.write and op.offset == Reg.CQT:
            self._commands(op.value)
        if op.write:
            name = Reg(op.offset).name if op.offset in Reg._value2member_map_ else hex(op.offset)
            self.bins[f"iommu.reg_write.{name}"] += 1

    def _commands(self, new_cqt: int) -> None:
        # Runs before the oracle sees the doorbell (coverage subscribes first).
        for cmd in published_commands(self.oracle, new_cqt):
            if isinstance(cmd, IllegalCommand):
                self.bins["iommu.command.illegal"] += 1
                self.bins[f"iommu.command_illegal.{cmd.kind}"] += 1
                continue
            self.bins[f"iommu.command.{cmd.name}"] += 1
            if cmd.name.startswith("IOTINVAL"):
                self.bins[f"iommu.inval_scope.{cmd.name}.gv{cmd.gv}.av{cmd.av}.pscv{cmd.pscv}"] += 1
            elif cmd.name.startswith("IODIR"):
                self.bins[f"iommu.inval_scope.{cmd.name}.dv{cmd.dv}"] += 1

    def update(self, update, commands) -> None:
        """A software update and what the persona issued after it: update kind x
        transition x invalidated or not, and the page sizes the tables used."""
        kind = f"{update.structure}.{update.kind}"
        self.bins[f"iommu.update.{kind}"] += 1
        self.bins[f"iommu.update_transition.{kind}.{update.transition}"] += 1
        state = "invalidated" if commands else "not-invalidated"
        self.bins[f"iommu.update_inval.{kind}.{update.transition}.{state}"] += 1
        if update.page_size:
            self.bins[f"iommu.page_size.{update.structure}.{update.page_size >> 10}K"] += 1

    def report_lines(self) -> list[str]:
        lines = []
        for area, goal in GOALS.items():
            hit = [g for g in goal if self.bins.get(f"{area}.{g}")]
            miss = [str(g) for g in goal if not self.bins.get(f"{area}.{g}")]
            lines.append(f"coverage {area}: {len(hit)}/{len(goal)}"
                         + (f" (missing {', '.join(miss)})" if miss else ""))
        return lines
