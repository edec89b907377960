"""An IOMMU without Svnapot (a DUT profile declares `svnapot = false`): PTE bit 63 (N) is then
reserved, so any PTE with N=1 is a page fault, of the stage that read it.

Spec: the Privileged spec's Sv39 section ("bit 63 is reserved for use by the Svnapot
extension ... if Svnapot is not implemented, bit 63 remains reserved and must be zeroed by
software ... or else a page-fault exception is raised"); the IOMMU maps the first stage's page
fault to 12/13/15 and the G-stage's to guest-page faults 20/21/23 with iotval2 = GPA >> 2.
The mappings below are the ones test_first_stage/test_gstage work out by hand.
"""
import pytest

from models import IommuModel, Memory, TTYP
from models import capabilities as capbits
from tables import LEAF_URW, LEAF_URWX, N, SV39, atp, map_va, pte, res, setup_dc, tr

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
PF = {UX: 12, UR: 13, UW: 15}
DID = 1
ROOT, L1, L0 = 0x20000, 0x21000, 0x22000
VA = 0x20_2030_1567              # VPN[2]=0x80, VPN[1]=0x101, VPN[0]=0x101
PTE0 = 0x22808
NAPOT_LEAF = N | (0x8_0001_8 << 10) | LEAF_URW        # ppn[3:0] = 1000: a valid 64 KiB page


def model(svnapot):
    mem = Memory()
    iommu = IommuModel(mem, svnapot=svnapot)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT))
    return mem, iommu


@pytest.mark.parametrize("ttyp", [UR, UW])
def test_napot_leaf_is_a_page_fault_without_svnapot(ttyp):
    for svnapot, want in ((True, (0x8_0001_1567, None)), (False, (None, PF[ttyp]))):
        mem, iommu = model(svnapot)
        map_va(mem, VA, 0, [ROOT, L1, L0])
        for i in range(16):
            mem.write64(0x22800 + 8 * i, NAPOT_LEAF)
        # with Svnapot: (0x80018 & ~0xF | VA[15:12]=1) << 12 | 0x567
        assert res(tr(iommu, DID, VA, ttyp)) == want


def test_n_on_a_nonleaf_is_still_a_page_fault_without_svnapot():
    mem, iommu = model(False)
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URWX), [ROOT, L1, L0])
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)     # N=0 everywhere: translates
    mem.write64(0x21808, mem.read64(0x21808) | N)                # level-1 non-leaf with N
    assert res(tr(iommu, DID, VA)) == (None, 13)


def test_plain_4k_pages_unchanged_without_svnapot():
    mem, iommu = model(False)
    assert map_va(mem, VA, pte(0x8_0000_5000, LEAF_URWX), [ROOT, L1, L0]) == PTE0
    assert res(tr(iommu, DID, VA, UX)) == (0x8_0000_5567, None)


def test_set_capabilities_changes_the_supported_modes():
    # Sv48 = fsc MODE 9. With the default capabilities the DC is valid; with Sv48 cleared
    # (bit 10) the same DC is misconfigured: cause 259 (DDT entry misconfigured).
    mem = Memory()
    iommu = IommuModel(mem)
    setup_dc(mem, iommu, DID, fsc=atp(9, ROOT))
    assert res(tr(iommu, DID, 0x1000))[1] == 13                  # valid DC, empty table
    iommu.set_capabilities(capbits.DEFAULT & ~(1 << capbits.SV48))
    assert res(tr(iommu, DID, 0x1000)) == (None, 259)
    with pytest.raises(ValueError, match="IGS 3 is reserved"):
        iommu.set_capabilities(capbits.DEFAULT | 3 << capbits.IGS_SHIFT)


def test_gstage_napot_leaf_is_a_guest_page_fault_without_svnapot():
    # test_gstage's G-stage-only device (did 2, Sv39x4); GPA 0x1_8020_1567; a guest-page
    # fault on a read is 21 with iotval2 = GPA >> 2 with its low two bits cleared.
    from test_gstage import DID as GDID, GL0, GPA, G_LEAF, gmap4k, gpf, gstage
    for svnapot in (True, False):
        mem = Memory()
        iommu = IommuModel(mem, svnapot=svnapot)
        gstage(mem, iommu)
        gmap4k(mem, 0)
        for i in range(16):
            mem.write64(GL0 + 8 * i, N | (0x9_0001_8 << 10) | G_LEAF)
        if svnapot:
            assert res(tr(iommu, GDID, GPA)) == (0x9_0001_1567, None)
        else:
            gpf(tr(iommu, GDID, GPA), 21, 0x1_8020_1564)
