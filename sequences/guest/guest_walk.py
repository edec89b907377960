"""The VMM reading the guest's first-stage tables in guest memory (what a shadowing VMM does on
each guest invalidation): one Sv39/Sv48 walk, and every leaf of a table. Software, not the
golden model: it only follows valid entries; a malformed entry reads as unmapped."""
from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from sequences.sw.page_table import FIRST_STAGE_MODES, perms_of
from sequences.sw.update import PPN_FIELD, PTE_N, PTE_R, PTE_V, PTE_W, PTE_X

Read64 = Callable[[int], int]


class GuestLeaf(NamedTuple):
    va: int          # first IOVA of the page
    gpa: int         # first GPA of the page
    perms: str       # 'r', 'rw', 'rx', 'rwx', 'x'
    size: int        # bytes (4 KiB, 2 MiB, 1 GiB)


def _levels(mode: str) -> int:
    try:
        return FIRST_STAGE_MODES[mode][1]
    except KeyError:
        raise ValueError(f"guest table mode {mode!r}: expected one of "
                         f"{sorted(FIRST_STAGE_MODES)}") from None


def _leaf_ok(pte: int) -> bool:
    return bool(pte & PTE_V) and bool(pte & (PTE_R | PTE_X)) and not (pte & PTE_W and
                                                                        not pte & PTE_R)


def walk(read64: Read64, root: int, mode: str, va: int) -> Optional[GuestLeaf]:
    """The page of the guest table (root, a GPA) that maps va, or None."""
    levels = _levels(mode)
    a = root
    for level in range(levels - 1, -1, -1):
        pte = read64(a + 8 * (va >> (12 + 9 * level) & 0x1FF))
        if not pte & PTE_V:
            return None
        if pte & (PTE_R | PTE_X):
            if not _leaf_ok(pte) or pte & PTE_N:
                return None
            size = 1 << (12 + 9 * level)
            ppn = (pte & PPN_FIELD) >> 10
            return GuestLeaf(va & ~(size - 1), ppn << 12 & ~(size - 1), perms_of(pte), size)
        if level == 0:
            return None
        a = (pte & PPN_FIELD) >> 10 << 12
    return None


def leaves(read64: Read64, root: int, mode: str) -> list:
    """Every page the guest table maps (lower half of the address space), lowest IOVA first."""
    levels = _levels(mode)
    out: list = []

    def visit(table: int, level: int, base: int) -> None:
        for i in range(512):
            pte = read64(table + 8 * i)
            if not pte & PTE_V:
                continue
            va = base | i << (12 + 9 * level)
            if pte & (PTE_R | PTE_X):
                leaf = walk(read64, root, mode, va)
                if leaf is not None:
                    out.append(leaf)
            elif level:
                visit((pte & PPN_FIELD) >> 10 << 12, level - 1, va)

    visit(root, levels - 1, 0)
    return out
