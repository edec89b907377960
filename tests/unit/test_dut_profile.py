"""DUT profiles (tb/dut_profile.py): the shipped profiles load, `extends` merges, and every bad
profile is one line naming the file and the key (the regression prints it and exits 2; see
tests/sim/test_regression_cli.py)."""
from pathlib import Path

import pytest

from tb import dut_profile
from tb.dut_profile import ProfileError, load

ROOT = Path(__file__).resolve().parents[2]


def test_default_profile_is_our_rtl():
    p = load(None)
    assert p.path == ROOT / "duts" / "riscv_iommu.toml" and p.top == "riscv_iommu" and p.port["kind"] == "dev"
    assert ROOT / "rtl" / "iommu_walker.v" in p.sources
    assert set(p.params) == {"default", "neg_cache_dc", "no_cache", "pbmt", "pbmt_no_cache", "dbg",
                             "hpm", "hpm_msi", "hpm_no_cache", "nl_s", "msi", "ad",
                             "svrsw", "qosid", "mrif", "mrif_dbg_ats", "ats", "ats_msi", "end", "sv32", "sv57"}
    assert p.params["no_cache"] == {"IOTLB_ENTRIES": 0, "DDTC_ENTRIES": 0, "PDTC_ENTRIES": 0}
    assert p.params["pbmt"] == {"SVPBMT": 1}
    assert p.port["pbmt"] == "dev_rsp_pbmt"          # the optional memory-type output
    assert p.fault_cause == "port" and p.svnapot
    # the mutation library (docs/mutation.md); the regression's bug tests name six of them
    assert len(p.mutants) >= 40
    assert {"iotlb_ignores_pscid", "ddtc_not_flushed_by_iodir", "fence_completes_early",
            "misconfigured_dc_reported_not_valid", "fence_write_wrong_address",
            "fq_interrupt_stuck"} <= p.mutants.keys()


def test_sv39_only_extends_our_rtl():
    p = load("sv39-only")
    off = {"SV48": 0, "SV48X4": 0, "PD17": 0, "PD20": 0, "SVNAPOT": 0}
    assert p.params["default"] == off
    assert p.params["no_cache"] == {**off, "IOTLB_ENTRIES": 0, "DDTC_ENTRIES": 0, "PDTC_ENTRIES": 0}
    # version 0x10 | Sv39 (bit 9) | Sv39x4 (17) | IGS=WSI (28) | PAS=56 (37:32) | PD8 (38)
    assert p.capabilities == 0x10 | 1 << 9 | 1 << 17 | 1 << 28 | 56 << 32 | 1 << 38
    assert p.capabilities_must_match and not p.svnapot
    assert p.top == "riscv_iommu" and p.mutants.keys() == load(None).mutants.keys()


def write(tmp_path, text, name="dut.toml"):
    (tmp_path / "top.v").write_text("module my_top(input clk);\nendmodule\n")
    f = tmp_path / name
    f.write_text(text)
    return f


GOOD = 'top = "my_top"\nsources = ["top.v"]\n'


def test_a_profile_outside_the_repository(tmp_path):
    (tmp_path / "inc").mkdir()
    f = write(tmp_path, GOOD + 'include_dirs = ["inc"]\ndefines = { FAST = 1, NAME = "x" }\n'
              'simulators = ["icarus"]\n[sim.icarus]\nargs = ["-Wall"]\n[params.small]\nN = 2\n')
    p = load(str(f))
    assert p.name == "dut" and p.sources == [tmp_path / "top.v"]
    assert p.include_dirs == [tmp_path / "inc"] and p.defines == {"FAST": "1", "NAME": "x"}
    assert p.simulators == ["icarus"] and p.sim_args["icarus"] == ["-Wall"]
    assert p.params == {"small": {"N": 2}} and not p.mutants


@pytest.mark.parametrize("extra, says", [
    ('colour = "red"\n', "unknown key 'colour'"),
    ('[port]\nknd = "dev"\n', "unknown key 'port.knd'"),
    ('simulators = "icarus"\n', "key 'simulators' must be a list"),
    ('[port]\nmax_inflight = "4"\n', "key 'port.max_inflight' must be an integer"),
    ('[features]\nsvnapot = 1\n', "key 'features.svnapot' must be true or false"),
    ('simulators = ["modelsim"]\n', "key 'simulators': unknown simulator 'modelsim'"),
    ('[port]\nkind = "pcie"\n', "key 'port.kind': must be one of dev, axi-dma"),
    ('[port]\nkind = "axi-dma"\n', "key 'faults.cause': an axi-dma port answers a fault with SLVERR"),
    ('capabilities = 0x20\n', "key 'capabilities': capabilities.version must be 0x10"),
    ('[memory]\nmsi = [[0x2000, 0x1000]]\n', "key 'memory.msi[0]'"),
    ('include_dirs = ["nowhere"]\n', "key 'include_dirs': directory"),
    ('[mutants.m]\nwhat = "w"\nfile = "other.v"\nfind = "a"\nreplace = "b"\n',
     "key 'mutants.m.file'"),
])
def test_bad_profile_is_one_line_naming_file_and_key(tmp_path, extra, says):
    f = write(tmp_path, GOOD + extra)
    with pytest.raises(ProfileError) as e:
        load(str(f))
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(f)) and says in msg, msg


def test_missing_source_and_wrong_top(tmp_path):
    f = write(tmp_path, 'top = "my_top"\nsources = ["gone.v"]\n')
    with pytest.raises(ProfileError, match=r"key 'sources': source .*gone.v does not exist"):
        load(str(f))
    f = write(tmp_path, 'top = "riscv_iommu"\nsources = ["top.v"]\n')
    with pytest.raises(ProfileError, match="key 'top': module 'riscv_iommu' is not defined in any of the 1 sources"):
        load(str(f))
    f = write(tmp_path, 'sources = ["top.v"]\n')
    with pytest.raises(ProfileError, match="key 'top' is missing"):
        load(str(f))


def test_bad_toml_and_unknown_names(tmp_path):
    f = write(tmp_path, 'top = "my_top\n')
    with pytest.raises(ProfileError, match="not valid TOML"):
        load(str(f))
    with pytest.raises(ProfileError, match="unknown DUT 'nosuch'; known: .*riscv_iommu.*sv39-only"):
        load("nosuch")
    with pytest.raises(ProfileError, match="does not exist"):
        load(str(tmp_path / "absent.toml"))


def test_file_list_options(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "dut.f").write_text("+incdir+inc\n+define+A=3+B\n-D C\ntop.v\n")
    f = write(tmp_path, 'top = "my_top"\nfilelist = "dut.f"\n')
    p = load(str(f))
    assert p.include_dirs == [tmp_path / "inc"] and p.defines == {"A": "3", "B": "1", "C": "1"}
    (tmp_path / "dut.f").write_text("-y libdir\ntop.v\n")
    with pytest.raises(ProfileError, match=r"key 'filelist': .*dut.f:1: option '-y libdir' is not understood"):
        load(str(f))


def test_extends_merges_tables_and_loops_are_refused(tmp_path):
    write(tmp_path, GOOD + '[port]\nmax_inflight = 8\n[params.a]\nX = 1\n', "base.toml")
    f = tmp_path / "child.toml"
    f.write_text('extends = "base.toml"\nname = "child"\nparameters = { Y = 2 }\n[port]\nid_width = 6\n')
    p = load(str(f))
    assert p.name == "child" and p.port["max_inflight"] == 8 and p.port["id_width"] == 6
    assert p.params == {"a": {"X": 1, "Y": 2}}
    (tmp_path / "base.toml").write_text('extends = "child.toml"\n')
    with pytest.raises(ProfileError, match="loops back"):
        load(str(f))


def test_port_pbmt_is_optional(tmp_path):
    # a foreign profile without the key gets the default name; "" says the DUT has no such
    # output (the scoreboard then does not check memory types)
    f = tmp_path / "acme.toml"
    f.write_text('name = "acme"\ntop = "riscv_iommu"\nfilelist = "%s"\nroot = "%s"\n[port]\npbmt = ""\n'
                 % (ROOT / "rtl" / "riscv_iommu.f", ROOT))
    assert load(str(f)).port["pbmt"] == ""
    g = tmp_path / "plain.toml"
    g.write_text('name = "plain"\ntop = "riscv_iommu"\nfilelist = "%s"\nroot = "%s"\n'
                 % (ROOT / "rtl" / "riscv_iommu.f", ROOT))
    assert load(str(g)).port["pbmt"] == "dev_rsp_pbmt"
