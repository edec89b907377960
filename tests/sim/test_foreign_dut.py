"""Checking someone else's IOMMU: a copy of our RTL under another top name and other file
names, with its own file list and a profile outside the repository, passes the regression's
smoke subset on both simulators through `--dut path/to/profile.toml` (what `make sim
DUT=...` calls); the bug variants, which exist for our own RTL only, are listed as skipped
with their reason, never run and never failed."""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tb import dut_profile

import bounded_run

ROOT = Path(__file__).resolve().parents[2]


def regression(*args):
    return bounded_run.run([sys.executable, "-m", "tb.regression", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def acme(tmp_path_factory):
    """acme_iommu: our sources renamed (files acme_*.v, top module acme_iommu), include files
    beside them, a file list with +incdir, and a profile naming the top and its simulators."""
    d = tmp_path_factory.mktemp("acme")
    ours = dut_profile.load(None)
    names = []
    for src in ours.sources:
        text = src.read_text()
        text = re.sub(r"^(\s*module\s+)riscv_iommu\b", r"\1acme_iommu", text, flags=re.M)
        name = "acme_" + src.name.replace("iommu_", "").replace("riscv_", "")
        (d / name).write_text(text)
        names.append(name)
    for inc in ours.include_dirs:
        for f in inc.iterdir():
            if f.suffix in (".vh", ".svh"):
                (d / f.name).write_text(f.read_text())
    (d / "acme.f").write_text("// acme IOMMU\n+incdir+.\n" + "\n".join(names) + "\n")
    profile = d / "acme.toml"
    profile.write_text('name = "acme"\ntop = "acme_iommu"\nfilelist = "acme.f"\n'
                       'simulators = ["icarus", "verilator"]\n[params.default]\n'
                       '[port]\nkind = "dev"\nmax_inflight = 16\n')
    return profile


def test_renamed_copy_passes_smoke_on_both_simulators(acme):
    r = regression("--dut", str(acme), "--sim", "all", "--subset", "smoke")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    n = len(dut_profile.load(None).sources)          # every source of ours, renamed
    assert f"DUT acme: top acme_iommu, {n} sources" in r.stdout
    for sim in ("icarus", "verilator"):
        assert f"\n{sim:<10} SmokeTest" in r.stdout, r.stdout
        assert f"{sim}: DUT acme capabilities 0x000001f810060610" in r.stdout, r.stdout
    assert re.search(r"\n22 passed, 0 failed, 0 sequence, 0 skipped", r.stdout), r.stdout


def test_bug_variants_are_skipped_with_their_reason(acme):
    r = regression("--dut", str(acme), "--sim", "icarus", "--subset", "bugs")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "SKIP" in r.stdout and "DUT acme has no bug variant 'iotlb_ignores_pscid'" in r.stdout
    assert "DUT acme has no parameter set 'neg_cache_dc'" in r.stdout
    # the broken software personas need no bug variant: they run, and end as their entries expect
    assert re.search(r"\n3 passed, 0 failed, 0 sequence, 20 skipped", r.stdout), r.stdout
    assert re.search(r"\nicarus +Seq_protect_never_invalidated +1 PASS .*\(1 advice\)", r.stdout), r.stdout
    suite = ET.parse(ROOT / "results" / "latest" / "junit.xml").getroot().find("testsuite")
    assert suite.get("skipped") == "20"
    skips = [c.find("skipped").get("message") for c in suite.iter("testcase") if c.find("skipped") is not None]
    assert "DUT acme has no bug variant 'fence_completes_early' (mutants exist for our own RTL)" in skips
