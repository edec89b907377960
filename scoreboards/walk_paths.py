"""Walk-path enumeration: the model's walk run once per combination of permitted values.

At each item the walk reads, the hook offers the current memory value and every earlier value
still permitted for it (address history and tag cache, see history.py); the walk is replayed
depth-first over these choice points. A mixin of CoherenceOracle, plus the Path that one run
of the walk is.
"""
from __future__ import annotations

from typing import Optional

from models import Request
from models.translate import translate_request
from models.walk_reader import WalkReader
from models.device_context import DeviceContext, bits, locate_dc
from models.memory import AccessFault, PoisonedData
from models.page_walk import PTE_G, PTE_R, PTE_X

from .formats import FMT_32, FMT_BE, fmt_of, native_pte, native_words
from .napot import PTE_KINDS as NAPOT_KINDS
from .records import OldValue, Option, Read, ReadKey
from .scope import Key

PPN44 = (1 << 44) - 1
FAILED = ("memory failed to deliver the item",)   # the option "no cached copy: the read fails"
_new_key = tuple.__new__          # a ReadKey, Read or Option without NamedTuple's argument handling


class Path(WalkReader):
    """One run of the model's walk in which every item read takes one permitted value.

    `script` fixes the option index at each choice point met so far (depth-first replay).
    The oracle's own evaluations (_evaluate_walks) use it as the walk's WalkReader (read());
    other walks pass `hook` to the model as item_value."""
    # (one per walk, its attributes read at every item: slots are quicker to make and read)
    __slots__ = ("o", "req", "script", "explain", "pos", "choices", "reads", "items", "numbers",
                 "cells", "failed_read", "fs_levels", "g_levels", "gpar", "pending", "be", "sbe",
                 "sxl", "ctx", "stale", "table_at")

    def __init__(self, oracle, req: Request, script: list, explain: bool, trace=None):
        self.o, self.req, self.script, self.explain = oracle, req, script, explain
        self.pos = 0
        self.choices: list[tuple[int, int]] = []
        self.reads: list[Read] = []
        self.items: list = []        # the walk's items, one per read (for revalidation)
        # Per read: its number (History._record) or None while unknown, and the cell of its
        # _item_memo entry that keeps the number for later walks (None: not kept).
        self.numbers: list = []
        self.cells: list = []
        self.failed_read = False     # the walk ended at a read memory did not deliver
        self.fs_levels = self.g_levels = None
        self.gpar = False
        self.pending = None          # (owner Key, GPA page) of a pointer about to be translated
        # Byte order and PTE size of what follows (formats.py): fctl.BE, and DC.tc.SBE / SXL
        # of the DC this walk located.
        self.be = oracle.model.fctl & 1
        self.sbe = self.sxl = False
        # The context above as one tuple (with whether the request has no process_id), as
        # _item_memo keeps it; None: to be made from the attributes. stale: the attributes
        # are behind it (reads taken from _item_memo set only ctx; _sync brings them up).
        self.ctx = None
        self.stale = False
        self.table_at = None         # (context, number of reads) when find_table missed
        # WalkReader's state, as IommuModel.walk makes it (no A/D side effects)
        self.read64 = oracle.mem.read64
        self.item_value = None
        self.trace = trace
        self.pa_limit = oracle.model.pa_limit
        self.ad_cas = None
        self.ad_log = []

    def read(self, item) -> tuple:
        """WalkReader.read with the hook in it, for the oracle's evaluations. A read whose
        options are only memory's words by _options' first tests (_plain) is kept per epoch
        (_item_memo) with the path's context before and after it: another walk of this epoch
        reading the same item with the same words in the same context (the device context
        and upper-level PTEs of a table: every walk of it) takes it from there."""
        kind, pa, ndw, level, tag = item
        if self.pa_limit is not None and pa + 8 * ndw > self.pa_limit:
            raise AccessFault(f"{kind} at {pa:#x} is beyond the physical address space "
                              f"(below {self.pa_limit:#x})")
        try:
            if ndw == 1:
                words = (self.read64(pa),)
            else:
                words = self.o.mem.read64s(pa, ndw)
        except (AccessFault, PoisonedData) as err:
            words = tuple(self.hook(item, err))      # a cached copy, or it re-raises
        else:
            if self.explain:
                words = tuple(self.hook(item, words))
            else:
                o = self.o
                if o._item_memo_epoch != o._epoch:
                    o._item_memo_epoch = o._epoch
                    o._item_memo = {}
                    o._item_memo_cks = {}
                ctx = self.ctx
                if ctx is None:
                    ctx = self.ctx = (self.fs_levels, self.g_levels, self.gpar, self.pending,
                                      self.be, self.sbe, self.sxl, self.req.pid is None)
                if level == 0 and kind == "pte1":
                    words = self._leaf(item, words, ctx)      # (not kept: see _leaf)
                    if self.trace is not None:
                        self.trace.append((item, words))
                    return words
                hit = o._item_memo.get(item)
                if hit is not None and (hit[1] is ctx or hit[1] == ctx) and hit[0] == words:
                    self.reads.append(hit[2])
                    self.items.append(item)
                    cell = hit[4]
                    self.numbers.append(cell[0])
                    self.cells.append(cell)
                    self.ctx = hit[3]
                    self.stale = True
                else:
                    words = self._take(item, words, ctx)
        if self.trace is not None:
            self.trace.append((item, words))
        return words

    def _kept(self, key):
        """The _item_memo entry of `key` (a located DC, a walk's upper levels) if this path
        can take it: same context, memory still holding the words of its reads; its reads
        are then the path's (as Path.read takes a kept read). Else None."""
        o = self.o
        if o._item_memo_epoch != o._epoch:
            o._item_memo_epoch = o._epoch
            o._item_memo = {}
            o._item_memo_cks = {}
        ctx = self.ctx
        if ctx is None:
            ctx = self.ctx = (self.fs_levels, self.g_levels, self.gpar, self.pending, self.be,
                              self.sbe, self.sxl, self.req.pid is None)
        hit = o._item_memo.get(key)
        if hit is None or not (hit[0] is ctx or hit[0] == ctx) or self.explain:
            return None
        steps = hit[1]
        mem = o.mem
        try:
            for item, words, _, _ in steps:
                if (words != (mem.read64(item[1]),) if item[2] == 1
                        else words != mem.read64s(item[1], item[2])):
                    return None
        except (AccessFault, PoisonedData):
            return None                 # read anew: the reads meet the failure
        trace = self.trace
        for item, words, read, cell in steps:
            self.reads.append(read)
            self.items.append(item)
            self.numbers.append(cell[0])
            self.cells.append(cell)
            if trace is not None:
                trace.append((item, words))
        self.ctx = hit[2]
        self.stale = True
        return hit

    def _keep(self, key, ctx, start: int, value) -> None:
        """Keep the reads from index `start` on (all plain) with `value` under `key`."""
        o = self.o
        cells = self.cells
        if (not self.explain and o._item_memo_epoch == o._epoch and len(self.reads) > start
                and self.ctx is not None and all(c is not None for c in cells[start:])):
            o._item_memo[key] = (ctx, tuple(
                (self.items[i], self.reads[i][3][0], self.reads[i], cells[i])
                for i in range(start, len(self.reads))), self.ctx, value)

    def find_table(self, key):
        """WalkReader.find_table: the level-0 table a walk's upper levels lead to, kept."""
        hit = self._kept(key)
        if hit is not None:
            return hit[3]
        self.table_at = (self.ctx, len(self.reads))
        return None

    def keep_table(self, key, n: int, a: int) -> None:
        at = self.table_at
        if at is not None and len(self.reads) - at[1] == n:
            self._keep(key, at[0], at[1], a)
        self.table_at = None

    def find_dc(self, did: int, mode: int, ppn: int, caps, fctl_be: int, gxl: int):
        """device_context.locate_dc over this path (WalkReader.find_dc). When every read it
        made was a plain one (kept in _item_memo), what it located is kept there too, with
        those reads: a later walk of this epoch from the same context takes them (memory
        still holding their words) without locating again."""
        key = ("locate_dc", did, mode, ppn, caps, fctl_be, gxl)
        hit = self._kept(key)
        if hit is not None:
            return hit[3]
        ctx, start = self.ctx, len(self.reads)
        dc = locate_dc(self, did, mode, ppn, caps, fctl_be, gxl)
        self._keep(key, ctx, start, dc)
        return dc

    def _sync(self) -> None:
        """The context attributes from ctx (after reads taken from _item_memo)."""
        (self.fs_levels, self.g_levels, self.gpar, self.pending, self.be, self.sbe, self.sxl,
         _) = self.ctx
        self.stale = False

    def _leaf(self, item, words: tuple, ctx: tuple) -> tuple:
        """A first-stage leaf (level 0) memory delivered: when _plain, taken as _take takes it,
        from the context tuple (read again in this epoch only by a walk of the same page,
        which the evaluation memo spares: not kept); else _take."""
        kind, pa, ndw, level, tag = item
        fs_levels, g_levels, gpar, _, be, sbe, sxl, pid_none = ctx
        if fs_levels is None:
            fs_levels = level + 1
        # (_read_key of a "pte1" read)
        two = fs_levels == 2
        fmt = (FMT_BE if sbe else 0) | (FMT_32 if two else 0)
        rk = _new_key(ReadKey, (kind, tag, 32 if two else 12 + 9 * fs_levels, gpar, None, fmt))
        if not self.o._plain(item, words, rk):
            return self._take(item, words, ctx)
        self.reads.append(_new_key(Read, (pa, rk, ndw, _new_key(Option, (words, None)))))
        self.items.append(item)
        self.numbers.append(None)
        self.cells.append(None)
        # (_after of a "pte1" read)
        v = native_pte(fmt, tag, words[0]) if fmt else words[0]
        if v & 1 and not v & (PTE_R | PTE_X) and v & PTE_G:
            gpar = True
        self.ctx = (fs_levels, g_levels, gpar, None, be, sbe, sxl, pid_none)
        self.stale = True
        return words

    def _take(self, item, words: tuple, ctx: tuple) -> tuple:
        """hook() for a read memory delivered, keeping it in _item_memo when _plain."""
        kind, pa, ndw, level, tag = item
        if self.stale:
            self._sync()
        rk, fmt = self._read_key(kind, level, tag)
        o = self.o
        if level == 0 and kind == "pte1":
            # not kept (_leaf): decided as hook() decides
            return self._chosen(item, rk, fmt, o._options(item, words, rk, False, False), None)
        if o._plain(item, words, rk):
            opt = _new_key(Option, (words, None))
            read = _new_key(Read, (pa, rk, ndw, opt))
            cell = [None]               # its number, once _record gives it one
            self.reads.append(read)
            self.items.append(item)
            self.numbers.append(None)
            self.cells.append(cell)
            self._after(kind, tag, words, fmt)
            memo = o._item_memo
            if len(memo) > 65536:
                memo.clear()
                o._item_memo_cks.clear()
            after = self.ctx = (self.fs_levels, self.g_levels, self.gpar, self.pending, self.be,
                                self.sbe, self.sxl, ctx[7])
            memo[item] = (words, ctx, read, after, cell)
            # what would make it not plain in this epoch: another value cached under its tag
            # (History._insert drops the memo then)
            o._item_memo_cks[(kind, rk.tag)] = words
            return words
        return self._chosen(item, rk, fmt, o._options(item, words, rk, False, False), None)

    def hook(self, item, words):
        """The value the walk uses for `item`: memory's `words` or a permitted cached one. When
        memory fails to deliver the item (`words` is the AccessFault or PoisonedData), a cache
        may still hold it: the first option is then the failure itself (FAILED), raised if
        chosen."""
        kind, pa, ndw, level, tag = item
        failed = None
        if isinstance(words, Exception):
            failed = words
            words = tuple(int.from_bytes(self.o.mem.peek(pa + 8 * i, 8), "little")
                          for i in range(ndw))
        # (words: a tuple, as WalkReader.read passes it)
        if self.stale:
            self._sync()
        rk, fmt = self._read_key(kind, level, tag)
        opts = self.o._options(item, words, rk, self.explain, failed is not None)
        return self._chosen(item, rk, fmt, opts, failed)

    def _read_key(self, kind: str, level: int, tag: tuple) -> tuple:
        """The ReadKey of this read and its format, from what the walk read before."""
        self.ctx = None
        width, gpar, owner = 0, False, None
        if kind == "pte1":
            if self.fs_levels is None:
                self.fs_levels = level + 1
            # Sv32 (the only 2-level scheme) spans 32 bits, Sv39/48/57 12 + 9 * levels
            width, gpar = 32 if self.fs_levels == 2 else 12 + 9 * self.fs_levels, self.gpar
            self.pending = None
            # (formats.fmt_of, inlined: this runs at every read)
            fmt = (FMT_BE if self.sbe else 0) | (FMT_32 if self.fs_levels == 2 else 0)
        elif kind == "pte2":
            if self.g_levels is None:
                self.g_levels = level + 1
            sv32 = self.g_levels == 2               # Sv32x4: 34 bits, 10 bits a level
            width = 34 if sv32 else 14 + 9 * self.g_levels
            fmt = (FMT_BE if self.be else 0) | (FMT_32 if sv32 else 0)
            if self.pending is not None:
                okey, gpage = self.pending
                _, level, vpn = tag
                step = 10 if sv32 else 9
                if ((gpage << 12) & ((1 << width) - 1)) >> (12 + step * level) == vpn:
                    owner = okey
        elif not (self.be or self.sbe or self.sxl):
            fmt = 0
        else:
            fmt = fmt_of(kind, self.be, self.sbe, False, self.sxl)
        return _new_key(ReadKey, (kind, tag, width, gpar, owner, fmt)), fmt

    def _chosen(self, item, rk: ReadKey, fmt: int, opts: list, failed) -> tuple:
        """The option this path takes of `opts` (the script's at a choice point), recorded."""
        if len(opts) == 1:
            opt = opts[0]
        else:
            idx = self.script[self.pos] if self.pos < len(self.script) else 0
            self.pos += 1
            self.choices.append((len(opts), idx))
            opt = opts[idx]
        w = opt[0]
        if w is FAILED:
            self.failed_read = True
            raise failed
        kind, pa, ndw, _, tag = item
        self.reads.append(_new_key(Read, (pa, rk, ndw, opt)))
        self.items.append(item)
        self.numbers.append(None)
        self.cells.append(None)
        self._after(kind, tag, w, fmt)
        return opt[0]

    def _after(self, kind: str, tag: tuple, w: tuple, fmt: int) -> None:
        """The context the value read (`w`, raw) gives the reads that follow."""
        self.ctx = None
        if fmt:                       # the values the walker sees (formats.py)
            v = native_pte(fmt, tag, w[0]) if kind in NAPOT_KINDS else w[0]
            if fmt & FMT_BE and kind not in NAPOT_KINDS:
                w = native_words(fmt, w)
                v = w[0]
        else:
            v = w[0]
        if kind == "pte1":
            if v & 1 and not v & (PTE_R | PTE_X) and v & PTE_G:
                self.gpar = True
        elif kind == "dc":
            self.pending = None
            if v & 1:
                # (DeviceContext.from_words keeps one decoded instance per value)
                dc = DeviceContext.from_words(w if len(w) >= 7 else tuple(w) + (0,) * (7 - len(w)))
                self.sbe, self.sxl = bool(dc.sbe), bool(dc.sxl)
                walks_pdt = dc.pdtv and dc.fsc_mode and (self.req.pid is not None or dc.dpe)
                if walks_pdt or (not dc.pdtv and dc.fsc_mode):
                    self.pending = (_new_key(Key, ("dc", tag, 0, True, False)), dc.fsc_ppn)
        elif kind == "pdte":
            self.pending = ((_new_key(Key, ("pdte", tag, 0, True, False)), bits(v, 53, 10))
                            if v & 1 else None)
        elif kind == "pc":
            fsc = w[1]
            self.pending = ((_new_key(Key, ("pc", tag, 0, True, False)), fsc & PPN44)
                            if v & 1 and fsc >> 60 else None)
        elif kind in ("ddte", "msipte"):
            self.pending = None

    def next_script(self) -> Optional[list]:
        ch = self.choices
        for k in range(len(ch) - 1, -1, -1):
            n, idx = ch[k]
            if idx + 1 < n:
                return [c[1] for c in ch[:k]] + [idx + 1]
        return None

    def stale_reads(self) -> list:
        if not self.choices and not self.explain:
            return []       # one option at every read: memory's (Path.read, _chosen)
        return [r for r in self.reads if r.opt.src is not None]


class WalkPaths:
    """The options offered at each read, and the depth-first runs over them."""

    def _evaluate_walks(self, req: Request) -> tuple:
        """({Outcome: [stale reads of each path]}, {faulting Outcome: {(iotval2, dtf)}}, the
        path's reads (_single_reads) if it was the only one and met no choice point, else
        None)."""
        self._t += 1
        if self._reach_dirty and self._contract_fills:
            self._refresh_reach()             # the aliases offered at each read
        results: dict = {}
        variants: dict = {}
        script: list = []
        n = 0
        trace = [] if self.keep_walk else None
        m = self.model
        while script is not None:
            path = Path(self, req, script, False, trace)
            # (IommuModel.walk with the path as the WalkReader: Path.read)
            walked = translate_request(req, m.ddtp, m.fctl, m.caps, path, m.iommu_qosid)
            if trace is not None:       # the first path: current values only (option 0)
                self.last_walk = (req, self._epoch, trace, walked)
                trace = None
            out = walked.outcome
            results.setdefault(out, []).append(path.stale_reads())
            if not out.ok or out.mrif is not None:     # an MRIF update may fault: 264/271
                variants.setdefault(out, set()).add((out.iotval2, walked.dtf))
            # (a path with no choice point read current values only: _record_single)
            if path.choices or not self._record_single(path.reads, path.numbers, path.cells):
                self._record(path, req)
            n += 1
            if n >= self.max_paths:
                self.truncated += 1
                break
            script = path.next_script() if path.choices else None
        if len(results) > 1:
            self._note_reliance(req, results)
        single = n == 1 and not path.choices and not path.failed_read
        return results, variants, (self._single_reads(path) if single else None)

    def each_permitted_walk(self, req: Request, run, trace: bool = False) -> list:
        """run(path) once per combination of values the policy permits for the items it
        reads, `path` being that walk's WalkReader (the first run: memory's values). Returns
        what the runs returned, each with its trace [(item, words)] when `trace`. For answers
        that follow from a walk other than the request's Outcome (an ATS completion, a page
        request's device context: scoreboards/permitted_answers.py). Records nothing."""
        self._t += 1
        if self._reach_dirty and self._contract_fills:
            self._refresh_reach()
        out: list = []
        script: Optional[list] = []
        while script is not None and len(out) < self.max_paths:
            steps = [] if trace else None
            path = Path(self, req, script, False, steps)
            answer = run(path)
            out.append((answer, steps) if trace else answer)
            script = path.next_script() if path.choices else None
        return out

    def _still_single(self, single: tuple) -> bool:
        """Would a fresh evaluation now walk the same single path again, with one option at
        every read? `single`: that path's (items, reads, numbers) (_single_reads). True when
        each item still holds the words read (memory delivers them) and is still offered
        nothing else (no old value, no other cached copy, no alias or NAPOT group: _options'
        own answer).
        The walk reads nothing but its items, the registers and the capabilities (checked by
        the caller), so it would take the same items in the same order to the same outcome."""
        if self._reach_dirty and self._contract_fills:
            self._refresh_reach()
        if self._single_epoch != self._epoch:
            self._single_epoch = self._epoch
            self._single_ok = set()
        ok = self._single_ok            # read numbers found single at this epoch (shared entries)
        if ok.issuperset(single[2]):
            return True                 # every read checked already at this epoch
        read64 = self.mem.read64
        options = self._options
        try:
            for item, read, n in zip(*single):
                if n in ok:
                    continue
                pa, rk, ndw, opt = read
                words = opt.words
                if ndw == 1:
                    if read64(pa) != words[0]:
                        return False
                elif self.mem.read64s(pa, ndw) != words:
                    return False
                if not self._plain(item, words, rk) and len(options(item, words, rk,
                                                                    False)) != 1:
                    return False
                ok.add(n)
        except (AccessFault, PoisonedData):
            return False
        return True

    @staticmethod
    def _single_reads(path: Path) -> tuple:
        """What _still_single and _record need of a path: its items, its reads and their
        numbers (a list: _record numbers them again after _renumber_reads)."""
        return path.items, path.reads, path.numbers     # (the path is done with them)

    def _explain(self, req: Request, observed) -> str:
        """Which earlier values would give `observed` (None: any fault), and why each is not
        permitted: a second search that ignores the policy and the invalidations."""
        script: list = []
        best = None
        n = 0
        while script is not None and n < self.max_paths:
            path = Path(self, req, script, explain=True)
            out = self.model.walk(req, item_value=path.hook).outcome
            n += 1
            if out == observed or observed is None and not out.ok:
                stale = path.stale_reads()
                if best is None or len(stale) < len(best):
                    best = stale
            script = path.next_script()
        if best is None:
            return "none: no earlier value of any item the walk reads gives this result"
        if not best:
            return "none: the current memory gives this result"
        return self._describe_stale(best, permitted=False)

    @staticmethod
    def _cache_keys(rk: ReadKey):
        yield (rk.kind, rk.tag)
        if rk.owner is not None:
            yield ("via", rk.owner.kind, rk.owner.tag, rk.kind, rk.tag)

    def _options(self, item, words: tuple, rk: ReadKey, explain: bool,
                 failed: bool = False) -> list:
        """The values the read of `item` may take: first memory's `words` (FAILED when memory
        cannot deliver them: `words` are then what it holds, offered only as old values or
        cached copies), then the permitted earlier and cached values."""
        opts = [_new_key(Option, (FAILED if failed else words, None))]
        kind, pa, ndw, level, _ = item
        hist = self._hist
        aliases = ()
        if not explain:
            if kind not in self.policy.cached:
                return opts
            if not failed and self._plain(item, words, rk):
                return opts
            if self._alias_tags:
                aliases = self._aliases(kind, rk.tag, pa)
        seen = {FAILED} if failed else {words}
        if explain or pa in hist or (ndw > 1 and any(pa + 8 * i in hist for i in range(1, ndw))):
            self._add_snapshots(opts, seen, item, words, rk, explain)
        for ck in self._cache_keys(rk):
            entries = self._cache.get(ck)
            if entries:
                for w, e in entries.items():
                    if w not in seen:
                        seen.add(w)
                        opts.append(Option(w, e))
            if explain and ck in self._grave:
                for g in self._grave[ck]:
                    if g.words not in seen:
                        seen.add(g.words)
                        opts.append(Option(g.words, g))
        if aliases:
            self._add_aliases(opts, seen, item, rk, aliases)
        if not level and kind in NAPOT_KINDS:
            self._napot_options(opts, seen, item, rk, explain)
        return opts

    def _plain(self, item, words: tuple, rk: ReadKey) -> bool:
        """_options' first tests: is memory's `words` the only value the read may take (not
        explaining, memory delivered them)? Only a store, a register write or a completion
        (each moves the epoch) or another value cached under the item's tag can change the
        answer."""
        kind, pa, ndw, level, _ = item
        if kind not in self.policy.cached:
            return True
        if rk.owner is not None or (self._alias_tags and self._aliases(kind, rk.tag, pa)):
            return False
        hist = self._hist
        if hist and (pa in hist or (ndw > 1 and any(pa + 8 * i in hist for i in range(1, ndw)))):
            return False
        # (_napot_group_live is False for any item but a level-0 PTE)
        if not level and kind in NAPOT_KINDS and self._napot_group_live(item, rk.fmt):
            return False
        # No old value of this item's doublewords, no owner, no other address with this tag,
        # no NAPOT group now or before: the only other values are what a cache of this tag
        # may hold besides the current one.
        entries = self._cache.get((kind, rk.tag))
        return not entries or (len(entries) == 1 and words in entries)

    def _add_snapshots(self, opts, seen, item, words, rk: ReadKey, explain: bool) -> None:
        kind = item.kind
        for snap, old in self._snapshots(item.pa, item.ndw, words, grave=explain):
            if snap in seen:
                continue
            if not explain:
                if not self._may_cache(kind, snap, rk.fmt, rk.tag):
                    continue
                if isinstance(old, OldValue) and old.killers and self._killer(old.killers, rk,
                                                                              snap[0]):
                    continue
            seen.add(snap)
            opts.append(Option(snap, old))

    def _snapshots(self, pa: int, ndw: int, cur: tuple, grave: bool):
        """(words, defining OldValue or Pruned) for every earlier state of the item's
        doublewords."""
        if ndw == 1:
            olds = self._hist.get(pa)
            for o in reversed(olds or ()):
                yield (o.value,), o
            if grave and pa in self._grave:
                for g in reversed(self._grave[pa]):
                    yield (g.value.value,), g
            return
        per = []
        for i in range(ndw):
            lst = [(o.t_end, o.value, o) for o in self._hist.get(pa + 8 * i) or ()]
            if grave and pa + 8 * i in self._grave:
                lst += [(g.value.t_end, g.value.value, g) for g in self._grave[pa + 8 * i]]
            per.append(sorted(lst, key=lambda e: e[0]))
        if not any(per):
            return
        events = sorted((e for lst in per for e in lst), key=lambda e: e[0], reverse=True)
        for t_ev, _, src in events:
            out = []
            for i, lst in enumerate(per):
                val = cur[i]
                for t_end, value, _ in lst:             # ascending t_end
                    if t_end >= t_ev:
                        val = value
                        break
                out.append(val)
            yield tuple(out), src

