"""The reference rule of a nested virtual IOMMU that forwards the guest's commands in the
hardware's own format, and the audit that compares what a VMM persona did with it.

What only the host knows, and the VMM substitutes (VmIdentity):
- the VM's GSCID: a guest IOTINVAL.VMA (GV=0: the guest's IOMMU has no G-stage of its own) goes
  to the hardware with GV=1 GSCID=<the VM's>, PSCV/PSCID/AV/ADDR kept;
- the host device_id of each guest device: a guest IODIR.INVAL_DDT DV=1 DID=<guest> goes with
  DID=<host>; DV=0 (every guest device) becomes one DV=1 per device of the VM (the guest must not
  invalidate other VMs' contexts); IODIR.INVAL_PDT likewise;
- the host device context: the guest's DC with the VM's iohgatp (G-stage root and GSCID), the
  guest's fsc/ta/tc kept, written before the forwarded IODIR;
- completion: a guest IOFENCE.C completes to the guest (its cqh moves past it, its AV write
  lands) only after a hardware IOFENCE.C (with the guest's PR/PW) behind every command
  forwarded for the guest's earlier commands has completed.

ForwardingAudit is plain Python: the VMM reports what it did (`forwarded`, `host_dc_written`,
`guest_fence_reflected`, `shadow_mismatch`, `shadow_pc_mismatch`) and the audit records each departure from the rule as
a Mistake whose `name` is what the regression looks for."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from models.command_queue import Command
from sequences.sw.commands import FENCE, GVMA, INVAL_DDT, INVAL_PDT, VMA, iodir_inval_ddt
from sequences.sw.device_directory import DeviceContextSpec

# Mistake kinds and the words each finding starts with.
GSCID_NOT_SUBSTITUTED = "GSCID not substituted"
DID_NOT_TRANSLATED = "DID not translated"
FENCE_COMPLETED_EARLY = "guest fence completed early"
SHADOW_NOT_UPDATED = "shadow not updated on invalidation"
COMMAND_DROPPED = "command dropped"
COMMAND_MANGLED = "command mangled"
HOST_DC_WRONG = "host device context not built from the guest's"
MISTAKES = (GSCID_NOT_SUBSTITUTED, DID_NOT_TRANSLATED, FENCE_COMPLETED_EARLY, SHADOW_NOT_UPDATED,
            COMMAND_DROPPED, COMMAND_MANGLED, HOST_DC_WRONG)


@dataclass(frozen=True)
class VmIdentity:
    """What the host knows about one VM: its GSCID, its G-stage (iohgatp) and which host
    device each guest device_id is."""
    gscid: int
    did_map: dict                      # guest device_id -> host device_id
    g_mode: str = "sv39x4"
    g_root: int = 0

    def host_did(self, guest_did: int) -> int:
        try:
            return self.did_map[guest_did]
        except KeyError:
            raise ValueError(f"guest device_id {guest_did:#x} is not assigned to this VM "
                             f"(its devices: {sorted(map(hex, self.did_map))})") from None


def cmd_text(c: Command) -> str:
    """A command as one short token list (GV/GSCID, PSCV/PSCID, AV/ADDR, DV/DID, ...)."""
    if c.name in (VMA, GVMA):
        parts = [f"GV={c.gv}"] + ([f"GSCID={c.gscid}"] if c.gv else [])
        if c.name == VMA:
            parts += [f"PSCV={c.pscv}"] + ([f"PSCID={c.pscid}"] if c.pscv else [])
        parts += [f"AV={c.av}"] + ([f"ADDR={c.addr:#x}"] if c.av else [])
    elif c.name in (INVAL_DDT, INVAL_PDT):
        parts = [f"DV={c.dv}"] + ([f"DID={c.did:#x}"] if c.dv else [])
        if c.name == INVAL_PDT:
            parts.append(f"PID={c.pid:#x}")
    else:
        parts = [f"AV={c.av}"] + ([f"ADDR={c.addr:#x} DATA={c.data:#x}"] if c.av else [])
    return f"{c.name} " + " ".join(parts)


def forward_command(cmd: Command, vm: VmIdentity) -> list:
    """The hardware commands the reference rule sends for one guest command (IOFENCE.C: none;
    the VMM's own fence completes it)."""
    if cmd.name == VMA:
        return [replace(cmd, gv=1, gscid=vm.gscid)]
    if cmd.name == INVAL_DDT:
        if cmd.dv:
            return [replace(cmd, did=vm.host_did(cmd.did))]
        return [iodir_inval_ddt(h) for h in sorted(vm.did_map.values())]
    if cmd.name == INVAL_PDT:
        return [replace(cmd, did=vm.host_did(cmd.did))]
    if cmd.name == FENCE:
        return []
    raise ValueError(f"{cmd.name} from a guest whose IOMMU has no G-stage: nothing to forward")


def host_dc(guest: DeviceContextSpec, vm: VmIdentity) -> DeviceContextSpec:
    """The host device context of a guest device under nesting: the guest's, with the VM's
    G-stage (the guest's fsc, PSCID and tc bits kept)."""
    return replace(guest, g_mode=vm.g_mode, g_root=vm.g_root, gscid=vm.gscid)


@dataclass(frozen=True)
class Mistake:
    name: str              # one of MISTAKES
    detail: str
    seq: int               # order among the audit's events

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}"


@dataclass
class ForwardingAudit:
    vm: VmIdentity
    mistakes: list = field(default_factory=list)
    events: int = 0

    def _note(self, name: str, detail: str) -> Mistake:
        self.events += 1
        m = Mistake(name, detail, self.events)
        self.mistakes.append(m)
        return m

    # -- what the VMM reports ---------------------------------------------------------------
    def forwarded(self, guest_cmd: Command, host_cmds: list) -> list:
        """The VMM sent host_cmds to the hardware for guest_cmd; returns the new mistakes."""
        self.events += 1
        want = forward_command(guest_cmd, self.vm)
        got = list(host_cmds)
        out = []
        for w in want:
            if w in got:
                got.remove(w)
                continue
            same = [g for g in got if g.name == w.name]
            g = same[0] if same else None
            if g is None:
                out.append(self._note(COMMAND_DROPPED, f"guest {cmd_text(guest_cmd)} has no "
                                      f"hardware {w.name} (wanted {cmd_text(w)})"))
                continue
            got.remove(g)
            if w.name == VMA and (g.gv != w.gv or g.gscid != w.gscid):
                out.append(self._note(GSCID_NOT_SUBSTITUTED,
                                      f"guest {cmd_text(guest_cmd)} forwarded as {cmd_text(g)}, "
                                      f"the VM's GSCID is {self.vm.gscid} (wanted {cmd_text(w)})"))
            elif w.name in (INVAL_DDT, INVAL_PDT) and g.did != w.did:
                out.append(self._note(DID_NOT_TRANSLATED,
                                      f"guest {cmd_text(guest_cmd)} forwarded as {cmd_text(g)}, "
                                      f"the host device is {w.did:#x} (wanted {cmd_text(w)})"))
            else:
                out.append(self._note(COMMAND_MANGLED, f"guest {cmd_text(guest_cmd)} forwarded "
                                      f"as {cmd_text(g)} (wanted {cmd_text(w)})"))
        return out

    def host_dc_written(self, guest_did: int, guest: DeviceContextSpec,
                        host: DeviceContextSpec) -> list:
        """The VMM wrote `host` as the hardware DC of guest_did (nesting)."""
        self.events += 1
        want = host_dc(guest, self.vm) if guest.v else None
        if want is None and not host.v or want == host:
            return []
        return [self._note(HOST_DC_WRONG, f"guest device {guest_did:#x}: host DC {host} "
                                          f"instead of {want}")]

    def guest_fence_reflected(self, guest_index: int, undone: list) -> list:
        """The VMM completed the guest's IOFENCE.C at guest queue slot guest_index; `undone`
        lists the guest commands before it whose hardware commands had not completed then."""
        self.events += 1
        if not undone:
            return []
        names = ", ".join(cmd_text(c) for c in undone[:3]) + (" ..." if len(undone) > 3 else "")
        return [self._note(FENCE_COMPLETED_EARLY,
                           f"the guest's IOFENCE.C (guest slot {guest_index}) completed while "
                           f"{len(undone)} earlier guest command(s) had not completed on the "
                           f"hardware: {names}")]

    def shadow_mismatch(self, iova: int, shadow: Optional[str], guest: Optional[str],
                        after: Command) -> list:
        """After the guest's invalidation `after` (covering iova) completed, the shadow entry
        for iova says `shadow` while the guest's table says `guest` (text of each)."""
        return [self._note(SHADOW_NOT_UPDATED,
                           f"after guest {cmd_text(after)} the shadow maps iova {iova:#x} "
                           f"{shadow or 'to nothing'}, the guest's table {guest or 'to nothing'}")]

    def shadow_pc_mismatch(self, guest_did: int, pid: int, host: str, guest: str,
                           after: Command) -> list:
        """After the guest's IODIR.INVAL_PDT `after` completed, the host process context that
        shadows (guest_did, pid) says `host` while the guest's PC says `guest`."""
        return [self._note(SHADOW_NOT_UPDATED,
                           f"after guest {cmd_text(after)} the host process context of guest "
                           f"device {guest_did:#x} pid {pid:#x} is {host}, the guest's {guest}")]

    def first(self) -> Optional[Mistake]:
        return self.mistakes[0] if self.mistakes else None
