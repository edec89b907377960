"""Functional coverage of a run: the hooks the environment calls, counting plain tuples while
the run goes (a response costs one dict look-up and one counter increment), and at the end the
covergroups of tb/env/covergroups.py (cocotb-coverage) fed from those counts, exported as the
per-run file (cocotb-coverage's YAML; tb/coverage_report.py merges and reports it).

Hooks (the env, the scoreboard and the sequences call them; names and arguments are a
contract): translation(res), record_fields(words), race(kind), record_cause(cause),
reg_op(op), update(update, commands), viommu(persona, policy, layer),
viommu_feature(persona, feature),
coherence(cache_persona, mode), irq_message(source, vector, delivery), ad_update(stage, bits)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from pyuvm import uvm_component

from models import Reg
from models.command_queue import IllegalCommand, napot_range
from tb import coverage_report
from tb.env.covergroups import MODE_NAMES, Covergroups, empty_counts, hpm_bin, range_name
from tb.env.cross_bins import (context_modes, native_trace, record_bins, translation_bins,
                               translation_shape)
from tb.env.doorbell import published_commands

_MEMO_MAX = 65536
_TABLE_ENTRIES = ("pte1", "pte2", "pdte")    # items whose signature keeps the flag bits only


class IommuCoverage(uvm_component):
    def build_phase(self):
        self.oracle = None
        self.counts = empty_counts()      # sampler name -> Counter of sample tuples
        self._xmemo: dict = {}            # request page key -> (oracle stamp, walk shape id)
        self._shapes: dict = {}           # walk shape -> id
        self._sigs: dict = {}             # what a walk shape is computed from -> its id
        self._shape_list: list = []       # id -> walk shape
        self._xlate: dict = {}            # (walk shape id, observed cause) -> responses

    # -- hooks ----------------------------------------------------------------------------
    def translation(self, res) -> None:
        """One device response. What the request walks now (the model's walk over current
        memory: stages, page size, the cross_bins names) is computed once per page and oracle
        evaluation; the response adds one count to (that shape, the observed cause)."""
        req = res.req
        key = (req.did, req.pid, req.priv_s, req.ttyp, req.iova >> 12)
        hit = self._xmemo.get(key)
        # the oracle's stamp of the evaluation behind this response: the same stamp is the
        # same walk over the same memory (an evaluation the oracle revalidated keeps it)
        oracle = self.oracle
        stamp = oracle.result_stamp(req, key)
        if stamp is None:
            stamp = ("epoch", oracle.epoch)
        if hit is None or hit[0] != stamp:
            hit = self._walk(key, req, stamp)
        k = (hit[1], (res.cause if res.cause is not None else -1) if res.fault else 0)
        x = self._xlate
        x[k] = x.get(k, 0) + 1

    def _walk(self, key: tuple, req, stamp) -> tuple:
        model = self.oracle.model
        mode = model.ddtp & 0xF
        trace: list = []
        outcome = model.walk(req, trace=trace).outcome
        trace = native_trace(trace, model.fctl)     # the fields as the walker read them
        # Everything the shape functions below read, as one tuple: pages with the same
        # contexts and the same leaf permissions share their shape (computed once). PTEs
        # count by V R W X U G A D, N and PBMT (the memory type bins) only.
        sig = (mode, model.caps.msi_flat, req.did, int(req.ttyp), req.pid is None, req.priv_s,
               outcome.cause, outcome.iotval2 & 1 if outcome.iotval2 else None,
               None if outcome.gpa is None else outcome.gpa >> 39,
               tuple([(kind, level, w[0] & 0xE0000000000000FF) if kind in _TABLE_ENTRIES
                      else (kind, level, w) for (kind, _, _, level, _), w in trace]))
        sid = self._sigs.get(sig)
        if sid is None:
            if len(self._sigs) > _MEMO_MAX:
                self._sigs.clear()
            sid = self._sigs[sig] = self._shape_id(req, trace, outcome, mode, model)
        if len(self._xmemo) > _MEMO_MAX:
            self._xmemo.clear()
        hit = self._xmemo[key] = (stamp, sid)
        return hit

    def _shape_id(self, req, trace: list, outcome, mode: int, model) -> int:
        gxl = model.fctl >> 2 & 1
        stage, size = translation_shape(trace, outcome, mode, gxl)
        names = tuple(translation_bins(req, trace, outcome, mode, model.caps.msi_flat, gxl))
        shape = (MODE_NAMES.get(mode, "?"), stage, size, None if outcome.ok else int(outcome.cause),
                 int(req.ttyp), "no" if req.pid is None else "yes", names,
                 context_modes(trace, outcome, gxl))
        sid = self._shapes.get(shape)
        if sid is None:
            sid = self._shapes[shape] = len(self._shape_list)
            self._shape_list.append(shape)
        return sid

    def record_fields(self, words: tuple) -> None:
        """A fault record paired with its response: which fields it exercised."""
        self.counts["fault_record"][tuple(b.partition(".")[2] for b in record_bins(words))] += 1

    def race(self, kind: str) -> None:
        """A response whose request was in flight while memory changed or an invalidation
        completed (the scoreboard tells)."""
        self.counts["race"][kind] += 1

    def record_cause(self, cause: int) -> None:
        """The cause of a fault whose port answer had none, once its fault record named it."""
        self.counts["fault_cause"][int(cause)] += 1

    def reg_op(self, op) -> None:
        if not op.write:
            if op.result is not None and op.size == 8 and (
                    Reg.IOHPMEVT1 <= op.offset < Reg.IOHPMEVT1 + 8 * 31
                    or op.offset == Reg.IOHPMCYCLES):
                self.counts["hpm"][hpm_bin(op.offset, op.result)] += 1
            return
        if op.offset == Reg.CQT:
            self._commands(op.value)
        name = Reg(op.offset).name if op.offset in Reg._value2member_map_ else hex(op.offset)
        self.counts["reg_write"][name] += 1

    def _commands(self, new_cqt: int) -> None:
        # Runs before the oracle sees the doorbell (coverage subscribes first).
        for cmd in published_commands(self.oracle, new_cqt):
            if isinstance(cmd, IllegalCommand):
                self.counts["illegal"][cmd.kind] += 1
                continue
            if cmd.name.startswith("IOTINVAL"):
                scope, prpw = f"gv{cmd.gv}.av{cmd.av}.pscv{cmd.pscv}", None
                if cmd.av and (cmd.gv or cmd.name == "IOTINVAL.VMA"):
                    self.counts["inval_ext"][f"{cmd.name}.nl{cmd.nl}.s{cmd.s}"] += 1
                    sc = (f"gv{cmd.gv}.pscv{cmd.pscv}" if cmd.name == "IOTINVAL.VMA"
                          else f"gv{cmd.gv}")
                    self.counts["inval_nl_s"][f"{cmd.name}.{sc}.nl{cmd.nl}.s{cmd.s}"] += 1
                    rng = napot_range(cmd) if cmd.s else None
                    if rng is not None:
                        self.counts["inval_range"][range_name(rng[1])] += 1
            elif cmd.name.startswith("IODIR"):
                scope, prpw = f"dv{cmd.dv}", None
            else:
                scope, prpw = f"av{cmd.av}.wsi{cmd.wsi}", f"pr{cmd.pr}.pw{cmd.pw}"
            self.counts["command"][(cmd.name, scope, prpw)] += 1

    def update(self, update, commands) -> None:
        """A software update and what the persona issued after it: update kind x
        transition x invalidated or not, and the page size the tables used."""
        size = f"{update.structure}.{update.page_size >> 10}K" if update.page_size else None
        self.counts["sw_update"][(f"{update.structure}.{update.kind}", update.transition,
                                  "invalidated" if commands else "not-invalidated", size)] += 1

    def viommu(self, persona: str, policy: str, layer: str) -> None:
        """A virtual-IOMMU run: its VMM persona, the guest's policy, a layer at fault ('none'
        when neither oracle found anything)."""
        self.counts["viommu"][(persona, policy, layer)] += 1

    def viommu_feature(self, persona: str, feature: str) -> None:
        """A guest feature a virtual-IOMMU run exercised through its VMM persona ('pdt',
        'napot', 'dv0': covergroups.VIOMMU_FEATURES)."""
        self.counts["viommu_feature"][(persona, feature)] += 1

    def irq_message(self, source: str, vector: int, delivery: str) -> None:
        """An interrupt message the DUT sent and the model predicted (the scoreboard tells):
        its source (cq, fq, pm), msi_cfg_tbl vector, and delivery: sent at the ipsr edge,
        held while the vector was masked and sent at the unmask, or failed (a bus error, the
        cause-273 record owed)."""
        self.counts["msi_irq"][(source, vector, delivery)] += 1

    def ad_update(self, stage: str, bits: str) -> None:
        """A hardware A/D update the scoreboard accepted: the PTE's stage ('first', 'g') and
        the bits it set ('A', 'D', 'AD')."""
        self.counts["ad"][f"{stage}.{bits}"] += 1

    def mrif_write(self, what: str) -> None:
        """An MSI write to an MRIF-mode page the scoreboard accepted: what the IOMMU answered
        ('recorded', 'discarded', 'aborted') or the notice MSI it sent ('notice') or that
        failed ('notice_failed')."""
        self.counts["mrif"][what] += 1

    def coherence(self, cache_persona: str, mode: str) -> None:
        """The software layer's cache persona (sequences/sw/cache_maintenance.py) and the
        platform's coherence mode of the run (docs/coherence.md)."""
        self.counts["coherence"][(cache_persona, mode)] += 1

    # -- across processes (tb/env/checker.py: the checker process samples most hooks) --------
    def export_state(self) -> dict:
        """Everything sampled so far, as a picklable value merge_state() adds elsewhere."""
        return {"counts": {k: dict(v) for k, v in self.counts.items()},
                "xlate": {(self._shape_list[sid], cause): n
                          for (sid, cause), n in self._xlate.items()}}

    def merge_state(self, state: dict) -> None:
        """Adds an export_state() value (another process's samples) into this component."""
        for name, counts in state["counts"].items():
            self.counts[name].update(counts)
        x = self._xlate
        for (shape, cause), n in state["xlate"].items():
            sid = self._shapes.get(shape)
            if sid is None:
                sid = self._shapes[shape] = len(self._shape_list)
                self._shape_list.append(shape)
            x[(sid, cause)] = x.get((sid, cause), 0) + n

    # -- end of run -----------------------------------------------------------------------
    def samples(self) -> dict:
        """The counts per sampler of tb/env/covergroups.py, with each translation count
        expanded into its translation tuple (cause 0 = success; a fault the port gave no cause
        for takes the cause of the current walk, if it faults), its walk names and its cause."""
        out = {k: Counter(v) for k, v in self.counts.items()}
        xlate, walk, causes = out["translation"], out["walk"], out["fault_cause"]
        for (sid, cause), n in self._xlate.items():
            mode, stage, size, walk_cause, ttyp, pid, names, modes = self._shape_list[sid]
            if cause == -1:
                result, cause = "fault_no_cause", walk_cause
            else:
                result = "fault" if cause else "success"
                if cause:
                    causes[cause] += n
            xlate[(mode, stage, size, cause, ttyp, pid, result) + modes] += n
            walk[names] += n
        return out

    def write(self, path: Path) -> Path:
        """Feeds the covergroups and writes the per-run file (coverage_report.RUN_FILE)."""
        groups = Covergroups()
        groups.feed(self.samples())
        self._run = coverage_report.Coverage(groups.database(), 1)
        return groups.export(Path(path))

    def report_lines(self) -> list[str]:
        """The goal lines and one line per covergroup (coverage_report.summary_lines) of the
        coverage write() wrote last, else of the run so far."""
        run = getattr(self, "_run", None)
        if run is None:
            groups = Covergroups()
            groups.feed(self.samples())
            run = coverage_report.Coverage(groups.database(), 1)
        return coverage_report.summary_lines(run)
