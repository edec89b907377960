"""Coverage crosses, as plain functions of what a translation walked (the model's trace over
current memory), of a fault record, and of a command: bin names without the `iommu.` area
prefix's owner (IommuCoverage counts them). No pyuvm, so they are unit-testable.

Crosses (area: items):
- perm: each leaf permission bit (R W X U A D, 0 or 1) x privilege (U, S) x request type
  (read, write, exec), and U=1 pages under S requests x SUM;
- ddt_did: DDT mode x the highest device_id index field in use (DDI[0..2]);
- gstage_root: G-stage mode x whether the GPA uses the x4 root's two extra index bits;
- cause_stage: cause x where the walk stopped (DDT leaf or non-leaf, PDT, first stage, G-stage
  on an implicit or the final access);
- pbmt: the memory type (Svpbmt PBMT) of each successful translation x the stages that gave
  it: first.<type> (first stage only), g.<type> (G-stage only), both.<first>.<G-stage> (the
  two leaves of a two-stage translation, PMA/NC/IO each: the combination table);
- record: fault-record fields exercised (PV, PRIV, TTYP, iotval2 kinds, wide device_id);
- command_illegal: each rule that makes a command illegal;
- msi_flat: with an extended device context whose msiptp is Flat, the MSI outcome of the
  request: translated.<read|write> through an MSI PTE (two-stage too when a first-stage leaf
  gave the GPA), fault.<cause> (1 an execute, 261 the PTE's read failed, 262 V=0, 263
  misconfigured), or not-msi (the GPA outside the pattern: the G-stage translates it);
- ad_fault: a leaf that allows the access but needs an A/D update the device context does not
  enable (SADE/GADE=0): the page fault (first) or guest-page fault (g) the spec keeps.

translation_shape() gives the stages and page size of a translation, context_modes() the
modes of its contexts, for the covergroup iommu.translation (tb/env/covergroups.py). They read
fields from the trace as the walker sees them: native_trace() first (the model's trace names
raw memory doublewords: big-endian structures swapped, a 4-byte Sv32/Sv32x4 PTE taken from its
half of the doubleword).
"""
from __future__ import annotations

from scoreboards.formats import fmt_of, native_pte, native_words

PERM_BITS = (("r", 1), ("w", 2), ("x", 3), ("u", 4), ("a", 6), ("d", 7))
REQ_TYPE = {1: "exec", 2: "read", 3: "write", 5: "exec", 6: "read", 7: "write"}
G_MODES = {8: ("sv39x4", 39), 9: ("sv48x4", 48), 10: ("sv57x4", 57)}
DDT_MODES = {2: "1LVL", 3: "2LVL", 4: "3LVL"}
DDT_LEVELS = {2: 1, 3: 2, 4: 3}
STAGE_BY_CAUSE = {256: "none", 258: "ddt", 259: "ddt", 260: "context", 266: "pdt", 267: "pdt",
                  12: "first", 13: "first", 15: "first", 1: "pt", 5: "pt", 7: "pt", 274: "pt"}


def native_trace(trace: list, fctl: int) -> list:
    """`trace` [(item, words)] with each item's words as the walker read them: DDT entries, DCs,
    G-stage and MSI PTEs in fctl.BE's byte order, PDT entries, PCs and first-stage PTEs in the
    located DC's tc.SBE order; a 4-byte PTE (first stage under DC.tc.SXL=1, G-stage under
    fctl.GXL=1) as its own 32-bit value (same flag bits as a 64-bit PTE, no N, no PBMT)."""
    be, gxl = fctl & 1, fctl >> 2 & 1
    sbe = sxl = False
    out = []
    for item, words in trace:
        kind = item.kind
        if kind in ("pte1", "pte2"):
            sv32 = sxl if kind == "pte1" else bool(gxl)
            words = (native_pte(fmt_of(kind, be, sbe, sv32), item.tag, words[0]),)
        else:
            words = native_words(fmt_of(kind, be, sbe), words)
            if kind == "dc":
                sbe, sxl = bool(words[0] >> 10 & 1), bool(words[0] >> 11 & 1)
        out.append((item, words))
    return out


def ddi_top(did: int, extended: bool) -> int:
    """The highest device-directory index field of `did` that is non-zero (base format:
    DDI[0]=did[6:0], DDI[1]=[15:7], DDI[2]=[23:16]; extended: [5:0], [14:6], [23:15])."""
    lo0, lo1 = (6, 15) if extended else (7, 16)
    return 2 if did >> lo1 else 1 if did >> lo0 else 0


def translation_bins(req, trace: list, outcome, ddtp_mode: int, extended: bool,
                     gxl: int = 0) -> list[str]:
    out = []
    if ddtp_mode in DDT_MODES:
        out.append(f"ddt_did.{DDT_MODES[ddtp_mode]}.ddi{ddi_top(req.did, extended)}")
    kinds = [item.kind for item, _ in trace]
    dc = next((w for item, w in trace if item.kind == "dc"), None)
    pc = next((w for item, w in trace if item.kind == "pc"), None)
    if dc is not None and len(dc) > 1 and (dc[1] >> 60) in G_MODES:
        gname, width = ("sv32x4", 32) if gxl and dc[1] >> 60 == 8 else G_MODES[dc[1] >> 60]
        if outcome.gpa is not None:
            out.append(f"gstage_root.{gname}.hi{int(bool(outcome.gpa >> width & 3))}")
    leaf = None
    for item, w in trace:
        if item.kind == "pte1" and w[0] & 1 and w[0] & 0xA:
            leaf = w[0]
    rt = REQ_TYPE.get(int(req.ttyp))
    if leaf is not None and rt is not None:
        priv = "S" if req.pid is not None and req.priv_s else "U"
        out += [f"perm.{b}{leaf >> k & 1}.{priv}.{rt}" for b, k in PERM_BITS]
        if priv == "S" and leaf >> 4 & 1:
            out.append(f"perm.u1.S.{rt}.sum{pc[0] >> 2 & 1 if pc else 0}")
    if not outcome.ok:
        cause = int(outcome.cause)
        out.append(f"cause_stage.{cause}.{_stage(cause, outcome, kinds, ddtp_mode, dc)}")
        ad = ad_fault_bin(req, trace, outcome, cause)
        if ad is not None:
            out.append(ad)
    else:
        out += pbmt_bins(trace)
    if dc is not None and len(dc) > 4 and dc[4] >> 60 == MSIPTP_FLAT:
        out += msi_flat_bins(req, kinds, outcome)
    return out


MSIPTP_FLAT = 1
MSI_CAUSES = (261, 262, 263)
DC_CAUSES = (256, 257, 258, 259, 260)


def msi_flat_bins(req, kinds: list, outcome) -> list[str]:
    """The MSI outcome of a request under a DC whose msiptp is Flat (see the module doc)."""
    cause = None if outcome.ok else int(outcome.cause)
    if "msipte" in kinds or cause in MSI_CAUSES:
        if cause is None:
            rt = REQ_TYPE.get(int(req.ttyp), "other")
            return [f"msi_flat.translated.{rt}"] + (["msi_flat.two-stage"] if "pte1" in kinds
                                                    else [])
        return [f"msi_flat.fault.{cause}"]
    if cause not in DC_CAUSES:
        return ["msi_flat.not-msi"]
    return []


AD_CAUSES = {12: ("first", "exec"), 13: ("first", "read"), 15: ("first", "write"),
             20: ("g", "exec"), 21: ("g", "read"), 23: ("g", "write")}
ACCESS_BIT = {"read": 2, "write": 4, "exec": 8}


def ad_fault_bin(req, trace: list, outcome, cause: int):
    """'ad_fault.<stage>' when the faulting stage's last leaf grants the access (R/W/X and
    U as the request needs) but has A=0, or D=0 for a write: the fault is the A/D one (the
    Privileged order checks A/D after the permissions)."""
    if cause not in AD_CAUSES or (cause >= 20 and outcome.iotval2 and outcome.iotval2 & 1):
        return None
    stage, access = AD_CAUSES[cause]
    kind = "pte1" if stage == "first" else "pte2"
    leaf = None
    for item, w in trace:
        if item.kind == kind and w[0] & 1 and w[0] & 0xA:
            leaf = w[0]
    if leaf is None or not leaf & ACCESS_BIT[access]:
        return None
    user = stage == "g" or req.pid is None or not req.priv_s
    if bool(leaf & 0x10) != user:
        return None
    if leaf & 0x40 and (access != "write" or leaf & 0x80):
        return None
    return f"ad_fault.{stage}"


PBMT_NAMES = ("PMA", "NC", "IO", "rsvd")


def pbmt_bins(trace: list) -> list[str]:
    """PBMT x stage of a successful translation: the last first-stage leaf and the last
    G-stage leaf read (the G-stage walk of the final GPA comes after those of the first-stage
    PTE addresses, so its leaf is the last one)."""
    fs = g = None
    for item, w in trace:
        if w[0] & 1 and w[0] & 0xA:
            if item.kind == "pte1":
                fs = PBMT_NAMES[w[0] >> 61 & 3]
            elif item.kind == "pte2":
                g = PBMT_NAMES[w[0] >> 61 & 3]
    if fs is not None and g is not None:
        return [f"pbmt.both.{fs}.{g}"]
    if fs is not None:
        return [f"pbmt.first.{fs}"]
    if g is not None:
        return [f"pbmt.g.{g}"]
    return []


def _stage(cause: int, outcome, kinds: list, ddtp_mode: int, dc) -> str:
    if cause in (20, 21, 23):
        return "g-implicit" if outcome.iotval2 & 1 else "g-final"
    # A read that faulted is not in the trace: count the non-leaf entries read before it.
    if cause in (257, 268):
        return "ddt-nonleaf" if kinds.count("ddte") < DDT_LEVELS.get(ddtp_mode, 1) - 1 else "ddt-leaf"
    if cause in (265, 269):
        pd_levels = (dc[3] >> 60) if dc is not None and len(dc) > 3 else 1   # PD8 1, PD17 2, PD20 3
        return "pdt-nonleaf" if kinds.count("pdte") < pd_levels - 1 else "pdt-leaf"
    return STAGE_BY_CAUSE.get(cause, "other")


def record_bins(words: tuple) -> list[str]:
    dw0, _, iotval, iotval2 = words
    pv = dw0 >> 32 & 1
    out = [f"record.pv{pv}", f"record.ttyp{dw0 >> 34 & 0x3F}"]
    if pv:
        out.append(f"record.priv{dw0 >> 33 & 1}")
    if (dw0 & 0xFFF) in (20, 21, 23):
        out.append("record.iotval2.implicit" if iotval2 & 1 else "record.iotval2.final")
    if dw0 >> 56:
        out.append("record.did.wide")
    if iotval & 0xFFF:
        out.append("record.iotval.offset")
    return out


DDT_FAULTS = frozenset({257, 258, 259, 268})      # the walk stopped before a usable DC
PDT_FAULTS = frozenset({265, 266, 267, 269})
LEVEL_SIZE = {0: "4K", 1: "2M", 2: "1G", 3: "512G", 4: "256T"}
LEVEL_SIZE_32 = {0: "4K", 1: "4M"}                   # Sv32 / Sv32x4
PTE_N = 1 << 63


def translation_shape(trace: list, outcome, ddtp_mode: int, gxl: int = 0) -> tuple[str, str]:
    """(stage, page size) of a translation, from the walk over current memory.

    stage: the stages the device (and process) context enable: 'none' (ddtp Off or Bare, a
    DC with both stages Bare, or a walk that stopped in the DDT), 'first', 'g' or 'both'. With
    PDTV=1 the first stage is the process context's; a walk that faulted in the PDT counts
    as first stage (it was looking for one).
    page size: the leaf of the first stage when it is enabled, else of the G-stage: '4K',
    '64K' (NAPOT), '2M', '1G', '512G', '256T' (Sv57's level 4), '4M' (Sv32/Sv32x4's level
    1), or 'none' when no valid leaf was read (a fault before it, or no stage). `trace`:
    native_trace's; gxl: fctl.GXL."""
    cause = None if outcome.ok else int(outcome.cause)
    if ddtp_mode not in DDT_MODES or cause in DDT_FAULTS:
        return "none", "none"
    dc, pc = _contexts(trace)
    if dc is None:
        return "none", "none"
    g = len(dc) > 1 and bool(dc[1] >> 60)
    if not dc[0] >> 5 & 1:                             # PDTV=0: DC.fsc is iosatp
        first = len(dc) > 3 and bool(dc[3] >> 60)
    else:
        first = cause in PDT_FAULTS or (pc is not None and bool(pc[1] >> 60))
    stage = ("both" if g else "first") if first else ("g" if g else "none")
    if stage == "none":
        return stage, "none"
    kind = "pte1" if first else "pte2"
    leaf = None
    for item, w in trace:
        if item.kind == kind and w[0] & 1 and w[0] & 0xA:
            leaf = (item.level, w[0])
    if leaf is None:
        return stage, "none"
    level, pte = leaf
    sv32 = bool(dc[0] >> 11 & 1) if first else bool(gxl)
    sizes = LEVEL_SIZE_32 if sv32 else LEVEL_SIZE
    return stage, "64K" if level == 0 and pte & PTE_N else sizes.get(level, "none")


def _contexts(trace: list) -> tuple:
    """The words of the device context and the process context a walk read (None if not)."""
    dc = pc = None
    for item, w in trace:
        if item.kind == "dc":
            dc = w
        elif item.kind == "pc":
            pc = w
    return dc, pc


FS_MODE_NAMES = {0: "Bare", 8: "Sv39", 9: "Sv48", 10: "Sv57"}
G_MODE_NAMES = {0: "Bare", 8: "Sv39x4", 9: "Sv48x4", 10: "Sv57x4"}
PD_MODE_NAMES = {0: "Bare", 1: "PD8", 2: "PD17", 3: "PD20"}


def context_modes(trace: list, outcome, gxl: int = 0) -> tuple:
    """(first-stage mode, G-stage mode, PDT mode) of the device and process contexts the walk
    read: first stage 'Bare'/'Sv32'/'Sv39'/'Sv48'/'Sv57' (with PDTV=1 the PC's; Bare when a
    translation used no PC; MODE 8 is Sv32 under DC.tc.SXL=1), G-stage 'Bare'/'Sv32x4'/
    'Sv39x4'/'Sv48x4'/'Sv57x4' (MODE 8 is Sv32x4 under fctl.GXL=1), PDT 'PDTV=0' or pdtp's
    mode 'Bare'/'PD8'/'PD17'/'PD20'. None for what the walk did not reach (no DC; a fault
    before the PC). `trace`: native_trace's."""
    dc, pc = _contexts(trace)
    if dc is None or len(dc) < 4 or (not outcome.ok and int(outcome.cause) in DDT_FAULTS):
        return None, None, None
    g = "Sv32x4" if gxl and dc[1] >> 60 == 8 else G_MODE_NAMES.get(dc[1] >> 60)
    sxl = dc[0] >> 11 & 1

    def fs_name(mode: int):
        return "Sv32" if sxl and mode == 8 else FS_MODE_NAMES.get(mode)
    if not dc[0] >> 5 & 1:
        return fs_name(dc[3] >> 60), g, "PDTV=0"
    pd = PD_MODE_NAMES.get(dc[3] >> 60, "Bare")
    if pc is not None:
        return fs_name(pc[1] >> 60), g, pd
    return ("Bare" if outcome.ok else None), g, pd
