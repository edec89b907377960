"""Sparse, byte-addressed, little-endian memory shared by software stores and IOMMU reads.

Bus errors and poisoned data are injected per address range, so every implicit access of
the IOMMU (directory, page-table, queue) can be made to fail the way the spec describes.
"""
from __future__ import annotations

import struct
from typing import Optional

PAGE = 4096
_PAGE_DWORDS = struct.Struct("<512Q")
_unpack_u64 = struct.Struct("<Q").unpack_from       # one little-endian doubleword, no copy
_pack_u64 = struct.Struct("<Q").pack_into
_UNPACK_N: dict = {}                                 # n -> unpacker of n doublewords (read64s)


class AccessFault(Exception):
    """An access touched a range marked with Memory.set_access_fault (a bus error)."""


class PoisonedData(Exception):
    """A read returned data marked as corrupted with Memory.set_poison."""


class Memory:
    def __init__(self) -> None:
        self._pages: dict[int, bytearray] = {}
        self._faults: list[tuple[int, int]] = []
        self._poison: list[tuple[int, int]] = []

    # -- fault injection ---------------------------------------------------------------
    def set_access_fault(self, lo: int, hi: int) -> None:
        """Accesses touching [lo, hi) fail with AccessFault."""
        if hi <= lo:
            raise ValueError(f"set_access_fault: empty range [{lo:#x}, {hi:#x})")
        self._faults.append((lo, hi))

    def set_poison(self, lo: int, hi: int) -> None:
        """Reads touching [lo, hi) fail with PoisonedData (after any access fault)."""
        if hi <= lo:
            raise ValueError(f"set_poison: empty range [{lo:#x}, {hi:#x})")
        self._poison.append((lo, hi))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._poison.clear()

    def _check(self, pa: int, n: int, ranges: list[tuple[int, int]]) -> bool:
        return any(pa < hi and pa + n > lo for lo, hi in ranges)

    # -- byte access ---------------------------------------------------------------------
    def read(self, pa: int, n: int) -> bytes:
        if pa < 0 or n < 0:
            raise ValueError(f"read: bad address/length {pa:#x}/{n}")
        if self._faults and self._check(pa, n, self._faults):
            raise AccessFault(f"bus error reading {n} bytes at {pa:#x}")
        if self._poison and self._check(pa, n, self._poison):
            raise PoisonedData(f"poisoned data reading {n} bytes at {pa:#x}")
        return self._raw_read(pa, n)

    def write(self, pa: int, data: bytes) -> None:
        if pa < 0:
            raise ValueError(f"write: bad address {pa:#x}")
        if self._faults and self._check(pa, len(data), self._faults):
            raise AccessFault(f"bus error writing {len(data)} bytes at {pa:#x}")
        self._raw_write(pa, bytes(data))

    def peek(self, pa: int, n: int) -> bytes:
        """Read without fault injection (a testbench backdoor, not an IOMMU access)."""
        return self._raw_read(pa, n)

    def poke(self, pa: int, data: bytes) -> None:
        """Write without fault injection (a testbench backdoor, not an IOMMU access)."""
        self._raw_write(pa, bytes(data))

    def _raw_read(self, pa: int, n: int) -> bytes:
        off = pa & (PAGE - 1)
        if n <= PAGE - off:                     # within one page (every doubleword access)
            buf = self._pages.get(pa >> 12)
            return bytes(buf[off:off + n]) if buf is not None else bytes(n)
        out = bytearray()
        while n:
            page, off = divmod(pa, PAGE)
            chunk = min(n, PAGE - off)
            buf = self._pages.get(page)
            out += buf[off:off + chunk] if buf is not None else bytes(chunk)
            pa += chunk
            n -= chunk
        return bytes(out)

    def _raw_write(self, pa: int, data: bytes) -> None:
        pos = 0
        while pos < len(data):
            page, off = divmod(pa + pos, PAGE)
            chunk = min(len(data) - pos, PAGE - off)
            buf = self._pages.get(page)
            if buf is None:
                buf = self._pages[page] = bytearray(PAGE)
            buf[off:off + chunk] = data[pos:pos + chunk]
            pos += chunk

    # -- sparse iteration (backdoor: no fault injection) ------------------------------------
    def written_pages(self) -> list[int]:
        """Page numbers (address >> 12) of every 4 KiB page ever written, ascending; every
        other page reads as zeros."""
        return sorted(self._pages)

    def page_words(self, page: int) -> Optional[tuple]:
        """The 512 little-endian doublewords of page number `page` (address >> 12), or None
        for a page never written (all zeros): lets a caller skip empty tables without 512
        reads."""
        buf = self._pages.get(page)
        return None if buf is None else _PAGE_DWORDS.unpack_from(buf)

    def overlay(self, words: dict) -> "Memory":
        """A view of this memory with the doublewords `words` ({pa: value}, pa 8-byte aligned)
        in place of what it holds: what memory would hold once they were written (e.g. a
        hart's cached stores written back). The pages not overlaid are shared with this
        memory, so the view is for reading; no fault ranges are carried over."""
        view = Memory()
        view._pages = dict(self._pages)
        copied: set = set()
        for pa, value in words.items():
            page = pa >> 12
            if page not in copied:
                view._pages[page] = bytearray(self._pages.get(page, bytes(PAGE)))
                copied.add(page)
            off = pa & (PAGE - 1)
            view._pages[page][off:off + 8] = (value & (2**64 - 1)).to_bytes(8, "little")
        return view

    # -- word access (the hot path of every walk) ----------------------------------------
    def read64(self, pa: int) -> int:
        if self._faults or self._poison or pa % PAGE > PAGE - 8:
            return int.from_bytes(self.read(pa, 8), "little")
        buf = self._pages.get(pa >> 12)
        if buf is None:
            return 0
        return _unpack_u64(buf, pa & (PAGE - 1))[0]

    def read64s(self, pa: int, n: int) -> tuple:
        """n consecutive doublewords from pa, as n read64 calls return them (and raise: the
        first doubleword that fails)."""
        off = pa & (PAGE - 1)
        if self._faults or self._poison or off > PAGE - 8 * n:
            return tuple([self.read64(pa + 8 * i) for i in range(n)])
        buf = self._pages.get(pa >> 12)
        if buf is None:
            return (0,) * n
        unpack = _UNPACK_N.get(n)
        if unpack is None:
            unpack = _UNPACK_N[n] = struct.Struct(f"<{n}Q").unpack_from
        return unpack(buf, off)

    def write64(self, pa: int, value: int) -> None:
        off = pa & (PAGE - 1)
        if pa >= 0 and not self._faults and off <= PAGE - 8:
            # (write's work for an aligned-enough doubleword in one page, without the copies)
            page = pa >> 12
            buf = self._pages.get(page)
            if buf is None:
                buf = self._pages[page] = bytearray(PAGE)
            _pack_u64(buf, off, value & (2**64 - 1))
            return
        self.write(pa, (value & (2**64 - 1)).to_bytes(8, "little"))

    def read32(self, pa: int) -> int:
        return int.from_bytes(self.read(pa, 4), "little")

    def write32(self, pa: int, value: int) -> None:
        self.write(pa, (value & 0xFFFF_FFFF).to_bytes(4, "little"))
