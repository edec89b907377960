"""The spec's "process to translate an IOVA", steps 1-20, as one pure function of the
register values, the capabilities and a WalkReader. No caches, no side effects: the model
calls it for translate(), the coherence oracle calls it with substituted item values."""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import msi_mrif, page_walk
from .capabilities import Capabilities
from .causes import (EXEC, TRANSLATED, UNTRANSLATED, WRITE, Cause, TTYP, access_fault,
                     guest_page_fault, page_fault)
from .device_context import (DDT_LEVELS, MODE_BARE, MODE_OFF, PPN_MASK, bits, bswap64,
                             did_fits, locate_dc)
from .page_walk import PBMT_PMA, PtFault, combine_pbmt, pte_pbmt, walk_in_order
from .process_context import PD_PID_BITS, locate_pc
from .transaction import Outcome, Request
from .walk_reader import Fault, Item, WalkReader, read_or_fault

_new_item = tuple.__new__          # an Item without NamedTuple's argument handling (hot path)


@dataclass(frozen=True)
class WalkResult:
    outcome: Outcome
    dtf: bool = False     # the located DC had DTF=1 (suppresses most fault reports)
    # Hardware A/D updates the walk made (or, without side effects, would make): (pa, old, new)
    # in order. A first-stage update stays even when the final G-stage walk then faults.
    ad_writes: tuple = ()
    # The walk's PTEs were 8-byte little-endian (no Sv32/Sv32x4, fctl.BE=0, SBE=0): the raw
    # words of a trace are the PTEs themselves (debug_translation.range_log2 relies on it).
    plain_ptes: bool = True

    def __init__(self, outcome, dtf=False, ad_writes=(), plain_ptes=True):
        # straight into __dict__ (one per walk; see models.transaction.Outcome)
        d = self.__dict__
        d["outcome"] = outcome
        d["dtf"] = dtf
        d["ad_writes"] = ad_writes
        d["plain_ptes"] = plain_ptes


def _fault(cause: int, iotval2: int = 0, gpa=None) -> Fault:
    return Fault(cause, iotval2, gpa)


def translate_request(req: Request, ddtp: int, fctl: int, caps: Capabilities,
                      reader: WalkReader, qosid: int = 0) -> WalkResult:
    """qosid: the iommu_qosid register (capabilities.QOSID): the QoS IDs of every request in
    Bare mode; otherwise a successful translation carries DC.ta's RCID/MCID (Outcome.rcid,
    Outcome.mcid; 0 without QOSID and on faults)."""
    mode = ddtp & 0xF
    ttyp = int(req.ttyp)
    if mode == MODE_OFF:
        return WalkResult(Outcome(None, Cause.ALL_INBOUND_DISALLOWED))
    if mode == MODE_BARE:
        # ddtp register description: in Bare mode only Untranslated requests are allowed;
        # Translated requests, Translation requests and PCIe messages are unsupported (260).
        # (Step 2 of the translation process names only translated and ATS requests; the
        # register text is the complete rule, and reserved/custom TTYPs are not Untranslated.)
        if ttyp not in UNTRANSLATED:
            return WalkResult(Outcome(None, Cause.TTYP_DISALLOWED))
        if caps.qosid:
            return WalkResult(Outcome(req.iova, None, rcid=qosid & 0xFFF,
                                      mcid=(qosid >> 16) & 0xFFF))
        return WalkResult(Outcome(req.iova, None))
    if mode not in DDT_LEVELS:      # unreachable: ddtp.iommu_mode is WARL
        raise ValueError(f"ddtp.iommu_mode {mode} is not a supported mode")
    if not did_fits(req.did, mode, caps.msi_flat):
        return WalkResult(Outcome(None, Cause.TTYP_DISALLOWED))
    find = getattr(reader, "find_dc", None)
    try:
        if find is None:
            dc = locate_dc(reader, req.did, mode, (ddtp >> 10) & PPN_MASK, caps, fctl & 1,
                           (fctl >> 2) & 1)
        else:
            dc = find(req.did, mode, (ddtp >> 10) & PPN_MASK, caps, fctl & 1, (fctl >> 2) & 1)
    except Fault as f:
        return WalkResult(Outcome(None, f.cause))
    try:
        out = _translate_with_dc(req, dc, caps, reader, fctl)
        if caps.qosid:
            out = replace(out, rcid=dc.rcid, mcid=dc.mcid)
    except Fault as f:
        out = Outcome(None, f.cause, f.iotval2, f.gpa)
    return WalkResult(out, bool(dc.dtf), tuple(reader.ad_log),
                      not (fctl & 5 or dc.sxl or dc.sbe))


def _translate_with_dc(req: Request, dc, caps: Capabilities, reader: WalkReader,
                       fctl: int = 0) -> Outcome:
    ttyp = int(req.ttyp)
    pid = req.pid
    # Step 7: translated and ATS translation requests need DC.tc.EN_ATS (a valid DC has
    # EN_ATS=0 without capabilities.ATS); PCIe messages are not translated (page requests:
    # models/page_request.py), nor are reserved/custom types.
    if (ttyp in TRANSLATED or ttyp == TTYP.PCIE_ATS) and not dc.en_ats:
        raise _fault(Cause.TTYP_DISALLOWED)
    if pid is not None and not dc.pdtv:
        raise _fault(Cause.TTYP_DISALLOWED)
    if pid is not None and dc.fsc_mode and pid >> PD_PID_BITS[dc.fsc_mode]:
        raise _fault(Cause.TTYP_DISALLOWED)
    if ttyp not in UNTRANSLATED and ttyp not in TRANSLATED and ttyp != TTYP.PCIE_ATS:
        raise _fault(Cause.TTYP_DISALLOWED)
    # Step 8: a Translated request with T2GPA=0 carries an SPA: done, no checks.
    translated_gpa = ttyp in TRANSLATED
    if translated_gpa and not dc.t2gpa:
        return Outcome(req.iova, None)
    # An ATS translation request is walked as a read (models/ats.py probes W and X).
    access = page_walk.EXEC if ttyp in EXEC else page_walk.WRITE if ttyp in WRITE else page_walk.READ
    supervisor = req.priv_s and pid is not None      # no process_id => User
    gxl = (fctl >> 2) & 1
    g_levels = caps.g_stage_modes(gxl)[dc.gmode]
    gscid = dc.gscid if g_levels else None
    g_walk = pt_gpa = pdt_gpa = pt_gpa_store = None
    if g_levels:                    # (the closures only exist when there is a G-stage)
        gade = bool(dc.gade)
        # DC.tc.SXL=1 (a 32-bit guest): a GPA with bits above 33 is a guest-page fault even
        # under an SvNx4 G-stage (fctl.GXL=0); Sv32x4 (GXL=1) checks that in its walk.
        gpa34 = bool(dc.sxl) and not gxl
        g_be = bool(fctl & 1)

        def g_walk(gpa: int, acc: str) -> tuple:
            if gpa34 and gpa >> 34:
                raise PtFault(PtFault.PAGE)
            # (page_walk.walk's arguments by position: kind, addr, levels, root_ppn, access,
            # user, sum_, tag_prefix, pte_addr_xlate, svnapot, svpbmt, ad, pte_addr_store,
            # svrsw, big_endian, sv32)
            spa, leaf = walk_in_order(reader, "pte2", gpa, g_levels, dc.gppn, acc, True, False,
                                      (gscid,), None, caps.svnapot, caps.svpbmt, gade, None,
                                      caps.svrsw60t59b, g_be, bool(gxl))
            return spa, pte_pbmt(leaf)

        def implicit(gpa: int, access_cause: int, poison_cause: int,
                     acc: str = page_walk.READ) -> int:
            # A G-stage translation made for a PTE or PDT read: checked as an implicit load,
            # reported with the original access type and iotval2 bit 0 set; for a first-stage
            # A/D update, an implicit store (G-stage W needed, D set with GADE) with bit 1 set.
            try:
                return g_walk(gpa, acc)[0]
            except PtFault as e:
                if e.kind == PtFault.PAGE:
                    bits_ = 3 if acc == page_walk.WRITE else 1
                    raise _fault(guest_page_fault(ttyp), (gpa & ~3) | bits_, gpa)
                raise _fault(access_cause if e.kind == PtFault.ACCESS else poison_cause)

        def pt_gpa(a):
            return implicit(a, access_fault(ttyp), Cause.PT_DATA_CORRUPTION)

        def pt_gpa_store(a):
            return implicit(a, access_fault(ttyp), Cause.PT_DATA_CORRUPTION, page_walk.WRITE)

        def pdt_gpa(a):
            return implicit(a, Cause.PDT_LOAD_ACCESS_FAULT, Cause.PDT_DATA_CORRUPTION)

    # Steps 10-16: choose the first-stage table. Step 9 (Translated with T2GPA=1): the IOVA
    # is a GPA, the first stage is Bare (T2GPA=1 needs a G-stage: a DC check).
    fs_mode, fs_ppn, pscid, sum_ = 0, 0, 0, False
    if translated_gpa:
        pass
    elif not dc.pdtv:
        fs_mode, fs_ppn, pscid = dc.fsc_mode, dc.fsc_ppn, dc.pscid
    else:
        if pid is None and dc.dpe:
            pid = 0
        if pid is not None and dc.fsc_mode:
            pc = locate_pc(reader, req.did, pid, dc.fsc_mode, dc.fsc_ppn, caps, pdt_gpa,
                           dc.sxl, dc.sbe)
            if supervisor and not pc.ens:
                raise _fault(Cause.TTYP_DISALLOWED)
            fs_mode, fs_ppn, pscid, sum_ = pc.fsc_mode, pc.fsc_ppn, pc.pscid, bool(pc.sum)

    # Step 17: first stage.
    fs_levels = caps.first_stage_modes(dc.sxl)[fs_mode]
    gpa = req.iova
    fs_pbmt = PBMT_PMA
    if fs_levels:
        try:
            gpa, leaf = walk_in_order(reader, "pte1", req.iova, fs_levels, fs_ppn, access,
                                      not supervisor, sum_, (gscid, pscid), pt_gpa,
                                      caps.svnapot, caps.svpbmt, bool(dc.sade), pt_gpa_store,
                                      caps.svrsw60t59b, bool(dc.sbe), bool(dc.sxl))
            fs_pbmt = pte_pbmt(leaf)
        except PtFault as e:
            raise _fault({PtFault.PAGE: page_fault(ttyp), PtFault.ACCESS: access_fault(ttyp),
                          PtFault.POISON: Cause.PT_DATA_CORRUPTION}[e.kind])
    # Step 18: MSI address translation.
    # The memory type (Svpbmt): the first stage's non-zero PBMT overrides what the second
    # stage gives (the G-stage's PBMT, or the PMA when it is Bare; an MSI PTE has no PBMT and
    # gives the PMA); a Bare first stage leaves it (combine_pbmt).
    if caps.msi_flat and dc.msi_mode == 1 and _is_msi(gpa, dc):
        out = _msi_translate(reader, gpa, dc, gscid, ttyp, caps, fctl & 1)
        if out.mrif is not None:
            return out          # handled by the IOMMU: no address, so no memory type
        return Outcome(out.pa, None, gpa=gpa,
                       pbmt=combine_pbmt(fs_pbmt, PBMT_PMA, bool(fs_levels), False))
    # Step 19: G-stage.
    if not g_levels:
        return Outcome(gpa, None, gpa=gpa, pbmt=combine_pbmt(fs_pbmt, PBMT_PMA, bool(fs_levels), False))
    try:
        spa, g_pbmt = g_walk(gpa, access)
        return Outcome(spa, None, gpa=gpa, pbmt=combine_pbmt(fs_pbmt, g_pbmt, bool(fs_levels), True))
    except PtFault as e:
        if e.kind == PtFault.PAGE:
            raise _fault(guest_page_fault(ttyp), gpa & ~3, gpa)
        raise _fault(access_fault(ttyp) if e.kind == PtFault.ACCESS else Cause.PT_DATA_CORRUPTION)


MASK52 = (1 << 52) - 1


def _is_msi(gpa: int, dc) -> bool:
    mask = dc.msi_addr_mask & MASK52
    return ((gpa >> 12) & ~mask & MASK52) == (dc.msi_addr_pattern & ~mask & MASK52)


def _extract(x: int, mask: int) -> int:
    out, pos = 0, 0
    for i in range(52):
        if mask >> i & 1:
            out |= (x >> i & 1) << pos
            pos += 1
    return out


def _msi_translate(reader: WalkReader, gpa: int, dc, gscid, ttyp: int,
                   caps: Capabilities, be: int = 0) -> Outcome:
    index = _extract(gpa >> 12, dc.msi_addr_mask & MASK52)
    addr = (dc.msi_ppn << 12) | (index * 16)
    w0, w1 = read_or_fault(reader, _new_item(Item, ("msipte", addr, 2, 0, (gscid, gpa >> 12))),
                            Cause.MSI_PTE_LOAD_ACCESS_FAULT, Cause.MSI_PT_DATA_CORRUPTION)
    if be:                  # fctl.BE: the MSI page table is big-endian
        w0, w1 = bswap64(w0), bswap64(w1)
    if not w0 & 1:
        raise _fault(Cause.MSI_PTE_NOT_VALID)
    # C=1 is implementation-defined: this model treats it as misconfigured. MRIF mode (M=1)
    # needs MSI_MRIF (without it, 263); M=0 and M=2 are reserved. Basic translate mode (M=3, AIA
    # "MSI PTE, basic translate mode"): the first doubleword's bits other than V, M, PPN and C
    # ([9:3] and [62:54]) are reserved; the second doubleword is ignored by the IOMMU (free for
    # software), so w1 is not checked there. (Only MRIF mode gives the second doubleword fields
    # and reserved bits.)
    if caps.msi_mrif and not w0 >> 63 and bits(w0, 2, 1) == msi_mrif.M_MRIF:
        # MRIF mode (docs/design.md "MSI MRIF mode"): both doublewords hold fields and
        # reserved bits; execute is refused after the PTE checks, as in basic mode.
        target = msi_mrif.decode_pte(w0, w1)
        if target is None:
            raise _fault(Cause.MSI_PTE_MISCONFIGURED)
        if ttyp in EXEC:
            raise _fault(Cause.INSTRUCTION_ACCESS_FAULT)
        return Outcome(None, None, gpa=gpa, mrif=target)
    if w0 >> 63 or bits(w0, 2, 1) != 3 or bits(w0, 9, 3) or bits(w0, 62, 54):
        raise _fault(Cause.MSI_PTE_MISCONFIGURED)
    if ttyp in EXEC:
        raise _fault(Cause.INSTRUCTION_ACCESS_FAULT)
    return Outcome((bits(w0, 53, 10) << 12) | (gpa & 0xFFF), None, gpa=gpa)
