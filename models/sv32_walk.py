"""Sv32 (first stage, DC.tc.SXL=1) and Sv32x4 (G-stage, fctl.GXL=1) walks: two levels of
4-byte PTEs (Privileged spec, "Sv32: Page-Based 32-bit Virtual-Memory Systems" and the
hypervisor's Sv32x4), kept apart from page_walk's 8-byte path so that path stays as it is.

Sv32: VA[31:0] = VPN[1] (10 bits) | VPN[0] (10 bits) | offset (12 bits); PTE[31:0] = PPN[1]
[31:20] (12 bits) | PPN[0] [19:10] | RSW [9:8] | D A G U X W R V; physical addresses are 34
bits; a level-1 leaf is a 4 MiB megapage whose PPN[0] must be 0. Sv32x4 widens VPN[1] by 2
bits (GPA[33:22], a 16 KiB root) and needs GPA[63:34] = 0. A 32-bit PTE has no N, PBMT or
bits 60:59, so Svnapot, Svpbmt and Svrsw60t59b do not apply.

The WalkReader names doubleword items: a PTE is read as the aligned doubleword holding it
(item pa = PTE address & ~7) and its half is taken; an A/D update is a compare-and-swap of
that doubleword with the other half unchanged.
"""
from __future__ import annotations

from .memory import AccessFault, PoisonedData
from .page_walk import (PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, WRITE,
                        PtFault, _Restart, _new_item, leaf_permits)
from .walk_reader import Item

_M32 = 0xFFFF_FFFF
_NONLEAF_RSVD32 = PTE_D | PTE_A | PTE_U      # reserved in a non-leaf PTE (Privileged spec)


def bswap32(x: int) -> int:
    return int.from_bytes(x.to_bytes(4, "little"), "big")


def pte32_malformed(pte: int) -> bool:
    """W without R, or D/A/U in a non-leaf entry (V=1 assumed)."""
    if pte & PTE_W and not pte & PTE_R:
        return True
    return not pte & (PTE_R | PTE_X) and bool(pte & _NONLEAF_RSVD32)


def walk_sv32(reader, kind, addr, levels, root_ppn, access, user, sum_, tag_prefix,
              pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store, svrsw, be):
    """One Sv32/Sv32x4 walk (page_walk.walk's arguments; svnapot/svpbmt/svrsw do not apply).
    Returns (output address, leaf PTE as a 32-bit value in its own byte order)."""
    if levels != 2:
        raise ValueError(f"Sv32/Sv32x4 walks have 2 levels, got {levels}")
    g_stage = kind == "pte2"
    va_bits = 34 if g_stage else 32
    if addr >> va_bits:
        raise PtFault(PtFault.PAGE)      # IOVA[63:32] (Sv32) or GPA[63:34] (Sv32x4) not 0
    a = root_ppn << 12
    read = reader.read
    for i in (1, 0):
        shift = 12 + 10 * i
        width = 12 if g_stage and i == 1 else 10
        pte_gpa = pte_pa = a + ((addr >> shift) & ((1 << width) - 1)) * 4
        if pte_addr_xlate is not None:
            pte_pa = pte_addr_xlate(pte_pa)
        dw_pa, half = pte_pa & ~7, (pte_pa >> 2) & 1
        item = _new_item(Item, (kind, dw_pa, 1, i, tag_prefix + (i, addr >> shift)))
        try:
            (dw,) = read(item)
        except AccessFault:
            raise PtFault(PtFault.ACCESS)
        except PoisonedData:
            raise PtFault(PtFault.POISON)
        raw = (dw >> (32 * half)) & _M32
        pte = bswap32(raw) if be else raw
        if not pte & PTE_V or pte32_malformed(pte):
            raise PtFault(PtFault.PAGE)
        ppn = pte >> 10                  # 22 bits: PPN[1] | PPN[0]
        if not pte & (PTE_R | PTE_X):
            a = ppn << 12
            continue
        if i and ppn & 0x3FF:
            raise PtFault(PtFault.PAGE)  # misaligned megapage
        if not leaf_permits(pte, access, user, sum_, g_stage):
            raise PtFault(PtFault.PAGE)
        span = shift
        out = (ppn >> (10 * i)) << span | (addr & ((1 << span) - 1))
        need = PTE_A | PTE_D if access == WRITE else PTE_A
        if pte & need != need:
            if not ad:
                raise PtFault(PtFault.PAGE)
            new = pte | need
            if pte_addr_store is not None:
                pte_pa = pte_addr_store(pte_gpa)
                dw_pa, half = pte_pa & ~7, (pte_pa >> 2) & 1
            new_raw = bswap32(new) if be else new
            keep = dw & ~(_M32 << (32 * half))
            if not reader.ad_update(dw_pa, dw, keep | new_raw << (32 * half)):
                raise _Restart()
            pte = new
        return out, pte
    raise PtFault(PtFault.PAGE)
