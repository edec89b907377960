"""The queue and interrupt registers of a quiet IOMMU against the golden model: the side
effects of commands (cqh, cqcsr errors, fence_w_ip), of fault records (fqt, fqcsr errors)
and of both on ipsr. Taken once the DUT is idle (end of test), when the spec leaves no
timing freedom: every published command ran or stopped at an error, every record was
written. Plain Python: the env reads the registers and passes them here.
"""
from __future__ import annotations

from models import Reg

# cqcsr: cqen[0] cie[1] cqmf[8] cmd_to[9] cmd_ill[10] fence_w_ip[11] cqon[16] busy[17]
CQCSR_BITS = {0: "cqen", 1: "cie", 8: "cqmf", 9: "cmd_to", 10: "cmd_ill", 11: "fence_w_ip",
              16: "cqon", 17: "busy"}
# fqcsr: fqen[0] fie[1] fqmf[8] fqof[9] fqon[16] busy[17]
FQCSR_BITS = {0: "fqen", 1: "fie", 8: "fqmf", 9: "fqof", 16: "fqon", 17: "busy"}
IPSR_BITS = {0: "cip", 1: "fip", 2: "pmip", 3: "pip"}
FQOF, IPSR_FIP = 1 << 9, 1 << 1
AUDITED = (Reg.CQH, Reg.CQCSR, Reg.FQT, Reg.FQCSR, Reg.IPSR)


def _bits_str(value: int, names: dict) -> str:
    on = [n for b, n in sorted(names.items()) if value >> b & 1]
    return ",".join(on) or "none"


def audit(model, got: dict, overflow_possible: bool, overflow_certain: bool = False) -> list[str]:
    """One line per register whose value differs from what the model says a quiet IOMMU
    reads. `got`: {Reg: value} as read from the DUT (4-byte reads). `overflow_possible`:
    a fault came back when its record might not fit (the record checker's judgement): only
    then may fqcsr.fqof be set (and fip with it, when fie=1); `overflow_certain`: a record
    was due while the queue was full, so fqof must be set."""
    out = []
    want = {r: model.read_reg(r, 4) for r in AUDITED}
    if overflow_certain or overflow_possible and got[Reg.FQCSR] & FQOF:
        want[Reg.FQCSR] |= FQOF                    # the DUT dropped a record: allowed here
        if want[Reg.FQCSR] & 2:                    # fie
            want[Reg.IPSR] |= IPSR_FIP
    for reg, names in ((Reg.CQCSR, CQCSR_BITS), (Reg.FQCSR, FQCSR_BITS), (Reg.IPSR, IPSR_BITS)):
        mask = sum(1 << b for b in names)
        g, w = got[reg] & mask, want[reg] & mask
        if g != w:
            diff = g ^ w
            out.append(f"REGISTER {reg.name.lower()}={got[reg]:#x} at the end of the test, expected "
                       f"{want[reg]:#x} (differs in {_bits_str(diff, names)}; the DUT has "
                       f"{_bits_str(g, names)}, the model {_bits_str(w, names)})")
    for reg, what in ((Reg.CQH, "every published command executed, or the queue stopped at "
                                "the command in error"),
                      (Reg.FQT, "the index after the last fault record written")):
        if got[reg] != want[reg]:
            out.append(f"REGISTER {reg.name.lower()}={got[reg]} at the end of the test, expected "
                       f"{want[reg]} ({what})")
    return out
