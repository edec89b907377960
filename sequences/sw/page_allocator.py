"""A page allocator over one region of (guest-)physical memory, as a driver has one: it hands
out 4 KiB pages and naturally aligned multi-page blocks (the 16 KiB G-stage root), zeroing
each through store64 before handing it out (a table is zeroed before it is linked).

Freed pages go to a free list and are reused (lowest address first) before the bump pointer
moves on. Freeing is the caller's promise that no cached copy can still refer to the page:
give a table page back only after the invalidation that unlinked it has completed.
"""
from __future__ import annotations

from typing import Optional

from .update import AddrToPa, Store64, identity

PAGE = 0x1000
G_ROOT_PAGES = 4          # 16 KiB, 16 KiB aligned


class OutOfPages(Exception):
    """The region has no free run of pages of the requested size and alignment."""


class PageAllocator:
    def __init__(self, base: int, size: int, store64: Store64, *,
                 addr_to_pa: Optional[AddrToPa] = None, zero: bool = True) -> None:
        """base, size: the region [base, base+size) in the allocator's address space (SPAs,
        or GPAs with addr_to_pa mapping each page to its SPA). zero: zero each page handed
        out with 512 stores (False when the caller knows the memory is fresh)."""
        if base % PAGE or size % PAGE or size <= 0:
            raise ValueError(f"PageAllocator region {base:#x}+{size:#x} is not whole 4 KiB pages")
        self.base, self.size = base, size
        self.store64 = store64
        self.addr_to_pa: AddrToPa = addr_to_pa or identity
        self.zero = zero
        self._bump = base
        self._free: set[int] = set()
        self._owned: dict[int, int] = {}    # first page of a block -> pages in it

    # -- queries ----------------------------------------------------------------------------
    @property
    def end(self) -> int:
        return self.base + self.size

    def pages_in_use(self) -> int:
        return sum(self._owned.values())

    def owns(self, addr: int) -> bool:
        return addr in self._owned

    # -- allocation ------------------------------------------------------------------------
    def alloc(self, npages: int = 1, align: int = PAGE) -> int:
        """A zeroed block of npages pages aligned to `align` bytes; returns its address."""
        if npages < 1 or align % PAGE or align & (align - 1):
            raise ValueError(f"alloc({npages}, align={align:#x}): need npages >= 1 and a "
                             "power-of-two alignment of at least 4 KiB")
        addr = self._from_free_list(npages, align)
        if addr is None:
            addr = -(-self._bump // align) * align
            if addr + npages * PAGE > self.end:
                raise OutOfPages(f"no {npages} free page(s) aligned to {align:#x} in "
                                 f"{self.base:#x}+{self.size:#x}")
            # pages skipped for alignment stay usable
            self._free.update(range(self._bump, addr, PAGE))
            self._bump = addr + npages * PAGE
        self._owned[addr] = npages
        if self.zero:
            self._zero(addr, npages)
        return addr

    def alloc_page(self) -> int:
        return self.alloc(1)

    def alloc_gstage_root(self) -> int:
        """16 KiB, 16 KiB aligned (the Sv39x4/Sv48x4/Sv57x4 root table)."""
        return self.alloc(G_ROOT_PAGES, G_ROOT_PAGES * PAGE)

    def free(self, addr: int) -> None:
        """Give back a block returned by alloc (the whole block)."""
        npages = self._owned.pop(addr, None)
        if npages is None:
            raise ValueError(f"free({addr:#x}): not a block handed out by this allocator")
        self._free.update(range(addr, addr + npages * PAGE, PAGE))

    def _from_free_list(self, npages: int, align: int) -> Optional[int]:
        if not self._free:
            return None
        if npages == 1 and align == PAGE:
            a = min(self._free)
            self._free.discard(a)
            return a
        for a in sorted(self._free):
            if a % align == 0 and all(a + i * PAGE in self._free for i in range(npages)):
                self._free.difference_update(range(a, a + npages * PAGE, PAGE))
                return a
        return None

    def _zero(self, addr: int, npages: int) -> None:
        for p in range(addr, addr + npages * PAGE, PAGE):
            pa = self.addr_to_pa(p)
            for off in range(0, PAGE, 8):
                self.store64(pa + off, 0)

