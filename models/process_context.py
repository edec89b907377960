"""Process directory table walk and process-context checks (spec: "Process to locate the
Process-context" and the PC misconfiguration rules)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable

from .capabilities import Capabilities
from .causes import Cause
from .device_context import PPN_MASK, bits, bswap64, dir_entry_malformed
from .walk_reader import Fault, Item, WalkReader, read_or_fault

_new_item = tuple.__new__          # an Item without NamedTuple's argument handling (hot path)

PD_PID_BITS = {1: 8, 2: 17, 3: 20}      # pdtp.MODE PD8/PD17/PD20 -> process_id width


def pdi_split(pid: int) -> tuple[int, int, int]:
    return bits(pid, 7, 0), bits(pid, 16, 8), bits(pid, 19, 17)


@dataclass(frozen=True)
class ProcessContext:
    ta: int
    fsc: int

    # decoded on first use and kept (_decode_pc returns one instance per value)
    v = cached_property(lambda s: bits(s.ta, 0, 0))
    ens = cached_property(lambda s: bits(s.ta, 1, 1))
    sum = cached_property(lambda s: bits(s.ta, 2, 2))
    pscid = cached_property(lambda s: bits(s.ta, 31, 12))
    fsc_mode = cached_property(lambda s: bits(s.fsc, 63, 60))
    fsc_ppn = cached_property(lambda s: s.fsc & PPN_MASK)


def pc_misconfigured(pc: ProcessContext, caps: Capabilities, sxl: int = 0) -> str | None:
    if bits(pc.ta, 11, 3) or pc.ta >> 32:
        return "reserved bit set in ta"
    if bits(pc.fsc, 59, 44):
        return "reserved bit set in fsc"
    if pc.fsc_mode not in caps.first_stage_modes(sxl):
        return f"fsc.MODE {pc.fsc_mode} is reserved or unsupported (DC.tc.SXL={sxl})"
    return None


def locate_pc(reader: WalkReader, did: int, pid: int, pd_mode: int, pdt_ppn: int,
              caps: Capabilities, gpa_to_spa: Callable[[int], int] | None, sxl: int = 0,
              be: int = 0) -> ProcessContext:
    """Walk the PDT. gpa_to_spa translates each PDT address through the G-stage (None when
    iohgatp is Bare) and raises its own Fault. Raises Fault(265/266/267/269). sxl and be:
    DC.tc.SXL (which fsc.MODE encodings are legal) and DC.tc.SBE (big-endian PDT)."""
    levels = {1: 1, 2: 2, 3: 3}[pd_mode]
    pdi = pdi_split(pid)
    a = pdt_ppn << 12
    for i in range(levels - 1, 0, -1):
        addr = a + pdi[i] * 8
        if gpa_to_spa is not None:
            addr = gpa_to_spa(addr)
        shift = 8 + 9 * (i - 1)
        item = _new_item(Item, ("pdte", addr, 1, i, (did, i, pid >> shift)))
        (pdte,) = read_or_fault(reader, item, Cause.PDT_LOAD_ACCESS_FAULT,
                                Cause.PDT_DATA_CORRUPTION)
        if be:
            pdte = bswap64(pdte)
        if not pdte & 1:
            raise Fault(Cause.PDT_NOT_VALID)
        if dir_entry_malformed(pdte):
            raise Fault(Cause.PDT_MISCONFIGURED)
        a = bits(pdte, 53, 10) << 12
    addr = a + pdi[0] * 16
    if gpa_to_spa is not None:
        addr = gpa_to_spa(addr)
    ta, fsc = read_or_fault(reader, _new_item(Item, ("pc", addr, 2, 0, (did, pid))),
                            Cause.PDT_LOAD_ACCESS_FAULT, Cause.PDT_DATA_CORRUPTION)
    if be:
        ta, fsc = bswap64(ta), bswap64(fsc)
    pc, cause = _decode_pc(ta, fsc, caps, sxl)
    if cause is not None:
        raise Fault(cause)
    return pc


def pc_cause(ta: int, fsc: int, caps: Capabilities, sxl: int = 0):
    """The cause a walk reports for these PC doublewords (266, 267), or None for a good PC."""
    return _decode_pc(ta, fsc, caps, sxl)[1]


@lru_cache(maxsize=4096)
def _decode_pc(ta: int, fsc: int, caps: Capabilities, sxl: int = 0):
    pc = ProcessContext(ta, fsc)
    if not pc.v:
        return pc, Cause.PDT_NOT_VALID
    if pc_misconfigured(pc, caps, sxl):
        return pc, Cause.PDT_MISCONFIGURED
    return pc, None
