"""IommuModel: the register file, the queues and the translation flow, cache-free.

Every side effect the spec gives a register write happens inside write_reg; translate()
walks current memory and writes a fault record when the spec says one is reported.
"""
from __future__ import annotations

from typing import Callable, Optional

from . import ats
from . import ats_inval
from . import capabilities as capbits
from . import page_request
from . import debug_translation as dbg
from . import msi_mrif
from . import hpm as hpm_events
from .hpm import Hpm
from .capabilities import Capabilities
from .causes import REPORTED_DESPITE_DTF, TTYP, WRITE, Cause
from .command_queue import Command, IllegalCommand, decode
from .endian import native_trace
from .fault_queue import FaultQueue, fault_record
from .memory import AccessFault, Memory
from .msi_interrupts import MsiTable
from .page_request import PageRequest, PageRequestQueue, PrgResponse
from .registers import Reg, locate
from .translate import WalkResult, translate_request
from .transaction import Outcome, Request
from .walk_reader import ItemHook, WalkReader

PPN_FIELD = ((1 << 44) - 1) << 10   # PPN [53:10] of ddtp/cqb/fqb; writable: below 2^PAS
LOG2SZ_FIELD = 0x1F                 # LOG2SZ-1 [4:0] of cqb/fqb
FCTL_RESET = 0x2            # BE=0, WSI=1 (IGS=WSI), GXL=0 (capabilities.gxl_fixed with Sv32 only)
FCTL_BE, FCTL_GXL = 0x1, 0x4     # writable with END / with both 32- and 64-bit schemes
ICVEC_MASK = 0x11           # civ and fiv: one writable bit each (two wires)
ICVEC_RESET = 0x10          # civ=0 -> irq_cq's wire, fiv=1 -> irq_fq's wire

CQCSR_CQEN, CQCSR_CIE = 1 << 0, 1 << 1
CQCSR_CQMF, CQCSR_CMD_TO, CQCSR_CMD_ILL, CQCSR_FENCE_W_IP = 1 << 8, 1 << 9, 1 << 10, 1 << 11
CQCSR_CQON = 1 << 16
FQCSR_FQEN, FQCSR_FIE, FQCSR_FQMF, FQCSR_FQOF, FQCSR_FQON = 1, 2, 1 << 8, 1 << 9, 1 << 16
IPSR_CIP, IPSR_FIP, IPSR_PMIP = 1, 2, 4
ICVEC_PMIV = 0x100          # pmiv: one writable bit with HPM (two wires)
FCTL_WSI = 0x2
ICVEC_MASK_MSI = 0xFF       # IGS=MSI/BOTH: civ and fiv select any of the 16 vectors
ICVEC_PMIV_MSI = 0xF00      # and pmiv with HPM
IPSR_PIP = 8                # capabilities.ATS: the page-request queue's
ICVEC_PIV = 0x1000          # piv: one writable bit with ATS (two wires)
ICVEC_PIV_MSI = 0xF000
# ipsr bit -> its icvec field
IPSR_VECTOR_SHIFT = {IPSR_CIP: 0, IPSR_FIP: 4, IPSR_PMIP: 8, IPSR_PIP: 12}
CAUSE_MSI_WRITE_ACCESS_FAULT = 273


def _edges(method):
    """Run a public entry point and then send the MSIs of the ipsr bits it took from 0 to 1
    (only the outermost call looks: an edge is one message however the calls nest)."""
    def wrapper(self, *args, **kwargs):
        if self._edge_depth:
            return method(self, *args, **kwargs)
        before = self.ipsr
        self._edge_depth = 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._edge_depth = 0
            self._interrupt_edges(before)
    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


class IommuModel:
    def __init__(self, mem: Memory, capabilities: Optional[int] = None,
                 svnapot: bool = True) -> None:
        self.mem = mem
        self.caps = Capabilities(capbits.DEFAULT if capabilities is None else capabilities,
                                 svnapot=svnapot)
        self._set_pas()
        self._edge_depth = 0
        self.msi: Optional[MsiTable] = None                 # capabilities.IGS = MSI or BOTH
        self.ddtp = 0
        self.cqb = self.cqh = self.cqt = 0
        self.cqen = self.cie = False
        self.cq_errors = 0          # cqmf | cmd_to | cmd_ill | fence_w_ip bits of cqcsr
        self.fq = FaultQueue()
        self.pq = PageRequestQueue()              # capabilities.ATS (registers read 0 without)
        # Messages the IOMMU sent to devices, in order: ats.InvalidationRequest (ATS.INVAL),
        # page_request.PrgResponse (ATS.PRGR and the IOMMU's own responses to page requests).
        self.device_messages: list = []
        # Whether a device answers an Invalidation Request before the protocol's timeout
        # (docs/design.md, "ATS, PRI and T2GPA"): by default at once; a test may model a device
        # that never answers. A timed-out one makes the next IOFENCE.C set cmd_to.
        self.ats_inval_answered: Callable[[ats.InvalidationRequest], bool] = lambda m: True
        self._ats_timed_out = False
        # ITags and Invalidation Completion messages (models/ats_inval.py): at_once by default;
        # with ats_inval.at_once = False the device answers through invalidation_completion().
        self.ats_inval = ats_inval.AtsInvalidations()
        self.ipsr = 0
        self.icvec = ICVEC_RESET
        self.tr_req_iova = self.tr_req_ctl = self.tr_response = 0     # capabilities.DBG
        self.iommu_qosid = 0        # capabilities.QOSID: RCID [11:0], MCID [27:16]; reset 0
        self.hpm: Optional[Hpm] = None                                 # capabilities.HPM
        self._set_hpm()
        self._set_igs()
        self.last_debug: Optional[tuple] = None     # (Request, WalkResult, trace) of the last
        self.completed: list[Command] = []   # commands executed, in order (for tests/oracle)
        self.ad_writes: list = []     # hardware A/D updates made by translate(): (pa, old, new)
        self.mrif_updates: list = []  # MRIF updates made by msi_write(): msi_mrif.MrifUpdate
        self.notices: list = []       # notice MSIs sent by msi_write(): (address, data)
        # The system's IMSICs implement seteipnum_be: MSIs to MRIFs with A[2] = 1 are stored
        # big-endian (AIA "MSI PTE, MRIF mode"); a system property, not a register. Off: discarded.
        self.big_endian_msis = False
        self.on_command: Optional[Callable[[Command], None]] = None

    def set_capabilities(self, value: int, svnapot: bool = True) -> None:
        """Model an IOMMU with another capabilities value (ValueError if the model refuses it).
        The registers keep their values (PPN bits beyond a smaller PAS read 0 from now on, as
        WARL); call it before programming the IOMMU."""
        self.caps = Capabilities(value, svnapot=svnapot)
        self._set_pas()
        self._set_hpm()
        self._set_igs()
        self.ddtp &= self.ppn_field | 0xF
        self.cqb &= self.ppn_field | LOG2SZ_FIELD
        self.fq.fqb &= self.ppn_field | LOG2SZ_FIELD
        self.iommu_qosid &= self._qosid_mask() if self.caps.qosid else 0
        self.pq.pqb &= self.ppn_field | LOG2SZ_FIELD
        self.icvec &= self._icvec_mask()

    def _set_igs(self) -> None:
        """capabilities.IGS: fctl.WSI reads 1 with WSI only, resets to 0 (MSI) otherwise and is
        writable with BOTH; msi_cfg_tbl exists unless IGS is WSI."""
        igs = self.caps.igs
        self.fctl = ((FCTL_RESET if igs == capbits.IGS_WSI else FCTL_RESET & ~FCTL_WSI)
                     | self.caps.gxl_fixed << 2)
        if igs == capbits.IGS_WSI:
            self.msi = None
        elif self.msi is None:
            self.msi = MsiTable()
        self.icvec &= self._icvec_mask()

    def _icvec_mask(self) -> int:
        if self.caps.igs == capbits.IGS_WSI:
            return (ICVEC_MASK | (ICVEC_PMIV if self.hpm else 0)
                    | (ICVEC_PIV if self.caps.ats else 0))
        return (ICVEC_MASK_MSI | (ICVEC_PMIV_MSI if self.hpm else 0)
                | (ICVEC_PIV_MSI if self.caps.ats else 0))

    def set_qosid_widths(self, rcid_bits: int, mcid_bits: int) -> None:
        """An IOMMU whose RCID and MCID are `rcid_bits` and `mcid_bits` wide (its choice, 0..12):
        the writable bits of iommu_qosid's fields and the widest legal DC.ta.RCID/MCID."""
        if not self.caps.qosid:
            raise ValueError("set_qosid_widths: capabilities.QOSID is 0")
        self.caps = Capabilities(self.caps.value, self.caps.svnapot, rcid_bits, mcid_bits)
        self.iommu_qosid &= self._qosid_mask()

    def _qosid_mask(self) -> int:
        return (1 << self.caps.rcid_bits) - 1 | ((1 << self.caps.mcid_bits) - 1) << 16

    def _write_fctl(self, value: int) -> None:
        """WSI is writable with IGS=BOTH. BE (END=1) and GXL (capabilities.gxl_writable) change
        only while ddtp.iommu_mode is Off and both queues are off: the spec leaves a change at
        any other time UNSPECIFIED, and the model then keeps the old value."""
        new = self.fctl
        if self.caps.igs == capbits.IGS_BOTH:
            new = new & ~FCTL_WSI | value & FCTL_WSI
        if self.ddtp & 0xF == 0 and not self.cqen and not self.fq.fqen:
            m = (FCTL_BE if self.caps.end else 0) | (FCTL_GXL if self.caps.gxl_writable else 0)
            new = new & ~m | value & m
        self.fctl = new

    def _order(self) -> str:
        """The byte order of the queues, fault records, IOFENCE.C data and MSIs (fctl.BE)."""
        return "big" if self.fctl & FCTL_BE else "little"

    @property
    def byte_order(self) -> str:
        """"big" or "little": the byte order fctl.BE gives the command queue, fault and
        page-request records, IOFENCE.C data and interrupt messages (what a checker of the
        IOMMU's writes decodes them with)."""
        return self._order()

    def _set_hpm(self, counters: int = 7, width: int = 64) -> None:
        """capabilities.HPM: the counters (docs/design.md, "HPM"); None without it."""
        if not self.caps.hpm:
            self.hpm = None
        elif self.hpm is None or (self.hpm.n, self.hpm.width) != (counters, width):
            self.hpm = Hpm(counters, width, on_overflow=self._pm_overflow)

    def set_hpm_shape(self, counters: int, width: int) -> None:
        """An IOMMU with `counters` programmable counters of `width` bits (its choice)."""
        if not self.caps.hpm:
            raise ValueError("set_hpm_shape: capabilities.HPM is 0")
        self.hpm = None
        self._set_hpm(counters, width)

    def _pm_overflow(self) -> None:
        before = self.ipsr
        self.ipsr |= IPSR_PMIP
        # Inside an entry point (translate...) its wrapper sends the edge's message; counted
        # from outside one (hpm.tick, a scoreboard counting events), the edge is sent here.
        if not self._edge_depth:
            self._interrupt_edges(before)

    def _set_pas(self) -> None:
        """capabilities.PAS: the IOMMU addresses 0 .. 2^PAS - 1 (docs/design.md, "Physical
        address size"). `pa_limit` bounds every implicit access; `ppn_field` is the writable
        part of the PPN field [53:10] of ddtp, cqb and fqb (WARL): the bits of addresses below
        2^PAS."""
        self.pa_limit = 1 << self.caps.pas
        self.ppn_field = ((1 << (self.caps.pas - 12)) - 1) << 10

    # -- registers -------------------------------------------------------------------------
    def read_reg(self, offset: int, size: int = 8) -> int:
        base, width = locate(int(offset), size)
        value = self._read(base)
        if size == width:
            return value
        return (value >> (8 * (int(offset) - base))) & 0xFFFF_FFFF

    @_edges
    def write_reg(self, offset: int, value: int, size: int = 8) -> None:
        base, width = locate(int(offset), size)
        if not 0 <= value < 1 << (8 * size):
            raise ValueError(f"value {value:#x} does not fit a {size}-byte register access")
        if size < width:
            shift = 8 * (int(offset) - base)
            value = (self._read(base) & ~(0xFFFF_FFFF << shift)) | value << shift
        self._write(base, value)

    def _read(self, base: int) -> int:
        fq = self.fq
        return {
            Reg.CAPABILITIES: self.caps.value,
            Reg.FCTL: self.fctl,
            Reg.DDTP: self.ddtp,
            Reg.CQB: self.cqb, Reg.CQH: self.cqh, Reg.CQT: self.cqt,
            Reg.FQB: fq.fqb, Reg.FQH: fq.fqh, Reg.FQT: fq.fqt,
            Reg.CQCSR: self._cqcsr(), Reg.FQCSR: self._fqcsr(),
            Reg.IPSR: self.ipsr, Reg.ICVEC: self.icvec,
            **({Reg.TR_REQ_IOVA: self.tr_req_iova, Reg.TR_REQ_CTL: self.tr_req_ctl,
                Reg.TR_RESPONSE: self.tr_response} if self.caps.dbg else {}),
            **({Reg.IOMMU_QOSID: self.iommu_qosid} if self.caps.qosid else {}),
            **(self._hpm_regs() if self.hpm is not None else {}),
            **({Reg.PQB: self.pq.pqb, Reg.PQH: self.pq.pqh, Reg.PQT: self.pq.pqt,
                Reg.PQCSR: self.pq.csr()} if self.caps.ats else {}),
        }.get(base, 0) if not (self.msi is not None and Reg.MSI_CFG_TBL <= base) \
            else self.msi.read(base)

    def _hpm_regs(self) -> dict:
        h = self.hpm
        regs = {Reg.IOCOUNTOVF: h.ovf, Reg.IOCOUNTINH: h.inh, Reg.IOHPMCYCLES: h.cycles}
        for x in range(1, h.n + 1):
            regs[Reg.IOHPMCTR1 + 8 * (x - 1)] = h.ctr[x]
            regs[Reg.IOHPMEVT1 + 8 * (x - 1)] = h.evt[x]
        return regs

    def _cqcsr(self) -> int:
        return (self.cqen * CQCSR_CQEN | self.cie * CQCSR_CIE | self.cq_errors
                | self.cqen * CQCSR_CQON)

    def _fqcsr(self) -> int:
        fq = self.fq
        return (fq.fqen * FQCSR_FQEN | fq.fie * FQCSR_FIE | fq.fqmf * FQCSR_FQMF
                | fq.fqof * FQCSR_FQOF | fq.fqen * FQCSR_FQON)

    def _write(self, base: int, value: int) -> None:
        fq = self.fq
        if base == Reg.DDTP:
            mode = value & 0xF
            if mode > 4:                           # WARL: an unsupported mode is not taken
                mode = self.ddtp & 0xF
            self.ddtp = (value & self.ppn_field) | mode
        elif base == Reg.CQB:
            if not self.cqen:                      # ignored while the queue is on
                self.cqb = value & (self.ppn_field | LOG2SZ_FIELD)
                self.cqt = 0
        elif base == Reg.CQT:
            self.cqt = value & (self._cq_entries() - 1)
            self._run_commands()
        elif base == Reg.FQB:
            if not fq.fqen:
                fq.fqb = value & (self.ppn_field | LOG2SZ_FIELD)
                fq.fqh = 0
        elif base == Reg.FQH:
            fq.fqh = value & (fq.entries - 1)
        elif base == Reg.CQCSR:
            self.cq_errors &= ~(value & (CQCSR_CQMF | CQCSR_CMD_TO | CQCSR_CMD_ILL | CQCSR_FENCE_W_IP))
            cqen = bool(value & CQCSR_CQEN)
            if cqen and not self.cqen:
                self.cqh = 0
                self.cq_errors = 0
            self.cqen, self.cie = cqen, bool(value & CQCSR_CIE)
            self._update_ipsr()
            self._run_commands()
        elif base == Reg.FQCSR:
            if value & FQCSR_FQMF:
                fq.fqmf = False
            if value & FQCSR_FQOF:
                fq.fqof = False
            fqen = bool(value & FQCSR_FQEN)
            if fqen and not fq.fqen:
                fq.fqt = 0
                fq.fqmf = fq.fqof = False
            fq.fqen, fq.fie = fqen, bool(value & FQCSR_FIE)
            self._update_ipsr()
        elif base == Reg.IPSR:
            self.ipsr &= ~(value & (IPSR_CIP | IPSR_FIP | (IPSR_PMIP if self.hpm else 0)
                                    | (IPSR_PIP if self.caps.ats else 0)))
            self._update_ipsr()
        elif self.caps.ats and base in (Reg.PQB, Reg.PQH, Reg.PQCSR):
            self._write_pq(base, value)
        elif base == Reg.ICVEC:
            self.icvec = value & self._icvec_mask()
        elif base == Reg.FCTL:
            self._write_fctl(value)
        elif base == Reg.IOMMU_QOSID and self.caps.qosid:
            self.iommu_qosid = value & self._qosid_mask()        # WARL: the implemented widths
        elif self.msi is not None and base >= Reg.MSI_CFG_TBL:
            for v in self.msi.write(base, value):
                self._send_msi(v)
        elif self.hpm is not None and Reg.IOCOUNTINH <= base < Reg.TR_REQ_IOVA:
            self._write_hpm(base, value)
        elif base == Reg.TR_REQ_IOVA and self.caps.dbg:
            self.tr_req_iova = value & dbg.IOVA_WRITABLE
        elif base == Reg.TR_REQ_CTL and self.caps.dbg:
            go = (value | self.tr_req_ctl) & dbg.GO      # RW1S: a 0 does not clear it
            self.tr_req_ctl = value & dbg.CTL_WRITABLE & ~dbg.GO | go
            if go:
                self._debug_translate()
        # capabilities, fctl, cqh, fqt and registers of absent features: read-only / ignored

    def _write_pq(self, base: int, value: int) -> None:
        """pqb (ignored while pqen=1; a write sets pqh to 0, as fqb's), pqh, pqcsr."""
        pq = self.pq
        if base == Reg.PQB:
            if not pq.pqen:
                pq.pqb = value & (self.ppn_field | LOG2SZ_FIELD)
                pq.pqh = 0
        elif base == Reg.PQH:
            pq.pqh = value & (pq.entries - 1)
        else:
            pq.write_csr(value)
            self._update_ipsr()

    def _write_hpm(self, base: int, value: int) -> None:
        h = self.hpm
        if base == Reg.IOCOUNTINH:
            h.write_inh(value)
        elif base == Reg.IOHPMCYCLES:
            h.write_cycles(value)
        elif Reg.IOHPMCTR1 <= base < Reg.IOHPMEVT1:
            h.write_ctr((base - Reg.IOHPMCTR1) // 8 + 1, value)
        elif Reg.IOHPMEVT1 <= base < Reg.TR_REQ_IOVA:
            h.write_evt((base - Reg.IOHPMEVT1) // 8 + 1, value)

    def _update_ipsr(self, new_record: bool = False, new_pq_record: bool = False) -> None:
        """ipsr bits are set while their condition holds (a W1C does not clear them then)."""
        if self.cie and self.cq_errors:
            self.ipsr |= IPSR_CIP
        if self.fq.fie and (self.fq.fqmf or self.fq.fqof or new_record):
            self.ipsr |= IPSR_FIP
        pq = self.pq
        if self.caps.ats and pq.pie and (pq.pqmf or pq.pqof or new_pq_record):
            self.ipsr |= IPSR_PIP

    @_edges
    def record_observed(self, index: int) -> None:
        """An IOMMU under test wrote a fault record at `index` (whether and when it writes one
        is its choice within the spec's rules, so a testbench mirrors it here): fqt moves past
        it and fip is set as for any new record."""
        self.fq.fqt = (index + 1) % self.fq.entries
        self._update_ipsr(new_record=True)

    @_edges
    def record_write_failed(self) -> None:
        """An IOMMU under test got a bus error writing a fault record: fqmf is set and the
        record discarded (fqt stays), fip with fie=1."""
        self.fq.fqmf = True
        self._update_ipsr()

    def irq_wires(self) -> tuple[bool, bool]:
        """Levels of the two interrupt wires (vector 0 = irq_cq's, vector 1 = irq_fq's; with
        16 vectors (IGS=BOTH) vectors 2..15 have no wire). Both 0 while fctl.WSI = 0."""
        wires = [False, False]
        if not self.fctl & FCTL_WSI:
            return False, False
        for bit, shift in IPSR_VECTOR_SHIFT.items():
            v = (self.icvec >> shift) & 0xF
            if self.ipsr & bit and v < 2:
                wires[v] = True
        return wires[0], wires[1]

    # -- interrupts as MSIs (docs/design.md, "Interrupts as MSIs") ---------------------------
    def _interrupt_edges(self, before: int) -> None:
        if self.msi is None or self.fctl & FCTL_WSI:
            return
        seen = before
        # A message that fails writes a cause-273 record, which may raise fip in turn: look
        # again until no bit rises (fip's own failed message finds fip set: no new edge).
        while True:
            rising = self.ipsr & ~seen
            if not rising:
                return
            seen |= rising
            for bit, shift in IPSR_VECTOR_SHIFT.items():
                if rising & bit:
                    v = (self.icvec >> shift) & 0xF
                    if self.msi.due(v):
                        self._send_msi(v)

    def _send_msi(self, vector: int) -> None:
        """The message of `vector`: a 4-byte write of msi_data to msi_addr; a failed write is
        reported with cause 273 (TTYP 0, iotval = the address)."""
        addr, data = self.msi.message(vector)
        try:
            self._implicit_write(addr, data if self._order() == "little" else data[::-1])
        except AccessFault:
            written = self.fq.post(self.mem, (CAUSE_MSI_WRITE_ACCESS_FAULT, 0, addr, 0),
                                   self.pa_limit, self._order())
            self._update_ipsr(new_record=written)
            return
        self.msi.sent.append((vector, addr, int.from_bytes(data, "little")))

    # -- command queue -----------------------------------------------------------------------
    def _cq_entries(self) -> int:
        return 1 << ((self.cqb & 0x1F) + 1)

    def _run_commands(self) -> None:
        """Execute queued commands until the queue is empty or an error stops it."""
        base = ((self.cqb >> 10) & ((1 << 44) - 1)) << 12
        while (self.cqen and not self.cq_errors & (CQCSR_CQMF | CQCSR_CMD_TO | CQCSR_CMD_ILL)
               and self.cqh != self.cqt):
            try:
                raw = self._implicit_read(base + 16 * self.cqh, 16)
            except AccessFault:
                self._cq_error(CQCSR_CQMF)
                return
            try:
                order = self._order()
                cmd = decode(int.from_bytes(raw[:8], order), int.from_bytes(raw[8:], order),
                             (self.fctl >> 1) & 1, nl=self.caps.nl, s=self.caps.s,
                             ats=self.caps.ats)
            except IllegalCommand:
                self._cq_error(CQCSR_CMD_ILL)
                return
            if cmd.name == "ATS.INVAL" and not self.ats_inval.at_once \
                    and self.ats_inval.free_itag() is None:
                return                  # all 32 ITags in use: waits on the queue (cqh stays)
            if cmd.name == "IOFENCE.C" and self.ats_inval.outstanding:
                return                  # waits for the Invalidation Completions (or a timeout)
            if cmd.name.startswith("ATS."):
                self._ats_command(cmd)
            if cmd.name == "IOFENCE.C":
                if self.ats_inval.timed_out:
                    self.ats_inval.timed_out = False
                    self._ats_timed_out = True
                if self._ats_timed_out:
                    # an earlier ATS.INVAL timed out: cmd_to, cqh stays on the fence (the
                    # timeout is reported once; run again, the fence completes)
                    self._ats_timed_out = False
                    self._cq_error(CQCSR_CMD_TO)
                    return
                if cmd.av:
                    try:
                        self._implicit_write(cmd.addr, cmd.data.to_bytes(4, self._order()))
                    except AccessFault:
                        self._cq_error(CQCSR_CQMF)    # the fence does not complete
                        return
                if cmd.wsi:
                    self.cq_errors |= CQCSR_FENCE_W_IP
                    self._update_ipsr()
            self.completed.append(cmd)
            if self.on_command is not None:
                self.on_command(cmd)
            self.cqh = (self.cqh + 1) % self._cq_entries()

    def _ats_command(self, cmd: Command) -> None:
        """ATS.INVAL sends an Invalidation Request and completes when the device answers (at
        once in the model, or times out: self.ats_inval_answered); ATS.PRGR sends a PRG
        response. Either goes to self.device_messages."""
        did = cmd.dseg << 16 | cmd.rid if cmd.dsv else cmd.rid
        pid = cmd.pid if cmd.pv else None
        if cmd.name == "ATS.INVAL" and not self.ats_inval.at_once:
            itag = self.ats_inval.free_itag()
            msg = ats.InvalidationRequest(did, pid, cmd.payload, itag)
            self.ats_inval.issue(itag, did, msg)
        elif cmd.name == "ATS.INVAL":
            msg = ats.InvalidationRequest(did, pid, cmd.payload)
            if not self.ats_inval_answered(msg):
                self._ats_timed_out = True
        else:
            msg = PrgResponse(did, pid, (cmd.payload >> 32) & 0x1FF, (cmd.payload >> 44) & 0xF)
        self.device_messages.append(msg)

    def _implicit_read(self, pa: int, n: int) -> bytes:
        """An implicit read of the IOMMU: beyond the physical address space it is an access
        fault, as a bus error is."""
        if pa + n > self.pa_limit:
            raise AccessFault(f"read of {n} bytes at {pa:#x}: beyond PAS={self.caps.pas}")
        return self.mem.read(pa, n)

    def _implicit_write(self, pa: int, data: bytes) -> None:
        if pa + len(data) > self.pa_limit:
            raise AccessFault(f"write of {len(data)} bytes at {pa:#x}: beyond PAS={self.caps.pas}")
        self.mem.write(pa, data)

    def _cq_error(self, bit: int) -> None:
        self.cq_errors |= bit
        self._update_ipsr()

    # -- translation -----------------------------------------------------------------------
    def walk(self, req: Request, read64: Optional[Callable[[int], int]] = None,
             item_value: Optional[ItemHook] = None, trace: Optional[list] = None,
             ad_cas=None) -> WalkResult:
        """The architectural result of `req` over memory (or `read64`), with no side effect
        unless `ad_cas` is given: the hardware A/D updates (DC.tc.SADE/GADE) are then made
        through it; without it they are only listed in the result's ad_writes."""
        reader = WalkReader(read64 or self.mem.read64, item_value, trace, self.pa_limit, ad_cas)
        return translate_request(req, self.ddtp, self.fctl, self.caps, reader, self.iommu_qosid)

    def _ad_cas(self, pa: int, old: int, new: int) -> bool:
        """The IOMMU's atomic A/D update of a PTE in memory: written only if it still holds
        `old`. Each update made is appended to self.ad_writes as (pa, old, new)."""
        if self.mem.read64(pa) != old:
            return False
        self.mem.write64(pa, new)
        self.ad_writes.append((pa, old, new))
        return True

    def _debug_translate(self) -> None:
        """Go/Busy was set: translate as an Untranslated request now (faults are reported to
        the fault queue as usual), leave the result in tr_response and clear Go/Busy."""
        req = dbg.request(self.tr_req_iova, self.tr_req_ctl)
        trace: list = []
        result = self.walk(req, trace=trace, ad_cas=self._ad_cas)
        if result.outcome.mrif is not None:      # an MRIF-mode MSI PTE: the debug spec's 260
            result = WalkResult(Outcome(None, Cause.TTYP_DISALLOWED), result.dtf,
                                result.ad_writes)
        self.report(req, result)
        if self.hpm is not None:
            self.count(req, trace)               # counted as an Untranslated request
        # 4-byte or big-endian PTEs: report 4 KiB, which the spec always allows
        size = dbg.range_log2(trace, result.outcome) if result.plain_ptes else None
        self.tr_response = dbg.response(result.outcome, size or 12, result.outcome.pbmt)
        self.tr_req_ctl &= ~dbg.GO
        self.last_debug = (req, result, trace)

    @_edges
    def translate(self, req: Request) -> Outcome:
        trace: Optional[list] = [] if self.hpm is not None else None
        result = self.walk(req, trace=trace, ad_cas=self._ad_cas)
        self.report(req, result)
        if trace is not None:
            self.count(req, trace)
        return result.outcome

    @_edges
    def msi_write(self, req: Request, data: int, size: int = 4) -> "msi_mrif.MsiWrite":
        """A device write of `size` bytes of `data` (its little-endian value) at req.iova, with
        its effects when the address is an MSI page whose PTE is in MRIF mode (docs/design.md,
        "MSI MRIF mode"): the translation as translate() gives it (faults reported), then, for
        an MRIF target, the write aborted, discarded, or recorded (the pending bit set in the
        MRIF, then the notice MSI). Other writes are only translated (action "translated"; the
        device's data is not written: the model keeps no device memory traffic)."""
        if int(req.ttyp) not in WRITE:
            raise ValueError(f"msi_write: req.ttyp {int(req.ttyp)} is not a write (3 or 7)")
        if size not in (1, 2, 4, 8) or not 0 <= data < 1 << (8 * size):
            raise ValueError(f"msi_write: data {data:#x} does not fit a {size}-byte write")
        trace: Optional[list] = [] if self.hpm is not None else None
        result = self.walk(req, trace=trace, ad_cas=self._ad_cas)
        out = result.outcome
        done = msi_mrif.MsiWrite(out, "translated" if out.ok else "fault")
        if out.mrif is not None:
            done = self._mrif_write(out, req.iova & 0xFFF, data, size)
            if not done.outcome.ok:
                result = WalkResult(done.outcome, result.dtf, result.ad_writes)
        self.report(req, result)
        if trace is not None:
            self.count(req, trace)
        return done

    def _mrif_write(self, out: Outcome, offset: int, data: int, size: int):
        action, identity = msi_mrif.classify_write(offset, data, size,
                                                   self.big_endian_msis)
        if action != msi_mrif.RECORDED:
            return msi_mrif.MsiWrite(out, action)
        update, cause = msi_mrif.record(
            lambda pa: int.from_bytes(self._implicit_read(pa, 8), "little"),
            lambda pa, v: self._implicit_write(pa, v.to_bytes(8, "little")),
            out.mrif, identity, self.caps.amo_mrif)
        if cause is not None:
            return msi_mrif.MsiWrite(Outcome(None, cause, gpa=out.gpa), "fault", identity)
        self.mrif_updates.append(update)
        addr, payload = msi_mrif.notice_message(out.mrif)
        try:
            self._implicit_write(addr, payload)
        except AccessFault:
            # The spec names no cause for a failed notice MSI: reported as the IOMMU's own
            # MSIs are (273, TTYP 0, iotval = the address); the MSI itself was recorded.
            written = self.fq.post(self.mem, (CAUSE_MSI_WRITE_ACCESS_FAULT, 0, addr, 0),
                                   self.pa_limit, self._order())
            self._update_ipsr(new_record=written)
            return msi_mrif.MsiWrite(out, msi_mrif.RECORDED, identity, update, None)
        notice = (addr, int.from_bytes(payload, "little"))
        self.notices.append(notice)
        return msi_mrif.MsiWrite(out, msi_mrif.RECORDED, identity, update, notice)

    def ats_translate(self, areq: "ats.AtsRequest") -> "ats.AtsCompletion":
        """A PCIe ATS Translation Request: the completion the IOMMU returns (models/ats.py).
        A UR/CA is reported in the fault queue; a Success never is. For one translation (a
        request with Length > 2 DW: ats_translate_all)."""
        if not self.caps.ats:
            raise ValueError("ats_translate: capabilities.ATS is 0 (use translate(): cause 260)")
        completion = ats.complete(self, areq)
        if self.hpm is not None:         # event 3 (its walks count no events 4..8)
            t, _ = hpm_events.request_events(areq.as_request(), [])
            self.hpm.event(hpm_events.ATS_REQ, t, 1)
        return completion

    @_edges
    def invalidation_completion(self, msg: "ats_inval.InvalidationCompletion") -> list:
        """An inbound "Invalidation Completion" message (models/ats_inval.py): checked as a
        PCIe message (faults reported, TTYP 9, iotval 0x02), then counted against the ITags it
        names; commands waiting on them (an IOFENCE.C) run on. Returns the ITags completed."""
        if not self.caps.ats:
            raise ValueError("invalidation_completion: capabilities.ATS is 0")
        cause, dtf = self._message_device(msg.did)
        if cause is not None:
            req = Request(did=msg.did, iova=ats_inval.MSG_CODE_INVALIDATION_COMPLETION,
                          ttyp=TTYP.PCIE_MSG)
            self.report(req, WalkResult(Outcome(None, cause), dtf))
            return []
        done = self.ats_inval.complete(msg)
        if done:
            self._run_commands()
        return done

    @_edges
    def ats_inval_timeout(self) -> list:
        """The protocol-defined timeout elapsed for every outstanding Invalidation Request:
        they complete, and the IOFENCE.C waiting on them (or the next one) sets cmd_to."""
        itags = self.ats_inval.timeout()
        if itags:
            self._run_commands()
        return itags

    def _message_device(self, did: int) -> tuple:
        """(cause or None, dtf) of locating `did`'s DC for an inbound ATS message that needs
        EN_ATS (page_request.message_dc's order, then EN_ATS = 0 260)."""
        cause, dc = page_request.message_dc(self, did)
        if cause is not None:
            return cause, False
        if not dc.en_ats:
            return Cause.TTYP_DISALLOWED, bool(dc.dtf)
        return None, False

    def ats_translate_all(self, areq: "ats.AtsRequest") -> tuple:
        """A Translation Request for areq.translations translations (PCIe Length > 2 DW): the
        completion's entries (ats.complete_all); one request for HPM event 3."""
        if not self.caps.ats:
            raise ValueError("ats_translate_all: capabilities.ATS is 0")
        entries = ats.complete_all(self, areq)
        if self.hpm is not None:
            t, _ = hpm_events.request_events(areq.as_request(), [])
            self.hpm.event(hpm_events.ATS_REQ, t, 1)
        return entries

    @_edges
    def page_request(self, msg: PageRequest, report=None,
                     decision: Optional["page_request.Decision"] = None) -> list[PrgResponse]:
        """A PCIe "Page Request" / "Stop Marker" message: queued in the page-request queue, or
        answered by the IOMMU (models/page_request.py). Returns the PRG responses sent.
        `report`: where a refusal's fault goes (page_request.handle; default the fault queue).
        `decision`: taken instead of deciding over memory now (page_request.decide over a
        device context a cache still holds: the coherence oracle's)."""
        if not self.caps.ats:
            raise ValueError("page_request: capabilities.ATS is 0 (no PRI)")
        responses = page_request.handle(self, msg, report, decision)
        self.device_messages.extend(responses)
        return responses

    @_edges
    def count(self, req: Request, trace: list) -> None:
        """The HPM events of one request (hpm.request_events: what a cache-free IOMMU counts)."""
        if self.caps.end:           # the filters read the DC/PC from the trace: as values
            trace = native_trace(trace, self.fctl & FCTL_BE)
        t, events = hpm_events.request_events(req, trace)
        for event, n in events:
            self.hpm.event(event, t, n)

    @_edges
    def report(self, req: Request, result: WalkResult) -> bool:
        """Write the fault record the spec calls for, if any; True if one was written."""
        out = result.outcome
        if out.cause is None:
            return False
        if result.dtf and int(out.cause) not in REPORTED_DESPITE_DTF:
            return False
        if int(req.ttyp) == TTYP.PCIE_ATS and ats.response_for(out.cause) == ats.SC:
            return False           # an ATS request answered Success (R=W=0): no record
        written = self.fq.post(self.mem, fault_record(req, out), self.pa_limit, self._order())
        self._update_ipsr(new_record=written)
        return written
