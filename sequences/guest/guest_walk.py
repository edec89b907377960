"""The VMM reading the guest's structures in guest memory (what a shadowing VMM does on each
guest invalidation): one Sv39/Sv48 walk and every leaf of a table (4 KiB, 64 KiB Svnapot,
2 MiB, 1 GiB pages), one process context of a guest PDT and every valid one. Software, not the
golden model: it only follows valid entries; a malformed entry reads as unmapped (a NAPOT PTE
other than a level-0 64 KiB one, i.e. N=1 above level 0 or PPN[3:0] != 0b1000, included)."""
from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from sequences.sw.device_directory import IOSATP_MODES, PDT_MODES
from sequences.sw.page_table import FIRST_STAGE_MODES, SIZE_64K, perms_of
from sequences.sw.update import PPN_FIELD, PTE_N, PTE_R, PTE_V, PTE_W, PTE_X

Read64 = Callable[[int], int]


class GuestLeaf(NamedTuple):
    va: int          # first IOVA of the page
    gpa: int         # first GPA of the page
    perms: str       # 'r', 'rw', 'rx', 'rwx', 'x'
    size: int        # bytes (4 KiB, 64 KiB NAPOT, 2 MiB, 1 GiB)


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
            if not _leaf_ok(pte):
                return None
            size = 1 << (12 + 9 * level)
            ppn = (pte & PPN_FIELD) >> 10
            if pte & PTE_N:                 # Svnapot: only the 64 KiB encoding exists
                if level or ppn & 0xF != 0b1000:
                    return None
                size, ppn = SIZE_64K, ppn & ~0xF
            return GuestLeaf(va & ~(size - 1), ppn << 12 & ~(size - 1), perms_of(pte), size)
        if level == 0:
            return None
        a = (pte & PPN_FIELD) >> 10 << 12
    return None


def leaves(read64: Read64, root: int, mode: str) -> list:
    """Every page the guest table maps (lower half of the address space), lowest IOVA first,
    each once."""
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
                if leaf is not None and not (out and out[-1].va == leaf.va):
                    out.append(leaf)          # (a NAPOT page's 16 PTEs: one leaf)
            elif level:
                visit((pte & PPN_FIELD) >> 10 << 12, level - 1, va)

    visit(root, levels - 1, 0)
    return out


# ------------------------------------------------------------------------- process contexts
PD_LEVELS = {"pd8": 1, "pd17": 2, "pd20": 3}
PD_PID_BITS = {"pd8": 8, "pd17": 17, "pd20": 20}


class GuestPc(NamedTuple):
    pid: int
    ta: int
    fsc: int

    @property
    def pscid(self) -> int:
        return self.ta >> 12 & 0xFFFFF

    @property
    def ens(self) -> bool:
        return bool(self.ta & 2)

    @property
    def sum(self) -> bool:
        return bool(self.ta & 4)

    @property
    def fs_mode(self) -> str:
        code = self.fsc >> 60
        for name, c in IOSATP_MODES.items():
            if c == code:
                return name
        return f"reserved({code})"

    @property
    def fs_root(self) -> int:
        return (self.fsc & ((1 << 44) - 1)) << 12


def _pd_mode(mode) -> str:
    if isinstance(mode, int):
        mode = next((k for k, v in PDT_MODES.items() if v == mode), mode)
    if mode not in PD_LEVELS:
        raise ValueError(f"guest PDT mode {mode!r}: expected one of {sorted(PD_LEVELS)}")
    return mode


def _pdi(pid: int) -> tuple:
    return pid & 0xFF, pid >> 8 & 0x1FF, pid >> 17 & 0x7


def process_context(read64: Read64, pdt_mode, pdt_root: int, pid: int) -> Optional[GuestPc]:
    """The valid process context of pid in the guest PDT at pdt_root (a GPA), or None (an
    invalid non-leaf entry or PC, or a pid wider than the mode)."""
    mode = _pd_mode(pdt_mode)
    if not 0 <= pid < 1 << PD_PID_BITS[mode]:
        return None
    idx, a = _pdi(pid), pdt_root
    for i in range(PD_LEVELS[mode] - 1, 0, -1):
        e = read64(a + 8 * idx[i])
        if not e & PTE_V:
            return None
        a = (e & PPN_FIELD) >> 10 << 12
    a += 16 * idx[0]
    ta, fsc = read64(a), read64(a + 8)
    return GuestPc(pid, ta, fsc) if ta & 1 else None


def process_contexts(read64: Read64, pdt_mode, pdt_root: int) -> list:
    """Every valid process context of the guest PDT, lowest pid first (only valid non-leaf
    entries are followed)."""
    mode = _pd_mode(pdt_mode)
    out: list = []

    def visit(table: int, level: int, base: int) -> None:
        if level == 0:
            for i in range(256):
                ta = read64(table + 16 * i)
                if ta & 1:
                    out.append(GuestPc(base | i, ta, read64(table + 16 * i + 8)))
            return
        shift, n = (8, 512) if level == 1 else (17, 8)
        for i in range(n):
            e = read64(table + 8 * i)
            if e & PTE_V:
                visit((e & PPN_FIELD) >> 10 << 12, level - 1, base | i << shift)

    visit(pdt_root, PD_LEVELS[mode] - 1, 0)
    return out
