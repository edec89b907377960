"""How every walk reads memory: one place that names each cacheable item it reads.

A walk never calls Memory directly. It asks a WalkReader for an item (a DDT entry, a device
context, a PTE, ...), named by its kind, address and the tag the spec's caches use for it.
The default reader returns the current memory value; the coherence oracle passes an
`item_value` hook that may substitute a value the item held earlier (a permitted stale copy).
When memory cannot deliver the item (a bus error or poisoned data), the hook is still asked,
with the exception in place of the words: a cache needs no memory read, so the hook returns the
words a cache may supply or raises the exception (the walk then stops with its fault).
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Sequence

from .memory import AccessFault, PoisonedData


class Item(NamedTuple):
    kind: str       # "ddte" | "dc" | "pdte" | "pc" | "pte1" | "pte2" | "msipte"
    pa: int         # address of its first doubleword
    ndw: int        # number of doublewords
    level: int      # walk level (0 = leaf level); 0 for contexts
    tag: tuple      # cache tag: see the walkers for the tuple of each kind


class Fault(Exception):
    """A walk stopped with a cause. iotval2 and gpa follow the spec's fault-record rules."""

    def __init__(self, cause: int, iotval2: int = 0, gpa: Optional[int] = None) -> None:
        super().__init__(int(cause))
        self.cause = int(cause)
        self.iotval2 = iotval2
        self.gpa = gpa


# (item, words read, or the AccessFault/PoisonedData the read raised) -> words to use
ItemHook = Callable[[Item, object], Sequence[int]]


class WalkReader:
    """pa_limit: the size of the physical address space (2^capabilities.PAS); an item with a
    byte at or above it is not read and raises AccessFault, as a bus error would (the space
    the IOMMU can address is 0 .. 2^PAS - 1). None: no limit."""
    # (one per walk: slots are quicker to make and read)
    __slots__ = ("read64", "item_value", "trace", "pa_limit", "ad_cas", "ad_log")
    # A reader may locate the device context itself: find_dc(did, mode, ppn, caps, fctl_be,
    # gxl) returning what device_context.locate_dc(reader, ...) would, reads included (the
    # coherence oracle's walks keep what they located). None: the walk calls locate_dc.
    find_dc = None
    # Likewise for a page-table walk's upper levels (page_walk._walk, no G-stage for the PTE
    # addresses): find_table(key) -> the level-0 table address, its reads made, or None;
    # keep_table(key, n, a): the last n reads led to level-0 table `a` (key as given).
    find_table = None

    def __init__(self, read64: Callable[[int], int], item_value: Optional[ItemHook] = None,
                 trace: Optional[list] = None, pa_limit: Optional[int] = None,
                 ad_cas: Optional[Callable[[int, int, int], bool]] = None) -> None:
        self.read64 = read64
        self.item_value = item_value
        self.trace = trace
        self.pa_limit = pa_limit
        # Hardware A/D update (DC.tc.SADE/GADE): ad_cas(pa, old, new) performs the atomic
        # compare-and-swap in memory and says whether memory still held `old` (False: the
        # walk restarts). None: a walk without side effects; the update is taken as done.
        # ad_log: every update the walk made (or would make), as (pa, old, new), in order.
        self.ad_cas = ad_cas
        self.ad_log: list = []

    def ad_update(self, pa: int, old: int, new: int) -> bool:
        """One A/D update of the PTE at `pa`; False if memory no longer held `old`."""
        if self.ad_cas is not None and not self.ad_cas(pa, old, new):
            return False
        self.ad_log.append((pa, old, new))
        return True

    def read(self, item: Item) -> tuple:
        """The item's doublewords; AccessFault/PoisonedData propagate to the walker."""
        _, pa, ndw, _, _ = item
        if self.pa_limit is not None and pa + 8 * ndw > self.pa_limit:
            raise AccessFault(f"{item.kind} at {pa:#x} is beyond the physical address space "
                              f"(below {self.pa_limit:#x})")
        read64 = self.read64
        try:
            if ndw == 1:
                words = (read64(pa),)
            else:
                words = tuple([read64(pa + 8 * i) for i in range(ndw)])
        except (AccessFault, PoisonedData) as err:
            if self.item_value is None:
                raise
            words = tuple(self.item_value(item, err))      # a cached copy, or it re-raises
        else:
            if self.item_value is not None:
                words = tuple(self.item_value(item, words))
        if self.trace is not None:
            self.trace.append((item, words))
        return words


def read_or_fault(reader: "WalkReader", item: Item, access_cause: int, poison_cause: int) -> tuple:
    """Read a directory or MSI item; a bus error or poisoned data stops the walk with the
    cause the spec gives that structure."""
    try:
        return reader.read(item)
    except AccessFault:
        raise Fault(access_cause) from None
    except PoisonedData:
        raise Fault(poison_cause) from None
