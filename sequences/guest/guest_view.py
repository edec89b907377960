"""The guest-layer judge: a second coherence oracle over guest-physical memory, fed with what
the guest's software does (its stores at GPAs, its register writes to the virtual IOMMU, the
completions the VMM reflects back), and the mapping from a hardware response to what the guest
sees (host device_id -> guest device_id, SPA -> GPA through the VM's memory map)."""
from __future__ import annotations

from typing import Optional

from models import Outcome, Request
from scoreboards import CoherenceOracle

from .attribution import LayerFinding, VMM, attribute_response
from .vm_memory import VmMemoryMap


def _allowed(observed: Outcome, permitted: frozenset, cause_known: bool) -> bool:
    if cause_known:
        return observed in permitted
    return any(o.cause is not None for o in permitted)      # a fault whose cause the port hides


class GuestView:
    def __init__(self, policy: str, vm: VmMemoryMap, did_map: dict) -> None:
        self.oracle = CoherenceOracle(policy=policy)
        self.policy = policy
        self.vm = vm
        self.did_map = dict(did_map)                         # guest -> host
        self.guest_did = {h: g for g, h in did_map.items()}  # host -> guest
        self.checked = 0
        self.mismatches = 0

    # -- the guest's software actions ---------------------------------------------------
    def store64(self, gpa: int, value: int) -> None:
        self.oracle.store64(gpa, value)

    def write_reg(self, offset: int, value: int, size: int = 8) -> None:
        self.oracle.write_reg(offset, value, size)

    def commands_done(self, cqh: int) -> None:
        self.oracle.commands_done(cqh)

    # -- responses --------------------------------------------------------------------------
    def host_request(self, guest_req: Request) -> Request:
        return Request(did=self.did_map[guest_req.did], iova=guest_req.iova, ttyp=guest_req.ttyp,
                       pid=guest_req.pid, priv_s=guest_req.priv_s)

    def guest_request(self, host_req: Request) -> Request:
        return Request(did=self.guest_did[host_req.did], iova=host_req.iova,
                       ttyp=host_req.ttyp, pid=host_req.pid, priv_s=host_req.priv_s)

    def guest_outcome(self, fault: bool, cause: Optional[int], pa: int) -> Optional[Outcome]:
        """What the guest sees; None for a success outside the VM's RAM (no GPA at all)."""
        if fault:
            return Outcome(None, cause)
        gpa = self.vm.gpa(pa)
        return None if gpa is None else Outcome(gpa, None)

    def judge(self, result, host_permitted: frozenset, mistakes=()) -> Optional[LayerFinding]:
        """Judge one hardware response (a TranslationResult) at both layers; a LayerFinding
        when either rejects it (attribution.attribute_response)."""
        hreq = result.req
        cause_known = not result.fault or result.cause is not None
        host_obs = Outcome(None if result.fault else result.pa, result.cause if result.fault
                           else None)
        host_ok = _allowed(host_obs, host_permitted, cause_known)
        greq = self.guest_request(hreq)
        gobs = self.guest_outcome(result.fault, result.cause, result.pa)
        gperm = self.oracle.outcomes(greq)
        self.checked += 1
        if gobs is None:
            guest_ok, text = False, (f"did={greq.did:#x} iova={greq.iova:#x} ttyp={int(greq.ttyp)}"
                                     f" got=spa:{result.pa:#x} outside the VM's RAM {self.vm}")
        else:
            guest_ok = _allowed(gobs, gperm, cause_known)
            text = ""
            if not guest_ok and cause_known:
                text = self.oracle.check(greq, gobs).message
            elif not guest_ok:
                text = f"did={greq.did:#x} iova={greq.iova:#x} got={gobs}"
        verdict = attribute_response(host_ok, guest_ok, mistakes)
        if verdict is None:
            return None
        layer, why = verdict
        self.mismatches += 1
        if layer != VMM:
            got = f"fault:{result.cause}" if result.fault else f"pa:{result.pa:#x}"
            return LayerFinding("MISMATCH", layer, why,
                                f"host view: did={hreq.did:#x} (guest device {greq.did:#x}) "
                                f"iova={hreq.iova:#x} ttyp={int(hreq.ttyp)} got={got} permitted="
                                f"{{{', '.join(sorted(map(str, host_permitted)))}}} (the "
                                f"scoreboard's MISMATCH line says why)")
        return LayerFinding("MISMATCH", layer, why,
                            f"guest view (policy {self.policy}): {text}")

    def advice(self) -> list:
        return [str(f) for f in self.oracle.advice()]
