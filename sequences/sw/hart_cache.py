"""The hart's write-back data cache, as software on a non-coherent platform sees it.

In the `non-coherent` coherence mode the IOMMU's implicit reads (directory and page-table
walks, command fetches) go to memory and do not snoop the harts' caches. A software store
lands in the hart's cache and stays there, dirty, until software writes its cache block back
with a Zicbom cache-block operation:

- `cbo.clean` (`clean(pa)`): the block's dirty data is written to memory; the block stays in
  the cache, clean;
- `cbo.flush` (`flush(pa)`): written back the same way, then the block leaves the cache.

Both act on the whole naturally aligned block holding `pa` (BLOCK = 64 bytes here, the usual
Zicbom block size; the platform reports it). What reaches memory is handed, doubleword by
doubleword, to `write_back(pa, value)` (the testbench: the DUT's memory and the oracle's
`store64`). Only the doublewords software stored are written back: the other bytes of the
block hold what memory holds (software never reads IOMMU-written data through this model), so
writing them again would change nothing.

A block's write-back is one bus write: the IOMMU sees the whole block change at once. The
doublewords are handed over in the order software stored them (each at its last store), with
no simulated time in between, so the oracle is told a sequence of states the IOMMU can never
tell apart from the atomic one, and the same sequence a coherent platform gives: a device
context written DW1..DW3 first and tc (V=1) last becomes valid with its fields in place, not
valid with stale fields (which address order, tc first, would tell). `dirty_blocks()` lists
the blocks in the order of their last store, so a driver cleaning them in that order cleans a
new table page before the block holding the entry that links it.

In the `coherent` mode there is no such cache: `HartCache(write_back, coherent=True)` passes
every store straight to `write_back` and clean/flush do nothing.

Plain Python (no cocotb): unit tests drive it with a dict as memory.
"""
from __future__ import annotations

from typing import Callable

BLOCK = 64                        # bytes per cache block (cbo.* granule)
MODES = ("coherent", "non-coherent")


def check_mode(value: str, where: str = "IOMMU_COHERENCE") -> str:
    """The coherence mode `value` names; ValueError with one line otherwise."""
    mode = (value or "").strip().lower()
    if mode not in MODES:
        raise ValueError(f"{where} must be one of {', '.join(MODES)}, got {value!r}")
    return mode


def block_of(pa: int) -> int:
    """The address of the cache block holding `pa`."""
    return pa & ~(BLOCK - 1)


class HartCache:
    def __init__(self, write_back: Callable[[int, int], object], coherent: bool = False) -> None:
        self.write_back = write_back
        self.coherent = coherent
        self._dirty: dict[int, dict[int, int]] = {}     # block -> {doubleword pa: value},
                                                        # in the order of their last store
        self._last: dict[int, int] = {}                 # block -> number of its last store
        self._n = 0
        self.cleans = 0                                 # cbo.clean/flush that wrote data back

    # -- the hart's side ------------------------------------------------------------------
    def store64(self, pa: int, value: int) -> None:
        """A 64-bit store: into the cache (non-coherent) or straight to memory (coherent)."""
        if pa % 8:
            raise ValueError(f"store64 at {pa:#x}: address must be 8-byte aligned")
        value &= (1 << 64) - 1
        if self.coherent:
            self.write_back(pa, value)
            return
        block = block_of(pa)
        words = self._dirty.setdefault(block, {})
        words.pop(pa, None)                             # its place is its last store's
        words[pa] = value
        self._n += 1
        self._last[block] = self._n

    def load64(self, pa: int, memory: Callable[[int], int]) -> int:
        """What the hart reads: its own dirty data, else memory (`memory(pa)`)."""
        words = self._dirty.get(block_of(pa))
        if words is not None and pa in words:
            return words[pa]
        return memory(pa)

    def clean(self, pa: int) -> list:
        """cbo.clean of the block holding pa: its dirty doublewords go to memory (in the order
        they were stored, see the module's docstring). Returns them as (pa, value) pairs
        (empty: the block was clean)."""
        words = self._dirty.pop(block_of(pa), None)
        self._last.pop(block_of(pa), None)
        if not words:
            return []
        out = list(words.items())
        for a, v in out:
            self.write_back(a, v)
        self.cleans += 1
        return out

    def flush(self, pa: int) -> list:
        """cbo.flush: as clean, and the block leaves the cache (this model holds only dirty
        blocks, so the two differ only in name)."""
        return self.clean(pa)

    # -- what software (and a test) can ask ------------------------------------------------
    def dirty_blocks(self) -> list:
        """Addresses of the blocks holding data memory does not have yet, in the order of
        their last store."""
        return sorted((b for b, w in self._dirty.items() if w), key=self._last.__getitem__)

    def is_dirty(self, pa: int) -> bool:
        return bool(self._dirty.get(block_of(pa)))

    def pending(self, pa: int):
        """The value software stored at doubleword pa that memory does not hold yet, or None."""
        return self._dirty.get(block_of(pa), {}).get(pa)
