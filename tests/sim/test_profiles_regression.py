"""The regression through the shipped profiles other than the default: our RTL built without
Sv48/Sv48x4/PD17/PD20/Svnapot ("sv39-only") passes the smoke subset on both simulators with its
capabilities as declared, and a profile that declares capabilities the DUT does not report
(capabilities_must_match) fails with the CAPABILITIES line."""
import re
import sys
from pathlib import Path

import bounded_run

ROOT = Path(__file__).resolve().parents[2]


def regression(*args):
    return bounded_run.run([sys.executable, "-m", "tb.regression", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=900)


def test_sv39_only_passes_smoke_on_both_simulators():
    r = regression("--dut", "sv39-only", "--sim", "all", "--subset", "smoke")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    for sim in ("icarus", "verilator"):
        assert (f"{sim}: DUT sv39-only capabilities 0x0000007810020210 (v1.0 Sv39 Sv39x4 PD8 "
                f"IGS=WSI PAS=56), fctl 0x2; no Svnapot (profile); as the profile declares") in r.stdout
    assert re.search(r"\n22 passed, 0 failed, 0 sequence, 0 skipped", r.stdout), r.stdout


def test_declared_capabilities_that_differ_fail_the_run(tmp_path):
    # our full RTL, declared as if it were the sv39-only build
    f = tmp_path / "liar.toml"
    f.write_text(f'extends = "{ROOT / "duts" / "riscv_iommu.toml"}"\nname = "liar"\n'
                 'capabilities = 0x0000_0078_1002_0210\ncapabilities_must_match = true\n')
    r = regression("--dut", str(f), "--sim", "icarus", "--test", "SmokeTest", "--seed", "1")
    assert r.returncode == 1, r.stdout[-3000:]
    assert ("FAIL icarus SmokeTest seed 1: SmokeTest: 1 check(s) failed; first: CAPABILITIES read "
            "0x1f810060610, the profile declares 0x7810020210 (capabilities_must_match): "
            "+Sv48 +Sv48x4 +PD17 +PD20") in r.stdout, r.stdout
    assert "REPLAY: make sim DUT=" in r.stdout


def test_axi_front_passes_smoke_on_both_simulators():
    """Our RTL behind the AXI4 DMA front: translated addresses from the downstream master,
    faults as SLVERR with causes from the fault records; translated requests cannot be carried
    and are listed as skipped steps."""
    r = regression("--dut", "riscv_iommu_axi", "--sim", "all", "--subset", "smoke")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "port axi-dma" in r.stdout
    assert "FaultCausesTest: translated read requests: the DUT's device port cannot carry them" in r.stdout
    assert re.search(r"\n22 passed, 0 failed, 0 sequence, 0 skipped", r.stdout), r.stdout


def test_bug_variants_are_caught_through_the_axi_front():
    r = regression("--dut", "riscv_iommu_axi", "--sim", "icarus", "--subset", "bugs")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    for ident in ("NegCacheDc_strict_fails", "Bug_iotlb_ignores_pscid", "Bug_ddtc_not_flushed_by_iodir",
                  "Bug_fence_completes_early", "Bug_misconfigured_dc_reported_not_valid",
                  "Bug_fence_write_wrong_address", "Bug_fq_interrupt_stuck",
                  "Seq_protect_never_invalidated", "Seq_protect_wrong_pscid", "Seq_protect_spec_passes"):
        assert re.search(rf"\nicarus +{ident} +1 PASS ", r.stdout), r.stdout


def test_writes_in_a_declared_msi_range_are_logged_not_failed(tmp_path):
    """The IOFENCE.C data writes of the wrong-address mutant land 0x100 past the command's
    address. With that region declared as MSI addresses, each such write is logged as an MSI
    (not a WRITE failure), and the run fails instead because the fence's data write never came."""
    f = tmp_path / "msi.toml"
    # this scenario's fences write from 0x3_1004 up; the mutant writes at +0x100
    f.write_text(f'extends = "{ROOT / "duts" / "riscv_iommu.toml"}"\nname = "msi"\n'
                 '[memory]\nmsi = [[0x3_1100, 0x3_2000]]\n')
    r = regression("--dut", str(f), "--sim", "icarus", "--test", "Bug_fence_write_wrong_address",
                   "--seed", "1")
    assert r.returncode == 1, r.stdout[-3000:]
    assert "no message contains 'WRITE unexpected memory write'" in r.stdout, r.stdout
    assert "IOFENCE.C data write missing" in r.stdout, r.stdout
    log = ROOT / "results" / "latest" / "runs" / "icarus" / "Bug_fence_write_wrong_address" / "seed1" / "sim.log"
    assert "MSI write 0x3" in log.read_text()


def test_causes_taken_from_records_on_a_dev_port(tmp_path):
    """faults.cause = "record": whatever dev_rsp_cause says is ignored, the cause is judged from
    the fault record. Smoke passes that way, and the misconfigured-DC mutant (258 for 259) is
    still caught, on its record."""
    f = tmp_path / "rec.toml"
    f.write_text(f'extends = "{ROOT / "duts" / "riscv_iommu.toml"}"\nname = "rec"\n'
                 '[faults]\ncause = "record"\n')
    r = regression("--dut", str(f), "--sim", "icarus", "--subset", "smoke")
    assert r.returncode == 0, r.stdout[-3000:]
    r = regression("--dut", str(f), "--sim", "icarus", "--test", "Bug_misconfigured_dc_reported_not_valid")
    assert r.returncode == 0 and re.search(r"Bug_misconfigured_dc_reported_not_valid +1 PASS", r.stdout), r.stdout
    log = (ROOT / "results" / "latest" / "runs" / "icarus" / "Bug_misconfigured_dc_reported_not_valid"
           / "seed1" / "sim.log").read_text()
    assert "got=fault:258 permitted={fault:259}" in log and "(cause from the fault record at" in log
