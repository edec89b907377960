"""Scoreboard: a thin pyuvm subscriber around the plain-Python coherence oracle.

- every translation response is checked with oracle.check(); a request in flight while
  software changed something may have used the state of any moment of its flight, so before
  each change the permitted set of every in-flight request is taken and passed as `earlier`
  (the in-flight table is the scoreboard's own, kept from the device monitor's issued and
  answered items);
- a port that answers a fault without its cause (an AXI DMA port's SLVERR): the fault must be
  permitted, and the cause is checked when the fault record the IOMMU writes arrives (a fault
  with no record, queue off or full, stays "fault, cause not observable");
- every fault record the DUT writes must match a faulting response (cause, ids, iotval);
- every other DUT write is classified: an IOFENCE.C data write (must match a doorbelled
  IOFENCE.C with AV=1, in order), an MSI (an address range the DUT profile declares: logged),
  an interrupt message of the IOMMU (capabilities.IGS = MSI/BOTH with fctl.WSI = 0: a 4-byte
  write to an msi_cfg_tbl address; it must match a message the model sent, in any order
  between vectors; one the model has not sent by the next register read is a failure, and so
  is a model message the DUT never sent by the end of the test), or a failure;
- the performance monitor (capabilities.HPM): every answered request is counted in the
  model and every read of an HPM register judged (scoreboards/hpm_checker.py: events 1/2
  exact, walk/miss events up to the model's cache-free count, iohpmcycles monotonic);
- failures are counted (pyuvm's logger.error does not fail a test) and asserted in
  check_phase; each is one ERROR line with everything needed to act.

With the checker process (tb/env/checker.py) this component's copy in the child does the
judging and sends each failure and log line to the simulator's copy (`fail_sink`,
`info_sink`), which logs and counts them; at the end the child's counts and what the DUT still
owes come back (`adopt`).
"""
from __future__ import annotations

from collections import deque

from pyuvm import uvm_component, uvm_subscriber

from models import TTYP, Cause, Outcome, Reg
from models.ats import SC as ATS_SC, AtsRequest
from models import debug_translation as dbg
from models.transaction import PBMT_NAMES
from models.fault_queue import RECORD_BYTES
from scoreboards import CoherenceOracle
from scoreboards import ats_port
from scoreboards.permitted_answers import ats_completions, first_acceptable, page_request_decisions
from scoreboards.fault_records import Fault, FaultRecordChecker
from scoreboards.hpm_checker import HpmChecker, hpm_offset
from tb.env.mrif_check import MrifCheck, pw_fences


# Translated requests (ttyp 5, 6, 7) and the ATC access each is (scoreboards/ats_cache.py)
_TRANSLATED = {int(TTYP.TRANSLATED_EXEC): "exec", int(TTYP.TRANSLATED_READ): "read",
               int(TTYP.TRANSLATED_WRITE): "write"}


class IommuScoreboard(uvm_component):
    def build_phase(self):
        self.oracle: CoherenceOracle | None = None
        self.failures: list[str] = []
        self.checked = 0
        self.stale_used = 0
        self._last_cqh = None
        self._earlier: dict[int, frozenset] = {}      # seq_no -> outcomes at earlier moments
        self._variants: dict[int, dict] = {}          # seq_no -> fault-record variants then
        self._fence_writes: deque = deque()           # (addr, data) expected, doorbell order
        self._rec: FaultRecordChecker | None = None
        self._executed = 0                            # model.completed entries seen
        self._raced: dict[int, set] = {}              # seq_no -> what changed in its flight
        self.on_race = None                           # (kind) coverage of in-flight changes
        self.fence_writes_seen = 0
        self.msi_writes_seen = 0
        self.ad_writes_seen = 0                       # hardware A/D updates (AMO_HWAD)
        self.msi_ranges: list = []                    # [lo, hi) where MSIs may be written
        self._irq_due: list = []                      # (vector, addr, data) the model sent
        self._irq_model_seen = 0                      # model.msi.sent entries taken
        self._irq_early: list = []                    # (addr, data) the DUT sent, unmatched
        self._irq_failed_due: list = []               # (vector, addr, data) the model's failed sends
        self._irq_failed_early: list = []             # (addr, data) DUT sends that got a bus error
        self.irq_msi_faults_seen = 0                  # failed messages (each owes a 273 record)
        self._irq_meta: dict = {}                     # (vector, addr, data) -> [(sources, delivery)]
        self._irq_releasing = False                   # an msi_vec_ctl write is with the model
        self.on_irq = None                            # (source, vector, delivery) coverage
        self.on_ad = None                             # (stage, bits) coverage of A/D updates
        self.irq_msis_seen = 0
        self.inflight: dict = {}                      # seq_no -> Request, accepted, unanswered
        self.cause_on_port = True                     # False: only fault records carry causes
        self.on_record_cause = None                   # (cause) when a record names a port-less cause
        self.max_failures_logged = 20
        self.fail_sink = None                         # in the checker process: send them over
        self.info_sink = None
        self.totals: dict | None = None               # the checker process's final state
        self.pbmt_unchecked = 0                       # successes without a memory type on the port
        self._pbmt_note = False                       # "not checked" said once
        self._hpm: HpmChecker | None = None
        self._ats_dut: deque = deque()                # ATS messages the DUT sent, unmatched
        self._ats_matched = 0                         # model.device_messages matched so far
        self.ats_messages_seen = 0
        self._ats_port = False                        # the DUT has an ATS message port
        self._pq_writes: list = []                    # (addr, data) DUT writes into the PQ
        self._mrif: MrifCheck | None = None
        self.on_mrif = None                           # (what) coverage of MRIF writes

    @property
    def mrif(self) -> MrifCheck:
        """Judges MSI writes to MRIF-mode pages and the IOMMU's MRIF updates and notice MSIs
        (capabilities.MSI_MRIF; tb/env/mrif_check.py)."""
        if self._mrif is None:
            self._mrif = MrifCheck(self.oracle, self._fail, self.rec, self.on_mrif,
                                   lambda a, d: bool(self._fence_writes) and self._fence_writes[0]
                                   == (a, self._word(d.to_bytes(8, "little")[:4])))
        return self._mrif

    @property
    def hpm(self) -> HpmChecker:
        """Judges the performance monitor (created once the oracle is connected); walk
        events are exact for a DUT judged under the no-cache policy."""
        if self._hpm is None:
            self._hpm = HpmChecker(self.oracle.model, self._fail,
                                   exact_walks=self.oracle.policy.name == "no-cache")
        return self._hpm

    @property
    def rec(self) -> FaultRecordChecker:
        """Pairs and judges the fault records (created once the oracle is connected)."""
        if self._rec is None:
            self._rec = FaultRecordChecker(self.oracle, self._fail, self.on_record_cause)
        return self._rec

    @property
    def records_seen(self) -> int:
        return self.totals["records"] if self.totals is not None else self.rec.records

    def adopt(self, final: dict) -> None:
        """The end-of-test state the checker process sent (tb/env/checker.py)."""
        self.totals = final
        self.checked = final["checked"]
        self.stale_used = final["stale"]
        self.fence_writes_seen = final["fence_writes"]
        self.msi_writes_seen = final["msi_writes"]
        self.irq_msis_seen = final.get("irq_msis", 0)
        self.irq_msi_faults_seen = final.get("irq_msi_faults", 0)
        self.ad_writes_seen = final.get("ad_writes", 0)

    # -- software actions (called by the env's software facade and the register monitor) --
    def issued(self, item) -> None:
        seq_no, req = item
        self.inflight[seq_no] = req
        if self.oracle.model.caps.msi_mrif:
            self.mrif.issued(seq_no, req)

    def before_change(self, kind: str = "register_write") -> None:
        """Freeze what is permitted now for every request the DUT is working on (`kind`: what
        changes, for the race coverage)."""
        if not self.inflight:
            return
        for seq_no, req in self.inflight.items():
            self._raced.setdefault(seq_no, set()).add(kind)
            now = self.oracle.outcomes(req)
            self._earlier[seq_no] = self._earlier.get(seq_no, frozenset()) | now
            if self._mrif is not None:
                self._mrif.widen(seq_no, now)
            if any(not o.ok for o in now):
                self._variants[seq_no] = _merge(self._variants.get(seq_no),
                                                self.oracle.fault_variants(req))

    def store64(self, pa: int, value: int) -> None:
        if self.oracle.mem.peek(pa, 8) != (value & (2**64 - 1)).to_bytes(8, "little"):
            self.before_change("store")   # a store that changes nothing cannot change outcomes
        self.oracle.store64(pa, value)

    def reg_op(self, op) -> None:
        if not op.write and (self._irq_early or self._irq_failed_early):
            self._irq_settle(final=False)
        if op.offset in (Reg.TR_REQ_CTL, Reg.TR_RESPONSE) and self._debug_op(op):
            return
        if hpm_offset(op.offset) and self.oracle.model.hpm is not None:
            # no effect on translations: straight to the model, no epoch
            if op.write:
                self.oracle.model.write_reg(op.offset, op.value, size=op.size)
                self.hpm.written(op.offset, op.size)
            else:
                self.hpm.read(op.offset, op.size, op.result)
            return
        if op.write:
            self.before_change()
            if op.offset in (Reg.CQB, Reg.CQCSR):
                self._last_cqh = None          # the queue may restart at index 0
            if op.offset == Reg.FQCSR:
                self._fqcsr_write(op.value)
            self._irq_releasing = (Reg.MSI_CFG_TBL <= op.offset < Reg.MSI_CFG_TBL + 0x100
                                   and op.offset % 16 == 12)
            try:
                self.oracle.write_reg(op.offset, op.value, size=op.size)
            finally:
                self._irq_releasing = False
            self._note_executed()
            if op.offset == Reg.FQH:
                self.rec.head_written(self.oracle.model.fq.fqh)
        elif op.offset == Reg.CQH and op.size == 4 and op.result != self._last_cqh:
            # A new cqh: commands up to the last fence before it completed. Repeated polls
            # of the same value report nothing new and cost nothing.
            self._last_cqh = op.result
            self.before_change("completion")
            pw = self._mrif is not None and pw_fences(self.oracle._pending, op.result)
            self.oracle.commands_done(op.result)
            if self._mrif is not None:
                self._mrif.fences_completed(pw)

    # -- the debug translation interface (capabilities.DBG) -----------------------------------
    def _debug_op(self, op) -> bool:
        """A Go write of tr_req_ctl starts a debug translation: the oracle's model takes the
        register write without Go (its own translation would write a fault record into the
        model's queue, which mirrors the DUT's), and what the spec permits is kept from now.
        The first tr_response read after it is judged: a fault when some permitted outcome
        is a fault (its record is then owed as for a faulting response), else a translation
        that some permitted outcome allows (debug_translation.consistent: any range from 4 KiB
        up to the page's). True when the op was handled here."""
        if op.offset == Reg.TR_REQ_CTL and op.write:
            value = op.value
            if op.size == 4:            # the low half (Go is there), after the high half
                value = self.oracle.model.read_reg(Reg.TR_REQ_CTL) & ~0xFFFF_FFFF | op.value
            if not value & dbg.GO or not self.oracle.model.caps.dbg:
                return False
            self.before_change()
            iova = self.oracle.model.read_reg(Reg.TR_REQ_IOVA)
            self.oracle.write_reg(op.offset, value & ~dbg.GO, size=8)
            req = dbg.request(iova, value)
            self._debug = (req, value, self.oracle.outcomes(req),
                           self.oracle.fault_variants(req), self._debug_range(req))
            return True
        if op.offset == Reg.TR_RESPONSE and not op.write and getattr(self, "_debug", None):
            req, ctl, permitted, variants, max_log2 = self._debug
            self._debug = None
            # an MRIF-mode MSI PTE answers the debug interface with fault 260 (iommu_debug.adoc;
            # the model's _debug_translate does the same), not with the MRIF target
            permitted = permitted | self.oracle.outcomes(req)
            if any(o.mrif is not None for o in permitted):
                permitted = {Outcome(None, Cause.TTYP_DISALLOWED) if o.mrif is not None else o
                             for o in permitted}
                dtf = self.oracle.model.walk(req).dtf        # the record follows DC.tc.DTF
                variants = _merge(variants, {int(Cause.TTYP_DISALLOWED): frozenset({(0, dtf)})})
            self.checked += 1
            if self.oracle.model.hpm is not None:
                self.hpm.request(req)          # counted as an untranslated request
            if dbg.unspecified(ctl):
                return True
            value = op.result
            head = (f"DEBUG tr_response did={req.did:#x} iova={req.iova:#x} "
                    f"ttyp={int(req.ttyp)} read {value:#x}")
            if value & dbg.FAULT:
                if not any(not o.ok for o in permitted):
                    self._fail(f"{head}: fault=1, expected a translation "
                               f"({', '.join(str(o) for o in sorted(permitted, key=str))})")
                    return True
                self.rec.fault(Fault(req, None, frozenset(o for o in permitted if not o.ok),
                                     _merge(variants, self.oracle.fault_variants(req))))
                return True
            whys = []
            current, max_log2 = max_log2
            for o in permitted:
                if not o.ok:
                    continue
                # the size bound is the current walk's page; a stale translation's is unknown
                why = dbg.consistent(value, req.iova, o.pa, max_log2 if o == current else None)
                pbmt = (value >> dbg.PBMT_SHIFT) & 3
                if not why and pbmt != o.pbmt:
                    why = f"PBMT {PBMT_NAMES[pbmt]}, expected {PBMT_NAMES[o.pbmt]}"
                if not why:
                    return True
                whys.append(f"{o}: {why}")
            if not whys:
                whys = [f"only faults are permitted ({', '.join(str(o) for o in permitted)})"]
            self._fail(f"{head}: " + "; ".join(whys))
            return True
        return False

    def _debug_range(self, req) -> tuple:
        """(the current walk's outcome, log2 of the largest range tr_response may report for
        it: its page)."""
        trace: list = []
        out = self.oracle.model.walk(req, trace=trace).outcome
        return out, dbg.range_log2(trace, out)

    def _fqcsr_write(self, value: int) -> None:
        fq = self.oracle.model.fq
        if value & 1 and not fq.fqen:
            self.rec.enabled()
        elif value & 0x300:                    # W1C fqmf/fqof
            self.rec.errors_cleared()

    def _note_executed(self) -> None:
        """Remember the AV data writes of the IOFENCE.C commands the model executed since the
        last register write (a doorbell, or a cqcsr write that restarts a stopped queue)."""
        done = self.oracle.model.completed
        for cmd in done[self._executed:]:
            if cmd.name == "IOFENCE.C" and cmd.av:
                self._fence_writes.append((cmd.addr, cmd.data))
        self._executed = len(done)

    # -- DUT side ---------------------------------------------------------------------------
    def translation(self, res) -> None:
        self.checked += 1
        self.inflight.pop(res.seq_no, None)
        if self.oracle.model.hpm is not None:
            self.hpm.request(res.req)          # the events this request counts in the model
        earlier = self._earlier.pop(res.seq_no, frozenset())
        variants = self._variants.pop(res.seq_no, None)
        raced = self._raced.pop(res.seq_no, None)
        if raced and self.on_race is not None:
            for kind in raced:
                self.on_race(kind + "_in_flight")
        if res.ats is not None:
            if res.mrif is not None:
                self._fail(f"MISMATCH ATS did={res.req.did:#x} iova={res.req.iova:#x} "
                           f"ttyp={int(res.req.ttyp)}: dev_rsp_mrif=1 ('{res.mrif}'), expected 0 "
                           f"(a translation or page request consumes no access)")
            if res.ats.completion is None:
                self._page_request(res)
            else:
                self._ats_completion(res, variants)
            return
        if (self._mrif is not None or res.mrif is not None) and self.mrif.result(res, earlier):
            return                             # consumed by the IOMMU (an MRIF page)
        if res.fault and (res.cause is None or not self.cause_on_port):
            res.cause = None                   # whatever the port drove: the record tells
            self._fault_without_cause(res, earlier, variants)
            return
        if res.fault:
            observed = Outcome(None, res.cause)
        elif res.pbmt is not None:
            observed = Outcome(res.pa, None, pbmt=res.pbmt)
        else:
            observed = Outcome(res.pa, None, pbmt=self._unobserved_pbmt(res, earlier))
        verdict = self.oracle.check(res.req, observed, earlier)
        if not verdict.ok:
            self._fail(verdict.message + _pbmt_note(observed, verdict.permitted))
        elif "stale=" in verdict.message:
            self.stale_used += 1
            if self.on_race is not None:
                self.on_race("stale_used")
        if res.fault:
            self.rec.fault(Fault(res.req, res.cause, verdict.permitted,
                                 _merge(variants, self.oracle.fault_variants(res.req))))
        elif int(res.req.ttyp) in _TRANSLATED:
            # the device used a translation from its ATC: one it received and still holds
            finding = self.oracle.check_translated(res.req.did, res.req.iova,
                                                   _TRANSLATED[int(res.req.ttyp)], res.req.pid)
            if finding:
                self._fail(f"ATC {finding}")

    def ats_message(self, msg) -> None:
        """A message the DUT sent to a device (an Invalidation Request of an ATS.INVAL, a PRG
        Response of an ATS.PRGR): the model's messages (device_messages) in the same order.
        One the model has not sent yet waits for it (the doorbell may still be on its way).
        None: the DUT has the message port (then a model message it never sent is a failure)."""
        if msg is None:
            self._ats_port = True
            return
        self.ats_messages_seen += 1
        self._ats_dut.append(msg)
        self._ats_match()

    def _ats_match(self) -> None:
        sent = self.oracle.model.device_messages
        while self._ats_dut and self._ats_matched < len(sent):
            got, want = self._ats_dut.popleft(), sent[self._ats_matched]
            self._ats_matched += 1
            if got != want:
                self._fail(f"ATS message to the device: {got}, expected {want} (the model's "
                           f"message #{self._ats_matched}, in command order)")

    def _ats_problems(self) -> list[str]:
        out = [f"PAGE-REQUEST record write {a:#x}<-{int.from_bytes(d, 'little'):#x} that no page "
               f"request answered explains" for a, d in self._pq_writes]
        if not self._ats_port:
            return out
        self._ats_match()
        sent = self.oracle.model.device_messages
        out += [f"ATS message to the device {m} that the model never sent (no ATS command "
                f"asked for it)" for m in self._ats_dut]
        out += [f"ATS message missing: {m} (the model sent it for an ATS command; the DUT "
                f"never did)" for m in sent[self._ats_matched:]]
        return out

    # -- PRI: page requests and the page-request queue (capabilities.ATS) ----------------------
    def _in_pq(self, addr: int) -> bool:
        model = self.oracle.model
        if not model.caps.ats:
            return False
        pq = model.pq
        return pq.base <= addr < pq.base + pq.entries * 16

    def _page_request(self, res) -> None:
        """A page request (ttyp 9) the DUT answered: the model handles the same message
        (models/page_request.py: the record it queues, pqof/pqmf, pip, the PRG Response it
        sends, which `ats_message` then expects from the DUT). Its decision is taken from the
        device context memory holds or, for a DUT that answered as a cached one permits
        (scoreboards/permitted_answers.py), from that one. A refusal with a cause must be a
        fault with that cause on the port, its record (TTYP 9, iotval 4) owed as any fault's
        (the model's own queue is not written: the FaultRecordChecker follows the DUT's);
        every other answer a success, and the DUT's record writes must hold what the model
        wrote."""
        from sequences.ats_items import page_request_of
        req = res.req
        msg = page_request_of(req.did, req.iova, req.pid, bool(req.priv_s), res.ats.exec_req)
        model = self.oracle.model
        decisions = page_request_decisions(self.oracle, msg)
        seen = res.cause if res.fault else None          # (a fault without its cause: none)
        chosen = None if res.fault and seen is None else next(
            (d for d in decisions if d.cause == seen), None)
        head = f"PAGE-REQUEST did={req.did:#x} payload={req.iova:#x}"
        if chosen is None:
            got = f"fault {res.cause}" if res.fault else "accepted"
            want = " or ".join("no fault (queued or answered)" if d.cause is None
                               else f"fault {d.cause}" for d in decisions)
            self._fail(f"{head}: {got}, expected {want}")
            return
        refused: list = []
        # (an entry point of the model: a pip 0 -> 1 edge sends piv's message with MSIs)
        model.page_request(msg, report=lambda r, result: refused.append((r, result)),
                           decision=chosen)
        if refused:
            mreq, result = refused[0]
            cause = int(result.outcome.cause)
            self.rec.fault(Fault(mreq, cause, frozenset({Outcome(None, cause)}),
                                 {cause: frozenset({(0, bool(result.dtf))})}))
        self._pq_judge(head)

    def _pq_judge(self, head: str = "PAGE-REQUEST") -> None:
        """The DUT's writes into the page-request queue so far against the model's memory."""
        mem = self.oracle.model.mem
        for addr, data in self._pq_writes:
            want = mem.read(addr, len(data))
            if want != data:
                self._fail(f"{head}: record write {addr:#x}<-{int.from_bytes(data, 'little'):#x}, "
                           f"expected {int.from_bytes(want, 'little'):#x} (the model's record)")
        self._pq_writes.clear()

    def _ats_completion(self, res, variants) -> None:
        """An ATS translation request's completion (capabilities.ATS, scoreboards/ats_port.py):
        judged against the model's; a UR/CA owes its fault record (TTYP 8); a Success is
        what the device may now keep in its ATC (the oracle's DeviceAtc)."""
        req, obs = res.req, res.ats
        areq = AtsRequest(did=req.did, iova=req.iova, pid=req.pid,
                          priv_s=bool(req.priv_s and req.pid is not None),
                          exec_req=obs.exec_req, no_write=obs.no_write)
        why = ats_port.judge(self.oracle.model, areq, obs.completion)
        if why and first_acceptable(areq, obs.completion,
                                    ats_completions(self.oracle, areq)) is None:
            self._fail(why)           # (memory's answer is first: the message names it)
            return
        c = obs.completion
        if c.status != ATS_SC:
            out = Outcome(None, c.cause)
            self.rec.fault(Fault(req, c.cause, frozenset({out}),
                                 _merge(variants, self.oracle.fault_variants(req))))
        else:
            self.oracle.ats_completion(req.did, req.pid, req.iova, c)

    def _unobserved_pbmt(self, res, earlier: frozenset) -> int:
        """A port without the memory type: take the one a permitted outcome with this address
        has (the memory type is not checked; said once in the log)."""
        if not self.oracle.model.caps.svpbmt:
            return 0                           # without Svpbmt every memory type is PMA
        self.pbmt_unchecked += 1
        if not self._pbmt_note:
            self._pbmt_note = True
            self._info("PBMT not checked: the device port has no memory-type output "
                       "(profile key port.pbmt); Svpbmt translations are judged on the address only")
        for o in self.oracle.outcomes(res.req) | earlier:
            if o.ok and o.pa == res.pa:
                return o.pbmt
        return 0

    def _fault_without_cause(self, res, earlier: frozenset, variants) -> None:
        """The port said "fault" and no more: a fault must be permitted now; which cause is
        checked against the record the IOMMU writes (matched later, or already written)."""
        verdict = self.oracle.check_fault(res.req, earlier)
        if not verdict.ok:
            self._fail(verdict.message)
            return
        self.rec.fault(Fault(res.req, None, verdict.permitted,
                             _merge(variants, self.oracle.fault_variants(res.req))))

    def mem_access(self, access) -> None:
        kind, addr, data, ok = access
        if kind != "W":
            return
        fq = self.oracle.model.fq
        fq_lo = fq.base
        fq_hi = fq_lo + fq.entries * RECORD_BYTES
        if not ok:                             # a bus error: nothing was written
            if fq_lo <= addr < fq_hi:
                self.rec.write_failed(addr)
            elif self._mrif is not None and self._mrif.mem_write(addr, data, ok):
                pass                           # a notice MSI that failed: its 273 record owed
            else:
                self._irq_message_failed(addr, data)
            return
        if fq_lo <= addr < fq_hi:
            self.rec.write(addr, data)
        elif self._irq_message(addr, data):
            # (4-byte writes only: before the page-request queue, which may lie at a vector's
            # address while both are at their reset value 0)
            pass
        elif self._in_pq(addr):
            self._pq_writes.append((addr, bytes(data)))   # judged with its page request
        elif self._mrif is not None and self._mrif.mem_write(addr, data, ok):
            pass                               # an MRIF update or a notice MSI (MSI_MRIF)
        elif any(lo <= addr < hi for lo, hi in self.msi_ranges):
            self.msi_writes_seen += 1          # an MSI the profile declares: logged, not judged
            self._info(f"MSI write {addr:#x}<-{int.from_bytes(data, 'little'):#x} "
                             f"({len(data)} bytes)")
        elif self._is_ad_update(addr, data):
            self._ad_write(addr, data)
        else:
            self._fence_write(addr, data)

    # -- interrupt messages (IGS = MSI or BOTH) ------------------------------------------------
    def _irq_take_model(self) -> None:
        sent = self.oracle.model.msi.sent
        while self._irq_model_seen < len(sent):
            self._irq_due.append(sent[self._irq_model_seen])
            self._irq_model_seen += 1

    def _irq_match(self, addr: int, got: int) -> bool:
        for i, (v, a, d) in enumerate(self._irq_due):
            if (a, d) == (addr, got):
                del self._irq_due[i]
                self.irq_msis_seen += 1
                self._irq_covered((v, a, d))
                return True
        return False

    def _irq_message(self, addr: int, data: bytes) -> bool:
        """A DUT write that is an interrupt message: True when it was taken here (matched
        against the model's messages, or kept until the next register read)."""
        msi = self.oracle.model.msi
        if msi is None or len(data) != 4:
            return False
        got = self._word(data)
        self._irq_take_model()
        if self._irq_match(addr, got):
            return True
        if addr in msi.addr:
            self._irq_early.append((addr, got))   # the model may send it a little later
            return True
        return False

    def watch_msi_failures(self) -> None:
        """Note each interrupt message the model tried to send and could not (its write hit
        memory set to fail: the model then writes a cause-273 record): the DUT must get a bus
        error on the same message and write that record. The model keeps no list of them, so
        its sender is wrapped here (on this oracle's model only)."""
        model = getattr(self.oracle, "model", None)
        if model is None or getattr(model, "_sb_msi_watch", None) is self:
            return
        send = model._send_msi

        def send_and_note(vector: int) -> None:
            n = len(model.msi.sent)
            addr, data = model.msi.message(vector)
            sources = self._irq_sources(vector)
            send(vector)
            key = (vector, addr, int.from_bytes(data, "little"))
            if len(model.msi.sent) == n:
                self._irq_failed_due.append(key)
                self._irq_meta.setdefault(key, []).append((sources, "failed"))
            else:
                delivery = "held" if self._irq_releasing else "sent"
                self._irq_meta.setdefault(key, []).append((sources, delivery))

        model._send_msi = send_and_note
        model._sb_msi_watch = self

    def _irq_sources(self, vector: int) -> tuple:
        """The interrupt sources (cq, fq, pm) whose ipsr bit is set and whose icvec field
        selects `vector` (the message's cause; all that select it if none is set)."""
        model = self.oracle.model
        fields = (("cq", 0, 1), ("fq", 4, 2), ("pm", 8, 4), ("pq", 12, 8))
        on = tuple(n for n, sh, bit in fields
                   if (model.icvec >> sh) & 0xF == vector and model.ipsr & bit)
        return on or tuple(n for n, sh, _ in fields if (model.icvec >> sh) & 0xF == vector)

    def _irq_covered(self, key: tuple) -> None:
        """A DUT message matched the model's: its sources, vector and delivery to coverage."""
        meta = self._irq_meta.get(key)
        if not meta:
            return
        sources, delivery = meta.pop(0)
        if not meta:
            del self._irq_meta[key]
        if self.on_irq is not None:
            for src in sources:
                self.on_irq(src, key[0], delivery)

    def _irq_pm_overflow(self) -> None:
        """iohpmcycles counts clocks, which the model does not have: it learns of a wrap from
        a read (scoreboards/hpm_checker.py). A DUT message on pmiv's vector that the model has
        not sent is that wrap when one is believable now (counting, close enough to 2^63):
        the model takes it, and owes the message the DUT's is matched against."""
        model = self.oracle.model
        if model.hpm is None or not self._irq_early:
            return
        v = (model.icvec >> 8) & 0xF
        if v < len(model.msi.addr) and (model.msi.addr[v], model.msi.data[v]) in self._irq_early:
            self.hpm.overflow_if_believable()

    def _irq_failed_match(self, addr: int, got: int) -> bool:
        for i, (v, a, d) in enumerate(self._irq_failed_due):
            if (a, d) == (addr, got):
                del self._irq_failed_due[i]
                self.irq_msi_faults_seen += 1
                self.rec.msi_write_failed(addr)
                self._irq_covered((v, a, d))
                return True
        return False

    def _irq_message_failed(self, addr: int, data: bytes) -> None:
        """A DUT write that got a bus error outside the fault queue: with interrupts as MSIs,
        a failed interrupt message (it must be one the model sent into the same failing memory;
        its 273 record is then owed)."""
        if self.oracle.model.msi is None or len(data) != 4:
            return
        got = self._word(data)
        if not self._irq_failed_match(addr, got) and addr in self.oracle.model.msi.addr:
            self._irq_failed_early.append((addr, got))   # the model may try it a little later

    def _irq_settle(self, final: bool) -> list[str]:
        """DUT messages the model has not sent by now (a register read, or the end) fail."""
        self._irq_pm_overflow()
        self._irq_take_model()
        msi = self.oracle.model.msi
        lines = []
        for addr, got in self._irq_failed_early:
            if not self._irq_failed_match(addr, got):
                lines.append(f"INTERRUPT unexpected MSI write {addr:#x}<-{got:#x} (bus error): "
                             f"the model sent no such message (ipsr={self.oracle.model.ipsr:#x} "
                             f"icvec={self.oracle.model.icvec:#x})")
        self._irq_failed_early.clear()
        for addr, got in list(self._irq_early):
            if self._irq_match(addr, got):
                self._irq_early.remove((addr, got))
                continue
            vs = [v for v in range(len(msi.addr)) if msi.addr[v] == addr]
            state = ", ".join(f"vector {v}: data {msi.data[v]:#x} M={int(msi.masked[v])}"
                              f"{' held' if msi.held[v] else ''}" for v in vs)
            lines.append(f"INTERRUPT unexpected MSI write {addr:#x}<-{got:#x}: the model sent no "
                         f"such message ({state}; ipsr={self.oracle.model.ipsr:#x} "
                         f"icvec={self.oracle.model.icvec:#x})")
        self._irq_early.clear()
        if not final:
            for line in lines:
                self._fail(line)
            return []
        return lines

    def _irq_problems(self) -> list[str]:
        if self.oracle.model.msi is None:
            return []
        out = self._irq_settle(final=True)
        for v, a, d in self._irq_due:
            out.append(f"INTERRUPT MSI missing: vector {v} message {a:#x}<-{d:#x} (the model "
                       f"sent it; the DUT wrote nothing there)")
        for v, a, d in self._irq_failed_due:
            out.append(f"INTERRUPT MSI missing: vector {v} message {a:#x}<-{d:#x} (the model "
                       f"sent it and got a bus error; the DUT wrote nothing there)")
        return out

    def _is_ad_update(self, addr: int, data: bytes) -> bool:
        """With capabilities.AMO_HWAD every 8-byte write that is not the next IOFENCE.C data
        write is judged as a hardware A/D update of a PTE; with Sv32/Sv32x4 too, every aligned
        4-byte one (a 4-byte PTE's update writes only its half of the doubleword)."""
        caps = self.oracle.model.caps
        if not caps.amo_hwad:
            return False
        if not (len(data) == 8 and addr % 8 == 0 or
                len(data) == 4 and addr % 4 == 0 and (caps.sv32 or caps.sv32x4)):
            return False
        # (an IOFENCE.C data write is 4 bytes: only one of those can be the next one)
        return not (len(data) == 4 and self._fence_writes
                    and self._fence_writes[0] == (addr, self._word(data)))

    def _ad_write(self, addr: int, data: bytes) -> None:
        self.ad_writes_seen += 1
        value = int.from_bytes(data, "little")
        if len(data) == 4:
            # half a doubleword: judged as the doubleword with the other half as memory holds it
            shift, addr = 8 * (addr & 4), addr & ~7
            value = self.oracle.mem.read64(addr) & ~(0xFFFF_FFFF << shift) | value << shift
        old = self.oracle.mem.read64(addr)
        stage = self._ad_stage(addr) if self.on_ad is not None else None
        verdict = self.oracle.ad_write(addr, value, list(self.inflight.values()))
        if not verdict.ok:
            self._fail(verdict.message)
        elif stage is not None:
            bits = "".join(b for b, m in (("A", 0x40), ("D", 0x80)) if value & ~old & m)
            if bits:
                self.on_ad(stage, bits)

    def _ad_stage(self, pa: int):
        """'first' or 'g': the stage of the PTE at `pa` on the walk of a request in flight
        (coverage only; None when no walk reads it)."""
        for req in self.inflight.values():
            trace: list = []
            self.oracle.model.walk(req, trace=trace)
            for item, _w in trace:
                if item.pa == pa and item.kind in ("pte1", "pte2"):
                    return "first" if item.kind == "pte1" else "g"
        return None

    def pending_problems(self) -> list[str]:
        """End of test: what the DUT still owed: fault records (scoreboards/fault_records.py
        says which), every IOFENCE.C data write."""
        if self.totals is not None:
            return list(self.totals["problems"])
        out = self.rec.pending_problems() + self._irq_problems() + self._ats_problems()
        if self._mrif is not None:
            out += self._mrif.problems()
        if self._fence_writes:
            a, d = self._fence_writes[0]
            out.append(f"IOFENCE.C data write missing: {len(self._fence_writes)} expected, first "
                       f"{a:#x}<-{d:#x} (was the fence completed? was the queue polled?)")
        return out

    def _fence_write(self, addr: int, data: bytes) -> None:
        self.fence_writes_seen += 1
        got = self._word(data)
        if self._fence_writes and self._fence_writes[0] == (addr, got):
            self._fence_writes.popleft()
            return
        want = (f"{self._fence_writes[0][0]:#x}<-{self._fence_writes[0][1]:#x}"
                if self._fence_writes else "no IOFENCE.C with AV=1 pending")
        self._fail(f"WRITE unexpected memory write {addr:#x}<-{got:#x} ({len(data)} bytes); "
                   f"expected next IOFENCE.C data write: {want}")

    def _word(self, data: bytes) -> int:
        """The value a 4-byte store of the IOMMU's own (IOFENCE.C data, an interrupt message)
        carries: its bytes in fctl.BE order (capabilities.END)."""
        return int.from_bytes(data, self.oracle.model.byte_order)

    def _info(self, msg: str) -> None:
        if self.info_sink is not None:
            self.info_sink(msg)
        else:
            self.logger.info(msg)

    def _fail(self, msg: str) -> None:
        if self.fail_sink is not None:
            self.fail_sink(msg)
            return
        self.failures.append(msg)
        if len(self.failures) <= self.max_failures_logged:
            self.logger.error(msg)
        elif len(self.failures) == self.max_failures_logged + 1:
            self.logger.error("... further failures counted, not printed")

    def report_lines(self) -> list[str]:
        return [f"scoreboard: {self.checked} translations checked, {len(self.failures)} failures, "
                f"{self.stale_used} permitted stale results, {self.records_seen} fault records, "
                f"{self.fence_writes_seen} IOFENCE.C data writes"
                + (f", {self.msi_writes_seen} MSI writes" if self.msi_writes_seen else "")
                + (f", {self.irq_msis_seen} interrupt messages" if self.irq_msis_seen else "")
                + (f", {self.irq_msi_faults_seen} failed interrupt messages (cause 273)"
                   if self.irq_msi_faults_seen else "")
                + (f", {self.ad_writes_seen} A/D updates" if self.ad_writes_seen else "")]


def _pbmt_note(observed: Outcome, permitted) -> str:
    """When the address is permitted but not with the observed memory type: say both by name."""
    if not observed.ok:
        return ""
    same = sorted({o.pbmt for o in permitted if o.ok and o.pa == observed.pa})
    if not same or observed.pbmt in same:
        return ""
    return (f" memory-type: observed={PBMT_NAMES.get(observed.pbmt, observed.pbmt)} expected="
            + "|".join(PBMT_NAMES.get(p, str(p)) for p in same))


def _merge(a, b) -> dict:
    """Fault-record variants of two moments, per cause."""
    if not a:
        return b
    out = dict(a)
    for cause, vs in b.items():
        out[cause] = out.get(cause, frozenset()) | vs
    return out


class _Sub(uvm_subscriber):
    """Adapts an analysis port to one scoreboard method (pyuvm subscribers have one write)."""

    def __init__(self, name, parent, fn):
        super().__init__(name, parent)
        self.fn = fn

    def write(self, item):
        self.fn(item)


def subscriber(name, parent, fn) -> _Sub:
    return _Sub(name, parent, fn)

