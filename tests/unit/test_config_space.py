"""The configuration space of the random-configuration test (sequences/config_space.py): what
200 seeds draw (printed: `pytest -s` shows the table), that every mode, field value, PTE
pattern, injected error and request type the weights allow turns up in a few seeds, that a
restricted DUT only gets what it supports, and that a weight of 0 excludes a value. Expected
values come from the spec (modes, index widths, the x4 GPA ranges), not from the code."""
import random
import subprocess
import sys
from pathlib import Path

import pytest

from models import capabilities as capbits
from models.capabilities import Capabilities
from sequences import config_space as cs
from sequences.dut_features import DutFeatures

ROOT = Path(__file__).resolve().parents[2]
N = 200
FEW = 3          # "a few seeds" out of N

SV39_ONLY = DutFeatures(caps=Capabilities(
    capbits.DEFAULT & ~(1 << capbits.SV48 | 1 << capbits.SV48X4 | 1 << capbits.PD17
                        | 1 << capbits.PD20), svnapot=False), name="sv39-only")


@pytest.fixture(scope="module")
def default_draw():
    configs, seen = cs.distribution(N)
    print(f"\n{N} configurations, our RTL's features\n" + cs.format_distribution(N, seen))
    return configs, seen


def _pages(configs):
    return [p for c in configs for sp in c.spaces for p in sp.pages]


# The spec's values: ddtp modes with levels, the first-stage and G-stage modes our RTL has
# (capabilities Sv39, Sv48, Sv39x4, Sv48x4; PD8, PD17, PD20), and the patterns that make each
# fault cause of the subset.
EVERY = {
    "ddt_mode": ["1lvl", "2lvl", "3lvl"],
    "did_width": ["narrow", "wide"],
    "alias.kept": ["bits_15_7", "bits_23_16"],
    "device": ["host", "pdt", "guest", "g_only", "bare", "shared", "misconfigured"],
    "fs_mode": ["sv39", "sv48"],
    "g_mode": ["sv39x4", "sv48x4"],
    "pd_mode": ["pd8", "pd17", "pd20"],
    "gpa_high": ["True", "False"],
    "dpe": ["True"], "dtf": ["True"], "ens": ["False", "True"], "sum": ["False", "True"],
    "pscid": ["max"], "gscid": ["max"],
    "process": ["valid", "not_valid", "misconfigured"],
    "process_fs": ["bare", "paged"],
    "page_size": ["4k", "64k", "2m", "1g"],
    "perms": ["r", "rw", "rx", "rwx", "x"],
    "user": ["True", "False"], "global": ["True"],
    "pte_flaw": ["a0", "d0", "w_no_r", "reserved", "pbmt", "misaligned", "napot_bad",
                 "nonleaf_a", "nonleaf_d", "nonleaf_u", "v0"],
    "g_flaw": ["u0", "a0", "d0", "w_no_r", "reserved", "v0"],
    "g_tables_flaw": ["u0", "a0", "w_no_r"],
    "inject.where": ["ddte", "dc", "pdte", "pc", "pte1", "pte2"],
    "inject.pte2": ["final", "implicit"], "inject.pte1": ["leaf", "root"],
    "ttyp": ["read", "write", "exec", "translated"],
    "early": ["off_before_queues", "off", "off_bare"],
    "fq_log2": ["3"],
    "bus": ["none", "mem", "mem_rsp"],
}


@pytest.mark.parametrize("table", sorted(EVERY))
def test_every_value_in_a_few_seeds(default_draw, table):
    _, seen = default_draw
    rare = [v for v in EVERY[table] if seen[f"{table}={v}"] < FEW]
    assert not rare, f"{table}: {rare} drawn in fewer than {FEW} of {N} seeds"


def test_every_misconfiguration_turns_up(default_draw):
    """Each way of breaking a device context (cause 259) that our RTL lacks the capability
    for, at least once in 200 seeds (they share the misconfigured device's weight)."""
    _, seen = default_draw
    kinds = ["en_ats", "en_pri", "t2gpa", "sade", "gade", "sbe", "sxl", "dpe_without_pdtv",
             "fs_mode_reserved", "fs_mode_unsupported", "g_mode_reserved", "g_root_misaligned",
             "pdt_mode_reserved", "ta_reserved", "tc_reserved"]
    missing = [k for k in kinds if not seen[f"misconfig={k}"]]
    assert not missing, f"never drawn in {N} seeds: {missing}"
    # our RTL has every G-stage and PDT mode it could be asked for but Sv57x4 ...
    assert seen["misconfig=g_mode_unsupported"] > 0
    # ... and all three PDT modes: no unsupported one to misconfigure with
    assert seen["misconfig=pdt_mode_unsupported"] == 0


def test_only_supported_modes_default(default_draw):
    configs, seen = default_draw
    # our RTL has no Sv57 / Sv57x4 (capabilities bits 11 and 19 clear)
    assert not seen["fs_mode=sv57"] and not seen["g_mode=sv57x4"]
    assert {sp.mode for c in configs for sp in c.spaces} == {"sv39", "sv48"}
    assert {vm.g_mode for c in configs for vm in c.vms} == {"sv39x4", "sv48x4"}
    # no poison: the memory agents cannot return poisoned data
    assert not seen["inject_kind=poison"]


def test_sv39_only_dut_gets_only_what_it_has():
    configs, seen = cs.distribution(N, SV39_ONLY)
    for c in configs:
        assert {sp.mode for sp in c.spaces} <= {"sv39"}
        assert {vm.g_mode for vm in c.vms} <= {"sv39x4"}
        assert {d.pd_mode for d in c.devices if d.pd_mode} <= {"pd8"}
        assert all(p.size != "64k" for sp in c.spaces for p in sp.pages), "no Svnapot"
    # what it lacks becomes a misconfiguration to provoke (cause 259)
    for k in ("fs_mode_unsupported", "g_mode_unsupported", "pdt_mode_unsupported"):
        assert seen[f"misconfig={k}"] > 0, k


def test_gpa_high_uses_the_two_extra_x4_bits(default_draw):
    """Sv39x4 GPAs are 41 bits and Sv48x4 50 bits: a 'high' guest region has GPA bits 40:39
    (resp. 49:48) non-zero and stays inside the range."""
    configs, _ = default_draw
    highs = [vm for c in configs for vm in c.vms if vm.high]
    assert {vm.g_mode for vm in highs} == {"sv39x4", "sv48x4"}
    for vm in highs:
        top = {"sv39x4": 39, "sv48x4": 48}[vm.g_mode]
        for gpa in [vm.base + cs.G_TABLES, vm.base + cs.G_HOLE] + [p.va for p in vm.pages]:
            assert gpa >> top & 3 and gpa < 1 << (top + 2), hex(gpa)
    lows = [vm for c in configs for vm in c.vms if not vm.high]
    assert all(vm.base < 1 << 39 for vm in lows)


def test_device_ids_fit_the_mode_and_use_the_high_bits(default_draw):
    """device_id bits per mode (base format): 1LVL 7, 2LVL 16, 3LVL 24. Wide ids use the
    index bits above DDI[0]; alias pairs differ in exactly one bit of 15:7 or 23:16."""
    configs, _ = default_draw
    width = {"1lvl": 7, "2lvl": 16, "3lvl": 24}
    high = {"2lvl": False, "3lvl": False}
    for c in configs:
        dids = [d.did for d in c.devices]
        assert len(set(dids)) == len(dids)
        assert all(0 <= d < 1 << width[c.ddt_mode] for d in dids), (c.ddt_mode, dids)
        if c.did_width == "wide" and c.ddt_mode != "1lvl":
            assert any(d >> 7 for d in dids)
            high[c.ddt_mode] |= any(d >> 16 for d in dids) or c.ddt_mode == "2lvl"
        if c.alias != "none" and dids[0] ^ dids[1] in {1 << b for b in range(7, 24)}:
            bit = (dids[0] ^ dids[1]).bit_length() - 1
            assert (7 <= bit <= 15) if c.alias == "bits_15_7" else (16 <= bit <= 23)
    assert all(high.values())


def test_extended_contexts_with_msi_flat():
    """capabilities.MSI_FLAT=1: 64-byte device contexts, DDI[0] is 6 bits, so a 1LVL table
    holds device_ids below 64 and a 2LVL one below 2^15."""
    f = DutFeatures(caps=Capabilities(capbits.DEFAULT | 1 << capbits.MSI_FLAT))
    width = {"1lvl": 6, "2lvl": 15, "3lvl": 24}
    for s in range(60):
        c = cs.draw_config(random.Random(s), f, seed=s)
        assert c.extended
        assert all(d.did < 1 << width[c.ddt_mode] for d in c.devices), (c.ddt_mode, c.devices)
    assert not cs.draw_config(random.Random(1), seed=1).extended


def test_a_ddte_injection_serves_one_device_only(default_draw):
    configs, _ = default_draw
    seen = 0
    for c in configs:
        for inj in c.injections:
            if inj.where != "ddte":
                continue
            seen += 1
            level = int(inj.detail)
            me = c.devices[inj.device].did
            # the entry at `level` is selected by the device_id bits above DDI[level-1]
            shift = 7 + 9 * (level - 1)
            assert all(d.did >> shift != me >> shift for j, d in enumerate(c.devices)
                       if j != inj.device)
    assert seen >= FEW


def test_d0_pages_are_writable(default_draw):
    """D=0 only faults a write, so a D=0 page is given W (else W=0 would fault it first)."""
    configs, _ = default_draw
    d0 = [p for p in _pages(configs) if p.flaw == "d0"]
    d0 += [p for c in configs for vm in c.vms for p in vm.pages if p.flaw == "d0"]
    assert d0 and all("w" in p.perms for p in d0)


def test_weight_zero_excludes_a_value():
    w = {"ddt_mode": {"1lvl": 0, "2lvl": 1, "3lvl": 0},
         "pte_flaw": {"none": 1, "a0": 0, "d0": 5},
         "device": {"host": 1}}
    for s in range(50):
        c = cs.draw_config(random.Random(s), weights=w)
        assert c.ddt_mode == "2lvl"
        assert all(d.kind == "host" for d in c.devices)
        assert {p.flaw for sp in c.spaces for p in sp.pages} <= {"none", "d0"}


def test_bad_weights_are_one_line_errors():
    with pytest.raises(ValueError, match="unknown weight table 'colour'"):
        cs.draw_config(random.Random(1), weights={"colour": {"red": 1}})
    with pytest.raises(ValueError, match="no value with a weight above 0"):
        cs.draw_config(random.Random(1), weights={"ddt_mode": {"1lvl": 0}})


def test_a_seed_replays():
    a = cs.draw_config(random.Random(7), seed=7).summary()
    assert a == cs.draw_config(random.Random(7), seed=7).summary()
    assert a != cs.draw_config(random.Random(8), seed=8).summary()
    assert a.startswith("random config seed 7: ddtp ")


def test_cli_prints_the_table():
    r = subprocess.run([sys.executable, "-m", "sequences.config_space", "--seeds", "20"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("20 configurations")
    assert any(line.startswith("ddt_mode=2lvl") for line in lines)
    r = subprocess.run([sys.executable, "-m", "sequences.config_space", "--show", "7"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == cs.draw_config(random.Random(7), seed=7).summary()


# -- the features the DUT reports (issue 16): drawn only then, and after everything else -----
def _with(*bits, igs=None):
    caps = capbits.DEFAULT
    for b in bits:
        caps |= 1 << b
    if igs is not None:
        caps = caps & ~(3 << capbits.IGS_SHIFT) | igs << capbits.IGS_SHIFT
    return DutFeatures(caps=Capabilities(caps), name="features")


def test_a_dut_without_the_features_draws_none_of_them(default_draw):
    configs, seen = default_draw
    for table in ("ad_enable", "persona", "hpm_counters", "msi", "irq", "byte_order"):
        assert not any(k.startswith(table + "=") for k in seen), table
    assert all(c.persona == "spec" and not c.hpm and c.irq == "wsi" and not c.big_endian
               for c in configs)
    assert not any(d.ad != "none" or d.msi for c in configs for d in c.devices)


def test_the_features_do_not_change_the_rest_of_the_draw():
    """S/NL and HPM are drawn after the rest: the same seed gives the same directory,
    devices and run on a DUT that has them (MSI_FLAT changes the DC format and the device
    mix, AMO_HWAD the misconfigurations: SADE/GADE are none with it, so not those)."""
    f = _with(capbits.NL, capbits.S, capbits.HPM)
    for seed in range(1, 30):
        a = cs.draw_config(random.Random(seed), seed=seed)
        b = cs.draw_config(random.Random(seed), f, seed=seed)
        assert b.drawn[:len(a.drawn)] == a.drawn
        assert [d.did for d in a.devices] == [d.did for d in b.devices]


def test_feature_tables_are_drawn_on_a_dut_with_them():
    f = _with(capbits.AMO_HWAD, capbits.NL, capbits.S, capbits.HPM, capbits.MSI_FLAT,
              igs=capbits.IGS_BOTH)
    configs, seen = cs.distribution(N, f)
    for key in ("ad_enable=sade", "ad_enable=gade", "ad_enable=both", "persona=range-s",
                "persona=nl-range", "hpm_filter=idt", "hpm_filter=did_dmask",
                "hpm_preset=near_wrap", "msi=flat", "msi_pte=v0", "msi_pte=mrif", "irq=msi",
                "irq=wsi"):
        assert seen[key] >= FEW, f"{key} drawn in {seen[key]} of {N} seeds"
    # the MSI page tables go to G-stage-only devices of extended-DC configurations
    msi = [d for c in configs for d in c.devices if d.msi]
    assert msi and all(d.kind == "g_only" and len(d.msi_ptes) == cs.MSI_FILES for d in msi)
    # iohpmevt as the spec lays it out: DV_GSCV [61] with DID_GSCID [59:36], IDT [62]
    c = cs.HpmCounter(8, "idt", value=3)
    assert c.evt() == 8 | 3 << 36 | 1 << 61 | 1 << 62
    assert cs.HpmCounter(1, "did_dmask", value=0x23).evt() == 1 | 1 << 15 | 0x23 << 36 | 1 << 61
    assert cs.HpmCounter(1, "pid", value=5).evt() == 1 | 5 << 16 | 1 << 60


def test_nl_range_only_with_nl_and_msi_interrupts_only_with_igs():
    configs, seen = cs.distribution(100, _with(capbits.S))
    assert seen["persona=range-s"] and not seen["persona=nl-range"]
    configs, seen = cs.distribution(50, _with(igs=capbits.IGS_MSI))
    assert all(c.irq == "msi" for c in configs) and not seen["irq=wsi"]


def test_big_endian_only_with_end_and_never_the_sbe_misconfiguration():
    # END (capabilities bit 27): some configurations big-endian (fctl.BE=1, every SBE=1), some
    # not; SBE != fctl.BE is legal with END, so "sbe" is never drawn as a misconfiguration
    configs, seen = cs.distribution(N, _with(capbits.END))
    assert seen["byte_order=big"] >= FEW and seen["byte_order=little"] >= FEW
    assert sum(c.big_endian for c in configs) == seen["byte_order=big"]
    assert not any(d.misconfig == "sbe" for c in configs for d in c.devices)
    assert "big-endian structures" in next(c for c in configs if c.big_endian).summary()


SV57_FEATURES = DutFeatures(caps=Capabilities(
    capbits.DEFAULT | 1 << capbits.SV57 | 1 << capbits.SV57X4), name="sv57")


def test_sv57x4_high_region_only_for_g_only_devices():
    """Sv57x4 GPAs are 59 bits: a 'high' region has GPA bits 58:57 = 0b11, base
    0x0600_0000_0000_0000. A first-stage PTE, iosatp, pdtp and PC.fsc hold a 44-bit PPN, so
    a GPA they name is below 2^56 = 0x0100_0000_0000_0000: a device whose guest has its own
    tables (guest, pdt) never gets that region; a G-stage-only device (the IOVA is the GPA)
    does."""
    assert cs.g_region("sv57x4", True) == 0x0600_0000_0000_0000
    g_only_high = 0
    for seed in range(N):
        c = cs.draw_config(random.Random(seed), SV57_FEATURES, seed=seed)
        for dev in c.devices:
            if dev.vm is None:
                continue
            vm = c.vms[dev.vm]
            if dev.kind == "g_only":
                g_only_high += vm.high and vm.g_mode == "sv57x4"
                continue
            for gpa in [vm.base + cs.G_TABLES, vm.base + cs.G_BIG, vm.base + cs.G_HOLE] + \
                    [p.va for p in vm.pages]:
                assert gpa < 0x0100_0000_0000_0000, (seed, dev.kind, vm.g_mode, hex(gpa))
    assert g_only_high > 0
