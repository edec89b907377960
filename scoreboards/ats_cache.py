"""The device's ATS translation cache (ATC), as the coherence oracle must allow for it.

A device that received an ATS translation completion may cache it and use it for Translated
requests, without asking the IOMMU again, until an ATS.INVAL covering it has *completed*: the
spec's ATS.INVAL sends an "Invalidation Request" and "completes when an Invalidation Completion
... is received", and only a later IOFENCE.C completing tells software so ("Software that needs
to know if the invalidation operation completed on the device may use ... IOFENCE.C"). Until
then the old translation stays usable. IOTINVAL and IODIR invalidate the IOMMU's caches only:
they never remove a device ATC entry (software must send ATS.INVAL as well; the spec's
"Enable/Disable ATS" guidelines invalidate the IOATC first, then the device ATC).

API (plain Python; the checker calls it as it sees events):
    atc = DeviceAtc()
    atc.record_completion(did, pid, iova, completion)   # an AtsCompletion the device received
    t = atc.on_ats_inval(did, pid, base, size_log2, g)   # an ATS.INVAL was fetched (a ticket)
    f = atc.on_fence()                                   # an IOFENCE.C was fetched (a ticket)
    atc.fence_completed(f)                               # ...and completed: earlier INVALs done
    atc.on_command(cmd)                                  # either of the above from a Command
    atc.permitted(did, pid, iova)       # frozenset of Permit: what the device may hold for iova
    atc.check_translated(did, addr, access, pid=None) -> Optional[str]   # None: permitted
    atc.stale(lookup)                   # software findings: entries the tables no longer give

Which entries an Invalidation Request covers (PCIe ATS, the model's reading): the untranslated
range of the payload (S encoding); without a PASID every entry of the device in the range,
whatever its PASID; with a PASID the entries of that PASID, and with G=1 also the global
entries (Global=1) of every PASID. An entry recorded after the ATS.INVAL was fetched is not
covered (the device asked again, after the invalidation). device_id: ATS.INVAL addresses RID
with DSEG when DSV=1; with DSV=0 the model takes segment 0 (device_id = RID).

Entries granting nothing (R=W=0) are not recorded: a device can use them for no access.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional

from models.ats import AtsCompletion, InvalidationRequest

READ, WRITE, EXEC = "read", "write", "exec"


class Permit(NamedTuple):
    """A translation a device may use: the translated address of the asked address, and the
    permissions of the completion."""
    addr: int
    r: bool
    w: bool
    x: bool


@dataclass
class _Entry:
    seq: int                 # when it was recorded (orders it against invalidations)
    did: int
    pid: Optional[int]
    iova_base: int           # the untranslated range the completion covers
    completion: AtsCompletion
    revoked_by: Optional[int] = None      # ticket of the completed ATS.INVAL that removed it
    pending: Optional[int] = None         # ticket of a fetched, not yet complete, ATS.INVAL

    def covers_iova(self, iova: int) -> bool:
        size = 1 << self.completion.size_log2
        return self.iova_base <= iova < self.iova_base + size

    def covers_translated(self, addr: int) -> bool:
        c = self.completion
        return c.addr <= addr < c.addr + (1 << c.size_log2)

    def allows(self, access: str) -> bool:
        c = self.completion
        return {READ: c.r, WRITE: c.w, EXEC: c.x and c.r}[access]

    def describe(self) -> str:
        pasid = "no PASID" if self.pid is None else f"PASID {self.pid:#x}"
        return (f"completion #{self.seq} (device {self.did:#x}, {pasid}, IOVA "
                f"{self.iova_base:#x}/2^{self.completion.size_log2} -> {self.completion})")


@dataclass
class _Inval:
    ticket: int
    seq: int
    did: int
    pid: Optional[int]
    base: int
    size_log2: int
    g: bool
    done: bool = False

    def covers(self, e: _Entry) -> bool:
        if e.seq >= self.seq or e.did != self.did:
            return False
        if self.pid is not None and e.pid != self.pid and not (self.g and e.completion.g):
            return False
        lo, hi = self.base, self.base + (1 << self.size_log2)
        e_lo = e.iova_base
        e_hi = e_lo + (1 << e.completion.size_log2)
        return e_lo < hi and lo < e_hi


class DeviceAtc:
    """The translations each device may have cached, per the completions it received."""

    def __init__(self) -> None:
        self._seq = 0
        self._entries: list[_Entry] = []
        self._invals: list[_Inval] = []
        self._fences: int = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    # -- events --------------------------------------------------------------------------
    def record_completion(self, did: int, pid: Optional[int], iova: int,
                          completion: AtsCompletion) -> None:
        """The device received `completion` for a translation request of `iova` (one with
        U=1, Untranslated access only, gives the device nothing to use)."""
        if not completion.ok or completion.addr is None or completion.u:
            return
        base = iova & ~((1 << completion.size_log2) - 1)
        self._entries.append(_Entry(self._next(), did, pid, base, completion))

    def on_ats_inval(self, did: int, pid: Optional[int], base: int, size_log2: int = 12,
                     g: bool = False) -> int:
        """An ATS.INVAL was fetched. Returns its ticket."""
        if size_log2 < 12 or base & ((1 << size_log2) - 1):
            raise ValueError(f"on_ats_inval: range {base:#x}/2^{size_log2} must be aligned, >= 4 KiB")
        inv = _Inval(len(self._invals) + 1, self._next(), did, pid, base, size_log2, g)
        self._invals.append(inv)
        for e in self._entries:
            if e.revoked_by is None and e.pending is None and inv.covers(e):
                e.pending = inv.ticket
        return inv.ticket

    def on_fence(self) -> int:
        """An IOFENCE.C was fetched. Returns its ticket (for fence_completed)."""
        return len(self._invals)

    def fence_completed(self, fence_ticket: int) -> None:
        """The IOFENCE.C with this ticket completed: every ATS.INVAL fetched before it has
        completed, so the entries they cover are gone from the device."""
        for inv in self._invals[:fence_ticket]:
            if inv.done:
                continue
            inv.done = True
            for e in self._entries:
                if e.revoked_by is None and inv.covers(e):
                    e.revoked_by = inv.ticket
                    e.pending = None

    def on_command(self, cmd) -> Optional[int]:
        """A models.command_queue.Command fetched by the IOMMU: ATS.INVAL and IOFENCE.C return
        their ticket, others None (IOTINVAL/IODIR do not touch the device's ATC)."""
        if cmd.name == "ATS.INVAL":
            m = InvalidationRequest.from_command(cmd)
            base, size_log2 = m.range()
            return self.on_ats_inval(m.did, m.pid, base, size_log2, m.g)
        if cmd.name == "IOFENCE.C":
            return self.on_fence()
        return None

    # -- questions -------------------------------------------------------------------------
    def permitted(self, did: int, pid: Optional[int], iova: int) -> frozenset:
        """The translations of `iova` the device may hold now (live entries only)."""
        return frozenset(Permit(e.completion.translate(iova), e.completion.r, e.completion.w,
                                e.completion.x and e.completion.r)
                         for e in self._entries
                         if e.revoked_by is None and e.did == did and e.pid == pid
                         and e.covers_iova(iova))

    def stale(self, lookup) -> list[str]:
        """Software findings: live entries whose translation the tables no longer give.
        lookup(did, pid, iova, completion) -> the AtsCompletion the IOMMU would return now
        (changing nothing) to the request that got `completion`. An entry whose range, address or permissions differ (a permission taken away,
        a page moved or unmapped) stays usable by the device until an ATS.INVAL covering it
        completes: IOTINVAL alone does not remove it. An entry an ATS.INVAL already covers (not
        yet complete) is not reported."""
        out = []
        for e in self._entries:
            if e.revoked_by is not None or e.pending is not None:
                continue
            c = e.completion
            now = lookup(e.did, e.pid, e.iova_base, c)
            same = (now is not None and now.ok and now.addr is not None
                    and now.size_log2 >= c.size_log2
                    and now.translate(e.iova_base) == c.addr
                    and all(a >= b for a, b in zip((now.r, now.w, now.x), (c.r, c.w, c.x))))
            if not same:
                out.append(f"{e.describe()} is no longer what the tables give ({now}): the "
                           f"device may use it until an ATS.INVAL covering IOVA "
                           f"{e.iova_base:#x} completes (IOTINVAL does not reach a device ATC)")
        return out

    def check_translated(self, did: int, addr: int, access: str = READ,
                         pid: Optional[int] = None) -> Optional[str]:
        """None if a Translated request of `access` to `addr` from device `did` may use an
        entry the device holds (with `pid`: that PASID's entries; None: any), else a finding
        that names the entry an ATS.INVAL removed, or says no completion granted it."""
        if access not in (READ, WRITE, EXEC):
            raise ValueError(f"check_translated: access is 'read', 'write' or 'exec', not {access!r}")
        stale = None
        for e in self._entries:
            if e.did != did or (pid is not None and e.pid != pid):
                continue
            if not (e.covers_translated(addr) and e.allows(access)):
                continue
            if e.revoked_by is None:
                return None
            stale = stale or e
        if stale is not None:
            return (f"translated {access} of {addr:#x} by device {did:#x} uses "
                    f"{stale.describe()}, which ATS.INVAL #{stale.revoked_by} removed from "
                    f"the device's ATC and a later IOFENCE.C completed (the spec: ATS.INVAL "
                    f"completes when the device answered; IOTINVAL never invalidates a device "
                    f"ATC)")
        return (f"translated {access} of {addr:#x} by device {did:#x}: no ATS completion the "
                f"device received grants it")
