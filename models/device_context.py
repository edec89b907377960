"""Device directory table walk and device-context checks (spec: "Process to locate the
Device-context" and the DC misconfiguration rules)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from .capabilities import Capabilities
from .causes import Cause
from .walk_reader import Fault, Item, WalkReader, read_or_fault

_new_item = tuple.__new__          # an Item without NamedTuple's argument handling (hot path)

MODE_OFF, MODE_BARE, MODE_1LVL, MODE_2LVL, MODE_3LVL = 0, 1, 2, 3, 4
DDT_LEVELS = {MODE_1LVL: 1, MODE_2LVL: 2, MODE_3LVL: 3}

PPN_MASK = (1 << 44) - 1


def bits(v: int, hi: int, lo: int) -> int:
    return (v >> lo) & ((1 << (hi - lo + 1)) - 1)


def ddi_split(did: int, extended: bool) -> tuple[int, int, int]:
    """DDI[0..2]: base format 7/9/8 bits, extended 6/9/9 bits."""
    if extended:
        return did & 0x3F, (did >> 6) & 0x1FF, (did >> 15) & 0x1FF
    return did & 0x7F, (did >> 7) & 0x1FF, (did >> 16) & 0xFF


def did_fits(did: int, mode: int, extended: bool) -> bool:
    _, d1, d2 = ddi_split(did, extended)
    if mode == MODE_2LVL:
        return d2 == 0
    if mode == MODE_1LVL:
        return d1 == 0 and d2 == 0
    return True


@dataclass(frozen=True)
class DeviceContext:
    tc: int
    iohgatp: int
    ta: int
    fsc: int
    msiptp: int = 0
    msi_addr_mask: int = 0
    msi_addr_pattern: int = 0

    # The fields, decoded on first use and kept (instances are shared: from_words and
    # _decode_dc return one instance per value, so a walk reads plain attributes).
    v = cached_property(lambda s: bits(s.tc, 0, 0))
    en_ats = cached_property(lambda s: bits(s.tc, 1, 1))
    en_pri = cached_property(lambda s: bits(s.tc, 2, 2))
    t2gpa = cached_property(lambda s: bits(s.tc, 3, 3))
    dtf = cached_property(lambda s: bits(s.tc, 4, 4))
    pdtv = cached_property(lambda s: bits(s.tc, 5, 5))
    prpr = cached_property(lambda s: bits(s.tc, 6, 6))
    gade = cached_property(lambda s: bits(s.tc, 7, 7))
    sade = cached_property(lambda s: bits(s.tc, 8, 8))
    dpe = cached_property(lambda s: bits(s.tc, 9, 9))
    sbe = cached_property(lambda s: bits(s.tc, 10, 10))
    sxl = cached_property(lambda s: bits(s.tc, 11, 11))
    gmode = cached_property(lambda s: bits(s.iohgatp, 63, 60))
    gscid = cached_property(lambda s: bits(s.iohgatp, 59, 44))
    gppn = cached_property(lambda s: s.iohgatp & PPN_MASK)
    pscid = cached_property(lambda s: bits(s.ta, 31, 12))
    rcid = cached_property(lambda s: bits(s.ta, 51, 40))    # QOSID: QoS IDs of the device
    mcid = cached_property(lambda s: bits(s.ta, 63, 52))
    fsc_mode = cached_property(lambda s: bits(s.fsc, 63, 60))
    fsc_ppn = cached_property(lambda s: s.fsc & PPN_MASK)
    msi_mode = cached_property(lambda s: bits(s.msiptp, 63, 60))
    msi_ppn = cached_property(lambda s: s.msiptp & PPN_MASK)

    @classmethod
    def from_words(cls, words) -> "DeviceContext":
        key = tuple(words[:7])
        dc = _DC_BY_WORDS.get(key)
        if dc is None:
            if len(_DC_BY_WORDS) >= 4096:
                _DC_BY_WORDS.clear()
            dc = _DC_BY_WORDS[key] = cls(*key)
        return dc


_DC_BY_WORDS: dict = {}


def dc_misconfigured(dc: DeviceContext, caps: Capabilities, fctl_be: int, extended: bool,
                     gxl: int = 0) -> str | None:
    """The first DC rule the context breaks, or None (any rule gives cause 259). fctl_be and
    gxl: fctl.BE and fctl.GXL."""
    if dc.tc & ~((1 << 12) - 1) & ~(0xFF << 24):
        return "reserved bit set in tc"
    if caps.qosid:
        # QoS ID extension: ta[51:40] RCID and ta[63:52] MCID; [39:32] stays reserved
        if dc.ta & ((1 << 12) - 1) or bits(dc.ta, 39, 32):
            return "reserved bit set in ta"
        if dc.rcid >> caps.rcid_bits or dc.mcid >> caps.mcid_bits:
            return "RCID or MCID wider than the IOMMU supports"
    elif dc.ta & ((1 << 12) - 1) or dc.ta >> 32:
        return "reserved bit set in ta"
    if bits(dc.fsc, 59, 44):
        return "reserved bit set in fsc"
    # DC checks 2-7 (the ATS controls), in the spec's order
    if not caps.ats and (dc.en_ats or dc.en_pri or dc.prpr):
        return "EN_ATS/EN_PRI/PRPR set but capabilities.ATS is 0"
    if not dc.en_ats and (dc.t2gpa or dc.en_pri):
        return "T2GPA or EN_PRI set with EN_ATS=0"
    if not dc.en_pri and dc.prpr:
        return "PRPR set with EN_PRI=0"
    if dc.t2gpa and not caps.t2gpa:
        return "T2GPA set but capabilities.T2GPA is 0"
    if dc.t2gpa and dc.gmode == 0:
        return "T2GPA set with iohgatp.MODE Bare"
    if dc.pdtv:
        if dc.fsc_mode not in caps.pd_modes():
            return f"pdtp.MODE {dc.fsc_mode} is reserved or unsupported"
    else:
        if dc.dpe:
            return "DPE set with PDTV=0"
        if dc.fsc_mode not in caps.first_stage_modes(dc.sxl):
            return f"iosatp.MODE {dc.fsc_mode} is reserved or unsupported (SXL={dc.sxl})"
    if gxl and not dc.sxl:
        return "SXL=0 while fctl.GXL=1 (SXL must be 1)"
    if dc.sxl and not gxl and not caps.gxl_writable:
        return "SXL=1 while fctl.GXL is 0 and not writable (SXL must be 0)"
    if dc.gmode not in caps.g_stage_modes(gxl):
        return f"iohgatp.MODE {dc.gmode} is reserved or unsupported (GXL={gxl})"
    if dc.gmode != 0 and dc.gppn & 3:
        return "iohgatp.PPN is not 16 KiB aligned"
    if (dc.gade or dc.sade) and not caps.amo_hwad:
        return "GADE/SADE set but capabilities.AMO_HWAD is 0"
    if dc.sbe != fctl_be and not caps.end:
        return "SBE differs from fctl.BE and capabilities.END is 0"
    if extended:
        if bits(dc.msiptp, 59, 44):
            return "reserved bit set in msiptp"
        if dc.msi_mode not in (0, 1):
            return f"msiptp.MODE {dc.msi_mode} is neither Off nor Flat"
        if dc.msi_mode != 0 and dc.gmode == 0:
            return "msiptp.MODE is not Off while iohgatp is Bare"
        mgpaw = (59 if caps.sv57x4 else 50 if caps.sv48x4 else 41 if caps.sv39x4
                 else 34 if caps.sv32x4 else caps.pas)
        rsvd = ((1 << 64) - 1) ^ ((1 << (mgpaw - 12)) - 1)   # [63:52] and [51:MGPAW-12]
        if (dc.msi_addr_mask | dc.msi_addr_pattern) & rsvd:
            return "reserved bit set in msi_addr_mask/msi_addr_pattern"
    return None


def dir_entry_malformed(entry: int) -> bool:
    """A valid non-leaf DDT or PDT entry with a reserved bit set ([9:1], [63:54])."""
    return bool(bits(entry, 9, 1) or bits(entry, 63, 54))


def dc_cause(words: tuple, caps: Capabilities, fctl_be: int, extended: bool, gxl: int = 0):
    """The cause a walk reports for these DC doublewords (258, 259), or None for a good DC.
    The words are the DC's values (already in the byte order of fctl.BE)."""
    return _decode_dc(tuple(words), caps, fctl_be, extended, gxl)[1]


def bswap64(x: int) -> int:
    """A doubleword read little-endian, as the big-endian value of the same 8 bytes."""
    return int.from_bytes(x.to_bytes(8, "little"), "big")


def locate_dc(reader: WalkReader, did: int, mode: int, ppn: int, caps: Capabilities,
              fctl_be: int, gxl: int = 0) -> DeviceContext:
    """Walk the DDT for device `did`; raises Fault(257/258/259/268). With fctl.BE=1 every DDT
    doubleword is big-endian in memory (the reader still names raw memory values)."""
    extended = caps.msi_flat
    ddi = ddi_split(did, extended)
    levels = DDT_LEVELS[mode]
    a = ppn << 12
    for i in range(levels - 1, 0, -1):
        # Non-leaf DDT entries are tagged by the device_id bits that select them.
        shift = (6 if extended else 7) + 9 * (i - 1)
        item = _new_item(Item, ("ddte", a + ddi[i] * 8, 1, i, (i, did >> shift)))
        (ddte,) = read_or_fault(reader, item, Cause.DDT_LOAD_ACCESS_FAULT, Cause.DDT_DATA_CORRUPTION)
        if fctl_be:
            ddte = bswap64(ddte)
        if not ddte & 1:
            raise Fault(Cause.DDT_NOT_VALID)
        if dir_entry_malformed(ddte):
            raise Fault(Cause.DDT_MISCONFIGURED)
        a = bits(ddte, 53, 10) << 12
    size = 64 if extended else 32
    item = _new_item(Item, ("dc", a + ddi[0] * size, size // 8, 0, (did,)))
    words = read_or_fault(reader, item, Cause.DDT_LOAD_ACCESS_FAULT, Cause.DDT_DATA_CORRUPTION)
    if fctl_be:
        words = [bswap64(w) for w in words]
    dc, cause = _decode_dc(tuple(words), caps, fctl_be, extended, gxl)
    if cause is not None:
        raise Fault(cause)
    return dc


@lru_cache(maxsize=4096)
def _decode_dc(words: tuple, caps: Capabilities, fctl_be: int, extended: bool, gxl: int = 0):
    """(DC, None) or (DC, cause): a pure function of the words, so it is memoised."""
    dc = DeviceContext.from_words(words + (0,) * (7 - len(words)))
    if not dc.v:
        return dc, Cause.DDT_NOT_VALID
    if extended and words[7] or dc_misconfigured(dc, caps, fctl_be, extended, gxl):
        return dc, Cause.DDT_MISCONFIGURED
    return dc, None
