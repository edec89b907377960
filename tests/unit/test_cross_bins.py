"""Coverage cross bins (tb/env/cross_bins.py) from hand-built walk traces and records.
Index fields from the spec's DDT layout (base: DDI[0]=did[6:0], DDI[1]=[15:7],
DDI[2]=[23:16]; extended: [5:0], [14:6], [23:15]); iohgatp.MODE 8 = Sv39x4, 9 = Sv48x4."""
from models import Outcome, Request, TTYP
from models.walk_reader import Item
from tb.env.cross_bins import (context_modes, ddi_top, native_trace, record_bins,
                               translation_bins, translation_shape)


def test_ddi_top_base_and_extended_formats():
    assert [ddi_top(d, False) for d in (0x7F, 0x80, 0xFFFF, 0x1_0000)] == [0, 1, 1, 2]
    assert [ddi_top(d, True) for d in (0x3F, 0x40, 0x7FFF, 0x8000)] == [0, 1, 1, 2]


def dc(iohgatp_mode=0):
    return (Item("dc", 0x1000, 4, 0, (5,)), (1, iohgatp_mode << 60, 0, 0))


def test_gstage_root_uses_the_two_x4_bits():
    req = Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_READ)
    hi = translation_bins(req, [dc(8)], Outcome(0x8000_0000, None, gpa=1 << 39), 2, False)
    lo = translation_bins(req, [dc(8)], Outcome(0x8000_0000, None, gpa=(1 << 39) - 1), 2, False)
    wide = translation_bins(req, [dc(9)], Outcome(0x8000_0000, None, gpa=2 << 48), 2, False)
    assert "gstage_root.sv39x4.hi1" in hi and "gstage_root.sv39x4.hi0" in lo
    assert "gstage_root.sv48x4.hi1" in wide
    assert "ddt_did.1LVL.ddi0" in hi


def test_permission_bits_privilege_and_sum():
    # leaf V R W A D (U=0, X=0) = 0b1100_0111; a supervisor write with a process_id
    leaf = (0x80000 << 10) | 0xC7
    trace = [dc(), (Item("pc", 0x2000, 2, 0, (5, 1)), (1 | 1 << 2, 0)),
             (Item("pte1", 0x3000, 1, 0, ()), (leaf,))]
    req = Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_WRITE, pid=1, priv_s=True)
    bins = translation_bins(req, trace, Outcome(0x8000_0000, None), 3, False)
    assert {"perm.r1.S.write", "perm.w1.S.write", "perm.x0.S.write", "perm.u0.S.write",
            "perm.a1.S.write", "perm.d1.S.write"} <= set(bins)
    user_leaf = leaf | 0x10
    bins = translation_bins(req, trace[:2] + [(trace[2][0], (user_leaf,))],
                            Outcome(None, 15), 3, False)
    assert "perm.u1.S.write" in bins and "perm.u1.S.write.sum1" in bins
    assert "cause_stage.15.first" in bins and "ddt_did.2LVL.ddi0" in bins


def test_access_fault_stage_on_a_non_leaf_ddt_entry():
    # 3LVL: two non-leaf entries precede the DC; a fault after one of them is non-leaf
    req = Request(did=0x1_0000, iova=0, ttyp=TTYP.UNTRANSLATED_READ)
    one = [(Item("ddte", 0x1000, 1, 2, ()), (1,))]
    assert "cause_stage.257.ddt-nonleaf" in translation_bins(req, one, Outcome(None, 257), 4, False)
    two = one + [(Item("ddte", 0x2000, 1, 1, ()), (1,))]
    assert "cause_stage.257.ddt-leaf" in translation_bins(req, two, Outcome(None, 257), 4, False)
    assert "ddt_did.3LVL.ddi2" in translation_bins(req, two, Outcome(None, 257), 4, False)


def test_record_fields():
    dw0 = 21 | 7 << 12 | 1 << 32 | 1 << 33 | 2 << 34 | 0x12_3456 << 40
    assert record_bins((dw0, 0, 0x4000_0010, 0x2_0009)) == [
        "record.pv1", "record.ttyp2", "record.priv1", "record.iotval2.implicit",
        "record.did.wide", "record.iotval.offset"]
    assert record_bins((13 | 3 << 34 | 5 << 40, 0, 0x4000_0000, 0)) == ["record.pv0", "record.ttyp3"]


def pte(level, value, kind="pte1"):
    return (Item(kind, 0x3000 + level, 1, level, ()), (value,))


def test_translation_shape_stages_and_leaf_sizes():
    ok = Outcome(0x8000_0000, None)
    leaf = (0x80000 << 10) | 0xC7
    sv39 = (Item("dc", 0x1000, 4, 0, (5,)), (1, 0, 0, 8 << 60))
    assert translation_shape([sv39, pte(2, 1), pte(1, leaf)], ok, 2) == ("first", "2M")
    assert translation_shape([sv39, pte(0, leaf | 1 << 63)], ok, 3) == ("first", "64K")
    # both stages: the first stage's leaf, not the G-stage leaves of the implicit walks
    both = (Item("dc", 0x1000, 4, 0, (5,)), (1, 8 << 60, 0, 8 << 60))
    trace = [both, pte(2, leaf, "pte2"), pte(0, leaf), pte(1, leaf, "pte2")]
    assert translation_shape(trace, ok, 4) == ("both", "4K")
    g_only = (Item("dc", 0x1000, 4, 0, (5,)), (1, 9 << 60, 0, 0))
    assert translation_shape([g_only, pte(3, leaf, "pte2")], ok, 2) == ("g", "512G")
    # a page fault on an invalid PTE: no leaf
    assert translation_shape([sv39, pte(2, 0)], Outcome(None, 13), 2) == ("first", "none")
    # PDTV=1: the process context's fsc; a PDT fault counts as first stage
    pdtv = (Item("dc", 0x1000, 4, 0, (5,)), (1 | 1 << 5, 0, 0, 1 << 60))
    pc_bare = (Item("pc", 0x2000, 2, 0, (5, 1)), (1, 0))
    assert translation_shape([pdtv, pc_bare], ok, 2) == ("none", "none")
    assert translation_shape([pdtv], Outcome(None, 266), 2) == ("first", "none")
    # no device context used: ddtp Off/Bare, or a DDT fault after the DC was read
    assert translation_shape([], Outcome(None, 256), 0) == ("none", "none")
    assert translation_shape([sv39], Outcome(None, 259), 2) == ("none", "none")


def test_context_modes():
    ok = Outcome(0x8000_0000, None)
    sv39 = (Item("dc", 0x1000, 4, 0, (5,)), (1, 0, 0, 8 << 60))
    assert context_modes([sv39], ok) == ("Sv39", "Bare", "PDTV=0")
    pd17 = (Item("dc", 0x1000, 4, 0, (5,)), (1 | 1 << 5, 9 << 60, 0, 2 << 60))
    pc48 = (Item("pc", 0x2000, 2, 0, (5, 1)), (1, 9 << 60))
    assert context_modes([pd17, pc48], ok) == ("Sv48", "Sv48x4", "PD17")
    assert context_modes([pd17], ok) == ("Bare", "Sv48x4", "PD17")      # no process_id
    assert context_modes([pd17], Outcome(None, 265)) == (None, "Sv48x4", "PD17")
    assert context_modes([], Outcome(None, 256)) == (None, None, None)
    assert context_modes([sv39], Outcome(None, 259)) == (None, None, None)


# ---- Svpbmt: PBMT x stage (the leaves of a successful walk) -------------------------------------
def _leaf_trace(*leaves):
    from types import SimpleNamespace
    return [(SimpleNamespace(kind=k), (v,)) for k, v in leaves]


def test_pbmt_bins_by_stage():
    from tb.env.cross_bins import pbmt_bins
    leaf = 0x1 | 0x2 | 0x40
    nc, io = 1 << 61, 2 << 61
    assert pbmt_bins(_leaf_trace(("pte1", leaf | io))) == ["pbmt.first.IO"]
    assert pbmt_bins(_leaf_trace(("pte2", leaf | nc))) == ["pbmt.g.NC"]
    # two stages: G-stage leaves of the PTE addresses come first; the last G-stage leaf is the
    # final GPA's, and the non-leaf (V only) entries do not count
    trace = _leaf_trace(("pte2", leaf | io), ("pte1", 0x1), ("pte2", leaf), ("pte1", leaf | nc),
                        ("pte2", leaf | io))
    assert pbmt_bins(trace) == ["pbmt.both.NC.IO"]
    assert pbmt_bins(_leaf_trace(("dc", 1))) == []


# -- issue 16 features: MSI flat outcome, A/D fault, HPM and S range bins ----------------------
def ext_dc(msiptp_mode=1):
    """An extended DC (8 doublewords) with iohgatp Sv39x4 and msiptp.MODE (1 = Flat)."""
    return (Item("dc", 0x1000, 8, 0, (5,)), (1, 8 << 60, 0, 0, msiptp_mode << 60, 0, 0, 0))


MSIPTE = (Item("msipte", 0x9000, 2, 0, (3, 0x28000)), (1 | 3 << 1 | 0x3F000 << 10, 0))


def test_msi_flat_outcomes():
    w = Request(did=5, iova=0x2800_0000, ttyp=TTYP.UNTRANSLATED_WRITE)
    x = Request(did=5, iova=0x2800_0000, ttyp=TTYP.UNTRANSLATED_EXEC)
    ok = translation_bins(w, [ext_dc(), MSIPTE], Outcome(0x3F00_0000, None), 2, True)
    assert "msi_flat.translated.write" in ok and "msi_flat.two-stage" not in ok
    # a first-stage leaf gave the GPA: two stages
    leaf = (Item("pte1", 0x3000, 1, 0, ()), (0x28000 << 10 | 0xD7,))
    both = translation_bins(w, [ext_dc(), leaf, MSIPTE], Outcome(0x3F00_0000, None), 2, True)
    assert {"msi_flat.translated.write", "msi_flat.two-stage"} <= set(both)
    assert "msi_flat.fault.1" in translation_bins(x, [ext_dc(), MSIPTE], Outcome(None, 1), 2, True)
    # the PTE's read failed (not in the trace): 261
    assert "msi_flat.fault.261" in translation_bins(w, [ext_dc()], Outcome(None, 261), 2, True)
    # not an MSI address: the G-stage translates it (or faults, 23)
    assert "msi_flat.not-msi" in translation_bins(w, [ext_dc()], Outcome(None, 23), 2, True)
    # msiptp Off, or a DC fault: no MSI bin
    assert not [b for b in translation_bins(w, [ext_dc(0)], Outcome(None, 23), 2, True)
                if b.startswith("msi_flat")]
    assert not [b for b in translation_bins(w, [ext_dc()], Outcome(None, 259), 2, True)
                if b.startswith("msi_flat")]


def test_ad_fault_only_when_the_leaf_grants_the_access():
    rd = Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_READ)
    wr = Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_WRITE)
    trace = lambda leaf: [dc(), (Item("pte1", 0x3000, 1, 0, ()), (leaf,))]
    # V R W U, A=0: a user read faults 13 for A only
    assert "ad_fault.first" in translation_bins(rd, trace(0x17), Outcome(None, 13), 2, False)
    # V R U A=1 D=0, written: 15 is the W permission, not A/D
    assert "ad_fault.first" not in translation_bins(wr, trace(0x53), Outcome(None, 15), 2, False)
    # V R W U A=1 D=0, written: D needed
    assert "ad_fault.first" in translation_bins(wr, trace(0x57), Outcome(None, 15), 2, False)
    # G-stage leaf V R W U A=0 on the final access: 21
    g = [dc(8), (Item("pte2", 0x4000, 1, 0, ()), (0x17,))]
    assert "ad_fault.g" in translation_bins(rd, g, Outcome(None, 21, iotval2=0x1000), 2, False)


def test_hpm_bins_and_range_names():
    from tb.env.covergroups import hpm_bin, range_name
    # iohpmevt: eventID [14:0], DMASK [15], PID_PSCID [35:16], DID_GSCID [59:36], PV_PSCV [60],
    # DV_GSCV [61], IDT [62], OF [63]
    assert hpm_bin(0x160, 1) == (1, "none", 0)
    assert hpm_bin(0x160, 1 | 0x21 << 36 | 1 << 61 | 1 << 63) == (1, "did", 1)
    assert hpm_bin(0x168, 1 | 1 << 15 | 0x23 << 36 | 1 << 61) == (1, "did.dmask", 0)
    assert hpm_bin(0x170, 1 | 5 << 16 | 1 << 60) == (1, "pid", 0)
    assert hpm_bin(0x178, 8 | 3 << 36 | 1 << 61 | 1 << 62) == (8, "gscid", 0)
    assert hpm_bin(0x180, 7 | 20 << 16 | 1 << 60 | 1 << 62) == (7, "pscid", 0)
    assert hpm_bin(0x060, 1 << 63 | 5) == ("cycles", "none", 1)
    assert [range_name(n) for n in (13, 14, 21, 22, 30)] == ["8K", "16K", "2M", "4M", "1G"]


def _bswap64(x):
    return int.from_bytes(x.to_bytes(8, "little"), "big")


def _bswap32(x):
    return int.from_bytes(x.to_bytes(4, "little"), "big")


def test_sv32_big_endian_walk_read_as_the_walker_reads_it():
    # fctl.BE = 1: the DC is big-endian in memory; its tc has SBE (bit 10) and SXL (bit 11),
    # so the first stage (fsc MODE 8, root 0x20000) is Sv32 with big-endian 4-byte PTEs.
    # IOVA 0x0040_3000: VPN[1] = 1, VPN[0] = 3: each PTE is the odd (upper) word of its
    # doubleword (index 1 at 0x20004, index 3 at 0x2100c). Non-leaf: PPN 0x21, V;
    # leaf: PPN 0x12345, D A U W R V = 0xD7.
    tc, fsc = 1 | 1 << 10 | 1 << 11, 8 << 60 | 0x20
    dc_raw = tuple(_bswap64(w) for w in (tc, 0, 7 << 12, fsc))
    nonleaf, leaf = 0x21 << 10 | 1, 0x12345 << 10 | 0xD7
    trace = [(Item("dc", 0x1000, 4, 0, (5,)), dc_raw),
             (Item("pte1", 0x20000 + 0, 1, 1, (7, 1, 0x0040_3000 >> 22)), (_bswap32(nonleaf) << 32,)),
             (Item("pte1", 0x21008, 1, 0, (7, 0, 0x0040_3000 >> 12)), (_bswap32(leaf) << 32 | 0xFFFF,))]
    native = native_trace(trace, 1)
    assert native[0][1] == (tc, 0, 7 << 12, fsc)
    assert native[1][1] == (nonleaf,) and native[2][1] == (leaf,)
    ok = Outcome(0x1_2345_000, None)
    assert context_modes(native, ok) == ("Sv32", "Bare", "PDTV=0")
    assert translation_shape(native, ok, 2) == ("first", "4K")
    # the same non-leaf entry made a 4 MiB leaf (PPN 0x400, aligned: PPN[0] = 0): level 1
    mega = 0x400 << 10 | 0xD7
    trace4m = trace[:1] + [(trace[1][0], (_bswap32(mega) << 32,))]
    assert translation_shape(native_trace(trace4m, 1), ok, 2) == ("first", "4M")
    # read raw, the DC's MODE and the leaf would be misnamed
    assert context_modes(trace, ok) != ("Sv32", "Bare", "PDTV=0")


def test_sv32x4_and_sv57_names():
    # fctl.GXL = 1: iohgatp MODE 8 is Sv32x4 (GPA bits 33:32 are the x4 root's extra index
    # bits); MODE 10 is Sv57x4 / fsc MODE 10 Sv57 whatever GXL
    req = Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_READ)
    g32 = [(Item("dc", 0x1000, 4, 0, (5,)), (1, 8 << 60, 0, 0))]
    assert context_modes(g32, Outcome(0x8000, None), gxl=1) == ("Bare", "Sv32x4", "PDTV=0")
    assert context_modes(g32, Outcome(0x8000, None), gxl=0) == ("Bare", "Sv39x4", "PDTV=0")
    assert "gstage_root.sv32x4.hi1" in translation_bins(
        req, g32, Outcome(0x8000, None, gpa=1 << 32), 2, False, gxl=1)
    wide = [(Item("dc", 0x1000, 4, 0, (5,)), (1, 10 << 60, 0, 10 << 60))]
    assert context_modes(wide, Outcome(0x8000, None)) == ("Sv57", "Sv57x4", "PDTV=0")
    # a level-4 first-stage leaf of Sv57 is a 256 TiB page
    leaf4 = (wide[0], (Item("pte1", 0x3000, 1, 4, ()), (0xCF,)))
    assert translation_shape(list(leaf4), Outcome(0, None), 2) == ("both", "256T")
