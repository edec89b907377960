"""Inbound PCIe "Invalidation Completion" messages and the ATS.INVALs awaiting them.

Spec (riscv-iommu): ATS.INVAL "completes when an 'Invalidation Completion' response message is
received from the device or a protocol-defined timeout occurs ... The IOMMU may advance the cqh
and fetch more commands from CQ while a response is awaited. If a timeout occurs, it is
reported when a subsequent IOFENCE.C command is executed"; IOFENCE.C completes only when every
previously fetched command completed, and on a timeout sets cqcsr.cmd_to with cqh holding the
IOFENCE.C's index. DC.tc.EN_ATS = 1 enables the "PCIe ATS Invalidation Completion Message";
"otherwise they are treated as unsupported requests".
PCIe (ATS): each Invalidation Request carries an ITag (0..31) the translation agent does not
reuse until the request completed (or a timeout released it); the device answers with one or
more Invalidation Completion messages, each carrying an ITag Vector (bit i: the request with
ITag i) and a Completion Count CC (3 bits, 0 meaning 8): the request is complete once CC
completions naming its ITag arrived from that device.

The model (IommuModel, docs/design.md "ATS, PRI and T2GPA"):
- by default (`at_once`) the device answers every Invalidation Request at once (today's
  behaviour; `IommuModel.ats_inval_answered` may still make one time out);
- with `at_once` False, an ATS.INVAL takes the lowest free ITag and stays outstanding until
  `IommuModel.invalidation_completion(InvalidationCompletion(...))` completes it or
  `IommuModel.ats_inval_timeout()` says the protocol timeout elapsed. With all 32 ITags in use
  the next ATS.INVAL waits (cqh stays on it: the model's choice). An IOFENCE.C waits while any
  invalidation is outstanding; after a timeout it sets cmd_to (cqh on the fence), as before.
- a completion is checked as a PCIe message (TTYP 9, iotval = its message code 0x02): ddtp Off
  256, Bare 260, a DC that cannot be located its cause, EN_ATS = 0 260 (DTF honoured); then
  it is discarded. A completion naming no outstanding ITag of that device is ignored (counted
  in `AtsInvalidations.ignored`): the model's choice, PCIe gives the agent no error to report.
- CC is taken from the first completion of a request (0 -> 8); later ones with another CC
  count the same (the model's choice).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

ITAGS = 32
MSG_CODE_INVALIDATION_COMPLETION = 0x02


@dataclass(frozen=True)
class InvalidationCompletion:
    """An "Invalidation Completion" message from device `did` (its Requester ID, with the
    segment in [23:16] as a device_id): ITag Vector (bit i = ITag i) and Completion Count."""
    did: int
    itag_vector: int
    cc: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.did < 1 << 24:
            raise ValueError(f"InvalidationCompletion.did {self.did:#x} does not fit 24 bits")
        if not 0 < self.itag_vector < 1 << ITAGS:
            raise ValueError(f"InvalidationCompletion.itag_vector {self.itag_vector:#x}: 32 bits, "
                             f"at least one set")
        if not 0 <= self.cc < 8:
            raise ValueError(f"InvalidationCompletion.cc {self.cc}: 3 bits (0 means 8)")

    @property
    def count(self) -> int:
        return self.cc or 8

    def itags(self) -> list:
        return [i for i in range(ITAGS) if self.itag_vector >> i & 1]


@dataclass
class Outstanding:
    """One Invalidation Request awaiting its completions."""
    did: int
    msg: object                     # the ats.InvalidationRequest sent
    expected: Optional[int] = None  # CC of the first completion (0 -> 8)
    received: int = 0


@dataclass
class AtsInvalidations:
    """The ITags in use and what a fence waits for."""
    at_once: bool = True
    outstanding: dict = field(default_factory=dict)     # ITag -> Outstanding
    timed_out: bool = False        # a timeout happened; the next IOFENCE.C reports it
    ignored: int = 0               # completions that named no outstanding request
    completed: list = field(default_factory=list)       # (ITag, InvalidationRequest) done

    def free_itag(self) -> Optional[int]:
        """The lowest ITag not in use (the model's choice of order), None if all 32 are."""
        for i in range(ITAGS):
            if i not in self.outstanding:
                return i
        return None

    def issue(self, itag: int, did: int, msg) -> None:
        if itag in self.outstanding:
            raise ValueError(f"ITag {itag} is still in use")
        self.outstanding[itag] = Outstanding(did, msg)

    def complete(self, c: InvalidationCompletion) -> list:
        """Count `c` against each ITag it names; returns the ITags whose request completed."""
        done = []
        for i in c.itags():
            o = self.outstanding.get(i)
            if o is None or o.did != c.did:
                self.ignored += 1
                continue
            if o.expected is None:
                o.expected = c.count
            o.received += 1
            if o.received >= o.expected:
                del self.outstanding[i]
                self.completed.append((i, o.msg))
                done.append(i)
        return done

    def timeout(self) -> list:
        """The protocol timeout elapsed for every outstanding request: they complete (their
        ITags are free again) and the next IOFENCE.C reports cmd_to. Returns their ITags."""
        itags = sorted(self.outstanding)
        if itags:
            self.timed_out = True
        self.outstanding.clear()
        return itags
