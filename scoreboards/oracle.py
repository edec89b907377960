"""The coherence oracle: the set of outcomes the spec still permits for a request, given the
software stores and invalidations so far, under a caching policy. See scoreboards/README.md
for the design (identity of items, histories, pruning) and its known approximations.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Optional

from models import IommuModel, Memory, Outcome, Reg, Request
from models.causes import GUEST_PAGE_FAULTS
from models.command_queue import Command
from models.device_context import DeviceContext, bits, dc_misconfigured
from models.process_context import ProcessContext, pc_misconfigured

from .policies import DEFAULT_POLICY, Policy, get_policy
from .scope import (FENCE, INVALIDATIONS, Key, covers, describe_cmd, describe_item, hexu,
                    needed_command, scope_of)

PPN44 = (1 << 44) - 1
PTE_R, PTE_W, PTE_X, PTE_G = 2, 4, 8, 32
PTE_NONLEAF_RSVD = (1 << 7) | (1 << 6) | (1 << 4) | (1 << 63)      # D, A, U, N
PTE_RSVD = (((1 << 61) - 1) ^ ((1 << 54) - 1)) | (3 << 61)          # [60:54] and PBMT

KILLERS_CAP = 32        # completed scopes remembered per old value
GRAVE_CAP = 1024        # addresses whose pruned values are kept for messages
FINDINGS_CAP = 1000     # advice findings kept (the rest are counted)
WITNESS_CAP = 4         # ways a cached value may have been filled, kept per value
UPDATES_CAP = 10000     # open updates tracked for advice (oldest dropped, counted)
DONE_LOG = 256          # completed invalidations remembered (doorbell order)


# ----------------------------------------------------------------------------- records
@dataclass
class _Old:
    """A value a doubleword held until store #seq replaced it (at event time t_end)."""
    value: int
    seq: int
    t_end: int
    # Completed commands issued after t_end that did not prune this value (some reader of the
    # address is outside their scope): scope -> (IOFENCE.C number, first, last completion
    # order).
    killers: dict = field(default_factory=dict)


class _Dep:
    """A stale value an earlier read of the same walk used (a fill depended on it)."""
    __slots__ = ("key", "owner", "time", "dead_key", "dead_owner")

    def __init__(self, key: Key, owner: Optional[Key], time: int) -> None:
        self.key, self.owner, self.time = key, owner, time
        self.dead_key = self.dead_owner = False

    def copy(self) -> "_Dep":
        return _Dep(self.key, self.owner, self.time)

    def see(self, cmd: Command, doorbell: int) -> None:
        """A completed command: does it remove this stale value (issued after it)?"""
        if self.time <= doorbell:
            if covers(cmd, self.key):
                self.dead_key = True
            if self.owner is not None and covers(cmd, self.owner):
                self.dead_owner = True

    @property
    def dead(self) -> bool:
        return self.dead_key and (self.owner is None or self.dead_owner)


class _Wit:
    """One way a cache may hold a value: read no later than `live`, through `deps`; `alt`:
    other caches the value can be refilled from meanwhile (for a context holding a G-stage
    translation: the G-stage entry itself)."""
    __slots__ = ("live", "deps", "alt")

    def __init__(self, live: int, deps: tuple, alt: tuple = ()) -> None:
        self.live, self.deps, self.alt = live, deps, alt

    def killed_by(self, cmd: Command, doorbell: int, covered: bool) -> bool:
        """Commands complete in queue order; a fill through a stale value can happen after
        a command only if every stale value it used survived every command up to it."""
        for d in self.deps:
            d.see(cmd, doorbell)
        for d in self.alt:
            d.see(cmd, doorbell)
        return covered and ((self.live <= doorbell and all(d.dead for d in self.alt))
                            or any(d.dead for d in self.deps))


@dataclass
class _Cached:
    """A value some evaluated walk read for a tag: what a cache tagged so may hold."""
    wits: list               # [_Wit]: alive while one is
    key: Key                 # the item (with leaf/global of this value)
    owner: Optional[Key]     # for G-stage translations of a DC/PC pointer: that context
    pa: int                  # where it was read
    seq: int                 # the store that replaced it there (0: none yet)

    @property
    def live_until(self) -> int:
        return max(w.live for w in self.wits)


@dataclass(slots=True)
class _Opt:
    words: tuple
    # None: current memory; _Old; _Cached; or, only when explaining a mismatch, a pruned
    # value: (_Old or _Cached, scope, fence, ...)
    src: Optional[object] = None


@dataclass(slots=True)
class _Read:
    pa: int
    rk: tuple           # (kind, tag, width, gpar, owner)
    ndw: int
    opt: _Opt


@dataclass
class _Update:
    seq: int
    pa: int
    item: str
    needed: str
    t: int
    readers: set
    old: int
    killers: dict = field(default_factory=dict)      # scope -> (fence, first, last order)
    relied: Optional[str] = None      # the first request that relied on the new value
    relied_state: str = ""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    permitted: frozenset = frozenset()

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Finding:
    """A software-sequence finding: an update left without the invalidation it needs."""
    store: int          # store sequence number (0 for a ddtp write)
    item: str
    needed: str
    status: str         # "missing" | "not-completed" | "relied-before-completion"
    detail: str

    def __str__(self) -> str:
        what = f"store #{self.store}" if self.store else "ddtp write"
        return f"ADVICE {self.status}: {what} to {self.item} needs {self.needed}: {self.detail}"


def _req_str(req: Request) -> str:
    pid = "-" if req.pid is None else str(req.pid)
    return f"did={req.did} pid={pid} iova={hexu(req.iova)}"


def _out_str(out: Outcome) -> str:
    return str(out)


def _set_str(outs) -> str:
    return "{" + ",".join(sorted(_out_str(o) for o in outs)) + "}"


def _is_leaf(kind: str, value: int) -> bool:
    if kind in ("pte1", "pte2"):
        return not value & 1 or bool(value & (PTE_R | PTE_X))
    return True


# ----------------------------------------------------------------------------- the walk
class _Path:
    """One run of the model's walk in which every item read takes one permitted value.

    `script` fixes the option index at each choice point met so far (depth-first replay)."""

    def __init__(self, oracle: "CoherenceOracle", req: Request, script: list, explain: bool):
        self.o, self.req, self.script, self.explain = oracle, req, script, explain
        self.pos = 0
        self.choices: list[tuple[int, int]] = []
        self.reads: list[_Read] = []
        self.fs_levels = self.g_levels = None
        self.gpar = False
        self.pending = None          # (owner Key, GPA page) of a pointer about to be translated

    def hook(self, item, words):
        kind = item.kind
        width, gpar, owner = 0, False, None
        if kind == "pte1":
            if self.fs_levels is None:
                self.fs_levels = item.level + 1
            width, gpar = 12 + 9 * self.fs_levels, self.gpar
            self.pending = None
        elif kind == "pte2":
            if self.g_levels is None:
                self.g_levels = item.level + 1
            width = 14 + 9 * self.g_levels
            if self.pending is not None:
                okey, gpage = self.pending
                _, level, vpn = item.tag
                if ((gpage << 12) & ((1 << width) - 1)) >> (12 + 9 * level) == vpn:
                    owner = okey
        rk = (kind, item.tag, width, gpar, owner)
        words = tuple(words)
        opts = self.o._options(item, words, rk, self.explain)
        if len(opts) == 1:
            opt = opts[0]
        else:
            idx = self.script[self.pos] if self.pos < len(self.script) else 0
            self.pos += 1
            self.choices.append((len(opts), idx))
            opt = opts[idx]
        self.reads.append(_Read(item.pa, rk, item.ndw, opt))
        w = opt.words
        v = w[0]
        # Context for the reads that follow.
        if kind == "pte1":
            if v & 1 and not v & (PTE_R | PTE_X) and v & PTE_G:
                self.gpar = True
        elif kind == "dc":
            self.pending = None
            if v & 1:
                dc = DeviceContext.from_words(tuple(w) + (0,) * (7 - len(w)))
                walks_pdt = dc.pdtv and dc.fsc_mode and (self.req.pid is not None or dc.dpe)
                if walks_pdt or (not dc.pdtv and dc.fsc_mode):
                    self.pending = (Key("dc", item.tag), dc.fsc_ppn)
        elif kind == "pdte":
            self.pending = (Key("pdte", item.tag), bits(v, 53, 10)) if v & 1 else None
        elif kind == "pc":
            fsc = w[1]
            self.pending = (Key("pc", item.tag), fsc & PPN44) if v & 1 and fsc >> 60 else None
        elif kind in ("ddte", "msipte"):
            self.pending = None
        return w

    def next_script(self) -> Optional[list]:
        ch = self.choices
        for k in range(len(ch) - 1, -1, -1):
            n, idx = ch[k]
            if idx + 1 < n:
                return [c[1] for c in ch[:k]] + [idx + 1]
        return None

    def stale_reads(self) -> list:
        return [r for r in self.reads if r.opt.src is not None]


# ----------------------------------------------------------------------------- the oracle
class CoherenceOracle:
    """Permitted outcomes of translation requests under a caching policy.

    o.mem, o.model: the Memory and the golden IommuModel the oracle owns. Software stores go
    through o.store64, register writes through o.write_reg; the IOMMU's reports of command
    completion through o.commands_done(cqh)."""

    def __init__(self, policy=DEFAULT_POLICY, capabilities: Optional[int] = None,
                 max_paths: int = 4096, svnapot: bool = True) -> None:
        self.policy: Policy = get_policy(policy)
        self.mem = Memory()
        self.model = IommuModel(self.mem, capabilities=capabilities, svnapot=svnapot)
        self.model.on_command = self._on_command
        self.max_paths = max_paths
        self._t = 0                      # event clock
        self._stores = 0                 # store sequence numbers (#1, #2, ...)
        self._fences = 0                 # IOFENCE.C sequence numbers, in doorbell order
        self._hist: dict[int, list[_Old]] = {}            # doubleword address -> old values
        self._grave: dict[int, deque] = {}                # recently pruned (for messages)
        self._readers: dict[int, dict] = {}               # address -> {rk: (last read, base)}
        self._rec_done: set = set()                       # fresh reads recorded this epoch
        self._rec_epoch = -1
        self._cache: dict[tuple, dict] = {}               # tag key -> {words: _Cached}
        self._done: deque = deque()      # (doorbell time, scope) of completed invalidations
        self._replay_memo: dict = {}
        self._order = 0                  # completed invalidations, in queue order
        self._pending: list = []         # [index, Command, doorbell time, fence no or 0]
        self._updates: list[_Update] = []
        self._findings: list[Finding] = []
        self.max_history = 0
        self._n_hist = self._n_cached = 0
        self.findings_dropped = 0
        self.truncated = 0               # outcomes() calls that hit max_paths
        # Memo of evaluations by request without its page offset: valid while nothing that
        # can change an outcome has happened (a store changing a value, a register write, a
        # doorbell, a completion), i.e. while the epoch is unchanged. Repeated requests to a
        # page (IOTLB-hit traffic) then cost a dict lookup.
        self._epoch = 0
        self._memo: dict = {}
        self.memo_hits = 0

    # -- software side ------------------------------------------------------------------
    def set_capabilities(self, capabilities: int, svnapot: bool = True) -> None:
        """Judge an IOMMU with these capabilities from now on (the testbench reads them from the
        DUT after reset, before any request). Raises ValueError for a value the model refuses."""
        self.model.set_capabilities(capabilities, svnapot=svnapot)
        self._epoch += 1
        self._memo.clear()
        self._replay_memo.clear()

    def store64(self, pa: int, value: int) -> int:
        """A software store of a doubleword; returns its store sequence number."""
        if pa % 8:
            raise ValueError(f"store64 at {pa:#x}: address must be 8-byte aligned")
        self._t += 1
        self._stores += 1
        seq = self._stores
        old = self.mem.read64(pa)
        self.mem.write64(pa, value)
        value &= (1 << 64) - 1
        if old != value:
            self._epoch += 1
        readers = self._readers.get(pa)
        if old != value and readers:
            # Only an address some evaluated walk has read can be held in a cache.
            olds = self._hist.setdefault(pa, [])
            # An earlier entry with the same value is subsumed by this later one (anything
            # that removes the later removes the earlier).
            n = len(olds)
            olds[:] = [o for o in olds if o.value != old]
            olds.append(_Old(old, seq, self._t))
            self._n_hist += len(olds) - n
            self._note_update(seq, pa, old, readers)
            for e in self._cache_entries_at(pa):
                e.seq = seq
            self._account()
        return seq

    def write_reg(self, offset: int, value: int, size: int = 8) -> None:
        """A software register write, forwarded to the model (doorbells decode commands)."""
        self._t += 1
        self._epoch += 1
        base = int(offset) & ~7 if size == 4 and int(offset) & 4 else int(offset)
        if base == Reg.DDTP and self.model.read_reg(Reg.DDTP) != self._ddtp_after(offset, value,
                                                                                   size):
            self._note_ddtp_change()
        was_on = self.model.cqen
        if int(offset) == Reg.CQCSR and value & 1 and not was_on:
            self._pending.clear()        # cqen 0->1 restarts the queue at index 0
        self.model.write_reg(offset, value, size=size)

    def _ddtp_after(self, offset, value, size):
        if size == 8:
            return value
        cur = self.model.read_reg(Reg.DDTP)
        shift = 8 * (int(offset) - Reg.DDTP)
        return (cur & ~(0xFFFF_FFFF << shift)) | value << shift

    def _on_command(self, cmd: Command) -> None:
        """The model decoded a queued command at the doorbell: it is now pending."""
        self._t += 1
        self._epoch += 1
        fence = 0
        if cmd.name == FENCE:
            self._fences += 1
            fence = self._fences
        self._pending.append([self.model.cqh, cmd, self._t, fence])

    def commands_done(self, cqh: int) -> None:
        """The IOMMU reports cqh: every command before index cqh was fetched. Commands up to
        the last IOFENCE.C before cqh are complete (a fence completes all earlier ones)."""
        last = -1
        for i, (index, cmd, _, _) in enumerate(self._pending):
            if index == cqh:
                break
            if cmd.name == FENCE:
                last = i
        if last < 0:
            return
        self._epoch += 1
        done, self._pending = self._pending[:last + 1], self._pending[last + 1:]
        fence = done[-1][3]
        for _, cmd, doorbell, _ in done:
            if cmd.name in INVALIDATIONS:
                self._t += 1
                self._complete(scope_of(cmd), doorbell, fence)
        self._account(recount=True)

    @property
    def epoch(self) -> int:
        """Moves whenever anything a walk may read or permit changed (stores, register writes,
        completions): results computed at the same epoch are still valid."""
        return self._epoch

    # -- outcomes -------------------------------------------------------------------------
    def outcomes(self, req: Request) -> frozenset:
        """The set of Outcome the spec permits for `req` now, under the policy."""
        return frozenset(self._evaluate(req))

    def check(self, req: Request, observed: Outcome, earlier: frozenset = frozenset()) -> Verdict:
        """Is `observed` permitted for `req`? `earlier`: outcomes() taken when the request was
        issued (optional): a walk that ran before a later invalidation completed may have used
        what was permitted then."""
        if not earlier:
            # Fastest case: a memo of this page holds one permitted outcome reached with no
            # stale value, and the DUT returned it (a repeated request in a quiet period).
            memo = self._memo.get((req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12))
            if memo is not None and memo[0] == self._epoch and memo[2] is not None:
                only = memo[2]
                pa = None if only.pa is None else only.pa & ~0xFFF | req.iova & 0xFFF
                if observed.pa == pa and observed.cause == only.cause:
                    self.memo_hits += 1
                    return Verdict(True, "OK", frozenset((observed,)))
        results = self._evaluate(req)
        if not earlier and len(results) == 1 and observed in results:
            paths = results[observed]
            if not min(paths, key=len):
                # The common case, kept cheap: one permitted outcome, no stale value used.
                return Verdict(True, "OK", frozenset(results))
        if observed not in results and observed in earlier:
            results[observed] = [[]]
        permitted = frozenset(results) | frozenset(earlier)
        head = (f"translate {_req_str(req)} got={_out_str(observed)} "
                f"permitted={_set_str(permitted)} policy={self.policy.name}")
        if observed in results:
            paths = results[observed]
            best = min(paths, key=len)
            why = self._describe_stale(best, permitted=True) if best else ""
            return Verdict(True, "OK " + head + (f" stale={why}" if why else ""), permitted)
        why = self._explain(req, observed)
        alts = []
        for out, paths in results.items():
            best = min(paths, key=len)
            if best:
                alts.append(f"{_out_str(out)} via {self._describe_stale(best, permitted=True)}")
        msg = "MISMATCH " + head + f" stale={why}"
        if alts:
            msg += " | permitted stale: " + " | ".join(alts)
        return Verdict(False, msg, permitted)

    def advice(self) -> list:
        """Software-sequence findings so far: updates whose needed invalidation is missing,
        not completed, or was completed only after a request relied on the new value."""
        out = list(self._findings)
        for u in self._updates:
            state = self._cover_state(u)
            status = "missing" if state == "none" else "not-completed"
            detail = ("no covering invalidation issued" if state == "none"
                      else f"{state} issued but no later IOFENCE.C has completed")
            if u.relied:
                detail += f"; request {u.relied} relied on the new value ({u.relied_state})"
            out.append(Finding(u.seq, u.item, u.needed, status, detail))
        return out

    def history_size(self) -> int:
        """Old values held: per-address histories plus per-tag cached values."""
        return sum(len(v) for v in self._hist.values()) + sum(len(v) for v in self._cache.values())

    def stats(self) -> dict:
        return {"history": sum(len(v) for v in self._hist.values()),
                "cached": sum(len(v) for v in self._cache.values()),
                "reader_addresses": len(self._readers),
                "readers": sum(len(v) for v in self._readers.values()),
                "pending_commands": len(self._pending), "updates": len(self._updates),
                "findings": len(self._findings), "max_history": self.max_history}

    # -- internals: evaluation --------------------------------------------------------------
    def _evaluate(self, req: Request) -> dict:
        """{Outcome: [stale reads of each path giving it]} over every permitted path."""
        key = (req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12)
        memo = self._memo.get(key)
        if memo is not None and memo[0] == self._epoch:
            self.memo_hits += 1
            off = req.iova & 0xFFF
            return {(o if o.pa is None else Outcome(o.pa & ~0xFFF | off, None, o.iotval2, o.gpa)): p
                    for o, p in memo[1].items()}
        results, variants = self._evaluate_walks(req)
        if len(self._memo) > 65536:
            self._memo.clear()
        # the single permitted outcome when no path used a stale value (check's fast path)
        only = None
        if len(results) == 1:
            out, paths = next(iter(results.items()))
            if not min(paths, key=len):
                only = out
        self._memo[key] = (self._epoch, results, only, variants)
        return results

    def fault_variants(self, req: Request) -> dict:
        """{cause: frozenset of (iotval2, dtf)} over every permitted path ending in a fault now:
        what the fault record may carry in iotval2 (outcomes compare on the cause only, so two
        paths may differ there), and whether the device context found had DTF=1."""
        self._evaluate(req)
        memo = self._memo[(req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12)]
        off = req.iova & 0xFFC
        out: dict = {}
        for o, vs in memo[3].items():
            # A final G-stage guest-page fault reports the GPA, whose page offset is the IOVA's
            # (the memo is per page); an implicit access (bit 0) reports a table address.
            out[int(o.cause)] = frozenset(
                (v if v & 1 or int(o.cause) not in GUEST_PAGE_FAULTS else v & ~0xFFC | off, dtf)
                for v, dtf in vs)
        return out

    def _evaluate_walks(self, req: Request) -> tuple:
        self._t += 1
        results: dict = {}
        variants: dict = {}
        script: list = []
        n = 0
        while script is not None:
            path = _Path(self, req, script, explain=False)
            walked = self.model.walk(req, item_value=path.hook)
            out = walked.outcome
            results.setdefault(out, []).append(path.stale_reads())
            if not out.ok:
                variants.setdefault(out, set()).add((out.iotval2, walked.dtf))
            self._record(path, req)
            n += 1
            if n >= self.max_paths:
                self.truncated += 1
                break
            script = path.next_script()
        if len(results) > 1:
            self._note_reliance(req, results)
        return results, variants

    def _key(self, rk: tuple, value: Optional[int]) -> Key:
        kind, tag, width, gpar, _ = rk
        if value is None:            # the widest scope a reader could need
            return Key(kind, tag, width, False, True)
        glob = kind == "pte1" and (gpar or bool(value & 1 and value & PTE_G))
        return Key(kind, tag, width, _is_leaf(kind, value), glob)

    def _killer(self, cmds, rk: tuple, value: Optional[int]):
        """The completed command of `cmds` ({scope: (fence, completion order)}) that removes
        this reader's copy, as (scope, fence), or None. For a G-stage translation of a DC/PC
        pointer both the G-stage entry and the context holding the SPA must go, the context's
        invalidation no earlier (in queue order) than the first G-stage one: before that, the
        context could be refilled from the still-cached G-stage entry."""
        key = self._key(rk, value)
        owner = rk[4]
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

    def _erroneous(self, kind: str, words: tuple) -> bool:
        v = words[0]
        if not v & 1:
            return False
        if kind in ("ddte", "pdte"):
            return bool(bits(v, 9, 1) or bits(v, 63, 54))
        if kind == "dc":
            caps = self.model.caps
            dc = DeviceContext.from_words(tuple(words) + (0,) * (7 - len(words)))
            return dc_misconfigured(dc, caps, self.model.fctl & 1, caps.msi_flat) is not None
        if kind == "pc":
            return pc_misconfigured(ProcessContext(*words[:2]), self.model.caps) is not None
        if kind in ("pte1", "pte2"):
            if (v & PTE_W and not v & PTE_R) or v & PTE_RSVD:
                return True
            return not v & (PTE_R | PTE_X) and bool(v & PTE_NONLEAF_RSVD)
        return False

    def _may_cache(self, kind: str, words: tuple) -> bool:
        p = self.policy
        if kind not in p.cached:
            return False
        valid = bool(words[0] & 1)
        erroneous = False if p.erroneous_cached or not valid else self._erroneous(kind, words)
        return p.may_cache(kind, valid, erroneous)

    def _snapshots(self, pa: int, ndw: int, cur: tuple, grave: bool):
        """(words, defining _Old) for every earlier state of the item's doublewords."""
        if ndw == 1:
            olds = self._hist.get(pa)
            for o in reversed(olds or ()):
                yield (o.value,), o
            if grave and pa in self._grave:
                for g in reversed(self._grave[pa]):
                    yield (g[0].value,), g
            return
        per = []
        for i in range(ndw):
            lst = [(o.t_end, o.value, o) for o in self._hist.get(pa + 8 * i) or ()]
            if grave and pa + 8 * i in self._grave:
                lst += [(g[0].t_end, g[0].value, g) for g in self._grave[pa + 8 * i]]
            per.append(sorted(lst, key=lambda e: e[0]))
        if not any(per):
            return
        events = sorted((e for lst in per for e in lst), key=lambda e: e[0], reverse=True)
        for t_ev, _, src in events:
            words = []
            for i, lst in enumerate(per):
                val = cur[i]
                for t_end, value, _ in lst:             # ascending t_end
                    if t_end >= t_ev:
                        val = value
                        break
                words.append(val)
            yield tuple(words), src

    def _cache_keys(self, rk: tuple):
        kind, tag, _, _, owner = rk
        yield (kind, tag)
        if owner is not None:
            yield ("via", owner.kind, owner.tag, kind, tag)

    def _options(self, item, words: tuple, rk: tuple, explain: bool) -> list:
        opts = [_Opt(words)]
        kind = item.kind
        if not explain:
            if kind not in self.policy.cached:
                return opts
            if not self._hist and rk[4] is None:
                # Quiet memory (no old values anywhere) and no owner: the only other values
                # are what a cache of this tag may hold besides the current one.
                entries = self._cache.get((kind, rk[1]))
                if not entries or (len(entries) == 1 and words in entries):
                    return opts
        seen = {words}
        hist = self._hist
        pa = item.pa
        if explain or pa in hist or (item.ndw > 1 and
                                     any(pa + 8 * i in hist for i in range(1, item.ndw))):
            self._add_snapshots(opts, seen, item, words, rk, explain)
        for ck in self._cache_keys(rk):
            entries = self._cache.get(ck)
            if entries:
                for w, e in entries.items():
                    if w not in seen:
                        seen.add(w)
                        opts.append(_Opt(w, e))
            if explain and ck in self._grave:
                for g in self._grave[ck]:
                    if g[3] not in seen:
                        seen.add(g[3])
                        opts.append(_Opt(g[3], g))
        return opts

    def _add_snapshots(self, opts, seen, item, words, rk, explain) -> None:
        kind = item.kind
        for snap, old in self._snapshots(item.pa, item.ndw, words, grave=explain):
            if snap in seen:
                continue
            if not explain:
                if not self._may_cache(kind, snap):
                    continue
                if isinstance(old, _Old) and old.killers and self._killer(old.killers, rk, snap[0]):
                    continue
            seen.add(snap)
            opts.append(_Opt(snap, old))

    def _record(self, path: _Path, req: Request) -> None:
        """What this walk read: readers of each address, values a cache may now hold."""
        now = self._t
        if self._rec_epoch != self._epoch:
            self._rec_epoch = self._epoch
            self._rec_done.clear()
        deps: list = []             # stale values read earlier in this walk
        for r in path.reads:
            rk, w, src = r.rk, r.opt.words, r.opt.src
            if src is None and not deps:
                # A current value read with no stale value before it, already recorded in this
                # epoch: nothing a time comparison can tell apart has happened since (every
                # store that changes memory, register write and command starts a new epoch),
                # so recording it again would change nothing.
                sig = (r.pa, rk, w)
                if sig in self._rec_done:
                    continue
                self._rec_done.add(sig)
            for i in range(r.ndw):
                self._readers.setdefault(r.pa + 8 * i, {})[rk] = (now, r.pa)
            if src is None:
                live, seq = now, 0
            elif isinstance(src, _Old):
                live, seq = src.t_end, src.seq
            elif isinstance(src, _Cached):
                live, seq = src.live_until, src.seq
            else:
                continue
            if self._may_cache(rk[0], w):
                key = self._key(rk, w[0])
                for ck in self._cache_keys(rk):
                    via = ck[0] == "via"
                    alt = (_Dep(key, None, live),) if via else ()
                    self._insert(ck, w, _Wit(live, tuple(d.copy() for d in deps), alt), key,
                                 rk[4] if via else None, r.pa, seq, now,
                                 not isinstance(src, _Cached))
            if src is not None:
                deps.append(_Dep(self._key(rk, w[0]), rk[4], live))
        self._account()

    def _insert(self, ck, w, wit: _Wit, key: Key, owner, pa: int, seq: int, now: int,
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
        if e is None:
            if entries is None:
                entries = self._cache[ck] = {}
            entries[w] = _Cached([wit], key, owner, pa, seq)
            self._n_cached += 1
            return
        if not wit.deps:
            e.wits = [o for o in e.wits if o.live > wit.live] + [wit]
        else:
            e.wits.append(wit)
            if len(e.wits) > WITNESS_CAP:
                e.wits.remove(min(e.wits, key=lambda o: o.live))
        if in_memory and wit.live >= e.live_until:
            e.pa, e.seq = pa, seq

    def _cache_entries_at(self, pa: int):
        """Cached values last read at `pa` (to name the store that replaced them)."""
        readers = self._readers.get(pa)
        if not readers:
            return
        for rk, (_, base) in readers.items():
            cur = tuple(self.mem.read64(base + 8 * i) for i in range(self._ndw(rk[0])))
            for ck in self._cache_keys(rk):
                entries = self._cache.get(ck)
                if entries:
                    for w, e in entries.items():
                        if e.pa == base and w != cur and not e.seq:
                            yield e

    def _ndw(self, kind: str) -> int:
        if kind == "dc":
            return 8 if self.model.caps.msi_flat else 4
        return 2 if kind in ("pc", "msipte") else 1

    # -- internals: completion and pruning ----------------------------------------------------
    def _replay_kills(self, wit: _Wit, cover_key: Key) -> bool:
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

    def _bury(self, where, entry: tuple) -> None:
        """Keep a pruned value a while (by address or tag key), only to explain a mismatch."""
        g = self._grave.pop(where, None) or deque(maxlen=2)
        g.append(entry)
        self._grave[where] = g
        if len(self._grave) > GRAVE_CAP:
            del self._grave[next(iter(self._grave))]

    def _complete(self, cmd: Command, doorbell: int, fence: int) -> None:
        self._done.append((doorbell, cmd))
        self._replay_memo.clear()
        self._order += 1
        order = self._order
        if len(self._done) > DONE_LOG:      # forgetting one only permits more
            self._done.popleft()
        # Per-tag cached values read before the doorbell and covered: gone.
        for ck in list(self._cache):
            entries = self._cache[ck]
            for w in list(entries):
                e = entries[w]
                covered = covers(cmd, e.owner if e.owner is not None else e.key)
                e.wits = [o for o in e.wits if not o.killed_by(cmd, doorbell, covered)]
                if not e.wits:
                    self._bury(ck, (entries.pop(w), cmd, fence, w))
            if not entries:
                del self._cache[ck]
        # Per-address old values replaced before the doorbell: gone once every reader of the
        # address is covered (by this command or an earlier completed one).
        for pa in list(self._hist):
            olds = self._hist[pa]
            readers = self._readers.get(pa, {})
            keep = []
            for o in olds:
                if o.t_end > doorbell:
                    keep.append(o)
                    continue
                cmds = dict(o.killers)
                self._add_killer(cmds, cmd, fence, order)
                if all(self._killer(cmds, rk, o.value) for rk in readers):
                    self._bury(pa, (o, cmd, fence))
                    continue
                self._add_killer(o.killers, cmd, fence, order)
                if len(o.killers) > KILLERS_CAP:        # forgetting one only permits more
                    del o.killers[next(iter(o.killers))]
                keep.append(o)
            if keep:
                self._hist[pa] = keep
            else:
                del self._hist[pa]
        # Readers whose every possible copy read before the doorbell is removed.
        for pa in list(self._readers):
            rs = self._readers[pa]
            for rk in [rk for rk, (t, _) in rs.items() if t <= doorbell
                       and self._killer({cmd: (fence, order, order)}, rk, None)]:
                del rs[rk]
            if not rs:
                del self._readers[pa]
        # Updates waiting for this invalidation.
        still = []
        for u in self._updates:
            if u.t <= doorbell and any(self._touches(cmd, rk, u.old) for rk in u.readers):
                self._add_killer(u.killers, cmd, fence, order)
                u.readers = {rk for rk in u.readers if not self._killer(u.killers, rk, u.old)}
            if u.readers:
                still.append(u)
            elif u.relied and len(self._findings) < FINDINGS_CAP:
                self._findings.append(Finding(
                    u.seq, u.item, u.needed, "relied-before-completion",
                    f"request {u.relied} relied on the new value ({u.relied_state}); "
                    f"{describe_cmd(cmd)} completed only at IOFENCE.C #{fence}"))
            elif u.relied:
                self.findings_dropped += 1
        self._updates = still

    def _account(self, recount: bool = False) -> None:
        if recount:
            self._n_hist = sum(len(v) for v in self._hist.values())
            self._n_cached = sum(len(v) for v in self._cache.values())
        n = self._n_hist + self._n_cached
        if n > self.max_history:
            self.max_history = n

    # -- internals: advice --------------------------------------------------------------------
    def _note_update(self, seq: int, pa: int, old: int, readers: dict) -> None:
        rks = set()
        for rk, (_, base) in readers.items():
            kind = rk[0]
            words = (old,) if base == pa else (self.mem.read64(base),)
            if kind in self.policy.cached and (words[0] & 1 or kind in self.policy.invalid_cached):
                rks.add(rk)
        if not rks:
            return
        rk = min(rks, key=lambda r: (r[0], str(r[1])))
        base = readers[rk][1]
        item = describe_item(self._key(rk, old if base == pa else None), base)
        self._updates.append(_Update(seq, pa, item, needed_command(self._key(rk, old), rk[4]),
                                     self._t, rks, old))
        if len(self._updates) > UPDATES_CAP:
            self._updates.pop(0)
            self.findings_dropped += 1

    def _note_ddtp_change(self) -> None:
        keys = {ck for ck in self._cache if ck[0] in ("ddte", "dc", "pdte", "pc")}
        if not keys:
            return
        rks = {(ck[0], ck[1], 0, False, None) for ck in keys}
        self._updates.append(_Update(0, Reg.DDTP, "ddtp (cached DDT/PDT entries of the old table)",
                                     "IODIR.INVAL_DDT DV=0", self._t, rks, 1))

    def _touches(self, cmd: Command, rk: tuple, value: Optional[int]) -> bool:
        """Does cmd cover the reader's item, or the context holding its translation?"""
        return covers(cmd, self._key(rk, value)) or (rk[4] is not None and covers(cmd, rk[4]))

    def _cover_state(self, u: _Update) -> str:
        for _, cmd, doorbell, _ in self._pending:
            if doorbell >= u.t and cmd.name in INVALIDATIONS and any(
                    self._touches(scope_of(cmd), rk, u.old) for rk in u.readers):
                return describe_cmd(cmd)
        return "none"

    def _note_reliance(self, req: Request, results: dict) -> None:
        seqs = set()
        for paths in results.values():
            for reads in paths:
                for r in reads:
                    src = r.opt.src
                    if isinstance(src, (_Old, _Cached)) and src.seq:
                        seqs.add(src.seq)
        if not seqs:
            return
        for u in self._updates:
            if u.relied is None and u.seq in seqs:
                u.relied = _req_str(req)
                state = self._cover_state(u)
                u.relied_state = ("no covering invalidation issued" if state == "none"
                                  else f"{state} issued, not completed")

    # -- internals: messages -------------------------------------------------------------------
    def _pending_cover(self, rk: tuple, value: int, since: int) -> Optional[str]:
        for _, cmd, doorbell, _ in self._pending:
            if doorbell >= since and cmd.name in INVALIDATIONS and self._touches(cmd, rk, value):
                return describe_cmd(cmd)
        return None

    def _describe_read(self, r: _Read, permitted: bool) -> str:
        kind = r.rk[0]
        w = r.opt.words
        src = r.opt.src
        key = self._key(r.rk, w[0])
        item = describe_item(key, r.pa)
        if r.rk[4] is not None:
            item += f" (translating a pointer of the {describe_item(r.rk[4])})"
        if isinstance(src, tuple):            # pruned: (old or cached, cmd, fence[, words])
            old, cmd, fence = src[:3]
            if isinstance(old, _Cached):
                text = f"{item} cached value {_words_str(w)} (read at {old.pa:#x}"
                text += f", replaced by store #{old.seq})" if old.seq else ")"
            else:
                text = f"{item} changed by store #{old.seq}"
            return text + f"; {describe_cmd(cmd)} covering it completed at IOFENCE.C #{fence}"
        if isinstance(src, _Cached):
            where = f"read at {src.pa:#x}"
            what = f"{item} cached value {_words_str(w)} ({where}"
            what += f", replaced by store #{src.seq})" if src.seq else ")"
            return what + self._inval_state(r.rk, w[0], src.live_until)
        old = src
        text = f"{item} changed by store #{old.seq}"
        if not permitted:
            if not (w[0] & 1) and kind not in self.policy.invalid_cached:
                return text + f"; its old value has V=0, which {self.policy.name} never caches"
            if kind not in self.policy.cached:
                return text + f"; {self.policy.name} caches no such entry"
            if not self._may_cache(kind, w):
                return text + f"; its old value is erroneous, which {self.policy.name} never caches"
            k = self._killer(old.killers, r.rk, w[0]) if old.killers else None
            if k:
                return text + f"; {describe_cmd(k[0])} covering it completed at IOFENCE.C #{k[1]}"
        return text + self._inval_state(r.rk, w[0], old.t_end)

    def _inval_state(self, rk: tuple, value: int, since: int) -> str:
        p = self._pending_cover(rk, value, since)
        if p:
            return f"; {p} covering it issued, IOFENCE.C not yet complete"
        return f"; no covering invalidation ({needed_command(self._key(rk, value), rk[4])}) issued"

    def _describe_stale(self, reads: list, permitted: bool) -> str:
        return "; ".join(self._describe_read(r, permitted) for r in reads)

    def check_fault(self, req: Request, earlier: frozenset = frozenset()) -> Verdict:
        """The DUT answered "fault" without saying which (a port that only returns an error
        response, the cause being in the fault record): is any fault permitted? The verdict's
        `permitted` is the whole permitted set, so the cause can be checked later against it."""
        results = self._evaluate(req)
        permitted = frozenset(results) | frozenset(earlier)
        if any(not o.ok for o in permitted):
            return Verdict(True, "OK", permitted)
        why = self._explain(req, None)
        return Verdict(False, f"MISMATCH translate {_req_str(req)} got=fault (cause not observable "
                              f"on the port) permitted={_set_str(permitted)} "
                              f"policy={self.policy.name} stale={why}", permitted)

    def _explain(self, req: Request, observed: Optional[Outcome]) -> str:
        """Which earlier values would give `observed` (None: any fault), and why each is not
        permitted."""
        script: list = []
        best = None
        n = 0
        while script is not None and n < self.max_paths:
            path = _Path(self, req, script, explain=True)
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


def _words_str(w: tuple) -> str:
    return "/".join(f"{x:#x}" for x in w)
