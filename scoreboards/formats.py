"""How the oracle reads a value the way the model's walker does: byte order and PTE size.

The oracle keeps every item's words as raw memory doublewords (little-endian readings), the
values the model's WalkReader names, so the walks it replays read exactly what the model's
would. Where the oracle itself interprets a value (V, leaf, G, a pointer's PPN, a context's
fields, the walker's checks), it first takes the value the walker sees. A read key's `fmt`
says how (records.ReadKey.fmt):
- FMT_BE: the structure is big-endian in memory (the spec's table: DDT, DC, G-stage and MSI
  PTEs follow fctl.BE; PDT, PC and first-stage PTEs follow DC.tc.SBE); each doubleword is
  byte-swapped.
- FMT_32: a 4-byte Sv32 / Sv32x4 PTE, read as the aligned doubleword holding it; its half is
  bit 0 of the tag's VPN (the PTE's index, and the table is at least 4 KiB aligned), then
  byte-swapped alone with FMT_BE.
- FMT_SXL: a process context reached through a DC with tc.SXL = 1 (which fsc.MODE values are
  legal, the PC check).
Read keys of Sv32 PTEs have width 32 (first stage) or 34 (Sv32x4), which no 8-byte scheme has
(39/48/57, 41/50/59): the command tables then step 10 bits a level (scope.level_shift).
"""
from __future__ import annotations

FMT_BE, FMT_32, FMT_SXL = 1, 2, 4
SV32_WIDTHS = (32, 34)
_M32 = 0xFFFF_FFFF
_M64 = (1 << 64) - 1
# Bit 0 of every PTE a doubleword may hold in any byte order and size: a store setting one of
# them may make an entry valid (the structural readers look again).
ANY_V = 1 | 1 << 24 | 1 << 32 | 1 << 56


def bswap64(x: int) -> int:
    return int.from_bytes((x & _M64).to_bytes(8, "little"), "big")


def bswap32(x: int) -> int:
    return int.from_bytes((x & _M32).to_bytes(4, "little"), "big")


def native_words(fmt: int, words: tuple) -> tuple:
    """A context's or directory entry's doublewords as the walker reads them."""
    if fmt & FMT_BE:
        return tuple(bswap64(w) for w in words)
    return words


def native_pte(fmt: int, tag: tuple, raw: int) -> int:
    """The PTE the walker reads from the raw doubleword `raw` of an item with this tag."""
    if fmt & FMT_32:
        v = (raw >> (32 * (tag[-1] & 1))) & _M32
        return bswap32(v) if fmt & FMT_BE else v
    return bswap64(raw) if fmt & FMT_BE else raw


def native_first(kind: str, fmt: int, tag: tuple, raw: int) -> int:
    """The first doubleword (or the PTE) of an item as the walker reads it."""
    if kind in ("pte1", "pte2"):
        return native_pte(fmt, tag, raw)
    return bswap64(raw) if fmt & FMT_BE else raw


def level_step(width: int) -> int:
    """VPN bits per level of a page table of this address width (Sv32/Sv32x4: 10)."""
    return 10 if width in SV32_WIDTHS else 9


def fmt_of(kind: str, fctl_be: bool, sbe: bool, sv32: bool = False, sxl: bool = False) -> int:
    """The fmt of a read of `kind` under these controls (fctl.BE; DC.tc.SBE / SXL of the DC the
    walk located; sv32: a 4-byte PTE)."""
    if kind in ("ddte", "dc", "msipte"):
        return FMT_BE if fctl_be else 0
    if kind == "pte2":
        return (FMT_BE if fctl_be else 0) | (FMT_32 if sv32 else 0)
    if kind == "pte1":
        return (FMT_BE if sbe else 0) | (FMT_32 if sv32 else 0)
    if kind == "pc":
        return (FMT_BE if sbe else 0) | (FMT_SXL if sxl else 0)
    return FMT_BE if sbe else 0          # pdte
