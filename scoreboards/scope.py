"""Which cached items each invalidation command removes (the spec's command tables), and
how items and commands are named in messages.

An item is named by a `Key`: its kind, the tag the model's walk gives it, and what the
command tables also need: the width of the address space it translates (for matching ADDR),
whether the value is a leaf, and whether the translation is global (G set on the value or on
a non-leaf entry above it).

Scopes (iommu_in_memory_queues.adoc, tables IVMA / IGVMA / IODIR):
- IOTINVAL.VMA: first-stage PTEs only. GV=0 acts on host spaces (tag GSCID None), GV=1 on the
  VM spaces of GSCID. PSCV=1 restricts to PSCID and spares global entries. AV=1 restricts to
  leaf entries that map ADDR (non-leaf entries survive), unless NL=1.
- IOTINVAL.GVMA: G-stage PTEs and MSI PTEs. GV=0 all; GV=1 AV=0 those of GSCID; GV=1 AV=1 the
  leaf entries mapping GPA=ADDR under GSCID (non-leaf ones too with NL=1).
- The extensions (iommu_extensions.adoc; decoded only with capabilities.NL / .S): NL=1 with
  AV=1 also removes the non-leaf PTEs of every level on the path to the address (range);
  S=1 with AV=1 makes ADDR a NAPOT range (models.command_queue.napot_range) and removes every
  entry whose page overlaps it (a superpage partly inside the range included: it maps an
  address of the range). AV=0 ignores NL and S; GVMA GV=0 ignores AV, NL and S. S=1 with an
  all-ones ADDR is UNSPECIFIED: the oracle takes it to cover nothing (the old values stay
  permitted) and the advice names it.
- IODIR.INVAL_DDT: DV=0 every DDT and PDT entry, leaf and non-leaf; DV=1 the DC of DID and
  every PDT entry (leaf and non-leaf) of DID. Never a non-leaf DDT entry with DV=1.
- IODIR.INVAL_PDT (DV=1): the PC of (DID, PID) only.
- IOTINVAL never touches directory items; IODIR never touches PTEs.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from models.command_queue import Command, napot_range

VMA, GVMA = "IOTINVAL.VMA", "IOTINVAL.GVMA"
INVAL_DDT, INVAL_PDT = "IODIR.INVAL_DDT", "IODIR.INVAL_PDT"
FENCE = "IOFENCE.C"
INVALIDATIONS = (VMA, GVMA, INVAL_DDT, INVAL_PDT)


class Key(NamedTuple):
    kind: str
    tag: tuple
    width: int = 0          # address bits of the space (pte1: 32/39/48/57; pte2: 34/41/50/59)
    leaf: bool = True       # PTEs: the value is a leaf (R or X set)
    glob: bool = False      # pte1: global translation


def _range_match(cmd: Command, width: int, shift: int, vpn: int) -> bool:
    """Does the page of 2^shift bytes numbered `vpn` (in a `width`-bit space) overlap the
    addresses cmd names (its ADDR page, or with S=1 its NAPOT range)? Two naturally aligned
    power-of-two blocks overlap exactly when one contains the other, i.e. when they agree
    above the larger size."""
    r = napot_range(cmd)
    if r is None:
        return False
    base, size = r
    if size >= width:
        return True
    top = max(size, shift)
    return (base & ((1 << width) - 1)) >> top == (vpn << shift) >> top


def _page(key: Key, level: int, vpn: int) -> int:
    """The address of a PTE item's page (messages): Sv32/Sv32x4 step 10 VPN bits a level."""
    return vpn << (12 + (10 if key.width in (32, 34) else 9) * level)


def _av_match(cmd: Command, key: Key, level: int, vpn: int) -> bool:
    """AV=1: the entry is of the kind the command removes (leaf, or any with NL=1) and its
    page overlaps the command's address (range)."""
    # Sv32 / Sv32x4 (widths 32 and 34) have 10 VPN bits a level: a level-1 leaf is 4 MiB
    step = 10 if key.width in (32, 34) else 9
    return (key.leaf or bool(cmd.nl)) and _range_match(cmd, key.width, 12 + step * level, vpn)


NL0_SPARES = "AV=1 with NL=0 spares non-leaf entries (NL=1 or AV=0 covers them)"


def covers(cmd: Command, key: Key) -> bool:
    """Does `cmd` (once complete) remove cached copies of the item `key`?"""
    name, kind, tag = cmd.name, key.kind, key.tag
    if kind in ("ddte", "dc", "pdte", "pc"):
        if name == INVAL_DDT:
            if not cmd.dv:
                return True
            return kind != "ddte" and tag[0] == cmd.did
        if name == INVAL_PDT:
            return kind == "pc" and tag == (cmd.did, cmd.pid)
        return False
    if kind == "pte1":
        if name != VMA:
            return False
        gscid, pscid, level, vpn = tag
        if cmd.gv:
            if gscid is None or gscid != cmd.gscid:
                return False
        elif gscid is not None:
            return False
        if cmd.pscv and (key.glob or pscid != cmd.pscid):
            return False
        if cmd.av and not _av_match(cmd, key, level, vpn):
            return False
        return True
    if kind == "pte2":
        if name != GVMA:
            return False
        if not cmd.gv:
            return True
        gscid, level, vpn = tag
        if gscid != cmd.gscid:
            return False
        return not cmd.av or _av_match(cmd, key, level, vpn)
    if kind == "msipte":
        if name != GVMA:
            return False
        if not cmd.gv:
            return True
        gscid, gppn = tag
        return gscid == cmd.gscid and (not cmd.av or _range_match(cmd, 64, 12, gppn))
    raise ValueError(f"unknown item kind {kind!r}")


def coverer(cmd: Command):
    """covers(cmd, key) as a function of `key` alone, with what depends only on `cmd` worked
    out once: a completion asks it of every cached value. Address-specific IOTINVALs (the
    common completion) get their own function; any other command is covers itself."""
    name = cmd.name
    if not cmd.av or name not in (VMA, GVMA) or (name == GVMA and not cmd.gv):
        return lambda key: covers(cmd, key)
    r = napot_range(cmd)
    nl = bool(cmd.nl)
    c_gv, c_gscid, c_pscv, c_pscid = cmd.gv, cmd.gscid, cmd.pscv, cmd.pscid
    kind_of = "pte1" if name == VMA else "pte2"

    def at_addr(key: Key, level: int, vpn: int) -> bool:       # _av_match, r known
        if not (key.leaf or nl) or r is None:
            return False
        width = key.width
        base, size = r
        if size >= width:
            return True
        shift = 12 + (10 if width in (32, 34) else 9) * level
        top = max(size, shift)
        return (base & ((1 << width) - 1)) >> top == (vpn << shift) >> top

    def f(key: Key) -> bool:
        if key.kind != kind_of:
            return covers(cmd, key)
        if kind_of == "pte2":
            gscid, level, vpn = key.tag
            return gscid == c_gscid and at_addr(key, level, vpn)
        gscid, pscid, level, vpn = key.tag
        if c_gv:
            if gscid is None or gscid != c_gscid:
                return False
        elif gscid is not None:
            return False
        if c_pscv and (key.glob or pscid != c_pscid):
            return False
        return at_addr(key, level, vpn)
    return f


# (width, bits a level, levels) of each scheme's address space: first stage, G-stage
_PTE1_SPACES = ((32, 10, 2), (39, 9, 3), (48, 9, 4), (57, 9, 5))
_PTE2_SPACES = ((34, 10, 2), (41, 9, 3), (50, 9, 4), (59, 9, 5))


def covered_tags(cmd: Command):
    """Every (kind, tag) whose items `cmd` may cover, when they are few enough to list: an
    IOTINVAL with AV=1 naming one 4 KiB page (S=0), the VMA with PSCV=1 (covers() is true only
    for the entry of each level that maps the page, in each address-space width). None when
    the command may cover items of any tag (then every item must be asked)."""
    if not cmd.av or cmd.s:
        return None
    base = napot_range(cmd)[0]
    if cmd.name == VMA:
        if not cmd.pscv:
            return None
        g = cmd.gscid if cmd.gv else None
        return {("pte1", (g, cmd.pscid, level, (base & ((1 << width) - 1)) >> (12 + step * level)))
                for width, step, levels in _PTE1_SPACES for level in range(levels)}
    if cmd.name == GVMA and cmd.gv:
        out = {("pte2", (cmd.gscid, level, (base & ((1 << width) - 1)) >> (12 + step * level)))
               for width, step, levels in _PTE2_SPACES for level in range(levels)}
        out.add(("msipte", (cmd.gscid, base >> 12)))
        return out
    return None


def why_not(cmd: Command, key: Key) -> str:
    """Why `cmd` does not cover `key`, in the command table's terms ("" if it does)."""
    if covers(cmd, key):
        return ""
    name, kind, tag = cmd.name, key.kind, key.tag
    if kind in ("ddte", "dc", "pdte", "pc"):
        if name in (VMA, GVMA):
            return "IOTINVAL does not cover directory entries"
        if name == INVAL_PDT:
            return ("IODIR.INVAL_PDT covers process contexts only" if kind != "pc"
                    else f"DID {cmd.did} PID {cmd.pid}, not DID {tag[0]} PID {tag[1]}")
        if kind == "ddte":
            return "IODIR.INVAL_DDT with DV=1 never covers non-leaf DDT entries"
        return f"DID {cmd.did}, not {tag[0]}"
    if name in (INVAL_DDT, INVAL_PDT):
        return "IODIR does not cover page-table entries"
    if kind == "pte1":
        if name != VMA:
            return "IOTINVAL.GVMA does not cover first-stage entries"
        gscid, pscid, level, vpn = tag
        if cmd.gv and gscid is None:
            return "GV=1 (a VM's space), the entry is in the host space (GV=0)"
        if cmd.gv and gscid != cmd.gscid:
            return f"GSCID {cmd.gscid}, not {gscid}"
        if not cmd.gv and gscid is not None:
            return f"GV=0 (the host space), the entry is in GSCID {gscid}'s space (GV=1)"
        if cmd.pscv and key.glob:
            return "PSCV=1 spares global entries"
        if cmd.pscv and pscid != cmd.pscid:
            return f"PSCID {cmd.pscid}, not {pscid}"
        if not key.leaf and not cmd.nl:
            return NL0_SPARES
        return _outside(cmd, _page(key, level, vpn))
    if name != GVMA:
        return "IOTINVAL.VMA does not cover G-stage or MSI entries"
    gscid = tag[0]
    if gscid != cmd.gscid:
        return f"GSCID {cmd.gscid}, not {gscid}"
    if kind == "pte2" and not key.leaf and not cmd.nl:
        return NL0_SPARES
    page = tag[1] << 12 if kind == "msipte" else _page(key, tag[1], tag[2])
    return _outside(cmd, page)


def _outside(cmd: Command, page: int) -> str:
    if not cmd.s:
        return f"ADDR {cmd.addr:#x} is outside the page at {page:#x}"
    r = napot_range(cmd)
    if r is None:
        return "S=1 with an all-ones ADDR is UNSPECIFIED (taken to cover nothing)"
    return (f"the range {r[0]:#x}+{1 << r[1]:#x} (S=1 ADDR {cmd.addr:#x}) is outside the page "
            f"at {page:#x}")


def scope_of(cmd: Command) -> Command:
    """The command with the operands its scope ignores cleared (so equal scopes compare equal)."""
    if cmd.name == VMA:
        return Command(VMA, av=cmd.av, pscv=cmd.pscv, gv=cmd.gv,
                       pscid=cmd.pscid if cmd.pscv else 0, gscid=cmd.gscid if cmd.gv else 0,
                       addr=cmd.addr if cmd.av else 0, nl=cmd.nl if cmd.av else 0,
                       s=cmd.s if cmd.av else 0)
    if cmd.name == GVMA:
        if not cmd.gv:
            return Command(GVMA)
        return Command(GVMA, av=cmd.av, gv=1, gscid=cmd.gscid, addr=cmd.addr if cmd.av else 0,
                       nl=cmd.nl if cmd.av else 0, s=cmd.s if cmd.av else 0)
    if cmd.name == INVAL_DDT:
        return Command(INVAL_DDT, dv=cmd.dv, did=cmd.did if cmd.dv else 0)
    if cmd.name == INVAL_PDT:
        return Command(INVAL_PDT, dv=1, did=cmd.did, pid=cmd.pid)
    return cmd


# -------------------------------------------------------------------------------- naming
def hexu(v: int) -> str:
    """0x4000_1000 style (groups of four hex digits)."""
    s = f"{v:x}"
    groups = []
    while s:
        groups.append(s[-4:])
        s = s[:-4]
    return "0x" + "_".join(reversed(groups))


def describe_cmd(cmd: Command) -> str:
    n = cmd.name
    if n == VMA:
        s = f"{n} GV={cmd.gv}"
        if cmd.gv:
            s += f" GSCID={cmd.gscid}"
        s += f" PSCV={cmd.pscv}"
        if cmd.pscv:
            s += f" PSCID={cmd.pscid}"
        s += f" AV={cmd.av}"
        if cmd.av:
            s += f" ADDR={cmd.addr:#x}" + _ext(cmd)
        return s
    if n == GVMA:
        if not cmd.gv:
            return f"{n} GV=0"
        s = f"{n} GV=1 GSCID={cmd.gscid} AV={cmd.av}"
        return s + (f" ADDR={cmd.addr:#x}" + _ext(cmd) if cmd.av else "")
    if n == INVAL_DDT:
        return f"{n} DV=0" if not cmd.dv else f"{n} DV=1 DID={cmd.did}"
    if n == INVAL_PDT:
        return f"{n} DID={cmd.did} PID={cmd.pid}"
    return n


def _ext(cmd: Command) -> str:
    """The extension operands of an AV=1 IOTINVAL, only when set (NL=1, S=1 with its range)."""
    out = " NL=1" if cmd.nl else ""
    if cmd.s:
        r = napot_range(cmd)
        out += " S=1 (UNSPECIFIED range)" if r is None else f" S=1 (range {r[0]:#x}+{1 << r[1]:#x})"
    return out


def describe_item(key: Key, pa: Optional[int] = None) -> str:
    """An item in spec terms, e.g. "leaf PTE @0x22008 (first stage, pscid 7, va 0x40001000)"."""
    kind, tag = key.kind, key.tag
    at = f" @{pa:#x}" if pa is not None else ""
    if kind == "dc":
        return f"device context of did {tag[0]}{at}"
    if kind == "ddte":
        shift = 7 + 9 * (tag[0] - 1)
        return f"non-leaf DDT entry{at} (level {tag[0]}, device_id>>{shift} = {tag[1]:#x})"
    if kind == "pc":
        return f"process context of did {tag[0]} pid {tag[1]}{at}"
    if kind == "pdte":
        return f"non-leaf PDT entry{at} (did {tag[0]}, level {tag[1]})"
    if kind == "pte1":
        gscid, pscid, level, vpn = tag
        what = "leaf PTE" if key.leaf else "non-leaf PTE"
        g = "" if gscid is None else f"gscid {gscid}, "
        glob = ", global" if key.glob else ""
        return (f"{what}{at} (first stage, {g}pscid {pscid}, level {level}, "
                f"va {_page(key, level, vpn):#x}{glob})")
    if kind == "pte2":
        gscid, level, vpn = tag
        what = "leaf PTE" if key.leaf else "non-leaf PTE"
        gpa = _page(key, level, vpn)
        return f"{what}{at} (G-stage, gscid {gscid}, level {level}, gpa {gpa:#x})"
    if kind == "msipte":
        return f"MSI PTE{at} (gscid {tag[0]}, gpa {tag[1] << 12:#x})"
    return f"{kind} {tag}{at}"


def needed_command(key: Key, owner: Optional[Key] = None) -> str:
    """The command software should issue for a change of this item (SW guidelines)."""
    kind, tag = key.kind, key.tag
    if kind == "ddte":
        return "IODIR.INVAL_DDT DV=0"
    if kind in ("dc", "pdte"):
        return f"IODIR.INVAL_DDT DV=1 DID={tag[0]}"
    if kind == "pc":
        return f"IODIR.INVAL_PDT DID={tag[0]} PID={tag[1]}"
    if kind == "pte1":
        gscid, pscid, level, vpn = tag
        gv = "GV=0" if gscid is None else f"GV=1 GSCID={gscid}"
        ps = "PSCV=0" if key.glob else f"PSCV=1 PSCID={pscid}"
        av = f"AV=1 ADDR={_page(key, level, vpn):#x}" if key.leaf else "AV=0"
        return f"IOTINVAL.VMA {gv} {ps} {av}"
    if kind in ("pte2", "msipte"):
        gscid = tag[0]
        if kind == "pte2" and key.leaf:
            s = f"IOTINVAL.GVMA GV=1 GSCID={gscid} AV=1 ADDR={_page(key, tag[1], tag[2]):#x}"
        elif kind == "msipte":
            s = f"IOTINVAL.GVMA GV=1 GSCID={gscid} AV=1 ADDR={tag[1] << 12:#x}"
        else:
            s = f"IOTINVAL.GVMA GV=1 GSCID={gscid} AV=0"
        if owner is not None:
            s += f" and {needed_command(owner)} (a cached {owner.kind.upper()} may hold the SPA)"
        return s
    return "?"
