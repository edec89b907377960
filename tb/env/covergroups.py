"""The covergroups of the testbench, defined with cocotb-coverage (CoverPoint / CoverCross in
its coverage database), fed at the end of a run from the counters IommuCoverage keeps.

Why not sample through the decorators on every response: one sample of iommu.translation
costs ~270 us in cocotb-coverage 2.0 (each call recounts every bin of each item), where the
hand-written counters of before cost 2-4 us a response and the counting hooks now ~0.4 us
(tools/bench_cov.py). So the hooks count plain tuples during the run (IommuCoverage), and
feed() samples each distinct tuple once through the decorated functions (cocotb-coverage
matches the bins and the crosses) and then adds the remaining hits of that tuple to the bins
that sample hit (`_add_hits`; a unit test checks it equals sampling n times). Impossible cross
bins: ign_bins for the command and update crosses, `translation_possible` for the
translation cross (`_drop_bins`, see there why). Plain Python, no pyuvm: unit tests and tools
use it.

Covergroups (items named `iommu.<group>.<point>`; the goal areas of coverage_goals.GOALS
map onto items through coverage_goals.AREAS):
- iommu.translation: per device response: ddtp mode, stages (none/first/g/both), page size,
  cause (0 = success), request type, process_id present, result, the contexts' first-stage,
  G-stage and PDT modes; cross mode x stage x page size x cause.
- iommu.walk: what the walk of the request exercised (tb/env/cross_bins.py): permission bits,
  DDT index width, G-stage root index bits, cause x where the walk stopped, memory type
  (Svpbmt) x stage.
- iommu.fault: the cause of each fault (port or fault record), the fault-record fields.
- iommu.sw_update: each software update: kind, V transition, invalidated or not, their
  cross, and the page sizes updated.
- iommu.commands: each command published by a doorbell: command, scope (IOTINVAL GV/AV/PSCV,
  IODIR DV, IOFENCE.C AV/WSI), their cross, IOFENCE.C PR/PW, each illegal-command rule, and
  the NL/S operands of address-specific IOTINVALs (inval_ext).
- iommu.concurrency: responses whose request raced a store, a completion or a register write.
- iommu.registers: software register writes.
- iommu.viommu: each virtual-IOMMU run (sequences/viommu_vseq.py): the VMM persona, the policy
  the guest is judged against, the layer a finding was attributed to (none, guest, VMM,
  hardware), and their cross (a persona only with its own guest policy); the guest features
  a run exercised through its persona (pdt: a guest process context changed and its
  IODIR.INVAL_PDT; napot: a guest 64 KiB Svnapot page changed; dv0: a guest IODIR.INVAL_DDT
  DV=0) and their cross with the persona.
- iommu.coherence: the software's cache persona x the platform's coherence mode
  (docs/coherence.md).
- iommu.hpm: each 8-byte read of an iohpmevtX (and of iohpmcycles): eventID, filter type
  (none, device_id, device_id with DMASK, process_id, both; with IDT=1 GSCID, PSCID, both),
  overflow (OF) and the combinations the hpm subset programs (event_x_filter_x_overflow).
- iommu.msi: each interrupt message (IGS = MSI / BOTH) the DUT sent and the model predicted:
  source (cq, fq, pm) x vector x delivery (sent at the ipsr edge, held while masked and sent at
  the unmask, failed: a bus error and its cause-273 record).
- iommu.ad: each hardware A/D update (AMO_HWAD) the scoreboard accepted: the PTE's stage
  (first, g) x the bits set (A, D, AD). The walk areas msi_flat (MSI flat-mode outcome) and
  ad_fault (an A/D update needed but not enabled: the (guest-)page fault) are in iommu.walk.
- iommu.mrif: each MSI write to an MRIF-mode page (MSI_MRIF) the scoreboard accepted: what the
  IOMMU answered (recorded, discarded, aborted, or fault_264: the MRIF update met a bus error)
  and each notice MSI (sent, or failed: the cause-273 record owed).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from cocotb_coverage.coverage import CoverCross, CoverItem, CoverPoint, coverage_db

from tb.env.coverage_goals import GOALS

ROOT = "iommu"
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# -- bins -------------------------------------------------------------------------------------
MODES = ["Off", "Bare", "1LVL", "2LVL", "3LVL"]
MODE_NAMES = dict(enumerate(MODES))                 # ddtp.iommu_mode -> name
STAGES = ["none", "first", "g", "both"]
PAGE_SIZES = ["none", "4K", "64K", "2M", "4M", "1G", "512G", "256T"]
LEAF_SIZES = PAGE_SIZES[1:]
FAULT_CAUSES = list(GOALS["iommu.cause"])          # every cause this subset can report over AXI
XLATE_CAUSES = [0] + FAULT_CAUSES                   # 0: success
TTYPS = [1, 2, 3, 5, 6, 7, 8, 9]
FS_MODES = ["Bare", "Sv32", "Sv39", "Sv48", "Sv57"]
G_MODES = ["Bare", "Sv32x4", "Sv39x4", "Sv48x4", "Sv57x4"]
PDT_MODES = ["PDTV=0", "Bare", "PD8", "PD17", "PD20"]
RESULTS = ["success", "fault", "fault_no_cause"]    # fault_no_cause: the port carries no cause
PT_CAUSES = (1, 5, 7, 12, 13, 15, 20, 21, 23)
UPDATE_KINDS = list(GOALS["iommu.update"])
TRANSITIONS = ["0->1", "1->0", "change", "none"]
INVALIDATED = ["invalidated", "not-invalidated"]
UPDATE_PAGE_SIZES = list(GOALS["iommu.page_size"]) + ["g.64K", "g.1048576K"]
COMMANDS = list(GOALS["iommu.command"])
INVAL_SCOPES = [f"gv{g}.av{a}.pscv{p}" for g in (0, 1) for a in (0, 1) for p in (0, 1)]
DIR_SCOPES = ["dv0", "dv1"]
FENCE_SCOPES = [f"av{a}.wsi{w}" for a in (0, 1) for w in (0, 1)]
SCOPES = INVAL_SCOPES + DIR_SCOPES + FENCE_SCOPES
INVAL_EXT = [f"{c}.nl{n}.s{s}" for c in ("IOTINVAL.VMA", "IOTINVAL.GVMA") for n in (0, 1)
             for s in (0, 1)]
FENCE_PR_PW = [f"pr{r}.pw{w}" for r in (0, 1) for w in (0, 1)]
RECORD_FIELDS = list(GOALS["iommu.record"]) + ["ttyp5", "ttyp6", "ttyp7", "iotval.offset"]
VIOMMU_PERSONAS = ["nested-forwarding", "nested-gscid-not-substituted",
                   "nested-did-not-translated", "nested-fence-completed-early",
                   "nested-dv0-dropped", "shadowing",
                   "shadowing-not-updated",
                   "shadowing-pdt-not-updated"]       # sequences/guest/vmm.py VMM_PERSONAS
VIOMMU_POLICIES = ["riscv-1.0-strict", "caching-mode"]
VIOMMU_LAYERS = ["none", "guest", "VMM", "hardware"]
VIOMMU_FEATURES = ["pdt", "napot", "dv0"]           # sequences/guest/guest_driver.py features
CACHE_PERSONAS = ["cleans", "assumes-coherence", "forgets-queue-clean"]
COHERENCE_MODES = ["coherent", "non-coherent"]
# HPM: iohpmevt's filter as one name (IDT=0: device_id / process_id; IDT=1: GSCID / PSCID)
HPM_EVENTS = [1, 2, 4, 5, 6, 7, 8, "cycles"]      # 3 (ATS translation requests): no ATS here
HPM_FILTERS = ["none", "did", "did.dmask", "pid", "did+pid", "gscid", "pscid", "gscid+pscid"]
# the event x filter x overflow combinations the hpm subset programs (sequences/hpm_vseq.py):
# the goal bins of iommu.hpm (a full cross of 8 x 8 x 2 has many combinations no test needs)
HPM_COMBOS = ["1.none.of0", "1.did.of0", "1.did.dmask.of0", "1.pid.of0", "2.none.of0",
              "4.none.of0", "5.none.of0", "6.none.of0", "7.pscid.of0", "8.gscid.of0",
              "1.did.of1", "cycles.none.of0", "cycles.none.of1"]
# interrupt messages: source.v<vector>.delivery, as the msi subset drives them (civ = 3,
# fiv = 6: sequences/msi_flat_vseq.py; pmiv = 5: sequences/hpm_vseq.py; piv = 7:
# sequences/ats_vseq.py)
MSI_IRQ = GOALS["iommu.msi_irq"]
AD_UPDATES = [f"{st}.{b}" for st in ("first", "g") for b in ("A", "D", "AD")]
# MSI writes to MRIF-mode pages: the response's action, and the notice MSI (sent or failed)
MRIF_WRITES = ["recorded", "discarded", "aborted", "notice", "notice_failed", "fault_264"]
REG_WRITES = ["FCTL", "DDTP", "CQB", "CQT", "FQB", "FQH", "CQCSR", "FQCSR", "IPSR"]


def translation_possible(mode: str, stage: str, size: str, cause: int) -> bool:
    """Whether a bin of mode x stage x size x cause can happen (the others are left out)."""
    if mode in ("Off", "Bare"):                      # no device context: no stage, no leaf
        return stage == "none" and size == "none" and cause in ((256,) if mode == "Off" else (0, 260))
    if cause == 256:                                 # all inbound disallowed: Off only
        return False
    if stage == "none":                              # no stage: no page-table or PDT fault
        return size == "none" and cause not in PT_CAUSES + (265, 266, 267)
    if cause in (257, 258, 259):                     # a DDT fault leaves no stage known
        return False
    if stage == "first" and cause in (20, 21, 23):   # no G-stage
        return False
    if stage == "g" and cause in (12, 13, 15, 265, 266, 267):   # no first stage
        return False
    if size != "none" and cause in (260, 265, 266, 267):         # faults before any leaf
        return False
    if size != "none" and stage != "both" and cause in (1, 5, 7):
        return False                                 # one stage: its leaf read was the last read
    return not (size == "none" and cause == 0)       # a success through a stage has a leaf


VIOMMU_CORRECT = ("nested-forwarding", "shadowing")     # the VMM personas that make no mistake


def viommu_possible(persona: str, policy: str, layer: str) -> bool:
    """A nesting persona's guest is judged under riscv-1.0-strict, a shadowing one's under
    caching-mode. A correct VMM is never the layer at fault (its runs end with no finding, or
    with the guest's or the hardware's); a broken one always is (its mistake fails the run, even
    one with no visible effect: the audit names it)."""
    if policy != ("caching-mode" if persona.startswith("shadowing") else "riscv-1.0-strict"):
        return False
    return (layer == "VMM") != (persona in VIOMMU_CORRECT)


def scope_ignores() -> list[tuple]:
    ign: list[tuple] = []
    for c in COMMANDS:
        if c.startswith("IOTINVAL"):
            ign += [(c, s) for s in DIR_SCOPES + FENCE_SCOPES]
        elif c.startswith("IODIR"):
            ign += [(c, s) for s in INVAL_SCOPES + FENCE_SCOPES]
        else:
            ign += [(c, s) for s in INVAL_SCOPES + DIR_SCOPES]
    ign += [("IOTINVAL.GVMA", s) for s in INVAL_SCOPES if s.endswith("pscv1")]  # illegal
    ign += [("IODIR.INVAL_PDT", "dv0")]                                          # illegal
    return ign


def update_ignores() -> list[tuple]:
    """Page-table operations of sequences/sw/page_table.py: a map only makes an entry valid
    (it refuses a mapped page), an unmap only removes, a split or merge always changes a valid
    entry, a remap or protect changes one or stores the same value ('none'). Directory
    updates may be any transition."""
    only = {"map": ("0->1",), "unmap": ("1->0",), "split": ("change",), "merge": ("change",),
            "remap": ("change", "none"), "protect": ("change", "none")}
    return [(f"{st}.{k}", t, None) for st in ("first", "g") for k, keep in only.items()
            for t in TRANSITIONS if t not in keep]


def reset() -> None:
    """Forget every item under `iommu` (a second definition in the same process starts empty;
    cocotb-coverage's database is a process-wide singleton)."""
    for name in [n for n in coverage_db if n == ROOT or n.startswith(ROOT + ".")]:
        del coverage_db[name]


def _member(got, b) -> bool:
    return b in got


class Covergroups:
    """Defines every item (reset() first) and keeps the decorated sample functions, each with
    the items it samples, in `self.samplers` (name -> (function, [item names]))."""

    def __init__(self) -> None:
        reset()
        self.samplers: dict = {}
        g = f"{ROOT}.translation"
        x = (f"{g}.mode", f"{g}.stage", f"{g}.page_size", f"{g}.cause")

        # sample: (mode, stage, size, cause, ttyp, pid, result, fs mode, G mode, PDT mode)
        @CoverPoint(x[0], xf=lambda s: s[0], bins=MODES)
        @CoverPoint(x[1], xf=lambda s: s[1], bins=STAGES)
        @CoverPoint(x[2], xf=lambda s: s[2], bins=PAGE_SIZES)
        @CoverPoint(x[3], xf=lambda s: s[3], bins=XLATE_CAUSES)
        @CoverPoint(f"{g}.ttyp", xf=lambda s: s[4], bins=TTYPS)
        @CoverPoint(f"{g}.pid", xf=lambda s: s[5], bins=["no", "yes"])
        @CoverPoint(f"{g}.result", xf=lambda s: s[6], bins=RESULTS)
        @CoverPoint(f"{g}.fs_mode", xf=lambda s: s[7], bins=FS_MODES)
        @CoverPoint(f"{g}.g_mode", xf=lambda s: s[8], bins=G_MODES)
        @CoverPoint(f"{g}.pdt_mode", xf=lambda s: s[9], bins=PDT_MODES)
        @CoverCross(f"{g}.mode_x_stage_x_size_x_cause", items=list(x))
        def translation(s):
            pass

        _drop_bins(coverage_db[f"{g}.mode_x_stage_x_size_x_cause"], translation_possible)

        self._keep("translation", translation,
                   list(x) + [f"{g}.{p}" for p in ("ttyp", "pid", "result", "fs_mode", "g_mode",
                                                   "pdt_mode", "mode_x_stage_x_size_x_cause")])

        # sample: the bin names of the walk, 'area.bin' (cross_bins.translation_bins)
        g = f"{ROOT}.walk"
        walk_areas = ("perm", "ddt_did", "gstage_root", "cause_stage", "pbmt", "msi_flat",
                      "ad_fault")

        def walk_point(area):
            return CoverPoint(f"{g}.{area}", rel=lambda names, b, p=area + ".": p + b in names,
                              bins=list(GOALS[f"iommu.{area}"]), inj=False)

        @walk_point("perm")
        @walk_point("ddt_did")
        @walk_point("gstage_root")
        @walk_point("cause_stage")
        @walk_point("pbmt")
        @walk_point("msi_flat")
        @walk_point("ad_fault")
        def walk(s):
            pass

        self._keep("walk", walk, [f"{g}.{a}" for a in walk_areas])

        g = f"{ROOT}.fault"

        @CoverPoint(f"{g}.cause", bins=FAULT_CAUSES)
        def fault_cause(cause):
            pass

        @CoverPoint(f"{g}.record", rel=_member, bins=RECORD_FIELDS, inj=False)
        def fault_record(fields):
            pass

        self._keep("fault_cause", fault_cause, [f"{g}.cause"])
        self._keep("fault_record", fault_record, [f"{g}.record"])

        # sample: (kind, transition, invalidated, page size or None)
        g = f"{ROOT}.sw_update"
        u = (f"{g}.kind", f"{g}.transition", f"{g}.invalidated")

        @CoverPoint(u[0], xf=lambda s: s[0], bins=UPDATE_KINDS)
        @CoverPoint(u[1], xf=lambda s: s[1], bins=TRANSITIONS)
        @CoverPoint(u[2], xf=lambda s: s[2], bins=INVALIDATED)
        @CoverPoint(f"{g}.page_size", xf=lambda s: s[3], bins=UPDATE_PAGE_SIZES)
        @CoverCross(f"{g}.kind_x_transition_x_invalidated", items=list(u),
                    ign_bins=update_ignores())
        def sw_update(s):
            pass

        self._keep("sw_update", sw_update, list(u) + [f"{g}.page_size",
                                                      f"{g}.kind_x_transition_x_invalidated"])

        # sample: (command, scope, fence pr/pw or None)
        g = f"{ROOT}.commands"
        c = (f"{g}.command", f"{g}.scope")

        @CoverPoint(c[0], xf=lambda s: s[0], bins=COMMANDS)
        @CoverPoint(c[1], xf=lambda s: s[1], bins=SCOPES)
        @CoverPoint(f"{g}.fence_pr_pw", xf=lambda s: s[2], bins=FENCE_PR_PW)
        @CoverCross(f"{g}.command_x_scope", items=list(c), ign_bins=scope_ignores())
        def command(s):
            pass

        @CoverPoint(f"{g}.illegal", bins=list(GOALS["iommu.command_illegal"]))
        def illegal(kind):
            pass

        self._keep("command", command, list(c) + [f"{g}.fence_pr_pw", f"{g}.command_x_scope"])
        self._keep("illegal", illegal, [f"{g}.illegal"])

        # address-specific IOTINVALs (AV=1; GVMA with GV=1) by the extension operands NL and
        # S (capabilities.NL / .S; both 0 on an IOMMU without them)
        @CoverPoint(f"{g}.inval_ext", bins=INVAL_EXT)
        def inval_ext(b):
            pass

        self._keep("inval_ext", inval_ext, [f"{g}.inval_ext"])

        # the same commands by scope (VMA: GV, PSCV; GVMA: GV) x NL x S, and the size of each
        # S=1 range (range_name)
        @CoverPoint(f"{g}.inval_nl_s", bins=list(GOALS["iommu.inval_nl_s"]))
        def inval_nl_s(b):
            pass

        @CoverPoint(f"{g}.inval_range", bins=list(GOALS["iommu.inval_range"]))
        def inval_range(b):
            pass

        self._keep("inval_nl_s", inval_nl_s, [f"{g}.inval_nl_s"])
        self._keep("inval_range", inval_range, [f"{g}.inval_range"])

        @CoverPoint(f"{ROOT}.concurrency.race", bins=list(GOALS["iommu.race"]))
        def race(kind):
            pass

        @CoverPoint(f"{ROOT}.registers.write", bins=REG_WRITES)
        def reg_write(name):
            pass

        # sample: (VMM persona, guest policy, layer)
        g = f"{ROOT}.viommu"
        v = (f"{g}.persona", f"{g}.policy", f"{g}.layer")

        @CoverPoint(v[0], xf=lambda s: s[0], bins=VIOMMU_PERSONAS)
        @CoverPoint(v[1], xf=lambda s: s[1], bins=VIOMMU_POLICIES)
        @CoverPoint(v[2], xf=lambda s: s[2], bins=VIOMMU_LAYERS)
        @CoverCross(f"{g}.persona_x_policy_x_layer", items=list(v))
        def viommu(s):
            pass

        _drop_bins(coverage_db[f"{g}.persona_x_policy_x_layer"], viommu_possible)
        self._keep("viommu", viommu, list(v) + [f"{g}.persona_x_policy_x_layer"])

        # sample: (VMM persona, guest feature)
        f = (f"{g}.feature_persona", f"{g}.feature")

        # the guest features count for the correct VMMs only (a broken one's run stops at its
        # mistake: what it exercised before says nothing of the stack)
        @CoverPoint(f[0], xf=lambda s: s[0], bins=list(VIOMMU_CORRECT))
        @CoverPoint(f[1], xf=lambda s: s[1], bins=VIOMMU_FEATURES)
        @CoverCross(f"{g}.persona_x_feature", items=list(f))
        def viommu_feature(s):
            pass

        self._keep("viommu_feature", viommu_feature, list(f) + [f"{g}.persona_x_feature"])

        # sample: (cache persona, coherence mode)
        g = f"{ROOT}.coherence"
        h = (f"{g}.persona", f"{g}.mode")

        @CoverPoint(h[0], xf=lambda s: s[0], bins=CACHE_PERSONAS)
        @CoverPoint(h[1], xf=lambda s: s[1], bins=COHERENCE_MODES)
        @CoverCross(f"{g}.persona_x_mode", items=list(h))
        def coherence(s):
            pass

        self._keep("coherence", coherence, list(h) + [f"{g}.persona_x_mode"])
        # sample: (event, filter, OF) of an iohpmevtX / iohpmcycles read (hpm_bin)
        g = f"{ROOT}.hpm"

        @CoverPoint(f"{g}.event", xf=lambda s: s[0], bins=HPM_EVENTS)
        @CoverPoint(f"{g}.filter", xf=lambda s: s[1], bins=HPM_FILTERS[:4] + HPM_FILTERS[5:7])
        @CoverPoint(f"{g}.overflow", xf=lambda s: s[2], bins=[0, 1])
        @CoverPoint(f"{g}.event_x_filter_x_overflow", xf=lambda s: f"{s[0]}.{s[1]}.of{s[2]}",
                    bins=HPM_COMBOS)
        def hpm(s):
            pass

        self._keep("hpm", hpm, [f"{g}.{p}" for p in ("event", "filter", "overflow",
                                                      "event_x_filter_x_overflow")])

        # sample: (source, vector, delivery) of an interrupt message
        g = f"{ROOT}.msi"

        @CoverPoint(f"{g}.irq", xf=lambda s: f"{s[0]}.v{s[1]}.{s[2]}", bins=MSI_IRQ)
        def msi_irq(s):
            pass

        self._keep("msi_irq", msi_irq, [f"{g}.irq"])

        # sample: 'stage.bits' of an accepted A/D update
        @CoverPoint(f"{ROOT}.ad.update", bins=AD_UPDATES)
        def ad(b):
            pass

        self._keep("ad", ad, [f"{ROOT}.ad.update"])

        # sample: what an MSI write to an MRIF-mode page did (tb/env/mrif_check.py)
        @CoverPoint(f"{ROOT}.mrif.write", bins=MRIF_WRITES)
        def mrif(b):
            pass

        self._keep("mrif", mrif, [f"{ROOT}.mrif.write"])
        self._keep("race", race, [f"{ROOT}.concurrency.race"])
        self._keep("reg_write", reg_write, [f"{ROOT}.registers.write"])

    def _keep(self, name, fn, items) -> None:
        self.samplers[name] = (fn, items)

    def sample(self, name: str, value, n: int = 1) -> None:
        """`value` sampled n times: once through cocotb-coverage, then n-1 more hits on the
        bins that sample hit."""
        fn, items = self.samplers[name]
        fn(value)
        if n > 1:
            for item in items:
                _add_hits(coverage_db[item], n - 1)

    def feed(self, counts: dict) -> None:
        """counts: sampler name -> Counter of sample values."""
        for name, counter in counts.items():
            for value, n in counter.items():
                if n:
                    self.sample(name, value, n)

    @staticmethod
    def database() -> dict:
        """The items under `iommu` as cocotb-coverage's export_to_yaml writes them (item name
        -> type, size, coverage, cover_percentage, and for points and crosses weight, at_least
        and 'bins:_hits', a cross bin as its tuple's text), built from the items' public
        properties: the library dumps with PyYAML's pure-Python emitter (~75 ms a run here),
        this dict is dumped with the C one."""
        data = {}
        for name in sorted((n for n in coverage_db if n == ROOT or n.startswith(ROOT + ".")),
                           key=str.lower):
            item = coverage_db[name]
            a = {"type": str(type(item)), "size": item.size, "coverage": item.coverage,
                 "cover_percentage": round(item.cover_percentage, 2)}
            if type(item) is not CoverItem:
                a["weight"], a["at_least"] = item.weight, item.at_least
                a["bins:_hits"] = {(str(b) if hasattr(b, "__iter__") else b): n
                                   for b, n in item.detailed_coverage.items()}
            data[name] = a
        return data

    @classmethod
    def export(cls, path: Path) -> Path:
        """The per-run file: database() as YAML, and its JSON twin for the regression's merge
        (tb/coverage_report.py FAST_FILE), written after it."""
        from tb.coverage_report import FAST_FILE, to_json
        db = cls.database()
        Path(path).write_text(yaml.dump(db, Dumper=_Dumper, default_flow_style=False))
        Path(path).with_name(FAST_FILE).write_text(to_json(db))
        return Path(path)


def _drop_bins(cross, possible) -> None:
    """Removes the cross bins for which possible(*bin) is false. cocotb-coverage's ign_bins
    does the same, but tests every bin against every ignore pattern: the ~140 patterns the
    translation cross needs over its 2160 bins cost 65-130 ms per run; this costs ~2 ms. It
    deletes the bins from the cross's hits (keyed by bin) and shrinks its size, and its
    covergroup's, with the library's own _update_size (before any sample)."""
    gone = [b for b in cross.detailed_coverage if not possible(*b)]
    for b in gone:
        del cross.detailed_coverage[b]
    cross._update_size(-cross.weight * len(gone))


def _add_hits(item, n: int) -> None:
    """Adds n hits to each bin the item's last sample hit. In cocotb-coverage 2.0,
    detailed_coverage of a point without labels and of a cross is the item's own dict of hits
    (keyed by bin) and new_hits lists the last sample's bins; at_least is 1, so the coverage
    level does not change with further hits (tests/unit/test_coverage_report.py checks this
    equals sampling n times)."""
    hits = item.detailed_coverage
    for b in item.new_hits:
        hits[b] += n


def range_name(log2: int) -> str:
    """An S=1 range's size by name: 8K, 16K, ..., 2M, 4M, ..., 1G, ... (log2 of bytes)."""
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if log2 >= shift:
            return f"{1 << (log2 - shift)}{unit}"
    return f"{1 << log2}"


def hpm_bin(offset: int, value: int) -> tuple:
    """(event, filter, OF) of a value read from iohpmevtX, or ('cycles', 'none', OF) from
    iohpmcycles. IDT=0 filters on device_id (DV_GSCV, with DMASK) and process_id (PV_PSCV);
    IDT=1 on GSCID and PSCID."""
    of = value >> 63 & 1
    if offset == 0x060:                              # iohpmcycles
        return ("cycles", "none", of)
    event = value & 0x7FFF
    idt, dv, pv, dmask = value >> 62 & 1, value >> 61 & 1, value >> 60 & 1, value >> 15 & 1
    if idt:
        names = ("gscid" if dv else "") + ("+" if dv and pv else "") + ("pscid" if pv else "")
    else:
        names = (("did.dmask" if dmask else "did") if dv else "") + ("+" if dv and pv else "") \
            + ("pid" if pv else "")
    return (event, names or "none", of)


def empty_counts() -> dict:
    return {name: Counter() for name in ("translation", "walk", "fault_cause", "fault_record",
                                         "sw_update", "command", "illegal", "inval_ext",
                                         "race",
                                         "reg_write", "viommu", "viommu_feature",
                                         "coherence", "hpm", "msi_irq", "ad", "mrif",
                                         "inval_nl_s", "inval_range")}
