"""The performance monitor of a DUT (capabilities.HPM) judged against the golden model
(models/hpm.py): the scoreboard feeds it every request the DUT answered and every HPM
register access the register monitor saw (tb/env/iommu_scoreboard.py); each failed check is
one line `HPM <register> expected ... got ...`.

What is exact and what is a bound (docs/design.md, "HPM in the RTL"):
- events 1 (untranslated requests) and 2 (translated requests) are properties of the traffic:
  the model counts them as the DUT must, filters included, so a counter programmed with
  them reads exactly the model's value (and its OF, and ipsr.pmip, follow the model's);
- events 4..8 (TLB miss, DDT, PDT, first-stage and G-stage walks) depend on what the DUT had
  cached: the model counts what an IOMMU without caches counts, the most a DUT may count. A
  counter on such an event reads between the model's exact part and that plus the walk
  events the model counted for it (`slack`); with `exact_walks` (a DUT without caches,
  judged under the no-cache policy) it must read exactly the model's count. A read narrows
  the judgement: the model takes the DUT's value and the slack shrinks by what the DUT had
  counted (events it did not count by then were cache hits; they will never count);
- iohpmcycles counts clock cycles, which the model does not have: judged monotonic (strictly,
  while counting: a read comes at least one cycle after the last observation), frozen while
  iocountinh.CY inhibits it since a known value, its OF set exactly when a read shows it
  wrapped since the last observation (or was set before). The model takes each value read;
  a wrap raises the model's ipsr.pmip as the DUT's must.

Timing: the model counts a request when its response is judged; software must not reprogram
a counter (iohpmevt, iocountinh, iohpmctr) while requests are in flight, or the two disagree
on which events counted (the spec recommends inhibiting a counter while programming it).
Reads before software told the shape (`shape()`, after finding it through the WARL
registers) are not judged: the model does not know the DUT's shape yet.
Only 8-byte reads of iohpmcycles, iohpmctrX and iohpmevtX are judged (4-byte halves of them
are not: `unjudged`); iocountovf and iocountinh are 4-byte registers.
"""
from __future__ import annotations

from typing import Callable

from models import Reg, TTYP
from models import hpm as H
from models.endian import native_trace

CYC_MASK = (1 << 63) - 1
CYC_WRAP_WINDOW = 1 << 32        # an unobserved cycles wrap is believable this close to 2^63
EXACT_EVENTS = frozenset({H.UNTRANSLATED, H.TRANSLATED, H.ATS_REQ})


def hpm_offset(offset: int) -> bool:
    """An offset inside iocountovf .. iohpmevt31."""
    return Reg.IOCOUNTOVF <= int(offset) < Reg.TR_REQ_IOVA


class HpmChecker:
    def __init__(self, model, fail: Callable[[str], None], exact_walks: bool = False) -> None:
        self.model = model
        self.fail = fail
        self.exact_walks = exact_walks
        self.shaped = False                  # the DUT's shape is known (shape() was called)
        self._reset()

    def _reset(self) -> None:
        self.slack: dict[int, int] = {}      # counter -> walk events the DUT may have skipped
        self.cyc_last = 0                    # iohpmcycles as last known (written or read)
        self.cyc_mode = "counting"           # counting | stopping | frozen
        self.judged = 0
        self.unjudged = 0

    @property
    def hpm(self):
        return self.model.hpm

    def shape(self, counters: int, width: int) -> None:
        """The DUT's shape (WARL, found by software): the model becomes that IOMMU, at reset
        values (software programs every register after telling it)."""
        self.model.set_hpm_shape(counters, width)
        self._reset()
        self.shaped = True

    # -- traffic ---------------------------------------------------------------------------
    def request(self, req) -> None:
        """The DUT answered `req`: the events it counts, from the model's walk over memory
        now. Exact events go into the model's counters; walk events into the slack of each
        counter that counts them (or into the model's counters with exact_walks)."""
        h = self.hpm
        if h is None:
            return
        trace: list = []
        m = self.model
        m.walk(req, trace=trace)
        if m.caps.end:             # the filters read the DC/PC from the trace: as values
            trace = native_trace(trace, m.fctl & 1)
        t, events = H.request_events(req, trace)
        if int(req.ttyp) == int(TTYP.PCIE_ATS) and m.caps.ats:
            events.append((H.ATS_REQ, 1))     # event 3, as the model's ats_translate counts
        for event, n in events:
            if event in EXACT_EVENTS or self.exact_walks:
                h.event(event, t, n)
                continue
            for x in range(1, h.n + 1):
                if not h.inh >> x & 1 and H.counts(h.evt[x], event, t):
                    self.slack[x] = self.slack.get(x, 0) + n

    # -- register accesses -----------------------------------------------------------------
    def written(self, offset: int, size: int) -> None:
        """Software wrote an HPM register (the model has taken the write)."""
        h = self.hpm
        base = int(offset) & ~7 if size == 4 and int(offset) & 4 else int(offset)
        if Reg.IOHPMCTR1 <= base < Reg.IOHPMEVT1:
            self.slack.pop((base - Reg.IOHPMCTR1) // 8 + 1, None)
        elif base == Reg.IOHPMCYCLES:
            self.cyc_last = h.cycles
            self.cyc_mode = "frozen" if h.inh & 1 else "counting"
        elif base == Reg.IOCOUNTOVF and (size == 8 or int(offset) & 4):       # iocountinh
            if h.inh & 1:
                if self.cyc_mode == "counting":
                    self.cyc_mode = "stopping"      # stopped at a value not seen yet
            else:
                self.cyc_mode = "counting"

    def read(self, offset: int, size: int, got: int) -> None:
        """Software read an HPM register and got `got`: judge it."""
        h, off = self.hpm, int(offset)
        if not self.shaped:
            self.unjudged += 1
        elif off == Reg.IOCOUNTINH and size == 4:
            self.judged += 1
            want = h.inh
            if got != want:
                self.fail(f"HPM iocountinh expected {want:#x} got {got:#x}")
        elif off == Reg.IOCOUNTOVF and size == 4:
            self.judged += 1
            self._ovf(got)
        elif off == Reg.IOHPMCYCLES and size == 8:
            self.judged += 1
            self._cycles(got)
        elif Reg.IOHPMCTR1 <= off < Reg.IOHPMEVT1 and size == 8 and not off & 7:
            self.judged += 1
            self._ctr((off - Reg.IOHPMCTR1) // 8 + 1, got)
        elif Reg.IOHPMEVT1 <= off < Reg.TR_REQ_IOVA and size == 8 and not off & 7:
            self.judged += 1
            self._evt((off - Reg.IOHPMEVT1) // 8 + 1, got)
        else:
            self.unjudged += 1

    # -- judgement -------------------------------------------------------------------------
    def _may_overflow(self, x: int) -> bool:
        """Counter x's walk events not yet seen could wrap it."""
        return self.hpm.ctr[x] + self.slack.get(x, 0) > self.hpm.mask

    def _set_of(self, x: int) -> None:
        """The DUT's counter x overflowed where the model only bounded it: the model follows
        (OF, and ipsr.pmip when OF was 0)."""
        h = self.hpm
        if not h.evt[x] & H.OF:
            h.evt[x] |= H.OF
            if h.on_overflow is not None:
                h.on_overflow()

    def _absent(self, name: str, x: int, got: int) -> bool:
        """Counter x is not implemented: it must read 0 (True: nothing more to judge)."""
        if x <= self.hpm.n:
            return False
        if got:
            self.fail(f"HPM {name} expected 0 (not implemented: {self.hpm.n} counters) got {got:#x}")
        return True

    def _ctr(self, x: int, got: int) -> None:
        h = self.hpm
        name = f"iohpmctr{x}"
        if self._absent(name, x, got):
            return
        want, slack = h.ctr[x], self.slack.get(x, 0)
        if got > h.mask:
            self.fail(f"HPM {name} expected a {h.width}-bit value (at most {h.mask:#x}) "
                      f"got {got:#x}")
            return
        k = (got - want) & h.mask
        if k > slack:
            if slack:
                hi = (want + slack) & h.mask
                self.fail(f"HPM {name} expected {want:#x}..{hi:#x} ({want:#x} from events "
                          f"1/2 and software, plus at most {slack} walk/miss events: the "
                          f"model's count without caches) got {got:#x}")
            else:
                self.fail(f"HPM {name} expected {want:#x} (evt {h.evt[x]:#x}) got {got:#x}")
            return
        if k:                                    # walk events the DUT counted: the model follows
            if want + k > h.mask:
                self._set_of(x)
            h.ctr[x] = got
            self.slack[x] = slack - k

    def _evt(self, x: int, got: int) -> None:
        h = self.hpm
        name = f"iohpmevt{x}"
        if self._absent(name, x, got):
            return
        want = h.evt[x]
        if got & ~H.OF != want & ~H.OF:
            self.fail(f"HPM {name} expected {want:#x} got {got:#x}")
            return
        if got & H.OF and not want & H.OF and self._may_overflow(x):
            self._set_of(x)                      # wrapped on walk events the model bounded
            return
        if (got ^ want) & H.OF:
            why = ("counter overflowed: OF must be set" if want & H.OF
                   else "no overflow possible: OF must stay 0")
            self.fail(f"HPM {name} expected {want:#x} got {got:#x} (OF: {why}; "
                      f"iohpmctr{x} {h.ctr[x]:#x})")

    def _ovf(self, got: int) -> None:
        h = self.hpm
        want = h.ovf
        if got & 1 and not want & 1 and self.cyc_mode != "frozen" and \
                (1 << 63) - self.cyc_last <= CYC_WRAP_WINDOW:
            self._cyc_wrapped()                  # iohpmcycles wrapped since it was last read
            want |= 1
        for x in range(1, h.n + 1):
            if got >> x & 1 and not want >> x & 1 and self._may_overflow(x):
                self._set_of(x)
                want |= 1 << x
        if got != want:
            diff = got ^ want
            bits = ", ".join("CY" if b == 0 else f"HPM{b}" for b in range(32) if diff >> b & 1)
            self.fail(f"HPM iocountovf expected {want:#x} got {got:#x} (differs in {bits})")

    def overflow_if_believable(self) -> None:
        """The DUT told of a wrap some other way (its performance-monitor interrupt message):
        taken as iocountovf's CY bit is (_ovf) when it could have happened unobserved; else
        as the overflow of a counter the model only bounds (walk/miss events not yet seen
        could wrap it): the model raises ipsr.pmip now, as the DUT did, and which counter's
        OF is set is settled by the next read of its iohpmevt or of iocountovf."""
        if self.cyc_mode != "frozen" and (1 << 63) - self.cyc_last <= CYC_WRAP_WINDOW:
            self._cyc_wrapped()
            return
        h = self.hpm
        if h.on_overflow is not None and any(
                not h.evt[x] & H.OF and not h.inh >> x & 1 and self._may_overflow(x)
                for x in range(1, h.n + 1)):
            h.on_overflow()

    def _cyc_wrapped(self) -> None:
        h = self.hpm
        if not h.cycles & H.OF:
            h.cycles |= H.OF
            if h.on_overflow is not None:
                h.on_overflow()

    def _cycles(self, got: int) -> None:
        h = self.hpm
        last, mode = self.cyc_last, self.cyc_mode
        lv, lof = last & CYC_MASK, bool(last & H.OF)
        v, of = got & CYC_MASK, bool(got & H.OF)
        if mode == "frozen":
            if got != last:
                self.fail(f"HPM iohpmcycles expected {last:#x} (inhibited by iocountinh.CY "
                          f"since that value) got {got:#x}")
                return
        else:
            delta = (v - lv) & CYC_MASK
            least = 1 if mode == "counting" else 0
            if not least <= delta < 1 << 62:
                self.fail(f"HPM iohpmcycles expected a value after {last:#x} (counting "
                          f"{'' if least else 'until inhibited '}since) got {got:#x}")
                return
            wrapped = lv + delta > CYC_MASK
            want_of = lof or wrapped
            if of != want_of:
                self.fail(f"HPM iohpmcycles expected OF={int(want_of)} (from {last:#x}: "
                          f"{'wrapped' if wrapped else 'no wrap'}) got {got:#x}")
                return
            if wrapped and not lof:
                self._cyc_wrapped()
        h.cycles = got
        self.cyc_last = got
        if mode == "stopping":
            self.cyc_mode = "frozen"
