"""sequences/dut_features.py: how scenarios pick modes on a DUT and record what they skip."""
from models import Request, TTYP
from models import capabilities as c
from models.capabilities import Capabilities
from sequences.dut_features import DutFeatures, NotSupported

SV39_ONLY = 0x10 | 1 << c.SV39 | 1 << c.SV39X4 | 1 << c.IGS_SHIFT | 56 << c.PAS_SHIFT | 1 << c.PD8


def test_full_dut_keeps_the_preferred_modes():
    f = DutFeatures()
    assert (f.fs_mode("sv48"), f.g_mode("sv48x4"), f.pd_mode("pd17"), f.pd_mode("pd20")) == \
        ("sv48", "sv48x4", "pd17", "pd20")
    assert f.fs_mode("sv57") == "sv48"          # no Sv57 in our RTL: the widest below
    assert f.svnapot and f.need("svnapot", "napot") and not f.skipped


def test_sv39_only_dut_retargets_and_records_skips():
    f = DutFeatures(caps=Capabilities(SV39_ONLY, svnapot=False), name="small")
    assert (f.fs_mode("sv48"), f.g_mode("sv48x4"), f.pd_mode("pd20")) == ("sv39", "sv39x4", "pd8")
    assert not f.need("svnapot", "64 KiB pages")
    assert not f.need("msi_flat", "MSI pages")
    assert f.skipped == [("64 KiB pages", "DUT small has no Svnapot"),
                         ("MSI pages", "DUT small has no MSI flat mode")]


def test_no_first_stage_at_all_is_not_supported():
    f = DutFeatures(caps=Capabilities(0x10 | 1 << c.IGS_SHIFT | 56 << c.PAS_SHIFT), name="gonly")
    try:
        f.fs_mode("sv39")
    except NotSupported as e:
        assert str(e) == "DUT gonly supports none of sv39, sv48, sv57"
    else:
        raise AssertionError("a DUT without Sv39/48/57 cannot give a first-stage mode")


def test_requests_a_port_cannot_carry_are_left_out_once_each():
    f = DutFeatures(port_ttyps=frozenset({1, 2, 3}))
    reqs = [Request(did=1, iova=0, ttyp=t) for t in (TTYP.UNTRANSLATED_READ, TTYP.TRANSLATED_READ,
                                                      TTYP.TRANSLATED_READ, TTYP.PCIE_MSG)]
    assert f.sendable(reqs) == reqs[:1]
    assert f.skipped == [("translated read requests", "the DUT's device port cannot carry them"),
                         ("PCIe message requests", "the DUT's device port cannot carry them")]
