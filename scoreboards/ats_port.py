"""Judging the ATS translation completions a device port returns (capabilities.ATS), against
the model's (models/ats.py `complete`, over the tables in memory now, changing nothing).

What may differ from the model's own answer (the spec and PCIe leave the IOMMU a choice):
- the range: any power of two from 4 KiB up to the model's (the page), holding the asked
  page, with the matching part of the model's translated address (PCIe lets a translation
  agent return a smaller range than it could);
- W with No Write = 1: 0 (the model's answer) or what the tables give (PCIe lets the agent
  ignore NW).
Everything else is exact: the status (SC, UR, CA), UR/CA's cause, R, Exe, U, Priv, N, Global.
A completion the model gives no address (U=1: an MRIF-mode MSI page, "not eligible to receive a
translated address") must carry none either: `addr` None, which the port encodes as the address
field 0 with S=0 (sequences/ats_items.py, decode_completion).
Plain Python, no simulator import.
"""
from __future__ import annotations

from typing import Optional

from models.ats import SC, AtsCompletion, AtsRequest, complete


def _areq_str(areq: AtsRequest) -> str:
    pasid = "" if areq.pid is None else f" pid={areq.pid:#x} priv={int(areq.priv_s)}"
    return (f"ATS completion did={areq.did:#x} iova={areq.iova:#x}{pasid} "
            f"NW={int(areq.no_write)} Exe={int(areq.exec_req)}")


def judge(model, areq: AtsRequest, observed: AtsCompletion) -> Optional[str]:
    """None if `observed` is a completion the spec permits for `areq` now, else one line."""
    exp = complete(model, areq, side_effects=False)
    why = differences(areq, observed, exp,
                      lambda: complete(model, AtsRequest(
                          did=areq.did, iova=areq.iova, pid=areq.pid, priv_s=areq.priv_s,
                          exec_req=areq.exec_req, no_write=False), side_effects=False).w)
    if why is None:
        return None
    return f"{_areq_str(areq)}: observed {observed} expected {exp}: {why}"


def differences(areq: AtsRequest, obs: AtsCompletion, exp: AtsCompletion,
                w_if_asked=lambda: False) -> Optional[str]:
    """What makes `obs` unacceptable next to the model's `exp` (None: acceptable).
    w_if_asked(): the W the tables give when write access is asked (for NW=1)."""
    if obs.status != exp.status:
        return f"status {obs.status} (expected {exp.status})"
    if exp.status != SC:
        return None if obs.cause == exp.cause else f"cause {obs.cause} (expected {exp.cause})"
    bad = []
    for name, o, e in (("R", obs.r, exp.r), ("Exe", obs.x, exp.x), ("U", obs.u, exp.u),
                       ("Priv", obs.priv, exp.priv), ("N", obs.n, exp.n), ("G", obs.g, exp.g)):
        if o != e:
            bad.append(f"{name}={int(o)} (expected {int(e)})")
    if obs.w != exp.w and not (areq.no_write and obs.w and w_if_asked()):
        bad.append(f"W={int(obs.w)} (expected {int(exp.w)})")
    if exp.addr is None and exp.u and obs.addr is not None:
        bad.append(f"translated address {obs.addr:#x}/2^{obs.size_log2} (an MRIF-mode MSI page "
                   f"gets none: U=1, address field 0, S=0)")
    if exp.addr is not None and (obs.r or obs.w):
        if obs.addr is None or not 12 <= obs.size_log2 <= exp.size_log2:
            bad.append(f"range 2^{obs.size_log2} (expected 2^12..2^{exp.size_log2})")
        else:
            want = exp.translate(areq.iova) & ~((1 << obs.size_log2) - 1)
            if obs.addr != want:
                bad.append(f"address {obs.addr:#x} (expected {want:#x} for a 2^{obs.size_log2} "
                           f"range)")
    return "; ".join(bad) or None
