"""Fault cause codes and transaction types, by value as the spec numbers them."""
from enum import IntEnum


class Cause(IntEnum):
    INSTRUCTION_ACCESS_FAULT = 1
    READ_ADDRESS_MISALIGNED = 4
    READ_ACCESS_FAULT = 5
    WRITE_ADDRESS_MISALIGNED = 6
    WRITE_ACCESS_FAULT = 7
    INSTRUCTION_PAGE_FAULT = 12
    READ_PAGE_FAULT = 13
    WRITE_PAGE_FAULT = 15
    INSTRUCTION_GUEST_PAGE_FAULT = 20
    READ_GUEST_PAGE_FAULT = 21
    WRITE_GUEST_PAGE_FAULT = 23
    ALL_INBOUND_DISALLOWED = 256
    DDT_LOAD_ACCESS_FAULT = 257
    DDT_NOT_VALID = 258
    DDT_MISCONFIGURED = 259
    TTYP_DISALLOWED = 260
    MSI_PTE_LOAD_ACCESS_FAULT = 261
    MSI_PTE_NOT_VALID = 262
    MSI_PTE_MISCONFIGURED = 263
    MRIF_ACCESS_FAULT = 264
    PDT_LOAD_ACCESS_FAULT = 265
    PDT_NOT_VALID = 266
    PDT_MISCONFIGURED = 267
    DDT_DATA_CORRUPTION = 268
    PDT_DATA_CORRUPTION = 269
    MSI_PT_DATA_CORRUPTION = 270
    MSI_MRIF_DATA_CORRUPTION = 271
    INTERNAL_DATAPATH_ERROR = 272
    MSI_WRITE_ACCESS_FAULT = 273
    PT_DATA_CORRUPTION = 274


# Causes the spec still reports when DC.tc.DTF=1 (its fault-cause table).
REPORTED_DESPITE_DTF = frozenset({256, 257, 258, 259, 268, 272, 273})
# Causes whose fault record carries the guest-physical address in iotval2.
GUEST_PAGE_FAULTS = frozenset({20, 21, 23})


class TTYP(IntEnum):
    NONE = 0
    UNTRANSLATED_EXEC = 1
    UNTRANSLATED_READ = 2
    UNTRANSLATED_WRITE = 3
    TRANSLATED_EXEC = 5
    TRANSLATED_READ = 6
    TRANSLATED_WRITE = 7
    PCIE_ATS = 8
    PCIE_MSG = 9


TRANSLATED = frozenset({TTYP.TRANSLATED_EXEC, TTYP.TRANSLATED_READ, TTYP.TRANSLATED_WRITE})
UNTRANSLATED = frozenset({TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE})
EXEC = frozenset({TTYP.UNTRANSLATED_EXEC, TTYP.TRANSLATED_EXEC})
WRITE = frozenset({TTYP.UNTRANSLATED_WRITE, TTYP.TRANSLATED_WRITE})


def access_fault(ttyp: int) -> Cause:
    """Access fault of the original access type (implicit PTE reads report it too)."""
    if ttyp in EXEC:
        return Cause.INSTRUCTION_ACCESS_FAULT
    return Cause.WRITE_ACCESS_FAULT if ttyp in WRITE else Cause.READ_ACCESS_FAULT


def page_fault(ttyp: int) -> Cause:
    if ttyp in EXEC:
        return Cause.INSTRUCTION_PAGE_FAULT
    return Cause.WRITE_PAGE_FAULT if ttyp in WRITE else Cause.READ_PAGE_FAULT


def guest_page_fault(ttyp: int) -> Cause:
    if ttyp in EXEC:
        return Cause.INSTRUCTION_GUEST_PAGE_FAULT
    return Cause.WRITE_GUEST_PAGE_FAULT if ttyp in WRITE else Cause.READ_GUEST_PAGE_FAULT
