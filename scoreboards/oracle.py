"""The coherence oracle's public API: the set of outcomes the spec still permits for a request,
given the software stores and invalidations so far, under a caching policy.

The work is split by concern (scoreboards/README.md has the design and its approximations):
records.py (named records), walk_paths.py (the walk run over every permitted value),
history.py (earlier values and pruning), advice.py (software findings), messages.py (one-line
explanations). CoherenceOracle holds the state and combines them.
"""
from __future__ import annotations

from collections import deque
from typing import Optional

from models import IommuModel, Memory, Outcome, Reg, Request
from models.causes import GUEST_PAGE_FAULTS
from models.msi_mrif import MRIF_UPDATE_CAUSES
from models.ats import AtsRequest, complete as ats_complete
from models.command_queue import Command

from .ad_updates import AdUpdates
from .advice import Advice
from .ats_cache import DeviceAtc
from .cleaning import Cleaning
from .fills import StructuralReaders
from .history import History
from .messages import Messages
from .napot import NapotGroups
from .policies import DEFAULT_POLICY, Policy, get_policy
from .records import Finding, OldValue, Update, Verdict
from .scope import FENCE, INVALIDATIONS, scope_of
from .walk_paths import WalkPaths

__all__ = ["CoherenceOracle", "Finding", "Verdict"]


class _Reads:
    """A revalidated evaluation's reads, as _record takes a path's."""
    __slots__ = ("reads", "numbers", "cells")

    def __init__(self, reads: tuple, numbers: list) -> None:
        self.reads, self.numbers = reads, numbers
        self.cells = None


class CoherenceOracle(WalkPaths, History, StructuralReaders, NapotGroups, Advice, Cleaning,
                      Messages, AdUpdates):
    """Permitted outcomes of translation requests under a caching policy.

    o.mem, o.model: the Memory and the golden IommuModel the oracle owns. Software stores go
    through o.store64, register writes through o.write_reg; the IOMMU's reports of command
    completion through o.commands_done(cqh)."""

    def __init__(self, policy=DEFAULT_POLICY, capabilities: Optional[int] = None,
                 max_paths: int = 4096, svnapot: bool = True,
                 fills: Optional[str] = None) -> None:
        self.policy: Policy = get_policy(policy, fills)
        self._contract_fills = self.policy.fills == "any"
        self.mem = Memory()
        self.model = IommuModel(self.mem, capabilities=capabilities, svnapot=svnapot)
        self.model.on_command = self._on_command
        self.max_paths = max_paths
        self._t = 0                      # event clock
        self._stores = 0                 # store sequence numbers (#1, #2, ...)
        self._fences = 0                 # IOFENCE.C sequence numbers, in doorbell order
        self._hist: dict[int, list[OldValue]] = {}         # doubleword address -> old values
        self._grave: dict[int, deque] = {}                # recently pruned (for messages)
        self._readers: dict[int, dict] = {}               # address -> {rk: (last read, base)}
        # Current reads by number: (pa, ReadKey, words) -> a number of its own (History._record),
        # so the sets below and a revalidated path compare small ints, not nested tuples.
        self._read_numbers: dict = {}
        self._rec_done: set = set()       # their numbers, recorded since the last doorbell etc.
        self._rec_epoch = -1
        # Moves on what a recorded time is compared with (doorbells, completions, register
        # writes), not on stores: see History._record.
        self._rec_gen = 0
        # Plain reads of this epoch (walk_paths.Path.read): item -> (words, context before,
        # Read, context after); _item_memo_cks: their cache keys -> words. Derived.
        self._item_memo: dict = {}
        self._item_memo_cks: dict = {}
        self._item_memo_epoch = -1
        # How each read number is recorded (History._record_plan), for these capabilities
        # and fctl: derived, kept only to save deciding it again.
        self._rec_plans: dict = {}
        self._rec_may: dict = {}          # (PTE kind, flag bits) -> _may_cache, the same way
        self._rec_plans_for = None
        self._rec_plans_fctl = None
        self._cache: dict[tuple, dict] = {}               # tag key -> {words: CachedValue}
        # Tag keys of _cache with a way through stale values (a witness with deps or alt),
        # or that had one: what a completion must look at besides what it covers. Derived.
        self._dep_cks: set = set()
        self._done: deque = deque()      # (doorbell time, scope) of completed invalidations
        self._replay_memo: dict = {}
        self._order = 0                  # completed invalidations, in queue order
        self._pending: list = []         # [index, Command, doorbell time, fence no or 0]
        # The devices' ATCs (capabilities.ATS; scoreboards/ats_cache.py): fed by the ATS.INVAL
        # and IOFENCE.C fetched, and by ats_completion(); _atc_fences: fence no -> its ticket.
        self.atc = DeviceAtc()
        self._atc_fences: dict[int, int] = {}
        self._updates: list[Update] = []
        self._findings: list[Finding] = []
        self.max_history = 0
        self._n_hist = self._n_cached = 0
        self.findings_dropped = 0
        self.truncated = 0               # outcomes() calls that hit max_paths
        # keep_walk: each fresh evaluation keeps its first path, which takes the current
        # value of every item, i.e. the model's walk over current memory, as
        # last_walk = (req, epoch, trace, WalkResult), for a caller that wants that walk too
        # (the coverage's crosses: tb/env/checker.py) without walking again.
        self.keep_walk = False
        self.last_walk = None
        # Memo of evaluations by request without its page offset: valid while nothing that
        # can change an outcome has happened (a store changing a value, a register write, a
        # doorbell, a completion), i.e. while the epoch is unchanged. Repeated requests to a
        # page (IOTLB-hit traffic) then cost a dict lookup.
        self._epoch = 0
        self._memo: dict = {}
        self.memo_hits = 0
        # An entry of an earlier epoch whose evaluation was a single walk with one option at
        # every read is revalidated instead of walked again (_still_single: same words, still
        # one option each, same registers) and its reads recorded again at this time, as a
        # fresh evaluation would. Each fresh evaluation gets a stamp (result_stamp).
        self.revalidate = True           # False: every epoch change walks again (the tests compare)
        self.memo_revalidated = 0
        self._stamps = 0
        self._single_epoch = -1
        self._single_ok: set = set()
        self._napot_live_epoch = -1
        self._napot_live: dict = {}      # NAPOT group -> _napot_group_live, at that epoch
        # Structural readers (fills.py): what walks could read now, kept lazily.
        self._reach: dict = {}           # address -> {ReadKey: base}
        self._reach_by_tag: dict = {}    # (kind, tag) -> {base: ReadKey}
        self._multi_tags: set = set()    # (kind, tag) reachable at more than one address
        self._reach_memo: dict = {}      # reach.reachable's pages of the last refresh
        self._reach_dirty = True
        self._reach_t = 0                # time of the last change that may have moved them
        self._departed: dict = {}        # (kind, tag) -> {base: (ReadKey, time it left)}
        self._reach_pages: set = set()   # page numbers of the table pages walks reach
        self._alias_tags: set = set()    # (kind, tag) with another address to offer
        self.reach_updates = 0
        # Stores still in the hart's cache (non-coherent platforms, cleaning.py).
        self._uncleaned: dict = {}       # doubleword address -> (store number, value)
        self._clean_findings: list[Finding] = []
        self._clean_reported: set = set()  # store numbers already in a missing-clean finding

    # -- software side ------------------------------------------------------------------
    def set_capabilities(self, capabilities: int, svnapot: bool = True) -> None:
        """Judge an IOMMU with these capabilities from now on (the testbench reads them from the
        DUT after reset, before any request). Raises ValueError for a value the model refuses."""
        self.model.set_capabilities(capabilities, svnapot=svnapot)
        self._reach_changed()
        self._epoch += 1
        self._rec_gen += 1
        self._memo.clear()
        self._replay_memo.clear()

    def set_qosid_widths(self, rcid_bits: int, mcid_bits: int) -> None:
        """The IOMMU's RCID and MCID widths (QOSID; software finds them through iommu_qosid's
        WARL fields): the DC checks use them from now on (IommuModel.set_qosid_widths)."""
        self.model.set_qosid_widths(rcid_bits, mcid_bits)
        self._reach_changed()
        self._epoch += 1
        self._rec_gen += 1
        self._memo.clear()
        self._replay_memo.clear()

    def store64(self, pa: int, value: int) -> int:
        """A software store of a doubleword, visible to the IOMMU from now on; returns its
        store sequence number. On a non-coherent platform: the write-back (cbo.clean/flush)
        of a store made with store_cached, which keeps that store's number."""
        if pa % 8:
            raise ValueError(f"store64 at {pa:#x}: address must be 8-byte aligned")
        self._t += 1
        seq = self._written_back(pa, value) if self._uncleaned else None
        if seq is None:                  # a store of its own (not a cached one written back)
            self._stores += 1
            seq = self._stores
        old = self.mem.read64(pa)
        value &= (1 << 64) - 1
        if old == value:
            self.mem.write64(pa, value)
            return seq
        self._epoch += 1
        if self._reach_dirty:
            self._refresh_reach()
        reach = self._reach.get(pa)                 # what could read it before this store
        self.mem.write64(pa, value)
        readers = self._readers.get(pa)
        if readers or reach:
            # fills="any": every entry a walk could read may be cached; "demand": only what an
            # evaluated walk read.
            if readers or self._contract_fills:
                self._remember_old(pa, old, seq)
            self._note_update(seq, pa, old,
                              self._napot_readers(self._merge_readers(readers, reach), pa, old))
        self._note_structural_store(pa, reach, old, value)
        return seq

    def write_reg(self, offset: int, value: int, size: int = 8) -> None:
        """A software register write, forwarded to the model (doorbells decode commands)."""
        self._t += 1
        self._epoch += 1
        self._rec_gen += 1
        base = int(offset) & ~7 if size == 4 and int(offset) & 4 else int(offset)
        if base == Reg.DDTP and self.model.read_reg(Reg.DDTP) != self._ddtp_after(offset, value,
                                                                                   size):
            self._note_ddtp_change()
            self._reach_changed()
        elif base == Reg.FCTL:
            self._reach_changed()
        if int(offset) == Reg.CQT and self._uncleaned:
            self._doorbell_cleans(self.model.cqt, value, f"the doorbell (cqt write {value})")
        elif int(offset) == Reg.CQCSR and value & 1 and self._uncleaned:
            # cqen=1 (with the error bits it clears) makes the IOMMU fetch from cqh again
            m = self.model
            self._doorbell_cleans(m.cqh, m.cqt, f"the cqcsr write {value:#x}")
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
        self._rec_gen += 1
        fence = 0
        if cmd.name == FENCE:
            self._fences += 1
            fence = self._fences
        ticket = self.atc.on_command(cmd)
        if fence:
            self._atc_fences[fence] = ticket
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
        self._rec_gen += 1
        done, self._pending = self._pending[:last + 1], self._pending[last + 1:]
        fence = done[-1][3]
        for _, _, _, f in done:          # the ATS.INVALs before a completed fence are complete
            if f in self._atc_fences:
                self.atc.fence_completed(self._atc_fences.pop(f))
        for _, cmd, doorbell, _ in done:
            if cmd.name in INVALIDATIONS:
                self._t += 1
                self._complete(scope_of(cmd), doorbell, fence)
        self._account(recount=True)

    def ats_completion(self, did: int, pid, iova: int, completion) -> None:
        """A device received this ATS completion (models.ats.AtsCompletion) for `iova`: its
        ATC may use it until an ATS.INVAL covering it completed (scoreboards/ats_cache.py)."""
        self.atc.record_completion(did, pid, iova, completion)

    def ats_completions(self, did: int, pid, iova: int, entries) -> None:
        """A device received the entries of one completion to a multi-translation request
        (PCIe Length > 2 DW, models.ats.complete_all): entry k is for the untranslated address
        right after entry k-1's range; each is recorded as ats_completion records one."""
        iova &= ~0xFFF
        for c in entries:
            self.atc.record_completion(did, pid, iova, c)
            iova = (iova & ~((1 << c.size_log2) - 1)) + (1 << c.size_log2)

    def check_translated(self, did: int, addr: int, access: str = "read", pid=None):
        """None if a Translated request to `addr` may use a completion the device's ATC may
        still hold, else a finding (the ATS.INVAL that removed it, or no completion)."""
        return self.atc.check_translated(did, addr, access, pid)

    def ats_advice(self) -> list[str]:
        """Software findings: ATS completions a device may still use although the tables (in
        memory now) no longer give them, and no ATS.INVAL covering them was issued."""
        def lookup(did, pid, iova, c):
            areq = AtsRequest(did, iova, pid=pid, priv_s=c.priv, exec_req=c.x, no_write=not c.w)
            return ats_complete(self.model, areq, side_effects=False)
        return self.atc.stale(lookup)

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
        key = (req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12)
        if not earlier:
            # Fastest case: a memo of this page holds one permitted outcome reached with no
            # stale value, and the DUT returned it (a repeated request in a quiet period).
            memo = self._memo.get(key)
            if memo is not None and memo[2] is not None:
                if memo[0] == self._epoch or self._revalidate(key, memo):
                    only = memo[2]
                    pa = None if only.pa is None else only.pa & ~0xFFF | req.iova & 0xFFF
                    if (observed.pa == pa and observed.cause == only.cause
                            and observed.pbmt == only.pbmt and observed.mrif == only.mrif):
                        self.memo_hits += 1
                        return Verdict(True, "OK", frozenset((observed,)))
                else:
                    memo = None                  # not current: walk again (no second try)
                    self._memo.pop(key)
            # (no memo, or none current: walk now, without looking it up again)
            if memo is not None:
                results = self._evaluate(req, key)
            else:
                results = self._evaluate_anew(req, key)
                only = self._memo[key][2] if len(results) == 1 else None
                if (only is not None and observed.pa == only.pa and observed.cause == only.cause
                        and observed.pbmt == only.pbmt and observed.mrif == only.mrif):
                    # (the common case below, with the outcome the evaluation found alone)
                    return Verdict(True, "OK", frozenset(results))
        else:
            results = self._evaluate(req, key)
        if not earlier and len(results) == 1:
            paths = results.get(observed)
            if paths is not None and not (paths[0] if len(paths) == 1 else min(paths, key=len)):
                # The common case, kept cheap: one permitted outcome, no stale value used.
                return Verdict(True, "OK", frozenset(results))
        if observed not in results and observed in earlier:
            results[observed] = [[]]
        permitted = frozenset(results) | frozenset(earlier)
        head = self._mismatch_head(req, str(observed), permitted)
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
                alts.append(f"{out} via {self._describe_stale(best, permitted=True)}")
        msg = "MISMATCH " + head + f" stale={why}"
        if alts:
            msg += " | permitted stale: " + " | ".join(alts)
        return Verdict(False, msg, permitted)

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

    def check_fault(self, req: Request, earlier: frozenset = frozenset()) -> Verdict:
        """The DUT answered "fault" without saying which (a port that only returns an error
        response, the cause being in the fault record): is any fault permitted? The verdict's
        `permitted` is the whole permitted set, so the cause can be checked later against it."""
        results = self._evaluate(req)
        permitted = frozenset(results) | frozenset(earlier)
        if any(not o.ok for o in permitted):
            return Verdict(True, "OK", permitted)
        why = self._explain(req, None)
        head = self._mismatch_head(req, "fault (cause not observable on the port)", permitted)
        return Verdict(False, f"MISMATCH {head} stale={why}", permitted)

    # -- internals ------------------------------------------------------------------------
    def _evaluate(self, req: Request, key: Optional[tuple] = None) -> dict:
        """{Outcome: [stale reads of each path giving it]} over every permitted path. `key`:
        the memo key of `req`, if the caller has it."""
        if key is None:
            key = (req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12)
        memo = self._memo.get(key)
        if memo is not None and (memo[0] == self._epoch or self._revalidate(key, memo)):
            self.memo_hits += 1
            off = req.iova & 0xFFF
            return {(o if o.pa is None else Outcome(o.pa & ~0xFFF | off, None, o.iotval2, o.gpa, o.pbmt)): p
                    for o, p in memo[1].items()}
        return self._evaluate_anew(req, key)

    def _evaluate_anew(self, req: Request, key: tuple) -> dict:
        """_evaluate when the memo holds nothing current for `key`: walk, and keep it."""
        results, variants, single = self._evaluate_walks(req)
        if len(self._memo) > 65536:
            self._memo.clear()
        # the single permitted outcome when no path used a stale value (check's fast path)
        only = None
        if len(results) == 1:
            out, paths = next(iter(results.items()))
            if not (paths[0] if len(paths) == 1 else min(paths, key=len)):
                only = out
        self._stamps += 1
        m = self.model
        self._memo[key] = (self._epoch, results, only, variants, self._stamps,
                           None if single is None else (single, m.ddtp, m.fctl, m.caps))
        return results

    def _revalidate(self, key: tuple, memo: tuple) -> bool:
        """An entry of an earlier epoch still holds if its evaluation was one walk with one
        option at every read and that walk would be the same now; its reads are then recorded
        again at this time (what a fresh evaluation records), and it moves to this epoch."""
        again = memo[5]
        if again is None or not self.revalidate:
            return False
        single, ddtp, fctl, caps = again
        m = self.model
        if m.ddtp != ddtp or m.fctl != fctl or m.caps is not caps or not self._still_single(single):
            return False
        self._t += 1
        if ((not self._rec_done.issuperset(single[2]) or self._rec_epoch != self._rec_gen)
                and not self._record_single(single[1], single[2])):
            self._record(_Reads(single[1], single[2]), None)
        self._memo[key] = (self._epoch,) + memo[1:]
        self.memo_revalidated += 1
        return True

    def result_stamp(self, req: Request, key: Optional[tuple] = None):
        """The stamp of the evaluation that gave `req`'s current outcomes (same stamp: same
        walk over the same memory), or None if none is current. `key`: the memo key of `req`
        (did, pid, priv_s, ttyp, iova >> 12), if the caller has it."""
        memo = self._memo.get(key if key is not None else
                              (req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12))
        return memo[4] if memo is not None and memo[0] == self._epoch else None

    def fault_variants(self, req: Request) -> dict:
        """{cause: frozenset of (iotval2, dtf)} over every permitted path ending in a fault now:
        what the fault record may carry in iotval2 (outcomes compare on the cause only, so two
        paths may differ there), and whether the device context found had DTF=1. A path to an
        MRIF-mode MSI PTE adds 264 and 271 (its MRIF update may fail; iotval2 0)."""
        self._evaluate(req)
        memo = self._memo[(req.did, req.pid, req.priv_s, int(req.ttyp), req.iova >> 12)]
        off = req.iova & 0xFFC
        out: dict = {}
        for o, vs in memo[3].items():
            if o.mrif is not None:
                # A path to an MRIF-mode MSI PTE: the MRIF update that follows may fault with
                # 264 or 271 (iotval2 not defined for them), under that path's DC.tc.DTF.
                for c in MRIF_UPDATE_CAUSES:
                    out[c] = out.get(c, frozenset()) | frozenset((0, dtf) for _, dtf in vs)
                continue
            # A final G-stage guest-page fault reports the GPA, whose page offset is the IOVA's
            # (the memo is per page); an implicit access (bit 0) reports a table address.
            out[int(o.cause)] = frozenset(
                (v if v & 1 or int(o.cause) not in GUEST_PAGE_FAULTS else v & ~0xFFC | off, dtf)
                for v, dtf in vs)
        return out
