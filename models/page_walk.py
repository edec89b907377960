"""First-stage (Sv39/48/57) and G-stage (Sv39x4/48x4/57x4) page-table walks, as the
Privileged spec's two-stage algorithm and the IOMMU spec's rules describe them.

A walk raises PtFault with what went wrong (page fault, access fault, poison); the
translation flow maps that to a cause, because the cause depends on what the walk was for
(the final access, a first-stage PTE address, or a PDT address).
"""
from __future__ import annotations

from .memory import AccessFault, PoisonedData
from .transaction import PBMT_NAMES  # noqa: F401  (re-exported: the names of the types)
from .walk_reader import Item, WalkReader

PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << i for i in range(8))
PTE_N = 1 << 63
PTE_PBMT_SHIFT = 61
PTE_RSVD = ((1 << 61) - 1) ^ ((1 << 54) - 1)   # bits 60:54
PTE_RSVD_SVRSW = ((1 << 59) - 1) ^ ((1 << 54) - 1)   # bits 58:54: Svrsw60t59b gives 60:59 to software

PTE_PBMT = 3 << PTE_PBMT_SHIFT
PTE_NONLEAF_RSVD = PTE_D | PTE_A | PTE_U | PTE_N | PTE_PBMT

# Svpbmt memory types (Privileged spec, "Svpbmt" extension: PTE bits 62:61); 3 is reserved.
PBMT_PMA, PBMT_NC, PBMT_IO = 0, 1, 2


def pte_pbmt(pte: int) -> int:
    """The PBMT field of a leaf PTE."""
    return (pte >> PTE_PBMT_SHIFT) & 3


def combine_pbmt(first: int, g_stage: int, first_active: bool, g_active: bool) -> int:
    """The memory type of a two-stage translation (Privileged spec, Svpbmt, two-stage rule):
    a non-Bare G-stage's non-zero PBMT overrides the PMA (the intermediate attributes), then
    a non-Bare first stage's non-zero PBMT overrides those. A Bare stage contributes nothing."""
    out = g_stage if g_active else PBMT_PMA
    if first_active and first:
        out = first
    return out

READ, WRITE, EXEC = "read", "write", "exec"
_NEED = {READ: PTE_R, WRITE: PTE_W, EXEC: PTE_X}
_new_item = tuple.__new__          # an Item without NamedTuple's argument handling (hot path)


def pte_malformed(pte: int, svnapot: bool = True, svpbmt: bool = False,
                  svrsw: bool = False) -> bool:
    """Whether a PTE (taken as V=1) is rejected whatever the access: W without R, a reserved
    bit (N too without Svnapot), PBMT set without Svpbmt, the reserved PBMT value 3, or a
    non-leaf entry with D, A, U, N or PBMT (reserved in non-leaf entries; Privileged spec,
    Svpbmt: bits 62-61 of a non-leaf PTE are reserved, and PBMT=3 in a leaf is reserved).
    svrsw: capabilities.Svrsw60t59b; bits 60:59 of every PTE (leaf or not, either stage) are
    then software's and ignored (Privileged spec, "Svrsw60t59b")."""
    if pte & PTE_W and not pte & PTE_R or pte & (PTE_RSVD_SVRSW if svrsw else PTE_RSVD):
        return True
    pbmt = pte & PTE_PBMT
    if pbmt and (not svpbmt or pbmt == PTE_PBMT):
        return True
    if not svnapot and pte & PTE_N:
        return True
    return not pte & (PTE_R | PTE_X) and bool(pte & PTE_NONLEAF_RSVD)


class PtFault(Exception):
    PAGE, ACCESS, POISON = "page", "access", "poison"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _ppn(pte: int) -> int:
    return (pte >> 10) & ((1 << 44) - 1)


def walk(reader: WalkReader, *, kind: str, addr: int, levels: int, root_ppn: int,
         access: str, user: bool, sum_: bool, tag_prefix: tuple,
         pte_addr_xlate=None, svnapot: bool = True, svpbmt: bool = False,
         ad: bool = False, pte_addr_store=None, svrsw: bool = False,
         big_endian: bool = False, sv32: bool = False) -> tuple[int, int]:
    """Translate `addr` through one stage; return (output address, leaf PTE).

    kind: "pte1" (first stage) or "pte2" (G-stage, 2 extra root index bits, always User).
    pte_addr_xlate: for a first stage under an active G-stage, maps each PTE's GPA to an SPA
    (it raises its own fault). tag_prefix: (gscid, pscid) or (gscid,) for cache tags.
    svnapot: False for an IOMMU without Svnapot; bit 63 (N) is then reserved and a PTE with it
    set is a page fault (Privileged spec, Sv39: reserved for Svnapot, zero otherwise).
    svpbmt: capabilities.Svpbmt; without it PBMT (bits 62:61) is reserved and a PTE with it
    set is a page fault. The leaf's PBMT is pte_pbmt(leaf PTE).
    ad: hardware A/D update enabled for this stage (DC.tc.SADE for the first stage, GADE for
    the G-stage; both need capabilities.AMO_HWAD). A leaf with A=0, or D=0 for a write, is then
    updated (A set, and D too for a write; D is never set for a read or execute) through
    reader.ad_update, after every other check passed (Privileged spec, translation step for
    A/D: the PTE is compared with memory and updated atomically; if it changed, the walk
    restarts). Without it, such a leaf is a page fault. pte_addr_store: for a first stage
    under an active G-stage, maps the leaf PTE's GPA to an SPA as an implicit *store* (the
    A/D update is a write: G-stage W is needed, and the G-stage leaf's A/D are set in turn).
    svrsw: capabilities.Svrsw60t59b (PTE bits 60:59 ignored). big_endian: the table's PTEs are
    big-endian in memory (fctl.BE for the G-stage, DC.tc.SBE for the first stage); the reader
    still names raw memory values, and an A/D update writes the PTE in the same byte order.
    sv32: Sv32 (kind "pte1", DC.tc.SXL=1) or Sv32x4 (kind "pte2", fctl.GXL=1): 4-byte PTEs,
    levels must be 2 (models/sv32_walk.py); the leaf returned is then a 32-bit PTE.
    """
    return walk_in_order(reader, kind, addr, levels, root_ppn, access, user, sum_, tag_prefix,
                         pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store, svrsw, big_endian,
                         sv32)


def walk_in_order(reader, kind, addr, levels, root_ppn, access, user, sum_, tag_prefix,
                  pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store, svrsw, big_endian,
                  sv32) -> tuple[int, int]:
    """walk() with every argument by position, in walk()'s order: the translation flow's
    call (one or more per request, where passing 17 arguments by keyword costs more than
    most of the walk)."""
    if not ad and not sv32:
        # no A/D update, so no restart (_walk raises _Restart only after an update)
        return _walk(reader, kind, addr, levels, root_ppn, access, user, sum_, tag_prefix,
                     pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store, svrsw, big_endian)
    one = _walk
    if sv32:
        from .sv32_walk import walk_sv32 as one
    for _ in range(64):
        try:
            return one(reader, kind, addr, levels, root_ppn, access, user, sum_, tag_prefix,
                       pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store, svrsw, big_endian)
        except _Restart:
            continue
    raise RuntimeError("A/D update: the PTE kept changing under 64 walk restarts")


class _Restart(Exception):
    """The A/D compare-and-swap found a different PTE in memory: walk again."""


def _bswap64(x: int) -> int:
    return int.from_bytes(x.to_bytes(8, "little"), "big")


def _walk(reader, kind, addr, levels, root_ppn, access, user, sum_, tag_prefix,
          pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store, svrsw, be) -> tuple[int, int]:
    g_stage = kind == "pte2"
    va_bits = 12 + 9 * levels + (2 if g_stage else 0)
    if g_stage:
        if addr >> va_bits:
            raise PtFault(PtFault.PAGE)
    else:
        top = addr >> (va_bits - 1)
        if top not in (0, (1 << (64 - va_bits + 1)) - 1):
            raise PtFault(PtFault.PAGE)          # not canonical
    a = root_ppn << 12
    in_space = addr & ((1 << va_bits) - 1)
    read = reader.read
    top, keep = levels - 1, None
    if pte_addr_xlate is None and levels > 1:
        # A reader may hold the tables the upper levels lead to (WalkReader.find_table): what
        # they give depends on nothing but this key and the PTEs read (which it checks).
        find = getattr(reader, "find_table", None)
        if find is not None:
            keep = ("table", kind, a, levels, tag_prefix, in_space >> 21, svnapot, svpbmt,
                    svrsw, be)
            found = find(keep)
            if found is not None:
                top, a, keep = 0, found, None
    for i in range(top, -1, -1):
        shift = 12 + 9 * i
        width = 11 if g_stage and i == levels - 1 else 9
        vpn_i = (addr >> shift) & ((1 << width) - 1)
        pte_gpa = pte_pa = a + vpn_i * 8
        if pte_addr_xlate is not None:
            pte_pa = pte_addr_xlate(pte_pa)
        item = _new_item(Item, (kind, pte_pa, 1, i, tag_prefix + (i, in_space >> shift)))
        try:
            (pte,) = read(item)
        except AccessFault:
            raise PtFault(PtFault.ACCESS)
        except PoisonedData:
            raise PtFault(PtFault.POISON)
        if be:
            pte = _bswap64(pte)
        if not pte & PTE_V or pte_malformed(pte, svnapot, svpbmt, svrsw):
            raise PtFault(PtFault.PAGE)
        if not pte & (PTE_R | PTE_X):
            a = _ppn(pte) << 12
            if i == 1 and keep is not None:
                reader.keep_table(keep, levels - 1, a)
            continue
        out = _leaf(addr, pte, i, access, user, sum_, g_stage)
        need = PTE_A | PTE_D if access == WRITE else PTE_A
        if pte & need != need:
            if not ad:
                raise PtFault(PtFault.PAGE)      # SADE/GADE=0: no hardware A/D update
            new = pte | need
            if pte_addr_store is not None:
                pte_pa = pte_addr_store(pte_gpa)  # the update is an implicit store
            if not (reader.ad_update(pte_pa, _bswap64(pte), _bswap64(new)) if be
                    else reader.ad_update(pte_pa, pte, new)):
                raise _Restart()
            pte = new
        return out, pte
    raise PtFault(PtFault.PAGE)                  # ran out of levels


def leaf_permits(pte: int, access: str, user: bool, sum_: bool, g_stage: bool) -> bool:
    """A leaf's U bit and R/W/X allow the access (any PTE width: the low bits are the same).
    Privilege: the G-stage always checks as User."""
    if user or g_stage:
        if not pte & PTE_U:
            return False
    elif pte & PTE_U and (not sum_ or access == EXEC):
        return False
    return bool(pte & _NEED[access])


def _leaf(addr: int, pte: int, level: int, access: str, user: bool, sum_: bool, g_stage: bool) -> int:
    ppn = _ppn(pte)
    if pte & PTE_N:
        if level != 0 or ppn & 0xF != 0b1000:
            raise PtFault(PtFault.PAGE)
    elif level and ppn & ((1 << (9 * level)) - 1):
        raise PtFault(PtFault.PAGE)              # misaligned superpage
    if not leaf_permits(pte, access, user, sum_, g_stage):
        raise PtFault(PtFault.PAGE)
    # A=0, or D=0 on a write: checked by the caller (a fault, or the hardware update).
    if pte & PTE_N:
        return (ppn & ~0xF) << 12 | (addr & 0xFFFF)
    span = 12 + 9 * level
    return (ppn >> (9 * level)) << span | (addr & ((1 << span) - 1))
