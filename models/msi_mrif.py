"""MSI PTEs in MRIF mode (capabilities.MSI_MRIF; atomic update with AMO_MRIF).

Spec: IOMMU "Process to translate addresses of MSIs" (MSI_TRANS) steps for msipte.M == 1, and
the AIA chapter "IOMMU Support for MSIs to Virtual Machines": "Format of a memory-resident
interrupt file", "Recording of incoming MSIs to memory-resident interrupt files" and "MSI PTE,
MRIF mode". Pure functions: the decoded PTE, where an identity's bits live in an MRIF, what a
device access to an MRIF page does, and the MRIF update itself over memory callables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .causes import Cause
from .memory import AccessFault, PoisonedData

M_MRIF = 1
MRIF_BYTES = 512            # 32 pairs of doublewords: pending, enable (AIA "Format of an MRIF")
IDENTITIES = 2048           # 0..2047: the IOMMU treats every identity as valid, 0 included
# The causes of a failed MRIF update (bus error / poisoned data): the spec's 264 "MRIF access
# fault" and 271 "MSI MRIF data corruption", reported for the device's write.
MRIF_UPDATE_CAUSES = (int(Cause.MRIF_ACCESS_FAULT), int(Cause.MSI_MRIF_DATA_CORRUPTION))

# Reserved bits of an MRIF-mode PTE ("All other PTE bits are reserved"): first doubleword
# [6:3] and [62:54] (V[0], M[2:1], MRIF Address[55:9] in [53:7], C[63] are fields); second
# doubleword [59:54] and [63:61] (NID[9:0] in [9:0], NPPN in [53:10], NID[10] in [60]).
W0_RESERVED = (0xF << 3) | (0x1FF << 54)
W1_RESERVED = (0x3F << 54) | (0x7 << 61)


@dataclass(frozen=True)
class MrifTarget:
    """What an MRIF-mode MSI PTE gives: the destination MRIF's address (512-byte aligned) and
    the notice MSI (a 4-byte write of `nid`, zero-extended, to `notice_addr`)."""
    mrif_addr: int
    notice_addr: int
    nid: int

    def __str__(self) -> str:
        return f"mrif:{self.mrif_addr:#x}/notice:{self.notice_addr:#x}<-{self.nid:#x}"


def decode_pte(w0: int, w1: int) -> Optional[MrifTarget]:
    """The target of a V=1, C=0, M=1 PTE, or None if a reserved bit is set (cause 263)."""
    if w0 & W0_RESERVED or w1 & W1_RESERVED:
        return None
    mrif = ((w0 >> 7) & ((1 << 47) - 1)) << 9             # MRIF Address[55:9] * 512
    nppn = (w1 >> 10) & ((1 << 44) - 1)
    nid = ((w1 >> 60) & 1) << 10 | (w1 & 0x3FF)           # (N10 << 10) | N[9:0]
    return MrifTarget(mrif, nppn << 12, nid)


def encode_pte(mrif_addr: int, notice_addr: int, nid: int) -> tuple[int, int]:
    """The two doublewords of a valid MRIF-mode PTE (for tests and software layers)."""
    if mrif_addr % MRIF_BYTES or mrif_addr >> 56:
        raise ValueError(f"MRIF address {mrif_addr:#x} must be 512-byte aligned below 2^56")
    if notice_addr % 4096 or notice_addr >> 56:
        raise ValueError(f"notice address {notice_addr:#x} must be page aligned below 2^56")
    if not 0 <= nid < 1 << 11:
        raise ValueError(f"NID {nid:#x} does not fit 11 bits")
    w0 = 1 | M_MRIF << 1 | (mrif_addr >> 9) << 7
    w1 = (nid & 0x3FF) | (notice_addr >> 12) << 10 | (nid >> 10) << 60
    return w0, w1


def pending_bit(mrif_addr: int, identity: int) -> tuple[int, int]:
    """(address of the doubleword holding `identity`'s interrupt-pending bit, bit number):
    the pair at offset k*16 covers identities k*64..k*64+63, pending first, enable at +8."""
    if not 0 <= identity < IDENTITIES:
        raise ValueError(f"interrupt identity {identity} is outside 0..2047")
    return mrif_addr + (identity // 64) * 16, identity % 64


def enable_bit(mrif_addr: int, identity: int) -> tuple[int, int]:
    pa, bit = pending_bit(mrif_addr, identity)
    return pa + 8, bit


# What a device access to a page covered by an MRIF-mode PTE does (AIA "MSI PTE, MRIF mode").
ABORTED = "aborted"          # not 32 bits or not 4-byte aligned: aborted as unsupported
DISCARDED = "discarded"      # accepted, no effect: A[11:3] != 0, D[31:11] != 0, or a big-endian
                             # MSI without seteipnum_be
RECORDED = "recorded"        # an MSI: the pending bit set, then the notice MSI sent


def msi_identity(offset: int, data: int) -> int:
    """D, the MSI's data in the byte order A[2] gives (AIA: little-endian when bit 2 of the
    address is 0, big-endian when it is 1). `data` is the 4 bytes' little-endian value."""
    if offset & 4:
        return int.from_bytes((data & 0xFFFF_FFFF).to_bytes(4, "little"), "big")
    return data


def classify_write(offset: int, data: int, size: int,
                   big_endian_msis: bool = False) -> tuple[str, Optional[int]]:
    """(ABORTED | DISCARDED | RECORDED, identity or None) for a write of `size` bytes of `data`
    (little-endian value) at page offset `offset`. A[2] = 1 is a big-endian MSI: recorded
    (with D read big-endian) only when `big_endian_msis`, i.e. the system's IMSICs implement
    seteipnum_be (the AIA: then an IOMMU "must be able to store MSIs in both" byte orders);
    otherwise discarded ("if bit 2 of A is one and big-endian MSIs are not supported")."""
    if size != 4 or offset % 4:
        return ABORTED, None
    d = msi_identity(offset, data)
    if offset >> 3 & 0x1FF or d >> 11 or (offset & 4 and not big_endian_msis):
        return DISCARDED, None
    return RECORDED, d


def read_responses(offset: int, size: int) -> frozenset:
    """What a read of the page may return: a naturally aligned 32-bit read returns 0
    (preferred) or is aborted; any other read is aborted."""
    if size != 4 or offset % 4:
        return frozenset({ABORTED})
    return frozenset({0, ABORTED})


@dataclass(frozen=True)
class MrifUpdate:
    """The IOMMU's write to the MRIF: the pending doubleword at `pa` went from `old` to `new`,
    by an AMOOR of 1 << bit (atomic) or a read then a write of the doubleword."""
    pa: int
    bit: int
    old: int
    new: int
    atomic: bool


def record(read64: Callable[[int], int], write64: Callable[[int, int], None],
           target: MrifTarget, identity: int, atomic: bool):
    """Set `identity`'s pending bit in the target MRIF. Returns (MrifUpdate, None), or
    (None, cause) when memory refuses: a bus error is 264 (MRIF access fault), poisoned data
    on the read 271 (MSI MRIF data corruption). The model performs the AMOOR as one read and
    one write with nothing between them (it is sequential), so atomic and non-atomic updates
    leave the same memory; `atomic` says which operation the IOMMU must use."""
    pa, bit = pending_bit(target.mrif_addr, identity)
    try:
        old = read64(pa)
        new = old | 1 << bit
        write64(pa, new)
    except AccessFault:
        return None, Cause.MRIF_ACCESS_FAULT
    except PoisonedData:
        return None, Cause.MSI_MRIF_DATA_CORRUPTION
    return MrifUpdate(pa, bit, old, new, atomic), None


def notice_message(target: MrifTarget) -> tuple[int, bytes]:
    """The notice MSI: NID zero-extended to 32 bits, little-endian, at NPPN << 12. The AIA
    requires it after every MRIF update, whatever the identity's enable bit holds."""
    return target.notice_addr, target.nid.to_bytes(4, "little")


@dataclass(frozen=True)
class MsiWrite:
    """IommuModel.msi_write's answer. outcome: the translation (a fault when the MRIF update
    failed: 264/271). action: "translated" (not an MRIF page: the write goes to outcome.pa),
    "fault", ABORTED, DISCARDED or RECORDED. update: the MRIF update made; notice: the notice
    MSI sent, (address, data), None if none was (or its write failed: cause 273)."""
    outcome: object
    action: str
    identity: Optional[int] = None
    update: Optional[MrifUpdate] = None
    notice: Optional[tuple] = None
