"""The scoreboard's part for MSI writes to MRIF-mode pages (capabilities.MSI_MRIF): every device
write (with a WriteRequest's data, else 0, which the device port drives then) is followed from
the moment the DUT accepts it to its response, and every IOMMU memory write it causes is
judged with scoreboards/mrif_writes.py:

- issued: what the oracle permits for it now (MrifWrites.expect), widened with what the
  scoreboard froze for it while it was in flight (a store or an invalidation meanwhile);
- an 8-byte IOMMU write to a pending doubleword: the MRIF update (check_update; the IOMMU's
  read of it is the value memory held, which the oracle's memory mirrors: no one else writes
  an MRIF in these scenarios), then mirrored into the oracle's memory;
- a 4-byte IOMMU write: the notice MSI (check_notice: after the update it announces); a notice
  answered with a bus error owes the IOMMU's cause-273 record (fault_records.msi_write_failed);
- the response: dev_rsp_mrif says the IOMMU consumed the write, and how (recorded, discarded,
  aborted): one of the permitted MRIF targets must do that, and a write not recorded must have
  caused no update; a response that is not consumed goes to the ordinary check (a translation
  or a fault the oracle permits), with no update made for it either;
- an IOFENCE.C with PW=1 that completes: every recorded write answered before it has its
  update seen (MrifWrites.fence_completed);
- the end: every recorded write had its update and its notice.

Plain Python over the oracle (no simulator import); `fail` takes one line per failure.
"""
from __future__ import annotations

from typing import Callable, Optional

from models import Outcome, msi_mrif
from scoreboards.fault_records import Fault
from scoreboards.mrif_writes import Expectation, MrifWrites

WRITES = (3, 7)               # untranslated / translated write TTYPs
UPDATE_FAULTS = (264, 271)    # the MRIF update failed: MRIF access fault, MSI MRIF data corruption


class _Open:
    """One MSI write in flight or answered and still owing memory writes."""
    __slots__ = ("seq_no", "exp", "answered", "action", "noticed")

    def __init__(self, seq_no: int, exp: Expectation) -> None:
        self.seq_no = seq_no
        self.exp = exp
        self.answered = False
        self.action: Optional[str] = None
        self.noticed = False


class MrifCheck:
    def __init__(self, oracle, fail: Callable[[str], None], rec=None,
                 on_cov: Optional[Callable[[str], None]] = None,
                 fence_next: Callable[[int, int], bool] = lambda a, d: False) -> None:
        self.oracle = oracle
        self.fence_next = fence_next            # (addr, data) is the next IOFENCE.C data write
        self.fail = fail
        self.rec = rec                          # the fault-record checker (a failed notice)
        self.on_cov = on_cov
        self.mw = MrifWrites(oracle)
        self.open: list[_Open] = []             # issue order
        self.updates = 0
        self.notices = 0

    @property
    def active(self) -> bool:
        return bool(self.oracle.model.caps.msi_mrif)

    # -- the device's write ----------------------------------------------------------------
    def issued(self, seq_no: int, req) -> None:
        """A request the DUT accepted: a write is followed, with its data (a WriteRequest's;
        0 for any other write: what the device port drives for it)."""
        if not self.active or int(req.ttyp) not in WRITES:
            return
        self.open.append(_Open(seq_no, self.mw.expect(req, getattr(req, "data", 0))))

    def widen(self, seq_no: int, earlier: frozenset) -> None:
        """The scoreboard froze `earlier` for this request (something changed in its flight)."""
        o = self._by_seq(seq_no)
        if o is not None:
            self._merge(o, earlier)

    def _merge(self, o: _Open, earlier: frozenset) -> None:
        e = o.exp
        more = self.mw.expect(e.req, e.data, e.size, earlier)
        e.effects = e.effects | more.effects
        e.others = e.others | more.others
        e.causes = e.causes | more.causes

    def _by_seq(self, seq_no: int) -> Optional[_Open]:
        for o in self.open:
            if o.seq_no == seq_no:
                return o
        return None

    def result(self, res, earlier: frozenset) -> bool:
        """The response to a tracked write: True when it was judged here (the IOMMU consumed
        it); False: the scoreboard's ordinary check judges it."""
        o = self._by_seq(res.seq_no)
        if o is None:
            return self._untracked(res, earlier)
        self._merge(o, earlier)
        e = o.exp
        o.answered, o.action = True, res.mrif
        if res.fault and res.cause is not None and int(res.cause) in UPDATE_FAULTS:
            return self._update_fault(o, int(res.cause))
        if res.mrif is None:
            # a translation or a fault: no MRIF update may have been made for it
            if e.updated:
                self.fail(f"MISMATCH MRIF {e.head()}: answered as "
                          f"{'a fault' if res.fault else f'a translation to {res.pa:#x}'} "
                          f"after the IOMMU updated the MRIF for it")
            self._close(o)
            return False
        actions = {x.action for x in e.effects}
        if res.mrif not in actions:
            self.fail(f"MISMATCH MRIF {e.head()}: the IOMMU answered '{res.mrif}' (dev_rsp_mrif), "
                      f"permitted {self.mw._permitted(e)}")
            self._close(o)
            return True
        if self.on_cov is not None:
            self.on_cov(res.mrif)
        if res.mrif != msi_mrif.RECORDED:
            if e.updated:
                self.fail(f"MISMATCH MRIF {e.head()}: answered '{res.mrif}' but the IOMMU "
                          f"updated the MRIF for it")
            self._close(o)
            return True
        self.mw.processed(e)
        if e.updated and o.noticed:
            self._close(o)
        return True

    def _update_fault(self, o: _Open, cause: int) -> bool:
        """The write faulted because its MRIF update did (264/271): permitted when a permitted
        target's pending doubleword meets a bus error, the PAS limit or poison in memory now;
        its record is then owed as for any fault (DC.tc.DTF of the walk decides; iotval2 is
        not judged for these causes)."""
        e = o.exp
        self._close(o)
        v = self.mw.check_fault(e, cause)
        if not v.ok:
            self.fail(v.message)
            return True
        if e.updated:
            self.fail(f"MISMATCH MRIF {e.head()}: answered fault {cause} after the IOMMU "
                      f"updated the MRIF for it")
        if self.on_cov is not None:
            self.on_cov(f"fault_{cause}")
        if self.rec is not None:
            dtf = self.oracle.model.walk(e.req).dtf
            self.rec.fault(Fault(e.req, cause, frozenset({Outcome(None, cause)}),
                                 {cause: frozenset({(0, dtf)})}))
        return True

    def _untracked(self, res, earlier: frozenset) -> bool:
        """A response to a request not followed (a read, or anything while the DUT does not
        report MSI_MRIF): consumed only if some permitted MSI PTE is in MRIF mode; a read can
        only be aborted (the port has no read data to return 0 with)."""
        if res.mrif is None:
            return False
        r = res.req
        head = f"did={r.did:#x} iova={r.iova:#x} ttyp={int(r.ttyp)}"
        outs = self.oracle.outcomes(r) | earlier
        if not self.active or not any(x.mrif is not None for x in outs):
            self.fail(f"UNEXPECTED dev_rsp_mrif '{res.mrif}' for {head}: no permitted outcome "
                      f"is an MRIF page ({', '.join(sorted(map(str, outs)))})")
        elif int(r.ttyp) not in WRITES and res.mrif != msi_mrif.ABORTED:
            self.fail(f"MISMATCH MRIF read {head}: answered '{res.mrif}', a read of an MRIF "
                      f"page is aborted (or returns 0)")
        elif self.on_cov is not None:
            self.on_cov(res.mrif)
        return True

    def _close(self, o: _Open) -> None:
        if o in self.open:
            self.open.remove(o)

    # -- the IOMMU's memory writes ---------------------------------------------------------
    def _owing_update(self) -> list:
        return [o for o in self.open if o.exp.recorded and not o.exp.updated
                and o.action in (None, msi_mrif.RECORDED)]

    def mem_write(self, addr: int, data: bytes, ok: bool) -> bool:
        """An IOMMU write (ok: not a bus error): True when it was an MRIF update or a notice
        MSI of a tracked write (judged here)."""
        if not self.active or not self.open:
            return False
        if len(data) == 8 and ok:
            return self._update(addr, data)
        if len(data) == 4:
            return self._notice(addr, int.from_bytes(data, "little"), ok)
        return False

    def _update(self, addr: int, data: bytes) -> bool:
        owing = self._owing_update()
        # the write whose pending doubleword this is, else the oldest one owing an update,
        # else the oldest unanswered one (a write no permitted outcome records: judged as such)
        pick = next((o for o in owing for x in o.exp.recorded if x.pending_pa == addr), None)
        if pick is None:
            if self.oracle.model.caps.amo_hwad:
                return False                    # an A/D update, judged by the scoreboard
            pick = owing[0] if owing else next((o for o in self.open if not o.answered), None)
        if pick is None:
            return False
        value = int.from_bytes(data, "little")
        old = int.from_bytes(self.oracle.mem.peek(addr, 8), "little")
        v = self.mw.check_update(pick.exp, addr, value, 8, read_value=old)
        if not v.ok:
            self.fail(v.message)
        else:
            self.updates += 1
        self.oracle.mem.write(addr, data)      # memory as the DUT's now holds it
        return True

    def _notice(self, addr: int, value: int, ok: bool) -> bool:
        waiting = [o for o in self.open if o.exp.updated and not o.noticed]
        match = next((o for o in waiting for x in o.exp.recorded
                      if (x.target.notice_addr, x.target.nid) == (addr, value)), None)
        if match is None:
            # a notice for a write whose update was not seen, or to the wrong place
            cand = next((o for o in self.open for x in o.exp.effects
                         if (x.target.notice_addr, x.target.nid) == (addr, value)), None)
            if cand is None and waiting and not self.fence_next(addr, value):
                cand = waiting[0]
            if cand is None:
                return False
            match = cand
        v = self.mw.check_notice(match.exp, addr, value)
        if not v.ok:
            self.fail(v.message)
        match.noticed = True
        self.notices += 1
        if self.on_cov is not None:
            self.on_cov("notice" if ok else "notice_failed")
        if not ok and self.rec is not None:
            self.rec.msi_write_failed(addr)     # the IOMMU owes its cause-273 record
        if match.answered and match.exp.updated:
            self._close(match)
        return True

    # -- IOFENCE.C PW=1 and the end ---------------------------------------------------------
    def fences_completed(self, pw: bool) -> None:
        for v in self.mw.fence_completed(pw):
            self.fail(v.message)

    def problems(self) -> list[str]:
        out = []
        for o in self.open:
            e = o.exp
            if not o.answered:
                continue
            if o.action == msi_mrif.RECORDED and not e.updated:
                out.append(f"MISSING MRIF update for {e.head()}: answered 'recorded' "
                           f"({'; '.join(str(x) for x in e.recorded)})")
            elif o.action == msi_mrif.RECORDED and not o.noticed:
                out.append(f"MISSING notice MSI for {e.head()}: the MRIF was updated "
                           f"({'; '.join(str(x) for x in e.recorded)})")
        return out


def pw_fences(pending: list, cqh: int) -> bool:
    """Whether the commands an IOMMU's new cqh completes (the oracle's pending list: (index,
    command, doorbell, fence), up to the last IOFENCE.C before cqh) include an IOFENCE.C with
    PW=1."""
    last, pw = -1, []
    for i, (index, cmd, _, _) in enumerate(pending):
        if index == cqh:
            break
        if cmd.name == "IOFENCE.C":
            last = i
            pw.append((i, bool(getattr(cmd, "pw", 0))))
    return any(p for i, p in pw if i <= last)
