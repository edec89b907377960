"""Big-endian in-memory structures (capabilities.END): what a driver stores for them.

A hart's 64-bit store (`store64`) puts a doubleword in memory little-endian. When fctl.BE=1 the
IOMMU reads the DDT, G-stage and MSI page tables and the queues big-endian, and when a device
context's tc.SBE=1 its PDT and first-stage tables too; software then stores each doubleword of
those structures byte-reversed, which is all these wrappers do. The builders (page_table.py,
device_directory.py, ...) keep working in the structures' own values.
"""
from __future__ import annotations

from typing import Callable

Store64 = Callable[[int, int], None]
Peek64 = Callable[[int], int]


def bswap64(value: int) -> int:
    """The doubleword with its eight bytes in the other order."""
    return int.from_bytes((value & (1 << 64) - 1).to_bytes(8, "little"), "big")


def store_in(store64: Store64, big_endian: bool) -> Store64:
    """A store of structure values in that byte order, through a little-endian `store64`."""
    if not big_endian:
        return store64
    return lambda pa, value: store64(pa, bswap64(value))


def peek_in(peek64: Peek64, big_endian: bool) -> Peek64:
    """The structure value at pa, in that byte order, through a little-endian `peek64`."""
    if not big_endian:
        return peek64
    return lambda pa: bswap64(peek64(pa))
