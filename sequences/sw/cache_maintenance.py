"""Cache personas: what a driver does about the hart's cache before the IOMMU may read what it
wrote (docs/coherence.md). On a coherent platform nothing is needed; on a non-coherent one
every store to an IOMMU structure must reach memory (Zicbom cbo.clean of its block) before the
IOMMU is asked to read it:

- after an update of a table or a context, before the invalidation that follows it (the spec's
  guidelines: invalidate "after the update is globally visible"), and before a device may use
  what was made valid (no invalidation is required for V 0->1, but the walk reads memory);
- after writing commands into the command queue, before the cqt write (the doorbell).

The software layer (sequences/iommu_sw_vseq.py) asks its cache persona at each of these
moments which dirty blocks to clean (`blocks_to_clean(moment, dirty, queue)`): `moment` is
"update", "doorbell" or "device"; `dirty` the blocks holding stores memory has not seen yet;
`queue` the range of addresses of the command queue.

- `cleans`: cleans every dirty block at every moment (a correct driver for both platforms);
- `assumes-coherence`: never cleans (correct only on a coherent platform);
- `forgets-queue-clean`: cleans the tables but never the command-queue blocks (the IOMMU
  fetches stale commands).
"""
from __future__ import annotations

MOMENTS = ("update", "doorbell", "device")


class CachePersona:
    name = "cache-persona"

    def blocks_to_clean(self, moment: str, dirty: list, queue: range) -> list:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CleansEveryBlock(CachePersona):
    """cbo.clean of every block it wrote, before the invalidation, the doorbell and the device."""
    name = "cleans"

    def blocks_to_clean(self, moment: str, dirty: list, queue: range) -> list:
        return list(dirty)


class AssumesCoherence(CachePersona):
    """No cache maintenance at all: the driver written for a coherent platform."""
    name = "assumes-coherence"

    def blocks_to_clean(self, moment: str, dirty: list, queue: range) -> list:
        return []


class ForgetsQueueClean(CachePersona):
    """Cleans what it wrote into tables and contexts, but not the command-queue entries."""
    name = "forgets-queue-clean"

    def blocks_to_clean(self, moment: str, dirty: list, queue: range) -> list:
        return [b for b in dirty if b not in queue]


CACHE_PERSONAS = {p.name: p for p in (CleansEveryBlock, AssumesCoherence, ForgetsQueueClean)}


def cache_persona(name: str) -> CachePersona:
    """A cache persona by name: 'cleans', 'assumes-coherence', 'forgets-queue-clean'."""
    try:
        return CACHE_PERSONAS[name]()
    except KeyError:
        raise ValueError(f"unknown cache persona {name!r}: expected one of "
                         f"{', '.join(sorted(CACHE_PERSONAS))}") from None
