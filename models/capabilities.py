"""The capabilities register: bit positions, the default this project's RTL reports, and
which features the model implements (others are refused at construction)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

VERSION_1_0 = 0x10
SV32, SV39, SV48, SV57 = 8, 9, 10, 11
SVRSW60T59B, SVPBMT = 14, 15
SV32X4, SV39X4, SV48X4, SV57X4 = 16, 17, 18, 19
AMO_MRIF, MSI_FLAT, MSI_MRIF, AMO_HWAD, ATS, T2GPA, END = 21, 22, 23, 24, 25, 26, 27
IGS_SHIFT = 28
HPM, DBG = 30, 31
PAS_SHIFT = 32
PD8, PD17, PD20 = 38, 39, 40
QOSID, NL, S = 41, 42, 43

IGS_MSI, IGS_WSI, IGS_BOTH = 0, 1, 2

DEFAULT = (VERSION_1_0 | 1 << SV39 | 1 << SV48 | 1 << SV39X4 | 1 << SV48X4
           | IGS_WSI << IGS_SHIFT | 56 << PAS_SHIFT | 1 << PD8 | 1 << PD17 | 1 << PD20)

# Features the model implements beyond the RTL's default set.
OPTIONAL = {SV57: "Sv57", SV57X4: "Sv57x4", MSI_FLAT: "MSI_FLAT", SVPBMT: "Svpbmt", DBG: "DBG",
            HPM: "HPM", NL: "NL", S: "S", AMO_HWAD: "AMO_HWAD",
            MSI_MRIF: "MSI_MRIF", AMO_MRIF: "AMO_MRIF", SV32: "Sv32", SV32X4: "Sv32x4",
            SVRSW60T59B: "Svrsw60t59b", END: "END", QOSID: "QOSID", ATS: "ATS", T2GPA: "T2GPA"}
UNIMPLEMENTED: dict[int, str] = {}


def _bit(value: int, pos: int) -> bool:
    return bool(value >> pos & 1)


@dataclass(frozen=True)
class Capabilities:
    """The capabilities register's value, and what an IOMMU implements without a bit for it:
    Svnapot (mandatory in the spec; False models an IOMMU that lacks it, where PTE bit 63 is
    reserved)."""
    value: int
    svnapot: bool = True
    # QOSID: the widths of RCID and MCID the IOMMU implements (its choice, at most 12; the
    # WARL width of iommu_qosid's fields and the DC.ta check). Ignored without QOSID.
    rcid_bits: int = 12
    mcid_bits: int = 12

    def __post_init__(self) -> None:
        v = self.value
        if v & 0xFF != VERSION_1_0:
            raise ValueError(f"capabilities.version must be 0x10, got {v & 0xFF:#x}")
        bad = [name for pos, name in UNIMPLEMENTED.items() if _bit(v, pos)]
        if bad:
            raise ValueError(f"capabilities: the model does not implement {', '.join(bad)}; clear those bits")
        if (v >> IGS_SHIFT) & 3 == 3:
            raise ValueError("capabilities.IGS 3 is reserved")
        if not 32 <= self.pas <= 56:
            raise ValueError(f"capabilities.PAS must be 32..56, got {self.pas}")
        if v & ~((1 << 44) - 1) or v & (0x3 << 12 | 1 << 20):
            raise ValueError(f"capabilities {v:#x} sets reserved or custom bits")
        if self.sv48 and not self.sv39 or self.sv57 and not self.sv48:
            raise ValueError("capabilities: Sv48 needs Sv39 and Sv57 needs Sv48")
        if self.svpbmt and not self.sv39:
            raise ValueError("capabilities: Svpbmt needs Sv39 (Privileged spec: Svpbmt depends on Sv39)")
        if self.svrsw60t59b and not self.sv39:
            raise ValueError("capabilities: Svrsw60t59b needs Sv39 (Privileged spec: Svrsw60t59b "
                             "depends on Sv39)")
        if not (0 <= self.rcid_bits <= 12 and 0 <= self.mcid_bits <= 12):
            raise ValueError(f"QoS ID widths must be 0..12 bits, got RCID {self.rcid_bits}, "
                             f"MCID {self.mcid_bits}")
        # The hash the dataclass would compute, once (walks pass capabilities to memoised
        # decoders on every read).
        object.__setattr__(self, "_hash", hash((self.value, self.svnapot, self.rcid_bits,
                                                self.mcid_bits)))

    def __hash__(self) -> int:
        return self._hash

    # decoded on first use and kept (the value never changes; walks read them on every request)
    sv39 = cached_property(lambda s: _bit(s.value, SV39))
    sv48 = cached_property(lambda s: _bit(s.value, SV48))
    sv57 = cached_property(lambda s: _bit(s.value, SV57))
    sv39x4 = cached_property(lambda s: _bit(s.value, SV39X4))
    sv48x4 = cached_property(lambda s: _bit(s.value, SV48X4))
    sv57x4 = cached_property(lambda s: _bit(s.value, SV57X4))
    msi_flat = cached_property(lambda s: _bit(s.value, MSI_FLAT))
    # MRIF-mode MSI PTEs (reached only through msiptp, i.e. with MSI_FLAT's extended DC) and
    # their atomic update (AMOOR); docs/design.md "MSI MRIF mode"
    msi_mrif = cached_property(lambda s: _bit(s.value, MSI_MRIF))
    amo_mrif = cached_property(lambda s: _bit(s.value, AMO_MRIF))
    dbg = cached_property(lambda s: _bit(s.value, DBG))
    hpm = cached_property(lambda s: _bit(s.value, HPM))
    igs = cached_property(lambda s: (s.value >> IGS_SHIFT) & 3)    # IGS_MSI / IGS_WSI / IGS_BOTH
    svpbmt = cached_property(lambda s: _bit(s.value, SVPBMT))
    nl = cached_property(lambda s: _bit(s.value, NL))     # IOTINVAL NL operand (bit 34)
    s = cached_property(lambda s: _bit(s.value, S))       # IOTINVAL S operand (bit 73)
    amo_hwad = cached_property(lambda s: _bit(s.value, AMO_HWAD))
    ats = cached_property(lambda s: _bit(s.value, ATS))        # ATS, PRI, the PQ, ATS commands
    t2gpa = cached_property(lambda s: _bit(s.value, T2GPA))
    pd8 = cached_property(lambda s: _bit(s.value, PD8))
    pd17 = cached_property(lambda s: _bit(s.value, PD17))
    pd20 = cached_property(lambda s: _bit(s.value, PD20))
    pas = cached_property(lambda s: (s.value >> PAS_SHIFT) & 0x3F)
    sv32 = cached_property(lambda s: _bit(s.value, SV32))
    sv32x4 = cached_property(lambda s: _bit(s.value, SV32X4))
    svrsw60t59b = cached_property(lambda s: _bit(s.value, SVRSW60T59B))   # PTE bits 60:59 for software
    end = cached_property(lambda s: _bit(s.value, END))       # both endiannesses: fctl.BE writable
    qosid = cached_property(lambda s: _bit(s.value, QOSID))   # iommu_qosid, DC.ta.RCID/MCID

    # fctl.GXL (docs/design.md, "Sv32 and Sv32x4"): writable when the IOMMU has a 32-bit scheme
    # (Sv32 or Sv32x4) and a 64-bit one (Sv39.. or Sv39x4..); hardwired 1 with only 32-bit
    # schemes; hardwired 0 otherwise (the default).
    _has32 = cached_property(lambda s: s.sv32 or s.sv32x4)
    _has64 = cached_property(lambda s: s.sv39 or s.sv39x4 or s.sv48x4 or s.sv57x4)
    gxl_writable = cached_property(lambda s: s._has32 and s._has64)
    gxl_fixed = cached_property(lambda s: int(s._has32 and not s._has64))  # GXL's value when RO

    # MODE encoding -> (capability bit, levels); MODE 0 (Bare) is always supported.
    _FIRST_STAGE = {8: (SV39, 3), 9: (SV48, 4), 10: (SV57, 5)}
    _G_STAGE = {8: (SV39X4, 3), 9: (SV48X4, 4), 10: (SV57X4, 5)}
    _PDT = {1: (PD8, 1), 2: (PD17, 2), 3: (PD20, 3)}
    # DC.tc.SXL=1 / fctl.GXL=1 encodings: Sv32 and Sv32x4 are 2-level walks of 4-byte PTEs.
    _FIRST_STAGE_32 = {8: (SV32, 2)}
    _G_STAGE_32 = {8: (SV32X4, 2)}

    def _supported(self, table: dict) -> dict[int, int]:
        return {0: 0, **{mode: levels for mode, (bit, levels) in table.items() if _bit(self.value, bit)}}

    @cached_property
    def _modes(self) -> tuple:
        return (self._supported(self._FIRST_STAGE), self._supported(self._G_STAGE),
                self._supported(self._PDT), self._supported(self._FIRST_STAGE_32),
                self._supported(self._G_STAGE_32))

    def first_stage_modes(self, sxl: int = 0) -> dict[int, int]:
        """iosatp/fsc MODE encoding -> number of levels, for the supported modes of DC.tc.SXL
        (0: Sv39/48/57; 1: Sv32)."""
        return self._modes[3] if sxl else self._modes[0]

    def g_stage_modes(self, gxl: int = 0) -> dict[int, int]:
        """iohgatp MODE encoding -> number of levels, for the supported modes of fctl.GXL
        (0: Sv39x4/48x4/57x4; 1: Sv32x4)."""
        return self._modes[4] if gxl else self._modes[1]

    def pd_modes(self) -> dict[int, int]:
        """pdtp MODE encoding -> number of PDT levels."""
        return self._modes[2]


_NAMES = {SV32: "Sv32", SV39: "Sv39", SV48: "Sv48", SV57: "Sv57", SVRSW60T59B: "Svrsw60t59b",
          SVPBMT: "Svpbmt", SV32X4: "Sv32x4", SV39X4: "Sv39x4", SV48X4: "Sv48x4",
          SV57X4: "Sv57x4", AMO_MRIF: "AMO_MRIF", MSI_FLAT: "MSI_FLAT", MSI_MRIF: "MSI_MRIF",
          AMO_HWAD: "AMO_HWAD", ATS: "ATS", T2GPA: "T2GPA", END: "END", HPM: "HPM", DBG: "DBG",
          PD8: "PD8", PD17: "PD17", PD20: "PD20", QOSID: "QOSID", NL: "NL", S: "S"}
_IGS = {IGS_MSI: "MSI", IGS_WSI: "WSI", IGS_BOTH: "MSI+WSI", 3: "reserved"}


def describe(value: int) -> str:
    """The features a capabilities value lists, e.g. 'v1.0 Sv39 Sv39x4 PD8 IGS=WSI PAS=56'."""
    names = [n for pos, n in sorted(_NAMES.items()) if _bit(value, pos)]
    return (f"v{(value >> 4) & 0xF}.{value & 0xF} {' '.join(names)} "
            f"IGS={_IGS[(value >> IGS_SHIFT) & 3]} PAS={(value >> PAS_SHIFT) & 0x3F}")


def difference(got: int, want: int) -> str:
    """What `got` has that `want` lacks and the other way round, in names."""
    extra = [n for pos, n in sorted(_NAMES.items()) if _bit(got, pos) and not _bit(want, pos)]
    missing = [n for pos, n in sorted(_NAMES.items()) if _bit(want, pos) and not _bit(got, pos)]
    out = [f"+{n}" for n in extra] + [f"-{n}" for n in missing]
    for what, shift, mask in (("IGS", IGS_SHIFT, 3), ("PAS", PAS_SHIFT, 0x3F), ("version", 0, 0xFF)):
        g, w = (got >> shift) & mask, (want >> shift) & mask
        if g != w:
            out.append(f"{what} {g:#x} (declared {w:#x})")
    return " ".join(out) or "none"


def for_model(value: int) -> tuple[int, list[str]]:
    """The value the model can judge with, and what it leaves unchecked: bits of features the
    model does not implement are cleared (their registers and commands are not exercised),
    reserved and custom bits go; IGS 3 (reserved) becomes WSI."""
    v = value & ((1 << 44) - 1) & ~(0x3 << 12 | 1 << 20)
    dropped = [name for pos, name in UNIMPLEMENTED.items() if _bit(v, pos)]
    for pos in UNIMPLEMENTED:
        v &= ~(1 << pos)
    if (v >> IGS_SHIFT) & 3 == 3:
        dropped.append(f"IGS={_IGS[(v >> IGS_SHIFT) & 3]} (modelled as WSI)")
        v = v & ~(3 << IGS_SHIFT) | IGS_WSI << IGS_SHIFT
    if value != v and not dropped:
        dropped.append("reserved/custom bits")
    return v, dropped
