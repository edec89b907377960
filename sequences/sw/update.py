"""The record every software operation returns: which entries it changed, with their old and
new values, and the stores it made (in order). Invalidation plans and coverage read it.

Vocabulary:
- an *entry* is one cacheable item: a PTE ('pte'), a non-leaf DDT entry ('ddte'), a device
  context ('dc'), a non-leaf PDT entry ('pdte') or a process context ('pc');
- a change is *linked* when the IOMMU could reach the entry at the time of the store (a store
  into a table that is filled before it is linked is not linked);
- *made valid* is a V 0->1 change, *removed* a V 1->0 change, and a *valid change* any
  change to an entry whose old value was valid (what the spec requires invalidating).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << i for i in range(8))
PTE_N = 1 << 63
PPN_FIELD = ((1 << 44) - 1) << 10          # PPN[53:10] of a PTE / ddte / pdte

Store64 = Callable[[int, int], object]
AddrToPa = Callable[[int], int]


def identity(addr: int) -> int:
    return addr


@dataclass(frozen=True)
class Store:
    """One 64-bit software store, as performed (pa is the physical address written)."""
    pa: int
    value: int
    old: int


@dataclass(frozen=True)
class EntryChange:
    entry: str                    # 'pte' | 'ddte' | 'dc' | 'pdte' | 'pc'
    addr: int                     # address in the structure's own space (a GPA for guest tables)
    pa: int                       # physical address of its first doubleword
    old: tuple                    # doublewords before the operation
    new: tuple                    # doublewords after it
    level: int = 0                # walk level of the entry (0 = leaf level; 0 for contexts)
    linked: bool = True
    va: int = 0                   # pte: first address (IOVA or GPA) the entry covers
    span: int = 0                 # pte: bytes the entry covers
    did: Optional[int] = None     # directory entries: the device (dc, pc, pdte)
    pid: Optional[int] = None     # pc: the process

    @property
    def old_valid(self) -> bool:
        return bool(self.old[0] & 1)

    @property
    def new_valid(self) -> bool:
        return bool(self.new[0] & 1)

    @property
    def old_leaf(self) -> bool:
        """A valid old value that is a leaf (contexts always are)."""
        return self.old_valid and _is_leaf(self.entry, self.old[0])

    @property
    def new_leaf(self) -> bool:
        return self.new_valid and _is_leaf(self.entry, self.new[0])

    @property
    def made_valid(self) -> bool:
        return not self.old_valid and self.new_valid

    @property
    def removed(self) -> bool:
        return self.old_valid and not self.new_valid

    @property
    def valid_changed(self) -> bool:
        """The old value was valid and differs from the new one (needs an invalidation)."""
        return self.old_valid and self.old != self.new


def _is_leaf(entry: str, value: int) -> bool:
    if entry == "pte":
        return bool(value & (PTE_R | PTE_X))
    return entry in ("dc", "pc")


@dataclass(frozen=True)
class Update:
    kind: str                     # 'map' 'unmap' 'remap' 'protect' 'split' 'merge' (page tables)
                                  # 'dc' 'ddte' 'pc' 'pdte' (directories)
    structure: str                # 'first' | 'g' (page tables) | 'ddt' | 'pdt'
    changes: tuple                # EntryChange, in the order they were made
    stores: tuple                 # Store, in the order they were made
    va: Optional[int] = None      # page tables: first IOVA (first stage) or GPA (G-stage) affected
    length: int = 0               # page tables: bytes of address space affected
    page_size: int = 0            # page tables: size of the page(s) involved (split/merge: the
                                  # superpage)
    did: Optional[int] = None
    pid: Optional[int] = None
    gscid: Optional[int] = None   # G-stage tag the structure is used under (None: G-stage Bare)
    pscid: Optional[int] = None   # first-stage tag (page tables: the table's; pc: the old PSCID)
    global_: bool = False         # first stage: the translations changed are global (G=1)
    freed: tuple = ()             # table pages unlinked here: give them back only after the
                                  # invalidation of this update has completed (PageTable.reclaim)
    note: str = ""                # e.g. 'up' / 'down' for protect, 'napot' for 64 KiB pages

    @property
    def linked_changes(self) -> tuple:
        return tuple(c for c in self.changes if c.linked)

    @property
    def transition(self) -> str:
        """'0->1', '1->0', 'change' or 'none', over the changes the IOMMU could see."""
        seen = [c for c in self.linked_changes if c.old != c.new]
        if not seen:
            return "none"
        if all(c.made_valid for c in seen):
            return "0->1"
        if all(c.removed for c in seen):
            return "1->0"
        return "change"

    @property
    def invalidation_required(self) -> bool:
        """The spec requires an invalidation: some valid entry was changed or removed."""
        return any(c.valid_changed for c in self.linked_changes)

    @property
    def made_valid(self) -> bool:
        """Some store of this update turned an entry valid (linked or in a table being filled)."""
        return any(c.made_valid for c in self.changes)

    @property
    def nonleaf_changed(self) -> bool:
        """A valid non-leaf entry was changed or removed (a page-table walk cache is affected)."""
        return any(c.valid_changed and not c.old_leaf for c in self.linked_changes)

    def __str__(self) -> str:
        where = ""
        if self.va is not None:
            where = f" va={self.va:#x}+{self.length:#x}"
        elif self.did is not None:
            where = f" did={self.did}" + ("" if self.pid is None else f" pid={self.pid}")
        return (f"{self.kind} ({self.structure}){where}: {len(self.stores)} stores, "
                f"{self.transition}")


class Recorder:
    """Performs the stores of one operation (through addr_to_pa and store64) and records
    them. `shadow` is the structure's own copy of its memory (address -> value)."""

    def __init__(self, store64: Store64, addr_to_pa: AddrToPa, shadow: dict) -> None:
        self.store64 = store64
        self.addr_to_pa = addr_to_pa
        self.shadow = shadow
        self.stores: list[Store] = []
        self.changes: list[EntryChange] = []

    def value(self, addr: int) -> int:
        return self.shadow.get(addr, 0)

    def store(self, addr: int, value: int) -> Store:
        pa = self.addr_to_pa(addr)
        old = self.shadow.get(addr, 0)
        self.store64(pa, value)
        if value:
            self.shadow[addr] = value
        else:
            self.shadow.pop(addr, None)
        s = Store(pa, value, old)
        self.stores.append(s)
        return s

    def entry(self, entry: str, addr: int, words: tuple, order: tuple, **info) -> EntryChange:
        """Write an entry of len(words) doublewords, storing only the doublewords that differ,
        in `order` (indices); record one EntryChange."""
        old = tuple(self.value(addr + 8 * i) for i in range(len(words)))
        for i in order:
            if old[i] != words[i]:
                self.store(addr + 8 * i, words[i])
        c = EntryChange(entry, addr, self.addr_to_pa(addr), old, tuple(words), **info)
        self.changes.append(c)
        return c


def leaf_slot(shadow: dict, root: int, idx: tuple, levels: int, entry_bytes: int) -> Optional[int]:
    """Address of the leaf slot a radix directory (DDT or PDT) reaches through the non-leaf
    entries software wrote (`shadow`), or None while one of them is invalid."""
    a = root
    for i in range(levels - 1, 0, -1):
        e = shadow.get(a + 8 * idx[i], 0)
        if not e & PTE_V:
            return None
        a = (e & PPN_FIELD) >> 10 << 12
    return a + entry_bytes * idx[0]
