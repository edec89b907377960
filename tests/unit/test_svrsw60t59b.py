"""Svrsw60t59b: PTE bits 60:59 reserved for software.

Spec, worked by hand from the text:
- IOMMU spec, "PTE Reserved-for-Software Bits 60-59": "The Svrsw60t59b extension is
  implemented if capabilities.Svrsw60t59b (bit 14) is set to 1."
- Privileged spec, "Svrsw60t59b": "bits 60-59 of the page table entries (PTEs) are reserved
  for use by supervisor software and are ignored by the implementation"; with the hypervisor
  extension the same holds for G-stage PTEs; "The Svrsw60t59b extension depends on Sv39."
- Without it bits 60:54 are reserved (Sv39/48/57): a set bit is a page fault (first stage,
  13 for a read) or a guest-page fault (G-stage, 21). Bit 58 stays reserved with it.
Expected values are literals worked out from that text, not printed by the model.
"""
import pytest

from models import IommuModel, Memory
from tables import (CAPS, G_LEAF, LEAF_URWX, SV39, SV39X4, V, atp, map_va, new, pte, res,
                    setup_dc, tr)

SVRSW = 1 << 14
B59, B60, B58 = 1 << 59, 1 << 60, 1 << 58
DID = 4

# VA 0x20_2030_1567: VPN[2] = 0x80, VPN[1] = 0x101, VPN[0] = 0x101 (9 bits each from bit 30,
# 21, 12). Root 0x20000: entry at 0x20000 + 0x80*8 = 0x20400; level 1 0x21000: entry at
# 0x21808; level 0 0x22000: leaf at 0x22808 -> PA page 0x7_7777_7000, PA 0x7_7777_7567.
VA, PA = 0x20_2030_1567, 0x7_7777_7567
ROOT, L1, L0 = 0x20000, 0x21000, 0x22000


def first_stage(caps, leaf_extra=0, root_extra=0):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT))
    map_va(mem, VA, pte(0x7_7777_7000, LEAF_URWX) | leaf_extra, [ROOT, L1, L0])
    mem.write64(0x20400, pte(L1, V) | root_extra)
    return iommu


def test_capability_needs_sv39():
    # clearing Sv39 (bit 9) needs Sv48 (bit 10) cleared too (Sv48 needs Sv39)
    no_sv39 = CAPS & ~(1 << 9 | 1 << 10)
    IommuModel(Memory(), capabilities=no_sv39)
    with pytest.raises(ValueError):
        IommuModel(Memory(), capabilities=no_sv39 | SVRSW)


@pytest.mark.parametrize("bits_", [B59, B60, B59 | B60])
def test_first_stage_leaf_bits_ignored_with_the_capability(bits_):
    assert res(tr(first_stage(CAPS | SVRSW, leaf_extra=bits_), DID, VA)) == (PA, None)
    assert res(tr(first_stage(CAPS, leaf_extra=bits_), DID, VA)) == (None, 13)


def test_first_stage_nonleaf_bits_ignored_with_the_capability():
    assert res(tr(first_stage(CAPS | SVRSW, root_extra=B60 | B59), DID, VA)) == (PA, None)
    assert res(tr(first_stage(CAPS, root_extra=B60), DID, VA)) == (None, 13)


def test_bit_58_stays_reserved():
    assert res(tr(first_stage(CAPS | SVRSW, leaf_extra=B58), DID, VA)) == (None, 13)


# G-stage Sv39x4, first stage Bare: GPA 0x8000_1234 >> 30 = 2 -> root entry at 0x40000 + 2*8 =
# 0x40010, a 1 GiB leaf -> SPA 0x1_C000_0000, so SPA 0x1_C000_1234.
def g_stage(caps, extra):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, 0x40000, 1))
    mem.write64(0x40010, pte(0x1_C000_0000, G_LEAF) | extra)
    return iommu


def test_g_stage_leaf_bits_ignored_with_the_capability():
    assert res(tr(g_stage(CAPS | SVRSW, B59 | B60), DID, 0x8000_1234)) == (0x1_C000_1234, None)
    assert res(tr(g_stage(CAPS, B59), DID, 0x8000_1234)) == (None, 21)
