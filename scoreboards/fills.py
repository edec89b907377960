"""Which entries a cache may have filled from: the structural readers. A mixin of
CoherenceOracle (scoreboards/README.md, "Fill modes").

The spec sets no rule on when a cache fills, so under fills="any" an entry is a cache
candidate as soon as some walk COULD read it: reach.py lists every (address, read key) the
model's walk can reach from the roots now. The list is kept lazily: a store to a reachable
pointer (a directory entry, a context, a non-leaf PTE, any G-stage PTE) or a ddtp/fctl write
marks it stale, and it is recomputed when next needed. An entry that stops being reachable
(its table unlinked, a root changed) is *departed*: a cache tagged like it may still hold its
value, so a walk with the same tag at another address is offered that value, until a covering
invalidation issued after the departure completes.

Under fills="demand" only the addresses evaluated walks read are cache candidates (the
structural readers still name what software must invalidate: advice covers every store to a
reachable valid entry in both modes).
"""
from __future__ import annotations

from models.page_walk import PTE_R, PTE_V, PTE_X

from .reach import reachable
from .formats import ANY_V, native_pte
from .records import CachedValue, Option, ReadKey, Witness
from .scope import covers

REACHABLE = float("inf")      # reader time of an entry reachable now (never "before" a doorbell)
POINTER_KINDS = ("ddte", "dc", "pdte", "pc")


def _is_pointer_pte(v: int, rk=None) -> bool:
    if rk is not None and rk.fmt:
        v = native_pte(rk.fmt, rk.tag, v)
    return bool(v & PTE_V) and not v & (PTE_R | PTE_X)


class StructuralReaders:
    """State: _reach, _reach_by_tag, _reach_dirty, _reach_t, _departed."""

    def _reach_now(self) -> dict:
        """{address: {ReadKey: base}} reachable now (recomputed if a store moved it)."""
        if self._reach_dirty:
            self._refresh_reach()
        return self._reach

    def _reach_changed(self) -> None:
        self._reach_dirty = True
        self._reach_t = self._t

    def _note_structural_store(self, pa: int, rks, old: int, new: int) -> None:
        """A store: does it move what is reachable? Only a store into a table page a walk
        reaches can; one to a listed entry by its kind, one to an unlisted (V=0) slot when it
        sets bit 0 (it may make a context, a directory entry or a pointer valid)."""
        if not rks:
            if pa >> 12 in self._reach_pages and new & ANY_V:
                self._reach_changed()
            return
        for rk in rks:
            kind = rk.kind
            if kind in POINTER_KINDS or kind == "pte2" or (
                    kind == "pte1" and (_is_pointer_pte(old, rk) or _is_pointer_pte(new, rk))):
                self._reach_changed()
                return

    def _refresh_reach(self) -> None:
        # V=0 slots only when the policy caches some V=0 entries (a store over a V=0 value
        # leaves nothing else a cache could hold); the pages catch V=0 slots made valid.
        pages: set = set()
        new = reachable(self.model, invalid=bool(self.policy.invalid_cached), pages=pages,
                        memo=self._reach_memo)
        self._reach_pages = pages
        self.reach_updates += 1
        t = self._reach_t
        old = self._reach
        readers, departed = self._readers, self._departed
        by_tag, multi = self._reach_by_tag, self._multi_tags
        # Only the addresses whose keys changed are looked at: a page reached as before has
        # the same dicts (reachable's memo), so `is` tells the ones to skip.
        for pa, rks in old.items():
            nrks = new.get(pa)
            if nrks is rks:
                continue
            for rk, base in rks.items():
                if nrks is not None and rk in nrks:
                    continue
                if self._contract_fills:
                    # fills="demand": what is no longer reachable was never cached unless a
                    # walk read it (its readers are the walks' own); the structural readers
                    # only serve the advice. Reachable until the change at time t: a copy read
                    # up to then may remain.
                    cur = readers.setdefault(pa, {}).get(rk)
                    if cur is None or cur[0] < t:
                        readers[pa][rk] = (t, base)
                    if pa == base:
                        departed.setdefault((rk.kind, rk.tag), {})[base] = (rk, t)
            for rk, base in rks.items():     # out of the index; put back below if still there
                if pa == base:
                    tag = (rk.kind, rk.tag)
                    bases = by_tag.get(tag)
                    if bases is not None and bases.pop(base, None) is not None:
                        if len(bases) < 2:
                            multi.discard(tag)
                            if not bases:
                                del by_tag[tag]
        for pa, nrks in new.items():
            if old.get(pa) is nrks:
                continue
            for rk, base in nrks.items():
                if pa == base:
                    tag = (rk.kind, rk.tag)
                    bases = by_tag.get(tag)
                    if bases is None:
                        by_tag[tag] = {base: rk}
                    else:
                        bases[base] = rk
                        if len(bases) > 1:
                            multi.add(tag)
        self._reach = new
        # tags with another address to offer: several reachable, or departed ones
        self._alias_tags = multi | set(departed)
        self._reach_dirty = False

    def _reach_index_rebuilt(self) -> tuple:
        """(by_tag, alias tags) computed from scratch from the reachable set: what
        _refresh_reach keeps up to date by difference (the tests compare the two)."""
        by_tag: dict = {}
        for pa, rks in self._reach.items():
            for rk, base in rks.items():
                if pa == base:
                    by_tag.setdefault((rk.kind, rk.tag), {})[base] = rk
        return by_tag, {t for t, bases in by_tag.items() if len(bases) > 1} | set(self._departed)

    def _all_readers(self, pa: int) -> dict:
        """{ReadKey: (time, base)} of every way `pa` may be held: evaluated walks' reads,
        departed entries, and (fills="any") what is reachable now."""
        readers = self._readers.get(pa)
        if not self._contract_fills:
            return readers or {}
        return self._merge_readers(readers, self._reach.get(pa))

    @staticmethod
    def _merge_readers(readers, reach) -> dict:
        """Recorded readers {rk: (time, base)} with the reachable ones {rk: base} (time
        REACHABLE, which wins)."""
        if not reach:
            return readers or {}
        out = {rk: (REACHABLE, base) for rk, base in reach.items()}
        if readers:
            for rk, v in readers.items():
                out.setdefault(rk, v)
        return out

    def _forget_departed(self, rk: ReadKey, base: int) -> None:
        d = self._departed.get((rk.kind, rk.tag))
        if d is not None and base in d and d[base][0] == rk:
            del d[base]
            if not d:
                del self._departed[(rk.kind, rk.tag)]
                b = self._reach_by_tag.get((rk.kind, rk.tag))
                if not b or len(b) < 2:
                    self._alias_tags.discard((rk.kind, rk.tag))

    def _aliases(self, kind: str, tag: tuple, pa: int):
        """(base, ReadKey, departure time or REACHABLE) of the other addresses a cache with this
        tag may have filled from."""
        if (kind, tag) not in self._alias_tags:        # (reach is fresh: see _evaluate_walks)
            return ()
        here = self._reach_by_tag.get((kind, tag))
        gone = self._departed.get((kind, tag))
        if (not here or (len(here) == 1 and pa in here)) and not gone:
            return ()
        out = []
        if here:
            out += [(b, rk, REACHABLE) for b, rk in here.items() if b != pa]
        if gone:
            out += [(b, rk, t) for b, (rk, t) in gone.items() if b != pa and not (here and b in here)]
        return out

    def _killed_since(self, rk: ReadKey, value: int, since: float) -> bool:
        """A completed invalidation issued after `since` covers this value under `rk`."""
        if since == REACHABLE:
            return False
        if rk.owner is not None:         # both the entry and its owner must go: kept (permits more)
            return False
        key = self._key(rk, value)
        return any(doorbell >= since and covers(cmd, key) for doorbell, cmd in self._done)

    def _add_aliases(self, opts: list, seen: set, item, rk: ReadKey, aliases) -> None:
        """Values held at the other addresses of the same tag (a table no longer reached, or
        another table with the same tag) and their earlier values. For a departed address only
        what it held up to its departure, and not what a covering invalidation issued after
        the departure removed (no walk can have refilled it since)."""
        kind, ndw = item.kind, item.ndw
        for base, brk, since in aliases:
            cur = tuple(int.from_bytes(self.mem.peek(base + 8 * i, 8), "little")
                        for i in range(ndw))
            snaps = list(self._snapshots(base, ndw, cur, grave=False))     # latest first
            if since != REACHABLE:
                later = [s for s in snaps if s[1].t_end > since]
                # the value at departure: the oldest one replaced after it, else the current
                at_departure = later[-1][0] if later else cur
                snaps = ([(at_departure, later[-1][1])] if later else []) + \
                    [s for s in snaps if s[1].t_end <= since]
                cur_ok = not later
            else:
                cur_ok = True
            cands = ([(cur, None)] if cur_ok else []) + snaps
            for words, old in cands:
                if words in seen or not self._may_cache(kind, words, brk.fmt, brk.tag):
                    continue
                if old is not None and old.killers and self._killer(old.killers, brk, words[0]):
                    continue
                if self._killed_since(brk, words[0], since):
                    continue
                seen.add(words)
                if old is None:
                    live, seq = (self._t if since == REACHABLE else since), 0
                else:
                    live, seq = (old.t_end if since == REACHABLE else min(old.t_end, since)), old.seq
                opts.append(Option(words, CachedValue([Witness(live, ())], self._key(brk, words[0]),
                                                      None, base, seq)))
