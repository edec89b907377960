"""The 32-bit world of the random configurations (sequences/config_space.py on a DUT with Sv32):
every draw respects the Sv32 / Sv32x4 rules, checked directly over many seeds, and a DUT without
Sv32 draws exactly what it drew before the 32-bit world existed. Expected values come from the
spec (Privileged spec Sv32 / Sv32x4: 32-bit IOVAs, 34-bit GPAs and physical addresses, 4 KiB
and 4 MiB pages, 4-byte PTEs without N, PBMT or reserved bits; RISC-V IOMMU: fctl.GXL=1 needs
DC.tc.SXL=1, iosatp/iohgatp MODE 8 is Sv32/Sv32x4 there and MODE 9 reserved), not from the code.
"""
import hashlib
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
N = 300
FEW = 3
SV32_DUT = DutFeatures(caps=Capabilities(
    capbits.DEFAULT | 1 << capbits.SV32 | 1 << capbits.SV32X4 | 1 << capbits.AMO_HWAD
    | 1 << capbits.END), name="sv32")
SV32_ONLY = DutFeatures(caps=Capabilities(capbits.DEFAULT | 1 << capbits.SV32), name="sv32-no-x4")
MIB4 = 4 << 20
FLAWS32 = {"none", "a0", "d0", "w_no_r", "misaligned", "nonleaf_a", "nonleaf_d", "nonleaf_u",
           "v0"}                                  # what a 4-byte PTE can carry
G_FLAWS32 = {"none", "u0", "a0", "d0", "w_no_r", "v0"}


@pytest.fixture(scope="module")
def sv32_draw():
    configs, seen = cs.distribution(N, SV32_DUT)
    return configs, seen


def _world32(configs):
    return [c for c in configs if c.world == 32]


def test_about_half_the_seeds_draw_a_32_bit_world(sv32_draw):
    configs, seen = sv32_draw
    n32 = len(_world32(configs))
    assert 0.35 * N <= n32 <= 0.65 * N, n32
    assert seen["world=32"] == n32 and seen["world=64"] == N - n32
    # under fctl.GXL=1 and =0 both (Sv32x4 G-stages, or 32-bit guests under Sv39x4/Sv48x4)
    assert seen["gxl=True"] >= FEW and seen["gxl=False"] >= FEW
    assert seen["gxl=True"] + seen["gxl=False"] == n32


def test_a_64_bit_world_on_an_sv32_dut_is_64_bit(sv32_draw):
    configs, _ = sv32_draw
    for c in configs:
        if c.world == 64:
            assert not c.sxl and not c.gxl
            assert {sp.mode for sp in c.spaces} <= {"sv39", "sv48"}
            assert {vm.g_mode for vm in c.vms} <= {"sv39x4", "sv48x4"}
            assert not any(p.size == "4m" for sp in c.spaces for p in sp.pages)
            # DC.tc.SXL=1 is legal on this DUT (fctl.GXL writable): never a misconfiguration
            assert not any(d.misconfig == "sxl" for d in c.devices)


def test_first_stages_are_sv32_below_4_gib(sv32_draw):
    configs, _ = sv32_draw
    windows = set()
    for c in _world32(configs):
        assert c.sxl
        for sp in c.spaces:
            assert sp.mode == "sv32"
            assert sp.window + cs.HOLE32 + 0x1000 <= 1 << 32
            assert (c.seed, sp.window) not in windows        # one window per space
            windows.add((c.seed, sp.window))
            for p in sp.pages:
                size = {"4k": 0x1000, "4m": MIB4}[p.size]      # 4 KiB and 4 MiB only
                assert p.va % size == 0 and p.va + size <= 1 << 32, hex(p.va)
                # inside the space's 128 MiB window, clear of its hole
                assert sp.window <= p.va < sp.window + cs.WINDOW32_STEP
                assert not sp.window + cs.HOLE32 <= p.va < sp.window + cs.HOLE32 + 0x1000
                assert p.flaw in FLAWS32, p.flaw
                if p.flaw == "misaligned":
                    assert p.size == "4m"                      # only a megapage has PPN[0]
                if p.flaw.startswith("nonleaf_"):
                    # its own 4 MiB region: the flawed non-leaf PTE serves it alone
                    assert (p.va - sp.window - cs.SLOT32_NONLEAF) % MIB4 == 0
                if p.flaw == "d0":
                    assert "w" in p.perms


def test_g_stages_follow_fctl_gxl_and_stay_below_2_34(sv32_draw):
    configs, _ = sv32_draw
    modes = set()
    for c in _world32(configs):
        for vm in c.vms:
            assert vm.sxl
            if c.gxl:
                assert vm.g_mode == "sv32x4"
            else:
                assert vm.g_mode in ("sv39x4", "sv48x4")
            modes.add(vm.g_mode)
            # a 32-bit guest's GPAs end at 2^34 (Sv32x4's range; the SXL=1 check otherwise):
            # low region 0x8000_0000, high 0x3_0000_0000 (GPA bits 33:32 = 0b11)
            assert vm.base == (0x3_0000_0000 if vm.high else 0x8000_0000)
            top = vm.base + cs.G_BIG + MIB4
            assert max(top, vm.base + cs.G_HOLE + 0x1000,
                       *(p.va + 0x1000 for p in vm.pages)) <= 1 << 34
            assert all(p.flaw in G_FLAWS32 for p in vm.pages)
    assert modes == {"sv32x4", "sv39x4", "sv48x4"}
    assert cs.ALIAS34 == 0x4_0000_0000                   # the faulting alias: GPA bit 34


def test_misconfigurations_of_the_32_bit_world(sv32_draw):
    configs, seen = sv32_draw
    for c in _world32(configs):
        for d in c.devices:
            if d.misconfig in ("sxl0", "g_mode_64"):
                assert c.gxl                 # SXL=0 / iohgatp MODE 9 are legal under GXL=0
            if d.root34:                     # a guest's root pointer (its GPA | 2^34)
                assert d.kind == "guest" and d.vm is not None and not d.misconfig
            # with the capabilities (SV32, AMO_HWAD, END) these are legal, never drawn as 259
            assert d.misconfig not in ("sxl", "sade", "gade", "sbe")
            assert d.misconfig not in ("fs_mode_unsupported", "g_mode_unsupported")
    for k in ("fs_mode_64", "g_mode_64", "sxl0"):
        assert seen[f"world32.misconfig={k}"] >= 1, k
    # process contexts under SXL=1 DCs that the vseq gives fsc.MODE 9 (267 there)
    assert sum(p.state == "misconfigured" for c in _world32(configs) for d in c.devices
               for p in d.processes) >= FEW


def test_every_32_bit_value_in_a_few_seeds(sv32_draw):
    _, seen = sv32_draw
    want = [f"world32.page_size={v}" for v in ("4k", "4m")]
    want += [f"world32.size={v}" for v in ("4k", "4m")]
    want += [f"world32.pte_flaw={v}" for v in FLAWS32]
    want += [f"world32.g_flaw={v}" for v in G_FLAWS32]
    want += [f"world32.device={v}" for v in ("host", "pdt", "guest", "g_only", "bare",
                                              "shared", "misconfigured")]
    want += [f"world32.inject={v}" for v in ("ddte", "dc", "pdte", "pc", "pte1", "pte2")]
    want += [f"world32.ad_enable={v}" for v in ("none", "sade", "gade", "both")]
    want += [f"world32.byte_order={v}" for v in ("little", "big")]
    want += ["world32.root34=True", "world32.sxl_gxl=0"]
    rare = [k for k in want if seen[k] < FEW]
    assert not rare, f"drawn in fewer than {FEW} of {N} seeds: {rare}"
    # nothing a 4-byte PTE cannot carry, no 64-bit page size
    assert not [k for k in seen if k.startswith("world32.") and k.split("=")[1] in
                ("reserved", "pbmt", "napot_bad", "64k", "2m", "1g")]


def test_no_sv32x4_without_it():
    """Sv32 without Sv32x4: a 32-bit world keeps fctl.GXL=0 (32-bit guests under Sv39x4/
    Sv48x4), and nothing draws gxl."""
    configs, seen = cs.distribution(100, SV32_ONLY)
    assert seen["world=32"] >= FEW and not seen["gxl=True"] and not seen["gxl=False"]
    assert not any(c.gxl for c in configs)
    assert all(vm.g_mode != "sv32x4" for c in configs for vm in c.vms)


# -- a DUT without Sv32 draws as before --------------------------------------------------------
# sha256 (first 16 hex digits) of repr((summary(), drawn)) for seeds 1..200, recorded with the
# code of commit 27ff70c (before the 32-bit world); a deliberate change of the 64-bit weights
# or tables changes them too (then record them again, with the reason in the commit).
BEFORE = {"default": "9a2ffa4b855e2f6a", "sv39-only": "817e65ae1f67f61c",
          "hpm": "e74171c0bea8818d", "ad": "d83471f6c8759317", "nl_s": "445fd815b9d98cf3",
          "msi": "467ef2f09f203b4a"}
END_AD_BEFORE = "4c067fccad91f8a7"


def _digest(f, weights=None, n=200):
    h = hashlib.sha256()
    for s in range(1, n + 1):
        c = cs.draw_config(random.Random(s), f, seed=s, weights=weights)
        h.update(repr((c.summary(), c.drawn)).encode())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_a_dut_without_sv32_draws_what_it_drew_before(name):
    assert _digest(cs._features(name)) == BEFORE[name]


def test_end_and_ad_without_sv32_draw_as_before():
    f = DutFeatures(caps=Capabilities(capbits.DEFAULT | 1 << capbits.END
                                      | 1 << capbits.AMO_HWAD))
    assert _digest(f) == END_AD_BEFORE


def test_the_32_bit_weights_do_not_touch_a_dut_without_sv32(monkeypatch):
    """The world is drawn only on a DUT with Sv32: its weights (all 32, none at all) and the
    32-bit tables leave every other DUT's draws as they are."""
    f = cs._features("default")
    base = _digest(f, n=40)
    for w in ({"world": {32: 1}}, {"world": {64: 1, 32: 9}, "gxl": {True: 1}}):
        assert _digest(f, weights=w, n=40) == base, w
    monkeypatch.setitem(cs.WEIGHTS32, "page_size", {"4m": 1})
    monkeypatch.setitem(cs.WEIGHTS32, "pte_flaw", {"v0": 1})
    monkeypatch.setitem(cs.WEIGHTS, "world", {32: 1})
    assert _digest(f, n=40) == base
    assert all(p.size == "4m" and p.flaw == "v0" for c in cs.distribution(5, SV32_DUT)[0]
               for sp in c.spaces for p in sp.pages)
    monkeypatch.undo()
    # and on the Sv32 DUT they matter: all seeds 32-bit, or none
    assert all(c.world == 32 for c in cs.distribution(20, SV32_DUT,
                                                      weights={"world": {32: 1}})[0])
    assert all(c.world == 64 for c in cs.distribution(20, SV32_DUT,
                                                      weights={"world": {64: 1}})[0])


# -- the command line -------------------------------------------------------------------------
def _cli(*args):
    r = subprocess.run([sys.executable, "-m", "sequences.config_space", *args], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_cli_shows_the_32_bit_fields():
    seed = next(s for s in range(1, 50)
                if cs.draw_config(random.Random(s), SV32_DUT, seed=s).gxl)
    line = _cli("--features", "sv32", "--show", str(seed)).strip()
    assert "32-bit world: every DC tc.SXL=1, fctl.GXL=1, pages 4k:" in line
    assert "/sv32/" in line and "sv32x4" in line
    seed = next(s for s in range(1, 50)
                if cs.draw_config(random.Random(s), SV32_DUT, seed=s).world == 64)
    assert "32-bit world" not in _cli("--features", "sv32", "--show", str(seed))
    table = _cli("--features", "sv32", "--seeds", "40").splitlines()
    assert table[0] == "40 configurations (seeds 1..40), features sv32"
    assert any(line.startswith("world=32 ") for line in table)
    assert any(line.startswith("world32.page_size=4m ") for line in table)
    assert any(line.startswith("world32.misconfig=") for line in table)
