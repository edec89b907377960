"""Which commands software issues after an Update: the spec's guideline sequences
(iommu_sw_guidelines.adoc, "Guidelines for invalidations"), followed by IOFENCE.C, and
personas deciding how much of that a given software actually issues.

Per entry changed (tested on the old value, as the guidelines say; on the new value when the
old one was not valid, which only the caching-mode persona asks about):
- first-stage PTE: IOTINVAL.VMA, GV=1 GSCID under an active G-stage else GV=0; PSCV=1 PSCID
  unless the translation is global (PSCV=1 spares global entries); AV=1 ADDR for a leaf, AV=0
  for a non-leaf entry (the base spec; the "nl-range" persona uses the NL and S extensions);
- G-stage PTE: IOTINVAL.GVMA GV=1 GSCID, AV=1 ADDR=GPA for a leaf, AV=0 for a non-leaf; then
  IODIR.INVAL_DDT DV=1 for each device whose DC or PDT holds a GPA inside the changed range;
- non-leaf DDT entry: IODIR.INVAL_DDT DV=0;
- DC of D: IODIR.INVAL_DDT DV=1 D, then by the DC's values: iohgatp not Bare -> IOTINVAL.VMA
  GV=1 AV=0 PSCV=0 GSCID and IOTINVAL.GVMA GV=1 AV=0 GSCID; else PDTV=1 -> IOTINVAL.VMA GV=0
  AV=0 PSCV=0; else fsc not Bare -> IOTINVAL.VMA GV=0 AV=0 PSCV=1 PSCID=ta.PSCID;
- non-leaf PDT entry of D: IODIR.INVAL_DDT DV=1 D;
- PC (D, P): IODIR.INVAL_PDT D P, then IOTINVAL.VMA AV=0 PSCV=1 PSCID=PC.PSCID (GV=1 GSCID when
  the DC's G-stage is active).
Commands are deduplicated and those covered by a wider one in the same list dropped. The
closing IOFENCE.C asks for PR (and PW if the page was writable) after an unmap and PR=PW=1
after a device context is made invalid (the spec's reclaim and teardown notes).

`holders` (GPA pointers for G-stage changes) is an iterable of (did, gscid, gpa) tuples or of
objects with a gpa_pointers() method (DeviceDirectory, ProcessDirectory).
"""
from __future__ import annotations

from typing import Iterable, Optional

from models.command_queue import Command

from models.command_queue import napot_operand, napot_range

from .commands import (FENCE, GVMA, INVAL_DDT, INVAL_PDT, VMA, iodir_inval_ddt, iodir_inval_pdt,
                       iofence_c, iotinval_gvma, iotinval_vma, napot_cover)
from .device_directory import DeviceContextSpec
from .update import PTE_G, PTE_R, PTE_W, PTE_X, EntryChange, Update


# --------------------------------------------------------------------------- per change
def _holder_tuples(holders) -> list:
    out = []
    for h in holders or ():
        if hasattr(h, "gpa_pointers"):
            out += h.gpa_pointers()
        else:
            out.append(tuple(h))
    return out


def _tested(c: EntryChange) -> tuple:
    return c.old if c.old_valid else c.new


def commands_for_change(update: Update, c: EntryChange, holders=()) -> list:
    """The guideline commands for one entry change (whatever its V transition)."""
    v = _tested(c)
    if c.entry == "pte" and update.structure == "first":
        leaf = bool(v[0] & (PTE_R | PTE_X))
        pscid = None if v[0] & PTE_G or update.global_ else update.pscid
        return [iotinval_vma(gscid=update.gscid, pscid=pscid, addr=c.va if leaf else None)]
    if c.entry == "pte" and update.structure == "g":
        leaf = bool(v[0] & (PTE_R | PTE_X))
        gscid = 0 if update.gscid is None else update.gscid
        out = [iotinval_gvma(gscid=gscid, addr=c.va if leaf else None)]
        dids = sorted({did for did, gs, gpa in _holder_tuples(holders)
                       if gs == gscid and c.va <= gpa < c.va + c.span})
        return out + [iodir_inval_ddt(d) for d in dids]
    if c.entry == "ddte":
        return [iodir_inval_ddt()]
    if c.entry == "pdte":
        return [iodir_inval_ddt(c.did)]
    if c.entry == "dc":
        s = DeviceContextSpec.from_words(v)
        out = [iodir_inval_ddt(c.did)]
        if s.g_mode_code:
            out += [iotinval_vma(gscid=s.gscid), iotinval_gvma(gscid=s.gscid)]
        elif s.pdtv:
            out += [iotinval_vma()]
        elif s.fsc_mode_code:
            out += [iotinval_vma(pscid=s.pscid)]
        return out
    if c.entry == "pc":
        pscid = v[0] >> 12 & 0xFFFFF
        return [iodir_inval_pdt(c.did, c.pid), iotinval_vma(gscid=update.gscid, pscid=pscid)]
    raise ValueError(f"no guideline for entry kind {c.entry!r} in a {update.structure} update")


# --------------------------------------------------------------------------- whole updates
def _addr_covers(wide: Command, narrow: Command) -> bool:
    """AV=1 `wide` names every address (range) and every entry kind `narrow` names: its
    range (napot_range: ADDR's page, or the S=1 NAPOT range) holds narrow's, and NL=1
    unless narrow has NL=0."""
    if not narrow.av or narrow.nl > wide.nl:
        return False
    w, n = napot_range(wide), napot_range(narrow)
    if w is None or n is None:
        return False
    return w[1] >= n[1] and w[0] >> w[1] == n[0] >> w[1] if w[1] < 64 else True


def covers(wide: Command, narrow: Command) -> bool:
    """Does `wide` invalidate everything `narrow` does (per the command tables)?"""
    if wide.name == VMA and narrow.name == VMA:
        return (wide.gv == narrow.gv and (not wide.gv or wide.gscid == narrow.gscid)
                and (not wide.pscv or (narrow.pscv and wide.pscid == narrow.pscid))
                and (not wide.av or _addr_covers(wide, narrow)))
    if wide.name == GVMA and narrow.name == GVMA:
        return not wide.gv or (narrow.gv and wide.gscid == narrow.gscid
                               and (not wide.av or _addr_covers(wide, narrow)))
    if wide.name == INVAL_DDT and narrow.name in (INVAL_DDT, INVAL_PDT):
        return not wide.dv or (narrow.dv and wide.did == narrow.did)
    if wide.name == INVAL_PDT and narrow.name == INVAL_PDT:
        return wide == narrow
    return False


def simplify(commands: Iterable[Command]) -> list:
    """Drop duplicates and commands covered by another one in the list (order kept)."""
    uniq = []
    for cmd in commands:
        if cmd not in uniq:
            uniq.append(cmd)
    return [c for c in uniq if not any(o != c and covers(o, c) for o in uniq)]


def guideline_commands(update: Update, holders=()) -> list:
    """The guideline commands for every change the IOMMU could see, V 0->1 included (what
    an emulated IOMMU in caching mode needs to hear about), without the fence."""
    cmds = []
    for c in update.linked_changes:
        if c.old != c.new:
            cmds += commands_for_change(update, c, holders)
    return simplify(cmds)


def required_commands(update: Update, holders=()) -> list:
    """What the spec requires: the guideline commands for the valid entries changed or
    removed (none for a V 0->1 change), without the fence."""
    cmds = []
    for c in update.linked_changes:
        if c.valid_changed:
            cmds += commands_for_change(update, c, holders)
    return simplify(cmds)


def widest(commands: Iterable[Command]) -> list:
    """Each command widened to its largest scope: VMA keeps GV/GSCID with AV=PSCV=0, GVMA
    becomes GV=0, IODIR becomes INVAL_DDT DV=0."""
    out = []
    for c in commands:
        if c.name == VMA:
            out.append(iotinval_vma(gscid=c.gscid if c.gv else None))
        elif c.name == GVMA:
            out.append(iotinval_gvma())
        elif c.name in (INVAL_DDT, INVAL_PDT):
            out.append(iodir_inval_ddt())
        else:
            out.append(c)
    return simplify(out)


def fence_for(update: Update, template: Optional[Command] = None) -> Command:
    """The closing IOFENCE.C: the template (AV/WSI/data as the caller wants) with PR/PW set
    when memory the device could reach is being given up (unmap; DC made invalid)."""
    t = template or iofence_c()
    pr, pw = t.pr, t.pw
    for c in update.linked_changes:
        if update.kind == "unmap" and c.entry == "pte" and c.old_leaf and not c.new_valid:
            pr |= int(bool(c.old[0] & (PTE_R | PTE_X)))
            pw |= int(bool(c.old[0] & PTE_W))
        if c.entry == "dc" and c.removed:
            pr = pw = 1
    return Command(FENCE, av=t.av, addr=t.addr, data=t.data, wsi=t.wsi, pr=pr, pw=pw)


def spec_plan(update: Update, holders=(), fence: Optional[Command] = None) -> list:
    """required_commands followed by IOFENCE.C; empty when nothing is required."""
    cmds = required_commands(update, holders)
    return cmds + [fence_for(update, fence)] if cmds else []


def full_flush(gscids: Iterable[int] = ()) -> list:
    """Everything every cache may hold, e.g. after ddtp enters Off or Bare (which keeps the
    caches): IODIR.INVAL_DDT DV=0; IOTINVAL.VMA GV=0 AV=0 PSCV=0; IOTINVAL.VMA GV=1 AV=0
    PSCV=0 for each GSCID in use (a separate GVA->GPA cache is not covered by GVMA);
    IOTINVAL.GVMA GV=0; then IOFENCE.C."""
    per_vm = [iotinval_vma(gscid=g) for g in sorted(set(gscids))]
    return [iodir_inval_ddt(), iotinval_vma()] + per_vm + [iotinval_gvma(), iofence_c()]


# --------------------------------------------------------------------------- personas
class Persona:
    """A software behaviour: which of the commands an update calls for it issues."""
    name = "persona"

    def __init__(self, fence: Optional[Command] = None) -> None:
        """fence: the IOFENCE.C template closing each batch (e.g. AV=1 with an address to
        watch for completion); PR/PW are added as fence_for says."""
        self.fence = fence

    def select(self, update: Update, holders=()) -> list:
        raise NotImplementedError

    def commands(self, update: Update, holders=()) -> list:
        """The commands to queue after `update`, ending with IOFENCE.C (empty: none)."""
        cmds = self.select(update, holders)
        return cmds + [fence_for(update, self.fence)] if cmds else []

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SpecRecommended(Persona):
    """Exactly the guideline sequences; nothing after a V 0->1 change (the spec needs none,
    since no entry with V=0 may be cached)."""
    name = "spec"

    def select(self, update: Update, holders=()) -> list:
        return required_commands(update, holders)


class NeverInvalidateOnMap(Persona):
    """Issues nothing for an update that made any entry valid (any V 0->1 store, including
    the filling of a new table, as in a split), and otherwise follows the guidelines: the
    driver that relies on the IOMMU never caching invalid entries."""
    name = "never-invalidate-on-map"

    def select(self, update: Update, holders=()) -> list:
        return [] if update.made_valid else required_commands(update, holders)


class InvalidateEverything(Persona):
    """After every change, V 0->1 included, the widest form of each guideline command, and
    IODIR.INVAL_DDT DV=0 after any G-stage change (caching-mode style: an emulated IOMMU
    hears about everything)."""
    name = "invalidate-everything"

    def select(self, update: Update, holders=()) -> list:
        cmds = widest(guideline_commands(update, holders))
        if cmds and update.structure == "g":
            cmds = simplify(cmds + [iodir_inval_ddt()])
        return cmds


# ---- personas using the NL / S extensions (only for an IOMMU whose capabilities have them:
# without them the bits are reserved and the commands illegal)
def ranged(commands: Iterable[Command]) -> list:
    """The address-specific IOTINVALs (AV=1, S=0) of one scope (command, GV/GSCID, PSCV/PSCID,
    NL) merged into one S=1 command naming the smallest NAPOT range that holds all their
    pages (capabilities.S); one page alone stays S=0. Other commands are kept, in order."""
    groups: dict = {}
    order: list = []
    for c in commands:
        if c.name in (VMA, GVMA) and c.av and not c.s:
            k = (c.name, c.gv, c.gscid, c.pscv, c.pscid, c.nl)
            if k not in groups:
                groups[k] = []
                order.append(k)
            groups[k].append(c)
        else:
            order.append(c)
    out = []
    for item in order:
        if isinstance(item, Command):
            out.append(item)
            continue
        cs = groups[item]
        lo, hi = min(c.addr for c in cs), max(c.addr for c in cs) + 0x1000
        if hi - lo == 0x1000:
            out.append(cs[0])
            continue
        base, size = napot_cover(lo, hi)
        c = cs[0]
        out.append(Command(c.name, av=1, gv=c.gv, gscid=c.gscid, pscv=c.pscv, pscid=c.pscid,
                           nl=c.nl, s=1, addr=napot_operand(base, size)))
    return simplify(out)


def _nonleaf_ranged(update: Update, c: EntryChange, holders, nl: bool) -> list:
    """The commands for one change where a valid non-leaf PTE changed: instead of AV=0, AV=1
    over the entry's whole span (S=1) with NL as given. NL=1 removes the non-leaf entry and
    every leaf under it (the guideline's effect, narrower than AV=0); NL=0 leaves the cached
    non-leaf entry, which still leads to the old table: a software mistake."""
    out = commands_for_change(update, c, holders)
    v = _tested(c)
    if c.entry != "pte" or v[0] & (PTE_R | PTE_X) or not c.span:
        return out
    base = c.va - c.va % c.span
    if update.structure == "first":
        pscid = None if v[0] & PTE_G or update.global_ else update.pscid
        return [iotinval_vma(gscid=update.gscid, pscid=pscid, addr=base, size=c.span, nl=nl)]
    gscid = 0 if update.gscid is None else update.gscid
    return [iotinval_gvma(gscid=gscid, addr=base, size=c.span, nl=nl)] + out[1:]


class RangeInvalidate(SpecRecommended):
    """The guideline commands, the per-page ones of one scope replaced by a single S=1
    invalidation of the NAPOT range holding them (the Address Range Invalidation extension:
    one command for a multi-page unmap or a superpage instead of one per page)."""
    name = "range-s"

    def select(self, update: Update, holders=()) -> list:
        return ranged(required_commands(update, holders))


class NonLeafRange(Persona):
    """As range-s, and a changed non-leaf PTE invalidated by AV=1 NL=1 S=1 over its span
    (both extensions) instead of AV=0."""
    name = "nl-range"
    nl = True

    def select(self, update: Update, holders=()) -> list:
        cmds = []
        for c in update.linked_changes:
            if c.valid_changed:
                cmds += _nonleaf_ranged(update, c, holders, self.nl)
        return ranged(simplify(cmds))


class NonLeafNl0(NonLeafRange):
    """The mistake: a changed non-leaf PTE invalidated by AV=1 NL=0 S=1 over its span. The
    leaves under it go, the cached non-leaf entry stays and keeps leading to the old table,
    so the old translations stay permitted (the advice names the store and why the command
    missed it: 'AV=1 with NL=0 spares non-leaf entries')."""
    name = "nl0-after-nonleaf"
    nl = False


PERSONAS = {p.name: p for p in (SpecRecommended, NeverInvalidateOnMap, InvalidateEverything,
                                RangeInvalidate, NonLeafRange, NonLeafNl0)}


def persona(name: str, **kw) -> Persona:
    """A persona by name: 'spec', 'never-invalidate-on-map', 'invalidate-everything', and for
    an IOMMU with the extensions 'range-s' (S), 'nl-range' and 'nl0-after-nonleaf' (NL, S)."""
    try:
        return PERSONAS[name](**kw)
    except KeyError:
        raise ValueError(f"unknown persona {name!r}: expected one of {sorted(PERSONAS)}") from None
