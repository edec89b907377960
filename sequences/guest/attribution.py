"""Which layer of a virtual-IOMMU stack is at fault, from what two oracles say.

The stack: the guest's software (its driver, its DDT, tables and command queue in guest
memory) -> the VMM (the virtual IOMMU: forwards or shadows) -> the hardware IOMMU. Two
coherence oracles judge it at once:
- the host oracle (the testbench's scoreboard) judges every hardware response against the host's
  memory and the commands the hardware received, under the run's policy (riscv-1.0-strict);
- the guest oracle judges the same response as the guest understands it (guest device_id,
  guest IOVA -> guest-physical address) against the guest's memory and the commands the guest
  wrote, completed when the VMM told the guest so, under the guest's policy (riscv-1.0-strict
  for a forwarding VMM, caching-mode for a shadowing one).

The rule (docs/virtualization.md):
1. a response the host oracle rejects: **hardware** (the IOMMU is wrong for what it was told);
2. a response the host oracle accepts and the guest oracle rejects: **VMM**. The guest oracle
   already permits every stale value the guest's own omissions allow, so a guest-visible
   mismatch on correct hardware can only come from what the VMM told the hardware (or told the
   guest); the forwarding audit names the mistake when it saw one;
3. a finding of the guest oracle's advice (an update left without the invalidation the guest's
   policy requires): **guest**;
4. a finding of the host oracle's advice about a store into the VM's memory: **guest** when the
   guest oracle has a finding for the same guest-physical entry (the VMM had nothing to forward),
   else **VMM**; about any other store (host DDT, shadow tables, G-stage): **VMM**.
Requests relied on before an invalidation completed (`relied-before-completion`) are the
scenario's own windows, not a layer's fault."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

GUEST, VMM, HARDWARE = "guest", "VMM", "hardware"
LAYERS = (GUEST, VMM, HARDWARE)
IN_WINDOW = "relied-before-completion"
_ITEM_ADDR = re.compile(r" to [^@]*@(0x[0-9a-fA-F_]+)")


@dataclass(frozen=True)
class LayerFinding:
    kind: str          # 'MISMATCH' (a response), 'ADVICE' (a software finding), 'AUDIT'
    layer: str         # guest | VMM | hardware
    why: str           # the named cause (a forwarding mistake, a finding's status)
    detail: str

    def __str__(self) -> str:
        return f"VIOMMU {self.kind} layer={self.layer} ({self.why}): {self.detail}"


def attribute_response(host_ok: bool, guest_ok: bool, mistakes: Iterable = ()) -> Optional[tuple]:
    """(layer, why) for one response, or None when both layers accept it. `mistakes`: the
    forwarding audit's Mistakes so far (the first one names the VMM's fault)."""
    if not host_ok:
        return HARDWARE, "the host oracle rejects the hardware's response"
    if guest_ok:
        return None
    first = next(iter(mistakes), None)
    if first is None:
        return VMM, "guest-visible result the guest's policy forbids; no forwarding mistake named"
    return VMM, str(first)


def finding_status(line: str) -> str:
    """'missing', 'not-completed', 'relied-before-completion' from a finding's line."""
    m = re.match(r"ADVICE ([a-z-]+):", line)
    return m.group(1) if m else ""


def finding_address(line: str) -> Optional[int]:
    """The address of the entry a finding names ('... to leaf PTE @0x1003000 (...)')."""
    m = _ITEM_ADDR.search(line)
    return int(m.group(1).replace("_", ""), 16) if m else None


def attribute_advice(host_lines: Iterable[str], guest_lines: Iterable[str],
                     gpa_of_spa) -> list:
    """LayerFindings for the two oracles' advice (rules 3 and 4). gpa_of_spa(spa) -> GPA or None
    (the VM's memory map)."""
    out = []
    guest_gpas = set()
    for line in guest_lines:
        status = finding_status(line)
        if status == IN_WINDOW:
            continue
        a = finding_address(line)
        if a is not None:
            guest_gpas.add(a)
        out.append(LayerFinding("ADVICE", GUEST, f"guest {status}", line))
    for line in host_lines:
        status = finding_status(line)
        if status == IN_WINDOW:
            continue
        a = finding_address(line)
        gpa = None if a is None else gpa_of_spa(a)
        if gpa is not None and gpa in guest_gpas:
            continue          # the guest's own omission, already reported at the guest layer
        out.append(LayerFinding("ADVICE", VMM, f"host {status}", line))
    return out
