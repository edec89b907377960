"""Process contexts: PDTV=1 with PD8 / PD17 / PD20, DPE, ENS/SUM and privilege, PC checks, and
the PDT walk through the G-stage.

Spec: iommu_data_structures.adoc "Process-Directory-Table (PDT)", "Process-context fields",
"Process to locate the Process-context", "Process to translate an IOVA" steps 7, 11-16.
"""

import pytest

from models import TTYP
from tables import (A, D, G_LEAF, LEAF_URWX, PC_ENS, PC_SUM, PC_V, PD8, PD17, PD20, R,
                    SV39, SV39X4, TC_DPE, TC_PDTV, TC_V, U, V, W, X, atp, map_va, place_pc, pte,
                    res, setup_dc, tr)

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
PF = {UX: 12, UR: 13, UW: 15}
GPF = {UX: 20, UR: 21, UW: 23}
ALL = [UX, UR, UW]

DID = 3
PDT = 0x30000
S1ROOT = 0x20000
VA = 0x20_2030_1567                     # Sv39 VPN[2] = 0x80 -> root entry 0x20400
ISATP = atp(SV39, S1ROOT)


def pdtv(mem, iommu, mode, dpe=False, root=PDT):
    setup_dc(mem, iommu, DID, tc=TC_V | TC_PDTV | (TC_DPE if dpe else 0), fsc=atp(mode, root))


def s1_gig(mem, flags=LEAF_URWX, pa=0x8_4000_0000, root=S1ROOT):
    """1 GiB first-stage leaf for VA: PA = 0x8_4000_0000 + 0x2030_1567 = 0x8_6030_1567."""
    mem.write64(root + 0x400, pte(pa, flags))


# ------------------------------------------------------------------------------ PDT indexing
def test_pd8(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    s1_gig(mem)
    mem.write64(0x30DE0, PC_V | PC_ENS | (0x123 << 12))   # pid 0xDE -> 0x30000 + 0xDE*16
    mem.write64(0x30DE8, ISATP)
    assert res(tr(iommu, DID, VA, pid=0xDE)) == (0x8_6030_1567, None)
    assert res(tr(iommu, DID, VA, pid=0xDD)) == (None, 266)


def test_pd17(env):
    mem, iommu = env
    pdtv(mem, iommu, PD17)
    s1_gig(mem)
    # pid 0x1BCDE: PDI[1] = 0x1BC -> 0x30000 + 0x1BC*8 = 0x30DE0; PDI[0] = 0xDE -> +0xDE0
    mem.write64(0x30DE0, (0x32 << 10) | V)
    mem.write64(0x32DE0, PC_V)
    mem.write64(0x32DE8, ISATP)
    assert res(tr(iommu, DID, VA, UW, pid=0x1BCDE)) == (0x8_6030_1567, None)
    assert res(tr(iommu, DID, VA, pid=0xBCDE)) == (None, 266)        # PDI[1] = 0xBC: empty


def test_pd20(env):
    mem, iommu = env
    pdtv(mem, iommu, PD20)
    s1_gig(mem)
    # pid 0xABCDE: PDI[2] = 5 -> 0x30028; PDI[1] = 0xBC -> 0x31000 + 0x5E0; PDI[0] = 0xDE
    mem.write64(0x30028, (0x31 << 10) | V)
    mem.write64(0x315E0, (0x32 << 10) | V)
    mem.write64(0x32DE0, PC_V)
    mem.write64(0x32DE8, ISATP)
    assert res(tr(iommu, DID, VA, UX, pid=0xABCDE)) == (0x8_6030_1567, None)
    assert res(tr(iommu, DID, VA, pid=0x2BCDE)) == (None, 266)       # PDI[2] = 1: empty


def test_pd20_max_pid(env):
    mem, iommu = env
    pdtv(mem, iommu, PD20)
    s1_gig(mem)
    place_pc(mem, PD20, 0xFFFFF, PC_V, ISATP, [PDT, 0x31000, 0x32000])
    assert mem.read64(0x30038) == (0x31 << 10) | V      # PDI[2] = 7
    assert mem.read64(0x32FF0) == PC_V                  # PDI[0] = 0xFF
    assert res(tr(iommu, DID, VA, pid=0xFFFFF)) == (0x8_6030_1567, None)


@pytest.mark.parametrize("mode,pid", [(PD8, 0x100), (PD8, 0xFFFFF), (PD17, 0x20000),
                                      (PD17, 0xFFFFF)])
def test_pid_too_wide(env, mode, pid):
    mem, iommu = env
    pdtv(mem, iommu, mode)
    for i in range(256):          # every PC of the PD8 table valid, every PD17 root entry valid
        mem.write64(PDT + 16 * i, PC_V)
    assert res(tr(iommu, DID, VA, pid=pid)) == (None, 260)


def test_pdtp_bare_means_first_stage_bare(env):
    mem, iommu = env
    setup_dc(mem, iommu, DID, tc=TC_V | TC_PDTV, fsc=0)
    assert res(tr(iommu, DID, VA, pid=5)) == (VA, None)
    assert res(tr(iommu, DID, VA, UW)) == (VA, None)


# ------------------------------------------------------------------------------ DPE / no pid
def test_no_pid_dpe0_first_stage_bare(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    s1_gig(mem)
    place_pc(mem, PD8, 0, PC_V, ISATP, [PDT])            # would map VA if used
    assert res(tr(iommu, DID, VA)) == (VA, None)
    mem.write64(PDT, 0)                                  # not read at all
    assert res(tr(iommu, DID, VA, UW)) == (VA, None)


def test_no_pid_dpe1_uses_pid0(env):
    mem, iommu = env
    pdtv(mem, iommu, PD17, dpe=True)
    s1_gig(mem)
    place_pc(mem, PD17, 0, PC_V, ISATP, [PDT, 0x31000])
    assert res(tr(iommu, DID, VA)) == (0x8_6030_1567, None)
    mem.write64(0x31000, 0)                              # PC of pid 0 invalid
    assert res(tr(iommu, DID, VA)) == (None, 266)


def test_no_pid_is_user_even_if_priv_s(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8, dpe=True)
    s1_gig(mem, V | R | W | X | A | D)                   # supervisor-only page
    place_pc(mem, PD8, 0, PC_V, ISATP, [PDT])            # ENS=0: would refuse supervisor
    assert res(tr(iommu, DID, VA, priv_s=True)) == (None, 13)


# ------------------------------------------------------------------------------ privilege
def test_ens0_refuses_supervisor(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    s1_gig(mem)
    place_pc(mem, PD8, 0x42, PC_V | PC_SUM, ISATP, [PDT])
    assert res(tr(iommu, DID, VA, pid=0x42, priv_s=True)) == (None, 260)
    assert res(tr(iommu, DID, VA, pid=0x42, priv_s=False)) == (0x8_6030_1567, None)


@pytest.mark.parametrize("ta,flags,ttyp,priv,expect", [
    # supervisor, page without U: fine whatever SUM
    (PC_V | PC_ENS, V | R | W | X | A | D, UR, True, None),
    (PC_V | PC_ENS, V | R | W | X | A | D, UX, True, None),
    (PC_V | PC_ENS, V | R | W | X | A | D, UW, True, None),
    # user, page without U
    (PC_V | PC_ENS, V | R | W | X | A | D, UR, False, 13),
    (PC_V | PC_ENS, V | R | W | X | A | D, UX, False, 12),
    # supervisor, U page, SUM=0
    (PC_V | PC_ENS, LEAF_URWX, UR, True, 13),
    (PC_V | PC_ENS, LEAF_URWX, UW, True, 15),
    (PC_V | PC_ENS, LEAF_URWX, UX, True, 12),
    # supervisor, U page, SUM=1: reads/writes fine, execute never
    (PC_V | PC_ENS | PC_SUM, LEAF_URWX, UR, True, None),
    (PC_V | PC_ENS | PC_SUM, LEAF_URWX, UW, True, None),
    (PC_V | PC_ENS | PC_SUM, LEAF_URWX, UX, True, 12),
    # SUM=1 does not give more than the page permissions
    (PC_V | PC_ENS | PC_SUM, V | R | U | A | D, UW, True, 15),
    # user request: SUM does not matter, U is required
    (PC_V | PC_ENS | PC_SUM, V | R | W | X | A | D, UR, False, 13),
    # user on U page
    (PC_V | PC_ENS, LEAF_URWX, UX, False, None),
    (PC_V, LEAF_URWX, UW, False, None),
])
def test_privilege(env, ta, flags, ttyp, priv, expect):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    s1_gig(mem, flags)
    place_pc(mem, PD8, 0x42, ta, ISATP, [PDT])
    want = (0x8_6030_1567, None) if expect is None else (None, expect)
    assert res(tr(iommu, DID, VA, ttyp, pid=0x42, priv_s=priv)) == want


def test_pc_fsc_bare(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    place_pc(mem, PD8, 7, PC_V | PC_ENS, 0, [PDT])
    assert res(tr(iommu, DID, VA, pid=7, priv_s=True)) == (VA, None)


# ------------------------------------------------------------------------------ PC faults
@pytest.mark.parametrize("ttyp", ALL)
def test_pc_not_valid(env, ttyp):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    place_pc(mem, PD8, 0x42, PC_ENS | (1 << 40), (7 << 60), [PDT])   # V=0, junk elsewhere
    assert res(tr(iommu, DID, VA, ttyp, pid=0x42)) == (None, 266)


@pytest.mark.parametrize("mode,entry", [(PD17, 0x30000), (PD20, 0x30000), (PD20, 0x31000)])
def test_pdt_nonleaf_not_valid(env, mode, entry):
    mem, iommu = env
    pdtv(mem, iommu, mode)
    s1_gig(mem)
    place_pc(mem, mode, 0, PC_V, ISATP, [PDT, 0x31000, 0x32000][:{PD17: 2, PD20: 3}[mode]])
    assert res(tr(iommu, DID, VA, pid=0)) == (0x8_6030_1567, None)
    mem.write64(entry, mem.read64(entry) & ~V)
    assert res(tr(iommu, DID, VA, pid=0)) == (None, 266)


@pytest.mark.parametrize("ta,fsc", [
    (PC_V | (1 << 3), ISATP),           # ta reserved [11:3]
    (PC_V | (1 << 11), ISATP),
    (PC_V | (1 << 32), ISATP),          # ta reserved [63:32]
    (PC_V | (1 << 63), ISATP),
    (PC_V, ISATP | (1 << 44)),          # fsc reserved [59:44]
    (PC_V, ISATP | (1 << 59)),
    (PC_V, atp(1, S1ROOT)),             # reserved MODE encodings
    (PC_V, atp(7, S1ROOT)),
    (PC_V, atp(10, S1ROOT)),            # Sv57 not supported
    (PC_V, atp(11, S1ROOT)),
    (PC_V, atp(14, S1ROOT)),
])
def test_pc_misconfigured(env, ta, fsc):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    s1_gig(mem)
    place_pc(mem, PD8, 0x42, ta, fsc, [PDT])
    assert res(tr(iommu, DID, VA, pid=0x42)) == (None, 267)


def test_pc_pscid_not_reserved(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    s1_gig(mem)
    place_pc(mem, PD8, 0x42, PC_V | (0xFFFFF << 12), ISATP, [PDT])
    assert res(tr(iommu, DID, VA, pid=0x42)) == (0x8_6030_1567, None)


@pytest.mark.parametrize("bit", [1, 9, 54, 63])
@pytest.mark.parametrize("entry", [0x30000, 0x31000])
def test_pdt_nonleaf_reserved(env, bit, entry):
    mem, iommu = env
    pdtv(mem, iommu, PD20)
    s1_gig(mem)
    place_pc(mem, PD20, 0, PC_V, ISATP, [PDT, 0x31000, 0x32000])
    mem.write64(entry, mem.read64(entry) | (1 << bit))
    assert res(tr(iommu, DID, VA, pid=0)) == (None, 267)


@pytest.mark.parametrize("lo", [0x30000, 0x31000, 0x32000, 0x32008])
def test_pdt_access_fault(env, lo):
    mem, iommu = env
    pdtv(mem, iommu, PD20)
    s1_gig(mem)
    place_pc(mem, PD20, 0, PC_V, ISATP, [PDT, 0x31000, 0x32000])
    mem.set_access_fault(lo, lo + 8)
    assert res(tr(iommu, DID, VA, UW, pid=0)) == (None, 265)


@pytest.mark.parametrize("lo", [0x30000, 0x31000, 0x32000])
def test_pdt_poison(env, lo):
    mem, iommu = env
    pdtv(mem, iommu, PD20)
    s1_gig(mem)
    place_pc(mem, PD20, 0, PC_V, ISATP, [PDT, 0x31000, 0x32000])
    mem.set_poison(lo, lo + 8)
    assert res(tr(iommu, DID, VA, pid=0)) == (None, 269)


def test_pc_checked_before_ens(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    place_pc(mem, PD8, 1, PC_V | (1 << 5), ISATP, [PDT])   # ENS=0 and a reserved bit
    assert res(tr(iommu, DID, VA, pid=1, priv_s=True)) == (None, 267)


def test_first_stage_faults_through_pc(env):
    mem, iommu = env
    pdtv(mem, iommu, PD8)
    place_pc(mem, PD8, 1, PC_V, ISATP, [PDT])
    assert res(tr(iommu, DID, VA, UW, pid=1)) == (None, 15)          # empty root page
    mem.set_access_fault(0x20400, 0x20408)
    assert res(tr(iommu, DID, VA, UW, pid=1)) == (None, 7)


# ------------------------------------------------------------------------ PDT through G-stage
GROOT, GL1, GL0 = 0x40000, 0x44000, 0x45000
SPA = 0x1_0000_0000


def guest_pdt(mem, iommu, mode, pid, ptrs_gpa, tables_gpa):
    """PDT at GPA 0x30000.., first stage at GPA 0x20000; GPA page g -> SPA 0x1_0000_0000 + g;
    final GPA 0x4000_0000.. -> SPA 0x3_0000_0000 (1 GiB G leaf at root entry 1)."""
    setup_dc(mem, iommu, DID, tc=TC_V | TC_PDTV, iohgatp=atp(SV39X4, GROOT, 9),
             fsc=atp(mode, tables_gpa[0]))
    for g in list(tables_gpa) + [S1ROOT]:
        map_va(mem, g, pte(SPA + g, G_LEAF), [GROOT, GL1, GL0], x4=True)
    mem.write64(GROOT + 8, pte(0x3_0000_0000, G_LEAF))
    place_pc(mem, mode, pid, PC_V | PC_ENS, ISATP, [SPA + t for t in tables_gpa], ptrs=ptrs_gpa)
    s1_gig(mem, LEAF_URWX, pa=0x4000_0000, root=SPA + S1ROOT)


def test_pd8_through_gstage(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    assert mem.read64(0x1_0003_0DE0) == PC_V | PC_ENS
    # VA -> GPA 0x4000_0000 + 0x2030_1567 -> SPA 0x3_2030_1567
    assert res(tr(iommu, DID, VA, pid=0xDE)) == (0x3_2030_1567, None)


def test_pd17_through_gstage(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD17, 0x1BCDE, [0x32000], [0x30000, 0x32000])
    assert mem.read64(0x1_0003_0DE0) == (0x32 << 10) | V
    assert res(tr(iommu, DID, VA, UW, pid=0x1BCDE)) == (0x3_2030_1567, None)


@pytest.mark.parametrize("ttyp", ALL)
def test_pdt_leaf_guest_page_fault(env, ttyp):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    mem.write64(GL0 + 0x30 * 8, 0)                      # G leaf of GPA page 0x30000
    out = tr(iommu, DID, VA, ttyp, pid=0xDE)
    # original access type; iotval2 = GPA of the PC (0x30DE0) | implicit
    assert res(out) == (None, GPF[ttyp])
    assert out.iotval2 == 0x30DE1


def test_pdt_nonleaf_guest_page_fault(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD17, 0x1BCDE, [0x32000], [0x30000, 0x32000])
    mem.write64(GL0 + 0x32 * 8, pte(SPA + 0x32000, V | W | X | U | A | D))   # no R
    out = tr(iommu, DID, VA, UW, pid=0x1BCDE)
    assert res(out) == (None, 23)
    assert out.iotval2 == 0x32DE1                       # PC GPA 0x32000 + 0xDE*16, | 1
    mem.write64(GL0 + 0x30 * 8, pte(SPA + 0x30000, G_LEAF & ~A))    # root page: A=0
    out = tr(iommu, DID, VA, pid=0x1BCDE)
    assert res(out) == (None, 21)
    assert out.iotval2 == 0x30DE1                       # root entry GPA 0x30000 + 0x1BC*8, | 1


def test_pdt_gpa_too_wide(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    setup_dc(mem, iommu, DID, tc=TC_V | TC_PDTV, iohgatp=atp(SV39X4, GROOT, 9),
             fsc=atp(PD8, 0x800_0000_0000))
    out = tr(iommu, DID, VA, UX, pid=0xDE)
    assert res(out) == (None, 20)
    assert out.iotval2 == 0x800_0000_0DE1


@pytest.mark.parametrize("where", [GROOT, GL1, GL0 + 0x30 * 8])
def test_pdt_gstage_pte_access_fault(env, where):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, VA, UW, pid=0xDE)) == (None, 265)


def test_pdt_gstage_pte_poison(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    mem.set_poison(GL0 + 0x30 * 8, GL0 + 0x30 * 8 + 8)
    assert res(tr(iommu, DID, VA, pid=0xDE)) == (None, 269)


def test_first_stage_gstage_fault_after_pdt(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    mem.write64(GL0 + 0x20 * 8, 0)                      # G leaf of the first-stage root page
    out = tr(iommu, DID, VA, pid=0xDE)
    assert res(out) == (None, 21)
    assert out.iotval2 == 0x20401                       # root PTE GPA 0x20000 + 0x80*8, | 1
    mem.set_access_fault(GL0 + 0x20 * 8, GL0 + 0x20 * 8 + 8)
    assert res(tr(iommu, DID, VA, pid=0xDE)) == (None, 5)   # first-stage implicit: 5, not 265


def test_gstage_u_required_for_supervisor_request(env):
    mem, iommu = env
    guest_pdt(mem, iommu, PD8, 0xDE, [], [0x30000])
    s1_gig(mem, V | R | W | X | A | D, pa=0x4000_0000, root=SPA + S1ROOT)   # supervisor page
    assert res(tr(iommu, DID, VA, UW, pid=0xDE, priv_s=True)) == (0x3_2030_1567, None)
    mem.write64(GROOT + 8, pte(0x3_0000_0000, G_LEAF & ~U))                  # final G leaf U=0
    out = tr(iommu, DID, VA, UW, pid=0xDE, priv_s=True)
    assert res(out) == (None, 23)
    assert out.iotval2 == 0x6030_1564          # GPA 0x4000_0000 + 0x2030_1567, bits 1:0 = 0
