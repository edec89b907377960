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
  or a failure;
- failures are counted (pyuvm's logger.error does not fail a test) and asserted in
  check_phase; each is one ERROR line with everything needed to act.
"""
from __future__ import annotations

from collections import deque

from pyuvm import uvm_component, uvm_subscriber

from models import Outcome, Reg
from models.fault_queue import RECORD_BYTES, fault_record
from scoreboards import CoherenceOracle
from tb.env.doorbell import published_commands


class IommuScoreboard(uvm_component):
    def build_phase(self):
        self.oracle: CoherenceOracle | None = None
        self.failures: list[str] = []
        self.checked = 0
        self.stale_used = 0
        self._last_cqh = None
        self._earlier: dict[int, frozenset] = {}      # seq_no -> outcomes at earlier moments
        self._faults: deque = deque(maxlen=4096)      # faulting results awaiting their record
        self._fence_writes: deque = deque()           # (addr, data) expected, doorbell order
        self.records_seen = 0
        self._record = None                           # [addr, dw0, iotval] being received
        self._orphans: list = []                      # records written before their response
        self.fence_writes_seen = 0
        self.msi_writes_seen = 0
        self.msi_ranges: list = []                    # [lo, hi) where MSIs may be written
        self.inflight: dict = {}                      # seq_no -> Request, accepted, unanswered
        self.cause_on_port = True                     # False: only fault records carry causes
        self.on_record_cause = None                   # (cause) when a record names a port-less cause
        self.max_failures_logged = 20

    # -- software actions (called by the env's software facade and the register monitor) --
    def issued(self, item) -> None:
        seq_no, req = item
        self.inflight[seq_no] = req

    def before_change(self) -> None:
        """Freeze what is permitted now for every request the DUT is working on."""
        if not self.inflight:
            return
        for seq_no, req in self.inflight.items():
            now = self.oracle.outcomes(req)
            self._earlier[seq_no] = self._earlier.get(seq_no, frozenset()) | now

    def store64(self, pa: int, value: int) -> None:
        if self.oracle.mem.peek(pa, 8) != (value & (2**64 - 1)).to_bytes(8, "little"):
            self.before_change()       # a store that changes nothing cannot change outcomes
        self.oracle.store64(pa, value)

    def reg_op(self, op) -> None:
        if op.write:
            self.before_change()
            if op.offset in (Reg.CQB, Reg.CQCSR):
                self._last_cqh = None          # the queue may restart at index 0
            if op.offset in (Reg.CQT,) and op.size == 4:
                self._note_doorbell(op.value)
            self.oracle.write_reg(op.offset, op.value, size=op.size)
        elif op.offset == Reg.CQH and op.size == 4 and op.result != self._last_cqh:
            # A new cqh: commands up to the last fence before it completed. Repeated polls
            # of the same value report nothing new and cost nothing.
            self._last_cqh = op.result
            self.before_change()
            self.oracle.commands_done(op.result)

    def _note_doorbell(self, new_cqt: int) -> None:
        """Remember the AV data writes of the IOFENCE.C commands this doorbell publishes."""
        for cmd in published_commands(self.oracle, new_cqt):
            if cmd is not None and cmd.name == "IOFENCE.C" and cmd.av:
                self._fence_writes.append((cmd.addr, cmd.data))

    # -- DUT side ---------------------------------------------------------------------------
    def translation(self, res) -> None:
        self.checked += 1
        self.inflight.pop(res.seq_no, None)
        earlier = self._earlier.pop(res.seq_no, frozenset())
        if res.fault and (res.cause is None or not self.cause_on_port):
            res.cause = None                   # whatever the port drove: the record tells
            self._fault_without_cause(res, earlier)
            return
        observed = Outcome(None, res.cause) if res.fault else Outcome(res.pa, None)
        verdict = self.oracle.check(res.req, observed, earlier)
        if not verdict.ok:
            self._fail(verdict.message)
        elif "stale=" in verdict.message:
            self.stale_used += 1
        if res.fault and not self._match_orphan(res):
            self._owe_record(res)

    def _owe_record(self, res) -> None:
        """A faulting response waits for its record, if the fault queue was on (with fqen=0
        the spec writes none: e.g. requests made before software enabled the queue)."""
        if self.oracle.model.fq.fqen:
            self._faults.append(res)

    def _fault_without_cause(self, res, earlier: frozenset) -> None:
        """The port said "fault" and no more: a fault must be permitted now; which cause is
        checked against the record the IOMMU writes (matched later, or already written)."""
        verdict = self.oracle.check_fault(res.req, earlier)
        if not verdict.ok:
            self._fail(verdict.message)
            return
        res.permitted = verdict.permitted
        if not self._match_orphan(res):
            self._owe_record(res)

    def mem_access(self, access) -> None:
        kind, addr, data, ok = access
        if kind != "W" or not ok:
            return
        fq = self.oracle.model.fq
        fq_lo = fq.base
        fq_hi = fq_lo + fq.entries * RECORD_BYTES
        if fq_lo <= addr < fq_hi:
            self._record_beat(addr, data)
        elif any(lo <= addr < hi for lo, hi in self.msi_ranges):
            self.msi_writes_seen += 1          # an MSI the profile declares: logged, not judged
            self.logger.info(f"MSI write {addr:#x}<-{int.from_bytes(data, 'little'):#x} "
                             f"({len(data)} bytes)")
        else:
            self._fence_write(addr, data)

    @staticmethod
    def _dw0_of(res) -> int:
        """DW0 of the record the model would write for this faulting response (the model's
        encoder; cause 0 when the port did not carry it)."""
        return fault_record(res.req, Outcome(None, res.cause or 0))[0]

    def _record_beat(self, addr: int, data: bytes) -> None:
        # A 32-byte record arrives as four 8-byte beats. DW1 must be 0; DW0 (cause and ids)
        # and DW2 (iotval = the IOVA) identify the faulting response. The record may be
        # written before the response reaches the device port, so an unmatched record waits
        # for its response; one still unmatched at the end of the test is a failure.
        off = (addr - self.oracle.model.fq.base) % RECORD_BYTES
        word = int.from_bytes(data[:8], "little")
        if off == 0:
            self.records_seen += 1
            self._record = [addr, word, None]
        elif self._record is None:
            return
        elif off == 8 and word != 0:
            self._fail(f"FAULT-RECORD at {self._record[0]:#x} DW1={word:#x}, expected 0 (reserved)")
        elif off == 16:
            self._record[2] = word
            rec, self._record = tuple(self._record), None
            if not self._match_record(rec):
                self._orphans.append(rec)

    def _pairs(self, res, rec) -> bool:
        """Is `rec` (addr, dw0, iotval) the record of the faulting response `res`? A response
        without a cause pairs on everything else, and its record's cause must be one the
        oracle permitted when the response came back."""
        _, dw0, iotval = rec
        if res.req.iova != iotval:
            return False
        if res.cause is not None:
            return self._dw0_of(res) == dw0
        if (self._dw0_of(res) ^ dw0) & ~0xFFF:
            return False
        cause = dw0 & 0xFFF
        if cause not in _fault_causes(res):
            # Judged as if the port had said it: what was permitted when the answer came back,
            # and why this cause is not (the oracle's line), then where the cause came from.
            verdict = self.oracle.check(res.req, Outcome(None, cause), res.permitted)
            if not verdict.ok:
                self._fail(verdict.message + f" (cause from the fault record at {rec[0]:#x}; "
                           f"the port answered a fault without cause)")
        res.cause = cause                  # what the record said, for the end-of-test rules
        if self.on_record_cause is not None:
            self.on_record_cause(cause)
        return True

    def _match_record(self, rec) -> bool:
        for i, res in enumerate(self._faults):
            if self._pairs(res, rec):
                del self._faults[i]
                return True
        return False

    def _match_orphan(self, res) -> bool:
        for i, rec in enumerate(self._orphans):
            if self._pairs(res, rec):
                del self._orphans[i]
                return True
        return False

    def pending_problems(self) -> list[str]:
        """End of test: what the DUT still owed. Faults the spec reports whatever DTF says
        (256-259) must have their record when the queue was on and cannot have overflowed;
        every IOFENCE.C data write must have happened."""
        out = []
        for addr, dw0, iotval in self._orphans[:1]:
            out.append(f"FAULT-RECORD at {addr:#x} dw0={dw0:#018x} iotval={iotval:#x} matches no faulting "
                       f"response (cause {dw0 & 0xFFF}, did {dw0 >> 40:#x}, ttyp {(dw0 >> 34) & 0x3F}); "
                       f"{len(self._orphans)} such record(s)")
        fq = self.oracle.model.fq
        always = {256, 257, 258, 259}
        owed = [r for r in self._faults if (r.cause in always if r.cause is not None
                                            else _fault_causes(r) <= always)]
        if owed and fq.fqen and self.records_seen + len(owed) < fq.entries - 1:
            r = owed[0]
            cause = r.cause if r.cause is not None else "/".join(map(str, sorted(_fault_causes(r))))
            out.append(f"FAULT-RECORD missing for {len(owed)} reported fault(s); first: cause "
                       f"{cause} did={r.req.did:#x} iova={r.req.iova:#x}")
        if self._fence_writes:
            a, d = self._fence_writes[0]
            out.append(f"IOFENCE.C data write missing: {len(self._fence_writes)} expected, first "
                       f"{a:#x}<-{d:#x} (was the fence completed? was the queue polled?)")
        return out

    def _fence_write(self, addr: int, data: bytes) -> None:
        self.fence_writes_seen += 1
        got = int.from_bytes(data, "little")
        if self._fence_writes and self._fence_writes[0] == (addr, got):
            self._fence_writes.popleft()
            return
        want = (f"{self._fence_writes[0][0]:#x}<-{self._fence_writes[0][1]:#x}"
                if self._fence_writes else "no IOFENCE.C with AV=1 pending")
        self._fail(f"WRITE unexpected memory write {addr:#x}<-{got:#x} ({len(data)} bytes); "
                   f"expected next IOFENCE.C data write: {want}")

    def _fail(self, msg: str) -> None:
        self.failures.append(msg)
        if len(self.failures) <= self.max_failures_logged:
            self.logger.error(msg)
        elif len(self.failures) == self.max_failures_logged + 1:
            self.logger.error("... further failures counted, not printed")

    def report_lines(self) -> list[str]:
        return [f"scoreboard: {self.checked} translations checked, {len(self.failures)} failures, "
                f"{self.stale_used} permitted stale results, {self.records_seen} fault records, "
                f"{self.fence_writes_seen} IOFENCE.C data writes"
                + (f", {self.msi_writes_seen} MSI writes" if self.msi_writes_seen else "")]


def _fault_causes(res) -> frozenset:
    """The causes permitted when a fault without cause came back."""
    return frozenset(int(o.cause) for o in res.permitted if not o.ok)


class _Sub(uvm_subscriber):
    """Adapts an analysis port to one scoreboard method (pyuvm subscribers have one write)."""

    def __init__(self, name, parent, fn):
        super().__init__(name, parent)
        self.fn = fn

    def write(self, item):
        self.fn(item)


def subscriber(name, parent, fn) -> _Sub:
    return _Sub(name, parent, fn)

