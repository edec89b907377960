"""Commands and the two software-facing queues.

Builders return models.command_queue.Command (encoded by models.command_queue.encode); an
operand given selects the scope: `gscid` given -> GV=1, `pscid` given -> PSCV=1, `addr` given
-> AV=1, `did` given -> DV=1.

CommandQueueWriter: the command queue as a driver runs it (cqb, cqt=0, cqen=1; commands
stored, then one doorbell write of cqt), tracking where each command sits so completion can be
checked against cqh. FaultQueueReader: fqb, fqh=0, fqen=1; records decoded between fqh and fqt.

Register writes go through `write_reg(offset, value, size)`. For a testbench whose register
writes are coroutines, every method that writes registers has a pure twin returning the
writes as RegWrite tuples (setup_writes, doorbell_write, head_write) to await one by one.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple, Optional

from models import Reg
from models.command_queue import Command, encode, napot_operand

from .update import Store64

VMA, GVMA = "IOTINVAL.VMA", "IOTINVAL.GVMA"
INVAL_DDT, INVAL_PDT = "IODIR.INVAL_DDT", "IODIR.INVAL_PDT"
FENCE = "IOFENCE.C"

CQ_ENTRY_BYTES = 16
FQ_RECORD_BYTES = 32
CQCSR_CQEN, CQCSR_CIE = 1, 2
FQCSR_FQEN, FQCSR_FIE = 1, 2


# ------------------------------------------------------------------------------ builders
def _addr_operands(addr: Optional[int], size: Optional[int], nl: bool) -> dict:
    """AV/ADDR/NL/S of an IOTINVAL: `size` (bytes, a power of two >= 8 KiB with `addr` aligned
    to it) asks for S=1 and the NAPOT range [addr, addr+size) (capabilities.S); size 4 KiB or
    None is the page of addr. `nl` asks for NL=1 (capabilities.NL). Both need an address."""
    if addr is None:
        if size is not None or nl:
            raise ValueError("IOTINVAL: NL and S (a size) need an address (AV=0 ignores them)")
        return {"av": 0, "addr": 0}
    if size is None or size == 0x1000:
        return {"av": 1, "addr": addr & ~0xFFF, "nl": int(nl)}
    return {"av": 1, "addr": napot_operand(addr, size), "nl": int(nl), "s": 1}


def iotinval_vma(*, gscid: Optional[int] = None, pscid: Optional[int] = None,
                 addr: Optional[int] = None, size: Optional[int] = None,
                 nl: bool = False) -> Command:
    """IOTINVAL.VMA: GV=1 with gscid, PSCV=1 with pscid, AV=1 with addr (ADDR[63:12]); with
    a size > 4 KiB S=1 over [addr, addr+size), with nl NL=1 (the extensions' operands)."""
    return Command(VMA, gv=int(gscid is not None), gscid=gscid or 0,
                   pscv=int(pscid is not None), pscid=pscid or 0,
                   **_addr_operands(addr, size, nl))


def iotinval_gvma(*, gscid: Optional[int] = None, addr: Optional[int] = None,
                  size: Optional[int] = None, nl: bool = False) -> Command:
    """IOTINVAL.GVMA: GV=1 with gscid (else every VM), AV=1 with addr (only with a gscid);
    size and nl as for iotinval_vma."""
    if addr is not None and gscid is None:
        raise ValueError("IOTINVAL.GVMA: an address needs a GSCID (GV=0 ignores AV)")
    return Command(GVMA, gv=int(gscid is not None), gscid=gscid or 0,
                   **_addr_operands(addr, size, nl))


def napot_cover(lo: int, hi: int) -> tuple[int, int]:
    """The smallest NAPOT block (base, size >= 4 KiB) containing the bytes lo..hi-1: what one
    S=1 invalidation names to cover several pages (it may name more than asked for)."""
    size = 0x1000
    while lo // size != (hi - 1) // size:
        size *= 2
    return lo - lo % size, size


def iodir_inval_ddt(did: Optional[int] = None) -> Command:
    """IODIR.INVAL_DDT: DV=1 DID=did, or DV=0 (every DDT and PDT entry) without a did."""
    return Command(INVAL_DDT, dv=int(did is not None), did=did or 0)


def iodir_inval_pdt(did: int, pid: int) -> Command:
    """IODIR.INVAL_PDT DV=1 DID PID (DV=0 is illegal)."""
    return Command(INVAL_PDT, dv=1, did=did, pid=pid)


def iofence_c(*, addr: Optional[int] = None, data: int = 0, wsi: bool = False,
              pr: bool = False, pw: bool = False) -> Command:
    """IOFENCE.C: AV=1 writes the 4-byte `data` to addr (4-byte aligned) on completion."""
    if addr is not None and addr % 4:
        raise ValueError(f"IOFENCE.C address {addr:#x} is not 4-byte aligned")
    return Command(FENCE, av=int(addr is not None), addr=addr or 0, data=data & 0xFFFF_FFFF,
                   wsi=int(wsi), pr=int(pr), pw=int(pw))


# ------------------------------------------------------------------------------ queues
class RegWrite(NamedTuple):
    offset: int
    value: int
    size: int


def _qbase(base: int, log2_entries: int) -> int:
    return (base >> 12) << 10 | (log2_entries - 1)


def _check_queue(base: int, log2_entries: int, entry_bytes: int, what: str) -> None:
    if not 1 <= log2_entries <= 31:
        raise ValueError(f"{what}: log2_entries {log2_entries} outside 1..31")
    align = max(0x1000, entry_bytes << log2_entries)
    if base % align:
        raise ValueError(f"{what}: base {base:#x} must be aligned to {align:#x}")


class QueueFull(Exception):
    """No free slot: the IOMMU has not fetched enough commands (update cqh first)."""


class Submitted(NamedTuple):
    seq: int            # running number of the command since the queue was enabled
    index: int          # slot in the queue (what cqh points at while it is pending)
    command: Command


class CommandQueueWriter:
    def __init__(self, base: int, log2_entries: int, store64: Store64,
                 write_reg: Callable[..., object]) -> None:
        """base: SPA of the queue (aligned as the spec asks); 2**log2_entries entries."""
        _check_queue(base, log2_entries, CQ_ENTRY_BYTES, "command queue")
        self.base, self.entries = base, 1 << log2_entries
        self.log2_entries = log2_entries
        self.store64, self.write_reg = store64, write_reg
        self.tail_seq = 0          # commands written
        self.head_seq = 0          # commands the IOMMU has fetched (as last told by cqh)
        self._fences: deque = deque()      # seq of each IOFENCE.C written and not yet fetched
        self.last_fence_done = -1          # seq of the latest IOFENCE.C cqh has moved past

    # -- set-up -------------------------------------------------------------------------------
    def setup_writes(self, cie: bool = False) -> list:
        """cqb, cqt=0, cqcsr.cqen=1 (the spec's initialisation order)."""
        return [RegWrite(Reg.CQB, _qbase(self.base, self.log2_entries), 8),
                RegWrite(Reg.CQT, 0, 4),
                RegWrite(Reg.CQCSR, CQCSR_CQEN | (CQCSR_CIE if cie else 0), 4)]

    def enable(self, cie: bool = False) -> None:
        for w in self.setup_writes(cie):
            self.write_reg(*w)
        self.tail_seq = self.head_seq = 0
        self._fences.clear()
        self.last_fence_done = -1

    # -- producing ---------------------------------------------------------------------------
    @property
    def tail(self) -> int:
        return self.tail_seq % self.entries

    def free_slots(self) -> int:
        return self.entries - 1 - (self.tail_seq - self.head_seq)

    def write(self, commands: Iterable[Command]) -> list:
        """Store commands (or one command) into the queue, no doorbell yet; returns their
        Submitted records."""
        commands = [commands] if isinstance(commands, Command) else list(commands)
        if len(commands) > self.free_slots():
            raise QueueFull(f"{len(commands)} command(s) but {self.free_slots()} free slot(s) "
                            f"(head seq {self.head_seq}, tail seq {self.tail_seq})")
        out = []
        for cmd in commands:
            dw0, dw1 = encode(cmd)
            slot = self.base + CQ_ENTRY_BYTES * self.tail
            self.store64(slot, dw0)
            self.store64(slot + 8, dw1)
            s = Submitted(self.tail_seq, self.tail, cmd)
            out.append(s)
            if cmd.name == FENCE:
                self._fences.append(self.tail_seq)
            self.tail_seq += 1
        return out

    def write_raw(self, dw0: int, dw1: int) -> int:
        """Store one command given as its two doublewords (an encoding decode() may refuse:
        how a test places an illegal command); returns its slot index."""
        if self.free_slots() < 1:
            raise QueueFull(f"no free slot (head seq {self.head_seq}, tail seq {self.tail_seq})")
        slot = self.tail
        self.store64(self.base + CQ_ENTRY_BYTES * slot, dw0)
        self.store64(self.base + CQ_ENTRY_BYTES * slot + 8, dw1)
        self.tail_seq += 1
        return slot

    def doorbell_write(self) -> RegWrite:
        return RegWrite(Reg.CQT, self.tail, 4)

    def ring(self):
        """Write cqt (returns what write_reg returns: await it if it is a coroutine)."""
        return self.write_reg(*self.doorbell_write())

    def submit(self, commands: Iterable[Command]) -> list:
        """write() then ring() (for synchronous write_reg, e.g. the model or the oracle)."""
        out = self.write(commands)
        self.ring()
        return out

    # -- completion ---------------------------------------------------------------------------
    def update_head(self, cqh: int) -> int:
        """Tell the writer the cqh value read; returns the number of commands fetched so far."""
        pending = self.tail_seq - self.head_seq
        advanced = (cqh - self.head_seq) % self.entries
        if advanced > pending:
            raise ValueError(f"cqh {cqh} is not between the head ({self.head_seq % self.entries}) "
                             f"and the tail ({self.tail}) of the queue")
        self.head_seq += advanced
        while self._fences and self._fences[0] < self.head_seq:
            self.last_fence_done = self._fences.popleft()
        return self.head_seq

    def fetched(self, item: Submitted, cqh: Optional[int] = None) -> bool:
        """cqh has moved past this command (after update_head(cqh) when cqh is given)."""
        if cqh is not None:
            self.update_head(cqh)
        return item.seq < self.head_seq

    def completed(self, item: Submitted, cqh: Optional[int] = None) -> bool:
        """The command has completed: an IOFENCE.C at or after it has been fetched past
        (cqh moving past a fence means every earlier command completed)."""
        if cqh is not None:
            self.update_head(cqh)
        return item.seq <= self.last_fence_done


# ------------------------------------------------------------------------------ fault queue
@dataclass(frozen=True)
class FaultRecord:
    cause: int
    pid: int
    pv: bool
    priv: bool
    ttyp: int
    did: int
    custom: int
    iotval: int
    iotval2: int

    @classmethod
    def from_words(cls, dw0: int, dw1: int, dw2: int, dw3: int) -> "FaultRecord":
        return cls(cause=dw0 & 0xFFF, pid=dw0 >> 12 & 0xFFFFF, pv=bool(dw0 >> 32 & 1),
                   priv=bool(dw0 >> 33 & 1), ttyp=dw0 >> 34 & 0x3F, did=dw0 >> 40 & 0xFFFFFF,
                   custom=dw1 & 0xFFFF_FFFF, iotval=dw2, iotval2=dw3)


class FaultQueueReader:
    def __init__(self, base: int, log2_entries: int, read64: Callable[[int], int],
                 write_reg: Optional[Callable[..., object]] = None) -> None:
        _check_queue(base, log2_entries, FQ_RECORD_BYTES, "fault queue")
        self.base, self.entries = base, 1 << log2_entries
        self.log2_entries = log2_entries
        self.read64, self.write_reg = read64, write_reg
        self.head = 0

    def setup_writes(self, fie: bool = False) -> list:
        """fqb, fqh=0, fqcsr.fqen=1 (the spec's initialisation order)."""
        return [RegWrite(Reg.FQB, _qbase(self.base, self.log2_entries), 8),
                RegWrite(Reg.FQH, 0, 4),
                RegWrite(Reg.FQCSR, FQCSR_FQEN | (FQCSR_FIE if fie else 0), 4)]

    def enable(self, fie: bool = False) -> None:
        for w in self.setup_writes(fie):
            self.write_reg(*w)
        self.head = 0

    def read(self, fqt: int) -> list:
        """Decode the records from the head up to fqt (the head does not move)."""
        out, i = [], self.head
        while i != fqt % self.entries:
            a = self.base + FQ_RECORD_BYTES * i
            out.append(FaultRecord.from_words(*(self.read64(a + 8 * k) for k in range(4))))
            i = (i + 1) % self.entries
        return out

    def head_write(self) -> RegWrite:
        return RegWrite(Reg.FQH, self.head, 4)

    def consume(self, fqt: int) -> list:
        """read(fqt), move the head to fqt and write fqh (through write_reg, if given)."""
        out = self.read(fqt)
        self.head = fqt % self.entries
        if self.write_reg is not None:
            self.write_reg(*self.head_write())
        return out
