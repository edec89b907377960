"""Command-queue decoding: each command of the subset, and what makes one illegal."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .device_context import bits

OP_IOTINVAL, OP_IOFENCE, OP_IODIR, OP_ATS = 1, 2, 3, 4
F_VMA, F_GVMA = 0, 1
F_FENCE_C = 0
F_INVAL_DDT, F_INVAL_PDT = 0, 1


@dataclass(frozen=True)
class Command:
    name: str             # "IOTINVAL.VMA" | "IOTINVAL.GVMA" | "IOFENCE.C" | "IODIR.INVAL_DDT" |
    #                       "IODIR.INVAL_PDT" | "ATS.INVAL" | "ATS.PRGR"
    av: int = 0
    pscv: int = 0
    gv: int = 0
    pscid: int = 0
    gscid: int = 0
    addr: int = 0         # IOTINVAL: ADDR[63:12] << 12; IOFENCE.C: ADDR[63:2] << 2
    wsi: int = 0
    pr: int = 0
    pw: int = 0
    data: int = 0
    dv: int = 0
    did: int = 0
    pid: int = 0
    nl: int = 0           # IOTINVAL NL[34] (capabilities.NL): AV=1 also drops non-leaf PTEs
    s: int = 0            # IOTINVAL S[73] (capabilities.S): AV=1 ADDR is a NAPOT range
    # ATS.INVAL / ATS.PRGR (capabilities.ATS): PID [31:12] (above), PV [32], DSV [33],
    # RID [55:40], DSEG [63:56], PAYLOAD [127:64] (the message body, passed on as given)
    pv: int = 0
    dsv: int = 0
    rid: int = 0
    dseg: int = 0
    payload: int = 0


class IllegalCommand(Exception):
    """The command must set cqcsr.cmd_ill; the message says why, `kind` names the rule
    (for coverage)."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


def _mask(*ranges: tuple[int, int]) -> int:
    m = 0
    for hi, lo in ranges:
        m |= ((1 << (hi - lo + 1)) - 1) << lo
    return m


# Reserved bits of each command, as positions in the 128-bit command. NL (34) and S (73)
# are reserved unless capabilities.NL (bit 42) / capabilities.S (bit 43) is 1 (spec chapter
# "IOMMU Extensions": "When the capabilities.NL bit is 0, bit 34 remains reserved", likewise
# bit 73 for S; a reserved bit set makes the command illegal, cmd_ill).
_NL_BIT, _S_BIT = 34, 73
_RSVD_IOTINVAL = _mask((11, 11), (43, 35), (72, 60), (127, 126))
_RSVD_IOFENCE = _mask((31, 14), (127, 126))
_RSVD_IODIR = _mask((11, 10), (32, 32), (39, 34), (127, 64))
_RSVD_ATS = _mask((11, 10), (39, 34))
F_ATS_INVAL, F_ATS_PRGR = 0, 1


def decode(dw0: int, dw1: int, fctl_wsi: int, *, nl: bool = False, s: bool = False,
           ats: bool = False) -> Command:
    """One command; `nl` and `s` are capabilities.NL and capabilities.S (without them bits 34
    and 73 of IOTINVAL are reserved); `ats` is capabilities.ATS (without it the ATS commands
    are unsupported: cmd_ill)."""
    cmd = dw1 << 64 | dw0
    opcode, func3 = bits(cmd, 6, 0), bits(cmd, 9, 7)
    if opcode == OP_IOTINVAL and func3 in (F_VMA, F_GVMA):
        if cmd & _RSVD_IOTINVAL:
            raise IllegalCommand("IOTINVAL with a reserved bit set", "iotinval.reserved")
        if cmd >> _NL_BIT & 1 and not nl:
            raise IllegalCommand("IOTINVAL with NL=1 while capabilities.NL is 0 (bit 34 reserved)",
                                 "iotinval.reserved")
        if cmd >> _S_BIT & 1 and not s:
            raise IllegalCommand("IOTINVAL with S=1 while capabilities.S is 0 (bit 73 reserved)",
                                 "iotinval.reserved")
        c = Command("IOTINVAL.VMA" if func3 == F_VMA else "IOTINVAL.GVMA", av=bits(cmd, 10, 10),
                    pscid=bits(cmd, 31, 12), pscv=bits(cmd, 32, 32), gv=bits(cmd, 33, 33),
                    gscid=bits(cmd, 59, 44), addr=bits(cmd, 125, 74) << 12,
                    nl=bits(cmd, 34, 34), s=bits(cmd, 73, 73))
        if func3 == F_GVMA and c.pscv:
            raise IllegalCommand("IOTINVAL.GVMA with PSCV=1", "iotinval.gvma_pscv")
        return c
    if opcode == OP_IOFENCE and func3 == F_FENCE_C:
        if cmd & _RSVD_IOFENCE:
            raise IllegalCommand("IOFENCE.C with a reserved bit set", "iofence.reserved")
        c = Command("IOFENCE.C", av=bits(cmd, 10, 10), wsi=bits(cmd, 11, 11), pr=bits(cmd, 12, 12),
                    pw=bits(cmd, 13, 13), data=bits(cmd, 63, 32), addr=bits(cmd, 125, 64) << 2)
        if c.wsi and not fctl_wsi:
            raise IllegalCommand("IOFENCE.C with WSI=1 while fctl.WSI=0", "iofence.wsi")
        return c
    if opcode == OP_IODIR and func3 in (F_INVAL_DDT, F_INVAL_PDT):
        if cmd & _RSVD_IODIR:
            raise IllegalCommand("IODIR with a reserved bit set", "iodir.reserved")
        c = Command("IODIR.INVAL_DDT" if func3 == F_INVAL_DDT else "IODIR.INVAL_PDT",
                    pid=bits(cmd, 31, 12), dv=bits(cmd, 33, 33), did=bits(cmd, 63, 40))
        if func3 == F_INVAL_DDT and c.pid:
            raise IllegalCommand("IODIR.INVAL_DDT with a non-zero PID field (reserved)", "iodir.ddt_pid")
        if func3 == F_INVAL_PDT and not c.dv:
            raise IllegalCommand("IODIR.INVAL_PDT with DV=0", "iodir.pdt_dv0")
        return c
    if opcode == OP_ATS and not ats:
        raise IllegalCommand("ATS command while capabilities.ATS is 0", "ats")
    if opcode == OP_ATS and func3 in (F_ATS_INVAL, F_ATS_PRGR):
        if cmd & _RSVD_ATS:
            raise IllegalCommand("ATS command with a reserved bit set", "ats.reserved")
        return Command("ATS.INVAL" if func3 == F_ATS_INVAL else "ATS.PRGR",
                       pid=bits(cmd, 31, 12), pv=bits(cmd, 32, 32), dsv=bits(cmd, 33, 33),
                       rid=bits(cmd, 55, 40), dseg=bits(cmd, 63, 56), payload=dw1)
    raise IllegalCommand(f"reserved opcode {opcode} / func3 {func3}", "opcode")


def encode(c: Command) -> tuple[int, int]:
    """The two doublewords of a command (the inverse of decode, for software layers)."""
    if c.name.startswith("IOTINVAL"):
        v = (OP_IOTINVAL | (F_GVMA if c.name.endswith("GVMA") else F_VMA) << 7 | c.av << 10
             | c.pscid << 12 | c.pscv << 32 | c.gv << 33 | c.nl << 34 | c.gscid << 44
             | c.s << 73 | (c.addr >> 12) << 74)
    elif c.name == "IOFENCE.C":
        v = (OP_IOFENCE | c.av << 10 | c.wsi << 11 | c.pr << 12 | c.pw << 13 | c.data << 32
             | (c.addr >> 2) << 64)
    elif c.name.startswith("IODIR"):
        v = (OP_IODIR | (F_INVAL_PDT if c.name.endswith("PDT") else F_INVAL_DDT) << 7
             | c.pid << 12 | c.dv << 33 | c.did << 40)
    elif c.name in ("ATS.INVAL", "ATS.PRGR"):
        v = (OP_ATS | (F_ATS_PRGR if c.name == "ATS.PRGR" else F_ATS_INVAL) << 7
             | c.pid << 12 | c.pv << 32 | c.dsv << 33 | c.rid << 40 | c.dseg << 56
             | c.payload << 64)
    else:
        raise ValueError(f"unknown command name {c.name!r}")
    return v & (2**64 - 1), v >> 64


# ------------------------------------------------------------------ address ranges (S)
ADDR_BITS = 52            # the ADDR operand: IOVA/GPA[63:12]


def napot_range(c: Command) -> Optional[tuple[int, int]]:
    """The addresses an address-specific IOTINVAL names, as (base, log2 of the size in bytes).

    S=0 (or S ignored): the 4 KiB page of ADDR. S=1 (Address Range Invalidation extension):
    ADDR[63:12] is a NAPOT operand; if its lowest 0 bit is at X the range is 2^(X+1) * 4 KiB,
    based at ADDR with bits X..0 of the operand cleared (X=0: 8 KiB). MSB 0 and all other
    bits 1: the whole address space (2^64 bytes). All bits 1: UNSPECIFIED -> None."""
    op = (c.addr >> 12) & ((1 << ADDR_BITS) - 1)
    if not c.s:
        return op << 12, 12
    if op == (1 << ADDR_BITS) - 1:
        return None
    x = ((op + 1) & ~op).bit_length() - 1        # the lowest 0 bit of the operand
    return (op >> (x + 1)) << (x + 1 + 12), x + 1 + 12


def napot_operand(base: int, size: int) -> int:
    """ADDR (as a byte address, ADDR[63:12] << 12) encoding the NAPOT range [base, base+size)
    with S=1: size a power of two >= 8 KiB, base aligned to it."""
    if size < 0x2000 or size & (size - 1) or base % size:
        raise ValueError(f"S=1 needs a power-of-two size >= 8 KiB and an aligned base, got "
                         f"base {base:#x} size {size:#x}")
    return base | (size // 2 - 1) & ~0xFFF
