"""Functional coverage without a simulator: the covergroups (tb/env/covergroups.py) fed from
hand-made counts, the per-run files they export, their merge and report
(tb/coverage_report.py), and the hooks of IommuCoverage on a real oracle."""
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from models import Reg, Request, TTYP
from models.command_queue import Command, encode
from scoreboards import CoherenceOracle
from scoreboards.bench import _setup
from sequences.items import RegOp, TranslationResult
from tb import coverage_report as cr
from tb.env import covergroups as cg
from tb.env.coverage_goals import AREAS, GOALS

ROOT = Path(__file__).resolve().parents[2]
XCROSS = "iommu.translation.mode_x_stage_x_size_x_cause"
SCOPE = "iommu.commands.command_x_scope"


def run_file(path: Path, **counts) -> Path:
    """A per-run file from counts per sampler: name=[(value, n), ...]."""
    groups = cg.Covergroups()
    c = cg.empty_counts()
    for name, pairs in counts.items():
        for value, n in pairs:
            c[name][value] += n
    groups.feed(c)
    return groups.export(path)


def run_a(tmp_path):
    return run_file(tmp_path / "a.yml",
                    translation=[(("1LVL", "first", "4K", 0, 2, "no", "success", "Sv39", "Bare", "PDTV=0"), 100),
                                 (("1LVL", "first", "4K", 13, 2, "no", "fault", "Sv39", "Bare", "PDTV=0"), 2)],
                    fault_cause=[(13, 2)],
                    command=[(("IOTINVAL.VMA", "gv0.av1.pscv1", None), 3)])


def run_b(tmp_path):
    return run_file(tmp_path / "b.yml",
                    translation=[(("1LVL", "first", "4K", 0, 2, "no", "success", "Sv39", "Bare", "PDTV=0"), 5),
                                 (("3LVL", "both", "2M", 21, 3, "yes", "fault", "Sv48", "Sv39x4", "PD17"), 1)],
                    fault_cause=[(21, 1)],
                    command=[(("IOTINVAL.VMA", "gv0.av1.pscv1", None), 1),
                             (("IOFENCE.C", "av1.wsi0", "pr1.pw1"), 4)])


def run_c(tmp_path):
    return run_file(tmp_path / "c.yml",
                    translation=[(("Off", "none", "none", 256, 2, "no", "fault", None, None, None), 7)],
                    fault_cause=[(256, 7)], race=[("stale_used", 2)])


# -- the covergroups --------------------------------------------------------------------------
def test_counted_hits_equal_sampling_each_time():
    """feed() samples a value once and adds the rest of its count to the bins it hit: the same
    database as sampling it every time through cocotb-coverage's decorators."""
    value = ("2LVL", "both", "64K", 15, 3, "yes", "fault", "Sv39", "Sv48x4", "PD8")
    groups = cg.Covergroups()
    groups.sample("translation", value, 5)
    bulk = {k: dict(v.detailed_coverage) for k, v in cg.coverage_db.items() if k.startswith("iommu.")
            and hasattr(v, "_hits")}
    groups = cg.Covergroups()
    fn, _ = groups.samplers["translation"]
    for _ in range(5):
        fn(value)
    each = {k: dict(v.detailed_coverage) for k, v in cg.coverage_db.items() if k.startswith("iommu.")
            and hasattr(v, "_hits")}
    assert bulk == each
    assert bulk[XCROSS][("2LVL", "both", "64K", 15)] == 5
    assert bulk["iommu.translation.cause"][15] == 5


def test_every_goal_bin_is_a_bin_of_its_item(tmp_path):
    cov = cr.load(run_file(tmp_path / "r.yml"))
    assert set(AREAS) == set(GOALS)
    for area, goal in GOALS.items():
        bins = cov.bins(AREAS[area])
        assert {str(g) for g in goal} <= set(bins), area


def test_impossible_translation_bins_are_left_out_and_possible_ones_kept():
    cg.Covergroups()
    bins = cg.coverage_db[XCROSS].detailed_coverage
    assert ("Off", "none", "none", 256) in bins and ("Bare", "none", "none", 0) in bins
    assert ("1LVL", "first", "4K", 0) in bins and ("3LVL", "both", "none", 21) in bins
    assert ("3LVL", "g", "2M", 23) in bins and ("2LVL", "none", "none", 258) in bins
    assert ("Off", "first", "4K", 0) not in bins          # no stage with ddtp Off
    assert ("1LVL", "first", "none", 0) not in bins       # a success through a stage has a leaf
    assert ("1LVL", "first", "4K", 21) not in bins        # guest page fault without a G-stage
    assert ("1LVL", "g", "none", 266) not in bins         # PDT fault without a first stage


def test_the_run_file_holds_what_cocotb_coverage_exports(tmp_path):
    """Covergroups.database() (dumped with PyYAML's C emitter) is the library's own YAML
    export, item for item; sizes add up after the impossible translation bins are dropped."""
    import yaml
    run_a(tmp_path)                                   # leaves the fed database in place
    cg.coverage_db.export_to_yaml(str(tmp_path / "lib.yml"))
    lib = yaml.safe_load((tmp_path / "lib.yml").read_text())
    assert cg.Covergroups.database() == lib
    assert cr.load(tmp_path / "a.yml").items == lib
    # Off 1 + Bare 2 + 3 walking modes x (35 bins without a leaf + 18 per leaf size: success
    # x 3 stages, 12/13/15 x first/both, 20/21/23 x g/both, 1/5/7 x both; 7 leaf sizes)
    assert lib[XCROSS]["size"] == 3 + 3 * (35 + 18 * 7)
    group = "iommu.translation"
    assert lib[group]["size"] == sum(lib[p]["size"] for p in lib if p.rsplit(".", 1)[0] == group)
    assert lib["iommu"]["size"] == sum(lib[g]["size"] for g in lib if g.count(".") == 1)
    assert lib[group]["coverage"] == cr.load(tmp_path / "a.yml").hit_count(
        cr.load(tmp_path / "a.yml").group_points(group))[0]


# -- merging ----------------------------------------------------------------------------------
def test_merging_two_run_files_sums_bins_and_crosses(tmp_path):
    a, b = cr.load(run_a(tmp_path)), cr.load(run_b(tmp_path))
    m = cr.merge_files([tmp_path / "a.yml", tmp_path / "b.yml"])
    assert m.files == 2
    assert a.bins("iommu.translation.cause")["0"] == 100
    assert m.bins("iommu.translation.cause")["0"] == 105
    assert m.bins("iommu.fault.cause") == {**{str(c): 0 for c in GOALS["iommu.cause"]},
                                           "13": 2, "21": 1}
    assert m.bins(XCROSS)["1LVL.first.4K.0"] == 105
    assert m.bins(XCROSS)["3LVL.both.2M.21"] == 1 and a.bins(XCROSS)["3LVL.both.2M.21"] == 0
    assert m.bins(SCOPE)["IOTINVAL.VMA.gv0.av1.pscv1"] == 4
    assert m.bins(SCOPE)["IOFENCE.C.av1.wsi0"] == 4
    # coverage levels follow the bins (a bin hit only in b counts once)
    hit_a = a.hit_count([XCROSS])[0]
    assert m.hit_count([XCROSS])[0] == hit_a + 1
    assert m.items[XCROSS]["coverage"] == hit_a + 1
    assert m.items["iommu.translation"]["coverage"] == m.hit_count(m.group_points("iommu.translation"))[0]
    assert b.bins(SCOPE)["IOFENCE.C.av1.wsi0"] == 4 and a.bins(SCOPE)["IOFENCE.C.av1.wsi0"] == 0


def test_a_merged_file_merges_again_like_the_runs_themselves(tmp_path):
    files = [run_a(tmp_path), run_b(tmp_path), run_c(tmp_path)]
    three = cr.merge_files(files)
    ab = cr.write(cr.merge_files(files[:2]), tmp_path / "ab")[0]
    assert ab.name == cr.RUN_FILE
    again = cr.merge_files([ab, files[2]])
    assert again == three
    assert again.bins("iommu.concurrency.race")["stale_used"] == 2
    assert again.bins("iommu.translation.cause")["256"] == 7
    # and the order of the files does not matter
    assert cr.merge_files([files[2], ab]) == three


def test_merge_gives_what_cocotb_coverage_merge_gives(tmp_path):
    from cocotb_coverage.coverage import merge_coverage
    files = [run_a(tmp_path), run_b(tmp_path), run_c(tmp_path)]
    merge_coverage(lambda *_: None, str(tmp_path / "lib.yml"), *map(str, files))
    lib = cr.load(tmp_path / "lib.yml")
    ours = cr.merge_files(files)
    assert ours == lib
    assert ours.items["iommu"]["coverage"] == lib.items["iommu"]["coverage"] > 0


def test_missing_files_are_skipped_and_no_file_is_empty(tmp_path):
    a = run_a(tmp_path)
    assert cr.merge_files([a, tmp_path / "never-written.yml"]) == cr.merge_files([a])
    empty = cr.merge_files([])
    assert empty.items == {} and empty.files == 0
    assert cr.summary_lines(empty)[0] == f"coverage iommu.cause: 0/17 (missing {', '.join(map(str, GOALS['iommu.cause']))})"


def test_files_with_different_bins_do_not_merge_silently(tmp_path):
    a = run_a(tmp_path)
    other = tmp_path / "other.yml"
    other.write_text(a.read_text().replace("    0: 100\n", "    999: 100\n", 1))
    with pytest.raises(ValueError, match="do not merge"):
        cr.merge_files([a, other])


# -- report and summary -----------------------------------------------------------------------
def hand_made() -> cr.Coverage:
    """Every goal bin hit once, except cause 266; two cover points in covergroup iommu.fault."""
    point = "<class 'cocotb_coverage.coverage.CoverPoint'>"
    items = {}
    for area, goal in GOALS.items():
        hits = {g: (0 if (area, g) == ("iommu.cause", 266) else 1) for g in goal}
        items[AREAS[area]] = {"type": point, "at_least": 1, "weight": 1, "size": len(hits),
                              "coverage": sum(hits.values()), "cover_percentage": 0.0,
                              "bins:_hits": hits}
    # the scope cross as cocotb-coverage exports it: each bin its tuple as text
    items[SCOPE] = {"type": "<class 'cocotb_coverage.coverage.CoverCross'>", "at_least": 1,
                    "bins:_hits": {str((".".join(b.split(".")[:2]), ".".join(b.split(".")[2:]))): 1
                                   for b in GOALS["iommu.inval_scope"]}}
    items["iommu.fault.record"]["bins:_hits"]["did.wide"] = 0
    return cr.Coverage(items, 3)


def test_summary_lines_show_hit_and_missed_exactly():
    lines = cr.summary_lines(hand_made())
    assert "coverage iommu.perm: 78/78" in lines
    assert "coverage iommu.cause: 16/17 (missing 266)" in lines
    assert "coverage iommu.record: 9/10 (missing did.wide)" in lines
    assert "coverage iommu.inval_scope: 14/14" in lines
    assert lines[:len(GOALS)] == [line for line in lines if line.startswith("coverage ")]
    assert [line.split(":")[0].split()[1] for line in lines[:len(GOALS)]] == list(GOALS)
    # iommu.fault: cause 16/17 + record 9/10
    assert "covergroup iommu.fault: 92.6% (25/27 bins)" in lines
    # 113 + 15 PBMT x stage + 8 MSI flat outcomes + 2 A/D faults
    assert "covergroup iommu.walk: 100.0% (138/138 bins)" in lines


def test_report_names_causes_and_lists_bins_hit_and_missed(tmp_path):
    yml, txt = cr.write(cr.load(run_a(tmp_path)), tmp_path / "out")
    text = txt.read_text()
    assert txt.name == cr.REPORT_FILE and yml.is_file()
    assert "13 read page fault (2)" in text                      # iommu.fault.cause, hit
    assert "266 PDT entry not valid" in text                     # missed
    assert "0 success (100)" in text
    assert "1LVL.first.4K / 0 success (100)" in text                # the translation cross
    assert "12 instruction page fault @ first" in text           # cause x stage, missed
    block = text.split("cross command_x_scope")[1].split("\n  point")[0]
    assert "hit: IOTINVAL.VMA.gv0.av1.pscv1 (3)" in block
    assert "IODIR.INVAL_DDT.dv0" in block.split("missed:")[1]
    assert "coverage iommu.cause: 1/17 (missing 1, 5, 7, 12, 15," in text
    assert "covergroup iommu.translation:" in text


def test_every_cause_of_the_model_has_a_name():
    from models.causes import Cause
    assert all(c in cr.CAUSE_NAMES for c in Cause)
    assert cr.cause_label("iommu.fault.cause", "12") == "12 instruction page fault"


def test_cli_merges_and_prints_the_summary(tmp_path):
    a, b = run_a(tmp_path), run_b(tmp_path)
    assert cr.main([str(tmp_path / "out"), str(a), str(b)]) == 0
    assert cr.load(tmp_path / "out" / cr.RUN_FILE).bins("iommu.translation.cause")["0"] == 105
    assert (tmp_path / "out" / cr.REPORT_FILE).is_file()
    assert cr.main([]) == 2


def test_the_report_process_needs_no_simulator_nor_pyuvm():
    code = ("import sys, tb.coverage_report; "
            "bad = [m for m in ('pyuvm', 'cocotb') if m in sys.modules]; "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# -- the hooks on a real oracle ---------------------------------------------------------------
def cov_on(oracle):
    from tb.env.iommu_cov import IommuCoverage
    cov = IommuCoverage.__new__(IommuCoverage)       # the hooks need no pyuvm hierarchy
    cov.build_phase()
    cov.oracle = oracle
    return cov


def test_hooks_count_into_the_run_file(tmp_path):
    o = CoherenceOracle()
    req = _setup(o)                                   # 1LVL DDT, Sv39, a 4 KiB page at req.iova
    cov = cov_on(o)
    for _ in range(3):
        cov.translation(TranslationResult(req, 0, False, None, 0x87654000))
    bad = Request(did=5, iova=0x4010_0000, ttyp=TTYP.UNTRANSLATED_WRITE)
    cov.translation(TranslationResult(bad, 1, True, 15, 0))
    cov.translation(TranslationResult(bad, 2, True, None, 0))     # a port without causes
    cov.record_cause(15)
    cov.race("store_in_flight")
    cov.record_fields((15 | 3 << 34 | 5 << 40, 0, 0x4010_0000, 0))
    # the command queue: two commands, then the doorbell the register agent reports
    o.write_reg(Reg.CQB, ((0x30000 >> 12) << 10) | 5)
    for i, c in enumerate((Command("IODIR.INVAL_DDT", dv=1, did=5), Command("IOFENCE.C", av=0, pr=1))):
        dw0, dw1 = encode(c)
        o.store64(0x30000 + 16 * i, dw0)
        o.store64(0x30000 + 16 * i + 8, dw1)
    cov.reg_op(RegOp(Reg.CQT, 2, size=4))
    cov.reg_op(RegOp(Reg.DDTP, 0, write=False))

    class Upd:
        structure, kind, transition, page_size = "first", "protect", "change", 2 << 20
    cov.update(Upd(), [object()])
    run = cr.load(cov.write(tmp_path / cr.RUN_FILE))
    assert run.bins("iommu.translation.cause")["0"] == 3
    assert run.bins("iommu.translation.cause")["15"] == 2            # the port-less one by its walk
    assert run.bins("iommu.translation.result") == {"success": 3, "fault": 1, "fault_no_cause": 1}
    assert run.bins(XCROSS)["1LVL.first.4K.0"] == 3
    assert run.bins(XCROSS)["1LVL.first.none.15"] == 2                # no leaf at 0x4010_0000
    assert run.bins("iommu.fault.cause")["15"] == 2                  # the port's and the record's
    assert run.bins("iommu.walk.cause_stage")["15.first"] == 2
    assert run.bins("iommu.translation.fs_mode") == {"Bare": 0, "Sv32": 0, "Sv39": 5, "Sv48": 0,
                                                     "Sv57": 0}
    assert run.bins("iommu.translation.pdt_mode")["PDTV=0"] == 5
    assert run.bins("iommu.walk.ddt_did")["1LVL.ddi0"] == 5
    assert run.bins("iommu.walk.perm")["w1.U.read"] == 3
    assert run.bins("iommu.concurrency.race")["store_in_flight"] == 1
    assert run.bins("iommu.fault.record")["ttyp3"] == 1 and run.bins("iommu.fault.record")["pv0"] == 1
    assert run.bins(SCOPE)["IODIR.INVAL_DDT.dv1"] == 1 and run.bins(SCOPE)["IOFENCE.C.av0.wsi0"] == 1
    assert run.bins("iommu.commands.fence_pr_pw")["pr1.pw0"] == 1
    assert run.bins("iommu.registers.write")["CQT"] == 1 and run.bins("iommu.registers.write")["DDTP"] == 0
    assert run.bins("iommu.sw_update.kind_x_transition_x_invalidated")["first.protect.change.invalidated"] == 1
    assert run.bins("iommu.sw_update.page_size")["first.2048K"] == 1
    assert cov.report_lines()[0].startswith("coverage iommu.cause: 1/17 (missing 1, 5, 7, 12, 13, 20,")


def test_translation_costs_one_counter_per_response_on_a_known_page():
    o = CoherenceOracle()
    req = _setup(o)
    cov = cov_on(o)
    res = TranslationResult(req, 0, False, None, 0x87654000)
    cov.translation(res)
    walks = len(cov._shape_list)
    for _ in range(10):
        cov.translation(res)
    assert len(cov._shape_list) == walks == 1 and list(cov._xlate.values()) == [11]
    o.store64(0x22008, (0x99999 << 10) | 0xD7)       # memory changed: walked again
    cov.translation(res)
    assert sum(cov._xlate.values()) == 12 and Counter(cov.samples()["walk"]).total() == 12


class _NoMemo(dict):
    """A signature memo that never remembers: every walk computes its shape."""

    def __setitem__(self, key, value):
        pass


def test_shapes_shared_by_signature_are_the_shapes_walked():
    """Two pages (different PPNs) for every combination of R W X U G A D, and V=0, requested
    as read, write and exec by a device without process context: the coverage that shares a
    walk shape between pages with the same signature counts exactly what the coverage that
    computes every shape counts, and it did share."""
    o = CoherenceOracle()
    _setup(o)                                     # DC of did 5, Sv39 root 0x20000 -> 0x21000 -> 0x22000
    flags = [f for f in range(0, 256, 2)] + [0]   # every R W X U G A D combination (V=1); V=0
    pages = [(j, f) for j, f in enumerate(flags + flags)]
    for j, f in pages:
        o.store64(0x22000 + 8 * (16 + j), ((0x80000 + j) << 10) | f | (1 if j < len(flags) - 1
                                                                      or f else 0))
    shared, walked = cov_on(o), cov_on(o)
    walked._sigs = _NoMemo()
    for j, _ in pages:
        for ttyp in (TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE, TTYP.UNTRANSLATED_EXEC):
            req = Request(did=5, iova=0x4001_0000 + 0x1000 * j, ttyp=ttyp)
            out = o.model.walk(req).outcome
            res = TranslationResult(req, j, not out.ok, None if out.ok else int(out.cause),
                                    out.pa or 0)
            shared.translation(res)
            walked.translation(res)
    assert shared.samples() == walked.samples()
    assert len(shared._sigs) <= 3 * len(flags)    # the second page of each pair was shared
    assert sum(shared.samples()["walk"].values()) == 3 * len(pages)


def test_pages_of_other_memory_types_do_not_share_a_shape():
    """Svpbmt: pages alike but for their PBMT (PMA, NC, IO) have shapes of their own; the
    memory type bins count each (the signature once kept only V..D and N: every page counted
    as the first type seen)."""
    from models import capabilities as capbits
    o = CoherenceOracle(capabilities=capbits.DEFAULT | 1 << capbits.SVPBMT)
    _setup(o)
    for j, pbmt in enumerate((0, 1, 2, 1)):          # PMA, NC, IO, NC again
        o.store64(0x22000 + 8 * (16 + j), ((0x80000 + j) << 10) | 0xD7 | pbmt << 61)
    shared, walked = cov_on(o), cov_on(o)
    walked._sigs = _NoMemo()
    for j in range(4):
        req = Request(did=5, iova=0x4001_0000 + 0x1000 * j, ttyp=TTYP.UNTRANSLATED_READ)
        out = o.model.walk(req).outcome
        assert out.ok
        res = TranslationResult(req, j, False, None, out.pa)
        shared.translation(res)
        walked.translation(res)
    assert shared.samples() == walked.samples()
    assert len(shared._sigs) == 3
    pbmt = Counter()
    for names, n in shared.samples()["walk"].items():    # (the bins a walk hit) -> count
        pbmt.update({b: n for b in names if b.startswith("pbmt.")})
    assert pbmt == {"pbmt.first.PMA": 1, "pbmt.first.NC": 2, "pbmt.first.IO": 1}


def test_runs_that_must_fail_count_only_for_the_failure_attribution(tmp_path):
    """A broken persona's run (it must fail) hits its persona x policy x layer bin: merged from
    it; its translations (a broken stack's) are not. The impossible bins are gone: a correct
    VMM is never the layer at fault, a broken one always is."""
    good = run_file(tmp_path / "good.yml",
                    viommu=[(("nested-forwarding", "riscv-1.0-strict", "none"), 1)],
                    translation=[(("1LVL", "first", "4K", 0, 2, "no", "success", "Sv39", "Bare", "PDTV=0"), 3)])
    bad = run_file(tmp_path / "bad.yml",
                   viommu=[(("nested-gscid-not-substituted", "riscv-1.0-strict", "VMM"), 1)],
                   translation=[(("1LVL", "first", "4K", 0, 2, "no", "success", "Sv39", "Bare", "PDTV=0"), 50)])
    cross = "iommu.viommu.persona_x_policy_x_layer"
    m = cr.merge_files([good], attribution_only=[bad])
    assert m.files == 1
    assert m.bins(cross)["nested-gscid-not-substituted.riscv-1.0-strict.VMM"] == 1
    assert m.bins(cross)["nested-forwarding.riscv-1.0-strict.none"] == 1
    assert m.bins("iommu.viommu.layer") == {"none": 1, "guest": 0, "VMM": 1, "hardware": 0}
    assert m.bins(XCROSS)["1LVL.first.4K.0"] == 3               # not the broken run's 50
    # 8 personas: the 2 correct ones with none/guest/hardware, the 6 broken ones with VMM
    assert set(m.bins(cross)) == (
        {f"{p}.{pol}.{layer}" for p, pol in (("nested-forwarding", "riscv-1.0-strict"),
                                             ("shadowing", "caching-mode"))
         for layer in ("none", "guest", "hardware")}
        | {f"{p}.riscv-1.0-strict.VMM" for p in ("nested-gscid-not-substituted",
                                                 "nested-did-not-translated",
                                                 "nested-fence-completed-early", "nested-dv0-dropped")}
        | {f"{p}.caching-mode.VMM" for p in ("shadowing-not-updated", "shadowing-pdt-not-updated")})
    assert cr.merge_files([good]).bins(cross)["nested-gscid-not-substituted.riscv-1.0-strict.VMM"] == 0


def test_the_json_twin_reads_as_the_yaml_file(tmp_path):
    """A run writes coverage.yml and coverage.json (read by the merge: PyYAML is ~50x slower);
    both give the same database, integer bins included; a twin older than its coverage.yml
    (the YAML edited or rewritten since) is not used."""
    import os
    import yaml
    d = tmp_path / "run"
    d.mkdir()
    f = run_file(d / cr.RUN_FILE, translation=[(("1LVL", "first", "4K", 13, 2, "no", "fault", "Sv39",
                                                  "Bare", "PDTV=0"), 2)], fault_cause=[(13, 2)])
    twin = d / cr.FAST_FILE
    assert twin.is_file()
    from_yaml = cr.Coverage(yaml.load(f.read_text(), Loader=cr._Loader), 1)
    assert cr.load(f) == from_yaml
    assert cr.load(f).items["iommu.fault.cause"][cr.HITS][13] == 2    # an integer bin stays one
    twin.write_text(twin.read_text().replace('[13, 2]', '[13, 99]'))
    assert cr.load(f).bins("iommu.fault.cause")["13"] == 99      # (the twin is what is read)
    st = f.stat()
    os.utime(twin, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))  # older than the YAML
    assert cr.load(f) == from_yaml


def test_a_broken_cache_persona_counts_for_its_mode_bin(tmp_path):
    """A cache persona's run that must fail (assumes-coherence on a non-coherent platform) hits
    persona x mode as intended: merged from it, so the cross can close."""
    good = run_file(tmp_path / "good.yml", coherence=[(("cleans", "non-coherent"), 1)])
    bad = run_file(tmp_path / "bad.yml", coherence=[(("assumes-coherence", "non-coherent"), 1)])
    m = cr.merge_files([good], attribution_only=[bad])
    cross = m.bins("iommu.coherence.persona_x_mode")
    assert cross["assumes-coherence.non-coherent"] == 1 and cross["cleans.non-coherent"] == 1
    assert cr.merge_files([good]).bins("iommu.coherence.persona_x_mode")[
        "assumes-coherence.non-coherent"] == 0
