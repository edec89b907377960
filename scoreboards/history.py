"""History and pruning: the earlier values a cache may still hold, and when an invalidation
removes them. A mixin of CoherenceOracle (scoreboards/README.md, "Identity" and "Pruning").

Two sources of earlier values:
- address history (`_hist`): values an address held before stores replaced them, recorded
  for addresses with readers (kind and tag of each read, `_readers`);
- tag cache (`_cache`): values read under a tag wherever they were read, each with the ways
  (witnesses) it may have been filled.
"""
from __future__ import annotations

from collections import deque
from typing import Optional

from models.command_queue import Command
from models.device_context import dc_cause, dir_entry_malformed
from models.page_walk import PTE_G, PTE_R, PTE_X, pte_malformed
from models.process_context import pc_cause
from models.sv32_walk import pte32_malformed

from .formats import FMT_32, FMT_SXL, native_first, native_pte, native_words

from .napot import napot_leaf
from .records import CachedValue, OldValue, Pruned, ReadKey, StaleDep, Witness
from .scope import VMA, Key, coverer, covered_tags, covers

_new_key = tuple.__new__          # a Key without NamedTuple's argument handling (hot path)
KILLERS_CAP = 32        # completed scopes remembered per old value
GRAVE_CAP = 1024        # addresses whose pruned values are kept for messages
WITNESS_CAP = 4         # ways a cached value may have been filled, kept per value
DONE_LOG = 256          # completed invalidations remembered (doorbell order)
READ_NUMBERS_CAP = 1 << 18   # current reads numbered (_read_numbers) before starting again
_PTE_FLAG_BITS = 0x3FF | 0x3FF << 54     # what pte_malformed and V read of a PTE: [9:0], [63:54]


def is_leaf(kind: str, value: int) -> bool:
    """Command scopes treat a V=0 PTE as a leaf (AV=1 covers it); contexts are leaves."""
    if kind in ("pte1", "pte2"):
        return not value & 1 or bool(value & (PTE_R | PTE_X))
    return True


class History:
    """State: _hist, _readers, _cache, _grave, _done; see CoherenceOracle.__init__."""

    # -- keys and scopes ----------------------------------------------------------------
    def _key(self, rk: ReadKey, value: Optional[int]) -> Key:
        kind, tag, width, gpar = rk[0], rk[1], rk[2], rk[3]
        if value is None:            # the widest scope a reader could need
            return _new_key(Key, (kind, tag, width, False, True))
        if rk[5]:                    # big-endian or a 4-byte PTE: the value the walker sees
            value = native_first(kind, rk[5], tag, value)
        glob = kind == "pte1" and (gpar or bool(value & 1 and value & PTE_G))
        return _new_key(Key, (kind, tag, width, is_leaf(kind, value), glob))

    def _killer(self, cmds, rk: ReadKey, value: Optional[int]):
        """The completed command of `cmds` ({scope: (fence, completion order)}) that removes
        this reader's copy, as (scope, fence), or None. For a G-stage translation of a DC/PC
        pointer both the G-stage entry and the context holding the SPA must go, the context's
        invalidation no earlier (in queue order) than the first G-stage one: before that, the
        context could be refilled from the still-cached G-stage entry."""
        key = self._key(rk, value)
        owner = rk.owner
        first = None
        for c, (f, order, _) in cmds.items():
            if covers(c, key):
                if owner is None:
                    return c, f
                if first is None or order < first:
                    first = order
        if first is None:
            return None
        for c, (f, _, last) in cmds.items():
            if last >= first and covers(c, owner):
                return c, f
        return None

    @staticmethod
    def _add_killer(killers: dict, cmd: Command, fence: int, order: int) -> None:
        """Remember a completed scope: (first fence, first order, latest order)."""
        k = killers.get(cmd)
        killers[cmd] = (fence, order, order) if k is None else (k[0], k[1], order)

    # -- what a cache may hold ----------------------------------------------------------
    def _erroneous(self, kind: str, words: tuple, fmt: int = 0, tag: tuple = ()) -> bool:
        """A V=1 value the walk rejects on its own (the model's checks), read as the walker
        reads it (`fmt`, formats.py)."""
        if fmt:
            if kind in ("pte1", "pte2"):
                v = native_pte(fmt, tag, words[0])
                if fmt & FMT_32:
                    return bool(v & 1) and pte32_malformed(v)
                words = (v,)
            else:
                words = native_words(fmt, words)
        v = words[0]
        if not v & 1:
            return False
        m = self.model
        caps = m.caps
        if kind in ("ddte", "pdte"):
            return dir_entry_malformed(v)
        if kind == "dc":
            return dc_cause(tuple(words), caps, m.fctl & 1, caps.msi_flat,
                            m.fctl >> 2 & 1) is not None
        if kind == "pc":
            return pc_cause(words[0], words[1], caps, int(bool(fmt & FMT_SXL))) is not None
        if kind in ("pte1", "pte2"):
            return pte_malformed(v, caps.svnapot, caps.svpbmt, caps.svrsw60t59b)
        return False

    def _may_cache(self, kind: str, words: tuple, fmt: int = 0, tag: tuple = ()) -> bool:
        p = self.policy
        if kind not in p.cached:
            return False
        valid = bool((native_first(kind, fmt, tag, words[0]) if fmt else words[0]) & 1)
        erroneous = (False if p.erroneous_cached or not valid
                     else self._erroneous(kind, words, fmt, tag))
        return p.may_cache(kind, valid, erroneous)

    def _ndw(self, kind: str) -> int:
        if kind == "dc":
            return 8 if self.model.caps.msi_flat else 4
        return 2 if kind in ("pc", "msipte") else 1

    # -- stores and reads -----------------------------------------------------------------
    def _remember_old(self, pa: int, old: int, seq: int) -> None:
        """Store #seq replaced `old` at an address with readers: keep the old value."""
        olds = self._hist.setdefault(pa, [])
        # An earlier entry with the same value is subsumed by this later one (anything that
        # removes the later removes the earlier).
        n = len(olds)
        olds[:] = [o for o in olds if o.value != old]
        olds.append(OldValue(old, seq, self._t))
        self._n_hist += len(olds) - n
        for e in self._cache_entries_at(pa):
            e.seq = seq
        self._account()

    def _record(self, path, req) -> None:
        """What this walk read: readers of each address, values a cache may now hold."""
        now = self._t
        done = self._rec_done
        numbers = self._read_numbers
        if self._rec_epoch != self._rec_gen or len(done) > 100_000:
            self._rec_epoch = self._rec_gen
            done.clear()
            if len(numbers) > READ_NUMBERS_CAP:
                self._renumber_reads()
                path.numbers.clear()        # numbered again below
        readers = self._readers
        m = self.model
        if self._rec_plans_for is not m.caps or self._rec_plans_fctl != m.fctl:
            self._rec_plans = {}            # _may_cache depends on them (_erroneous)
            self._rec_may = {}
            self._rec_plans_for, self._rec_plans_fctl = m.caps, m.fctl
        plans = self._rec_plans
        deps: list = []             # stale values read earlier in this walk
        may_cache = self._may_cache
        recorded = False
        # Numbers of the reads before the first stale one: a revalidated path's, or one per
        # read (None where unknown: given here, and kept in the read's _item_memo cell).
        known = path.numbers
        cells = path.cells
        i = 0
        for r in path.reads:
            pa, rk, ndw, opt = r
            w, src = opt
            if src is None and not deps:
                # A current value read with no stale value before it, already recorded since
                # the last doorbell, completion or register write: recorded times are only
                # ever compared with doorbell times (pruning, witnesses, messages) and with
                # those events, so recording it again would change nothing. A store does not
                # matter: one that changes this read changes its words (another number).
                n = known[i] if i < len(known) else None
                if n is None:
                    n = numbers.setdefault((pa, rk, w), len(numbers))
                    if i < len(known):
                        known[i] = n
                        if cells and cells[i] is not None:
                            cells[i][0] = n
                    else:
                        known.append(n)
                i += 1
                if n in done:
                    continue
                done.add(n)
                recorded = True
                # What recording it does, decided once per read (_record_plan): the same
                # read gives the same readers and the same cache keys every time.
                plan = plans.get(n)
                if plan is None:
                    plan = self._record_plan(n, pa, rk, ndw, w)
                when = (now, pa)
                for dw in plan[0]:
                    at = readers.get(dw)
                    if at is None:
                        at = readers[dw] = {}
                    at[rk] = when
                for ck, key, owner, via in plan[1]:
                    self._insert_current(ck, w, key, owner, via, pa, now)
                if plan[2]:
                    self._napot_record(rk, w, (now, deps), pa, 0, now, True)
                continue
            recorded = True
            when = (now, pa)
            if ndw == 1:
                at = readers.get(pa)
                if at is None:
                    at = readers[pa] = {}
                at[rk] = when
            else:
                for dw in range(pa, pa + 8 * ndw, 8):
                    at = readers.get(dw)
                    if at is None:
                        at = readers[dw] = {}
                    at[rk] = when
            if src is None:
                live, seq = now, 0
            elif isinstance(src, OldValue):
                live, seq = src.t_end, src.seq
            elif isinstance(src, CachedValue):
                live, seq = src.live_until, src.seq
            else:
                continue
            if may_cache(rk.kind, w, rk.fmt, rk.tag):
                key = self._key(rk, w[0])
                for ck in (((rk.kind, rk.tag),) if rk.owner is None else self._cache_keys(rk)):
                    via = ck[0] == "via"
                    alt = (StaleDep(key, None, live),) if via else ()
                    # (no comprehension for the common empty deps: it costs a call)
                    wit = Witness(live, tuple([d.copy() for d in deps]) if deps else (), alt)
                    self._insert(ck, w, wit, key,
                                 rk.owner if via else None, pa, seq, now,
                                 not isinstance(src, CachedValue))
                if (not rk.fmt & FMT_32 and self.model.caps.svnapot
                        and napot_leaf(native_pte(rk.fmt, rk.tag, w[0]) if rk.fmt else w[0])):
                    self._napot_record(rk, w, (live, deps), pa, seq, now,
                                       not isinstance(src, CachedValue))
            if src is not None:
                deps.append(StaleDep(self._key(rk, w[0]), rk.owner, live))
        if recorded:                # (nothing inserted: the counts are as last accounted)
            n = self._n_hist + self._n_cached       # (_account, inlined)
            if n > self.max_history:
                self.max_history = n

    def _record_single(self, reads, numbers, cells=None) -> bool:
        """_record of a path whose every read is current (a revalidated single path, or a
        walk with no choice point), when nothing is to be started again (done, numbers,
        plans as they are): the same steps, for the reads not recorded since the last
        doorbell etc. `numbers`: one per read, None where not numbered yet (numbered here,
        and kept in the read's cell when it has one). False: not done (_record)."""
        done = self._rec_done
        m = self.model
        if (self._rec_epoch != self._rec_gen or len(done) > 100_000
                or self._rec_plans_for is not m.caps or self._rec_plans_fctl != m.fctl):
            return False
        now = self._t
        plans = self._rec_plans
        readers = self._readers
        recorded = False
        i = -1
        for r in reads:
            i += 1
            n = numbers[i]
            if n is None:
                read_numbers = self._read_numbers
                n = numbers[i] = read_numbers.setdefault((r[0], r[1], r[3][0]), len(read_numbers))
                if cells is not None and cells[i] is not None:
                    cells[i][0] = n
            if n in done:
                continue
            done.add(n)
            recorded = True
            pa, rk, ndw, opt = r
            w = opt[0]
            plan = plans.get(n)
            if plan is None:
                plan = self._record_plan(n, pa, rk, ndw, w)
            when = (now, pa)
            for dw in plan[0]:
                at = readers.get(dw)
                if at is None:
                    at = readers[dw] = {}
                at[rk] = when
            for ck, key, owner, via in plan[1]:
                self._insert_current(ck, w, key, owner, via, pa, now)
            if plan[2]:
                self._napot_record(rk, w, (now, ()), pa, 0, now, True)
        if recorded:
            n = self._n_hist + self._n_cached
            if n > self.max_history:
                self.max_history = n
        return True

    def _record_plan(self, n: int, pa: int, rk: ReadKey, ndw: int, w: tuple) -> tuple:
        """How _record records current read #n with no stale value before it: (the
        doublewords it reads, [(cache key, Key, owner, via)] to insert into, NAPOT leaf),
        as the general case of _record decides it. Kept in _rec_plans while the
        capabilities and fctl (what _may_cache reads besides the read) are unchanged."""
        dws = (pa,) if ndw == 1 else tuple(range(pa, pa + 8 * ndw, 8))
        ins = []
        napot = False
        kind = rk.kind
        if kind in ("pte1", "pte2") and not rk.fmt:
            # An 8-byte little-endian PTE: _may_cache reads only its flag and reserved bits
            # (V, pte_malformed), so its answer is kept by those (_rec_may).
            f = (kind, w[0] & _PTE_FLAG_BITS)
            may = self._rec_may.get(f)
            if may is None:
                may = self._rec_may[f] = self._may_cache(kind, w, 0, rk.tag)
        else:
            may = self._may_cache(kind, w, rk.fmt, rk.tag)
        if may:
            key = self._key(rk, w[0])
            for ck in (((rk.kind, rk.tag),) if rk.owner is None else self._cache_keys(rk)):
                via = ck[0] == "via"
                ins.append((ck, key, rk.owner if via else None, via))
            napot = bool(not rk.fmt & FMT_32 and self.model.caps.svnapot
                         and napot_leaf(native_pte(rk.fmt, rk.tag, w[0]) if rk.fmt else w[0]))
        plan = self._rec_plans[n] = (dws, tuple(ins), napot)
        return plan

    def _insert_current(self, ck, w, key: Key, owner, via: bool, pa: int, now: int) -> None:
        """_insert of a current value read now with no stale value before it (witness
        (now, no deps), in memory, seq 0): the same steps, with what is known left out."""
        entries = self._cache.get(ck)
        e = entries.get(w) if entries else None
        alt = (StaleDep(key, None, now),) if via else ()
        if via:
            self._dep_cks.add(ck)           # (see _complete)
        if e is None:
            if entries is None:
                entries = self._cache[ck] = {}
            if self._item_memo_cks.get(ck, w) != w:
                self._item_memo_epoch = -1      # a kept plain read is plain no more
            entries[w] = CachedValue([Witness(now, (), alt)], key, owner, pa, 0)
            self._n_cached += 1
            return
        wits = e.wits
        if len(wits) == 1:
            o = wits[0]
            if o.live >= now and not o.deps:
                return
            if o.live <= now:
                # the one way read earlier gives way to this one: it becomes it (a witness
                # belongs to its value alone)
                o.live, o.deps, o.alt = now, (), alt
                e.pa, e.seq = pa, 0
                return
        for o in wits:              # an existing way at least as alive makes this one moot
            if o.live >= now and not o.deps:
                return
        later = [o for o in wits if o.live > now]
        newest = not later
        later.append(Witness(now, (), alt))
        e.wits = later
        if newest:
            e.pa, e.seq = pa, 0

    def _renumber_reads(self) -> None:
        """Forget the reads' numbers (a bound on memory): the memo's single paths hold them,
        so the memo goes too (its evaluations are walked again and give the same outcomes)."""
        self._read_numbers.clear()
        self._rec_done.clear()
        self._single_ok = set()
        self._rec_plans = {}
        self._item_memo_epoch = -1      # its cells hold numbers
        self._memo.clear()

    def _insert(self, ck, w, wit: Witness, key: Key, owner, pa: int, seq: int, now: int,
                in_memory: bool) -> None:
        entries = self._cache.get(ck)
        e = entries.get(w) if entries else None
        if e is not None:
            for o in e.wits:         # an existing way at least as alive makes this one moot
                if o.live >= wit.live and all(any(a.key == b.key and a.time == b.time
                                                  for b in wit.deps) for a in o.deps):
                    return
        if (wit.live < now or wit.deps) and self._replay_kills(
                wit, owner if owner is not None else key):
            return
        if wit.deps or wit.alt:
            self._dep_cks.add(ck)           # (see _complete)
        if e is None:
            if entries is None:
                entries = self._cache[ck] = {}
            if self._item_memo_cks.get(ck, w) != w:
                self._item_memo_epoch = -1      # a kept plain read is plain no more
            entries[w] = CachedValue([wit], key, owner, pa, seq)
            self._n_cached += 1
            return
        if not wit.deps:
            later = [o for o in e.wits if o.live > wit.live]
            newest = not later              # i.e. wit.live >= e.live_until once it is added
            later.append(wit)
            e.wits = later
        else:
            e.wits.append(wit)
            if len(e.wits) > WITNESS_CAP:
                e.wits.remove(min(e.wits, key=lambda o: o.live))
            newest = wit.live >= e.live_until
        if in_memory and newest:
            e.pa, e.seq = pa, seq

    def _cache_entries_at(self, pa: int):
        """Cached values last read at `pa` (to name the store that replaced them)."""
        readers = self._readers.get(pa)
        if not readers:
            return
        for rk, (_, base) in readers.items():
            cur = tuple(self.mem.read64(base + 8 * i) for i in range(self._ndw(rk.kind)))
            for ck in self._cache_keys(rk):
                entries = self._cache.get(ck)
                if entries:
                    for w, e in entries.items():
                        if e.pa == base and w != cur and not e.seq:
                            yield e

    # -- completion and pruning -------------------------------------------------------------
    def _replay_kills(self, wit: Witness, cover_key: Key) -> bool:
        """Replay the completed commands (queue order): was this fill already invalidated?
        Only commands issued at or after the oldest time involved matter."""
        sig = (cover_key, wit.live, tuple((d.key, d.owner, d.time) for d in wit.deps + wit.alt))
        hit = self._replay_memo.get(sig)
        if hit is None:
            start = min([wit.live] + [d.time for d in wit.deps + wit.alt])
            killed = False
            for doorbell, cmd in self._done:
                if doorbell >= start and wit.killed_by(cmd, doorbell, covers(cmd, cover_key)):
                    killed = True
                    break
            hit = self._replay_memo[sig] = (killed, [(d.dead_key, d.dead_owner)
                                                     for d in wit.deps + wit.alt])
        else:
            for d, (k, o) in zip(wit.deps + wit.alt, hit[1]):
                d.dead_key, d.dead_owner = k, o
        return hit[0]

    def _bury(self, where, entry: Pruned) -> None:
        """Keep a pruned value a while (by address or tag key), only to explain a mismatch."""
        g = self._grave.pop(where, None) or deque(maxlen=2)
        g.append(entry)
        self._grave[where] = g
        if len(self._grave) > GRAVE_CAP:
            del self._grave[next(iter(self._grave))]

    def _complete(self, cmd: Command, doorbell: int, fence: int) -> None:
        """A covering scope completed (its IOFENCE.C did): prune what it removed."""
        self._done.append((doorbell, cmd))
        self._replay_memo.clear()
        self._order += 1
        order = self._order
        if len(self._done) > DONE_LOG:      # forgetting one only permits more
            self._done.popleft()
        # Per-tag cached values read before the doorbell and covered: gone. (Removed after
        # the scan, in the order found: the scan changes nothing else it reads.)
        cov = coverer(cmd)
        gone = []
        # Only a covered value or one with a way through stale values (deps, alt: their
        # tags, _dep_cks) can change; when the covered tags can be listed, the others are
        # passed over unasked.
        cand = covered_tags(cmd)
        if cand is not None:
            cand |= self._dep_cks
        for ck, entries in self._cache.items():
            if cand is not None and ck not in cand and entries:
                continue
            if not entries:
                gone.append((ck, None))
            for w, e in entries.items():
                owner = e.owner
                covered = cov(e.key if owner is None else owner)
                if not covered:
                    for o in e.wits:
                        if o.deps or o.alt:
                            break
                    else:
                        continue    # killed_by() would neither change nor remove a way
                e.wits = [o for o in e.wits if not o.killed_by(cmd, doorbell, covered)]
                if not e.wits:
                    self._bury(ck, Pruned(e, cmd, fence, w))
                    gone.append((ck, w))
        cache = self._cache
        for ck, w in gone:
            entries = cache[ck]
            if w is not None:
                del entries[w]
            if not entries:
                del cache[ck]
                self._dep_cks.discard(ck)
        # Per-address old values replaced before the doorbell: gone once every reader of the
        # address is covered (by this command or an earlier completed one).
        self._reach_now()
        for pa in list(self._hist):
            olds = self._hist[pa]
            readers = self._all_readers(pa)
            keep = []
            for o in olds:
                if o.t_end > doorbell:
                    keep.append(o)
                    continue
                cmds = dict(o.killers)
                self._add_killer(cmds, cmd, fence, order)
                # a NAPOT value may be held as the entry of any page of its group (napot.py)
                if all(self._killer(cmds, rk, o.value)
                       for rk in self._napot_readers(readers, pa, o.value)):
                    self._bury(pa, Pruned(o, cmd, fence))
                    continue
                self._add_killer(o.killers, cmd, fence, order)
                if len(o.killers) > KILLERS_CAP:        # forgetting one only permits more
                    del o.killers[next(iter(o.killers))]
                keep.append(o)
            if keep:
                self._hist[pa] = keep
            else:
                del self._hist[pa]
        # Readers whose every possible copy read before the doorbell is removed. (A reader is
        # judged by its widest key, _key(rk, None): non-leaf and global, which an
        # IOTINVAL.VMA with AV=1 or PSCV=1 never covers: nothing to look at then.)
        this = {cmd: (fence, order, order)}
        for pa in (() if cmd.name == VMA and (cmd.av or cmd.pscv) else list(self._readers)):
            rs = self._readers[pa]
            for rk in [rk for rk, (t, _) in rs.items() if t <= doorbell
                       and self._killer(this, rk, None)]:
                self._forget_departed(rk, rs.pop(rk)[1])
            if not rs:
                del self._readers[pa]
        self._complete_updates(cmd, doorbell, fence, order)

    def _account(self, recount: bool = False) -> None:
        if recount:
            self._n_hist = sum(len(v) for v in self._hist.values())
            self._n_cached = sum(len(v) for v in self._cache.values())
        n = self._n_hist + self._n_cached
        if n > self.max_history:
            self.max_history = n
