"""Svnapot: a NAPOT PTE read for one page may fill the cache entries of every page of its group.
A mixin of CoherenceOracle (scoreboards/README.md, "NAPOT groups").

Privileged spec, Svnapot chapter: "Implicit reads of NAPOT page table entries may create
address-translation cache entries mapping a + j*PTESIZE to a copy of pte in which
pte.ppn[i][pte.napot_bits-1:0] is replaced by vpn[i][pte.napot_bits-1:0], for any or all j such
that j >> napot_bits = vpn[i] >> napot_bits" (the note: "even if the PTEs for the other 4 KiB
regions have different contents"; an implementation "might not consult the PTE directly
specified by the algorithm ... at all"). The IOMMU spec makes Svnapot mandatory, in the first
stage and the G-stage alike; the only NAPOT size is 64 KiB (16 PTEs at level 0).

So the value a valid NAPOT leaf at PTE address a + k*8 holds (or held) may be what a cache
entry of page j of the same group holds, tagged as page j's entry. The model's walk, given that
raw value at a + j*8, computes exactly that entry's translation (it replaces PPN[3:0] by the
VPN's). The oracle therefore
- offers, at every level-0 PTE read, the valid NAPOT values the other PTEs of its group hold
  now (fills="any", unless their read would fail) or held (address history, killed by
  invalidations covering page j), besides what the tag cache of page j holds;
- records a NAPOT value a walk read under the tags of all 16 pages (the tag cache);
- keeps an old NAPOT value, and asks software (advice) to invalidate it, until invalidations
  covering every page of its group have completed.
"""
from __future__ import annotations

import struct

from models.memory import AccessFault, PoisonedData
from models.page_walk import PTE_N, PTE_R, PTE_V, PTE_X

from .formats import FMT_32, FMT_BE, native_pte
from .records import CachedValue, Option, ReadKey, Witness

PTE_KINDS = ("pte1", "pte2")
GROUP = 16                      # PTEs of a 64 KiB NAPOT range (napot_bits = 4)
_GROUP_WORDS = struct.Struct("<16Q")


def napot_leaf(v: int) -> bool:
    """A valid 64 KiB NAPOT leaf encoding: V=1, R or X, N=1, ppn[3:0] = 1000."""
    return (v & (PTE_N | PTE_V) == PTE_N | PTE_V and bool(v & (PTE_R | PTE_X))
            and (v >> 10) & 0xF == 0b1000)


def group_keys(rk: ReadKey):
    """The read keys of the other pages of a level-0 PTE's NAPOT group (index m = 0..15 within
    it), as (m, ReadKey); nothing for another level or kind. Tags end in (level, vpn)."""
    if rk.kind not in PTE_KINDS or rk.tag[-2] != 0:
        return
    vpn = rk.tag[-1]
    head, base = rk.tag[:-1], vpn & ~(GROUP - 1)
    for m in range(GROUP):
        if base | m != vpn:
            yield m, rk._replace(tag=head + (base | m,))


class NapotGroups:
    """No state of its own: works on _hist, _cache, _readers and the memory."""

    def _napot_readers(self, readers: dict, pa: int, value: int) -> dict:
        """{ReadKey: (time, base)}: `readers` of `pa`, with, when `value` is a NAPOT leaf, the
        other pages of the group of each level-0 PTE reader (the value read at pa)."""
        if not self.model.caps.svnapot:
            return readers
        if not napot_leaf(value) and not any(rk.fmt == FMT_BE for rk in readers):
            return readers
        out = dict(readers)
        for rk, (t, base) in readers.items():
            # (a big-endian reader sees the value byte-swapped; Sv32 PTEs have no N bit)
            if rk.fmt & FMT_32 or not napot_leaf(native_pte(rk.fmt, rk.tag, value)):
                continue
            if base == pa:
                for _, grk in group_keys(rk):
                    if grk not in out or out[grk][0] < t:
                        out[grk] = (t, base)
        return out

    def _napot_record(self, rk: ReadKey, w: tuple, wit_args: tuple, pa: int, seq: int,
                      now: int, in_memory: bool) -> None:
        """A walk read NAPOT value `w` under `rk`: a cache may now hold it as the entry of every
        other page of the group too (witness as for the read itself)."""
        live, deps = wit_args
        for _, grk in group_keys(rk):
            ck = (grk.kind, grk.tag)
            had = w in self._cache.get(ck, ())
            self._insert(ck, w, Witness(live, tuple(d.copy() for d in deps)),
                         self._key(grk, w[0]), None, pa, seq, now, in_memory)
            if not had and w in self._cache.get(ck, ()):
                # another page's permitted outcomes changed: results memoized so far are stale
                self._epoch += 1

    def _napot_options(self, opts: list, seen: set, item, rk: ReadKey, explain: bool) -> None:
        """Values the other PTEs of the item's NAPOT group hold or held that a cache may hold as
        this page's entry (only valid NAPOT leaves). Their current values only under
        fills="any" (under "demand" only what a walk read, in the tag cache) and only if memory
        delivers them; old values unless a completed invalidation covering THIS page, issued
        after the store that replaced them, removed them."""
        if (item.level or item.kind not in PTE_KINDS or not self.model.caps.svnapot
                or rk.fmt & FMT_32):
            return
        group = item.pa & ~(8 * GROUP - 1)
        raw = self.mem.peek(group, 8 * GROUP)
        hist = self._hist
        be = rk.fmt & FMT_BE            # N (bit 63) is then in byte 0 of the doubleword
        if max(raw[0::8] if be else raw[7::8]) < 0x80 and not (
                hist and any(group + 8 * m in hist for m in range(GROUP))):
            return                      # no N bit in the group, now or before: the usual case
        cur = _GROUP_WORDS.unpack(raw)
        nat = (lambda x: native_pte(FMT_BE, (), x)) if be else (lambda x: x)
        for m in range(GROUP):
            spa = group + 8 * m
            if spa == item.pa:
                continue
            v = cur[m]
            if (explain or self._contract_fills) and (v,) not in seen and napot_leaf(nat(v)) and (
                    explain or self._may_cache(item.kind, (v,), rk.fmt, rk.tag)) \
                    and self._delivers(spa):
                seen.add((v,))
                opts.append(Option((v,), CachedValue([Witness(self._t, ())],
                                                     self._key(rk, v), None, spa, 0)))
            for old in reversed(hist.get(spa, ())):
                w = (old.value,)
                if w in seen or not napot_leaf(nat(old.value)):
                    continue
                if not explain and (not self._may_cache(item.kind, w, rk.fmt, rk.tag) or (
                        old.killers and self._killer(old.killers, rk, old.value))):
                    continue
                seen.add(w)
                opts.append(Option(w, CachedValue([Witness(old.t_end, ())],
                                                  self._key(rk, old.value), None, spa, old.seq)))

    def _napot_group_live(self, item, fmt: int = 0) -> bool:
        """Some PTE of the item's group holds N=1 now or held an earlier value (a level-0 PTE
        read): only then may _napot_options add anything. Cheap: one peek, and a look-up per
        group member when memory has history. fmt: formats.py (big-endian: true, and
        _napot_options looks; Sv32: no NAPOT)."""
        if item.level or item.kind not in PTE_KINDS or not self.model.caps.svnapot:
            return False
        if fmt:
            return not fmt & FMT_32
        group = item.pa & ~(8 * GROUP - 1)
        if self._napot_live_epoch != self._epoch:       # memory and histories moved
            self._napot_live_epoch = self._epoch
            self._napot_live = {}
        live = self._napot_live.get(group)
        if live is None:
            hist = self._hist
            live = self._napot_live[group] = max(self.mem.peek(group, 8 * GROUP)[7::8]) >= 0x80 or (
                bool(hist) and any(group + 8 * m in hist for m in range(GROUP)))
        return live

    def _delivers(self, pa: int) -> bool:
        """Memory returns the doubleword at pa (no injected bus error or poison there)."""
        try:
            self.mem.read64(pa)
        except (AccessFault, PoisonedData):
            return False
        return True
