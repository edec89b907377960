"""The device directory table (DDT) as a driver lays it out: 1LVL / 2LVL / 3LVL, base (32-byte)
or extended (64-byte) device contexts, non-leaf pages allocated on demand, and the ddtp value.

DDT addresses are always SPAs. Store order, as the spec's update rules ask:
- a DC becoming valid: DW1..DWn first, tc (with V=1) last;
- a valid DC: one changed doubleword is one store (atomic); a change of several doublewords
  of a valid DC is refused (set V=0, invalidate, then set it again) unless in_place=True;
- invalidate_dc: one store of tc with V=0 (the other bits belong to software then);
- a new directory page is filled before the one store that links it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from .page_allocator import PageAllocator
from .page_table import FIRST_STAGE_MODES, G_STAGE_MODES
from models.device_context import ddi_split

from .update import PPN_FIELD, PTE_V, Recorder, Store64, Update, identity, leaf_slot

DDT_MODES = {"off": 0, "bare": 1, "1lvl": 2, "2lvl": 3, "3lvl": 4}
DDT_LEVELS = {"1lvl": 1, "2lvl": 2, "3lvl": 3}
PDT_MODES = {"bare": 0, "pd8": 1, "pd17": 2, "pd20": 3}
IOSATP_MODES = {"bare": 0, **{k: v[0] for k, v in FIRST_STAGE_MODES.items()}}
IOHGATP_MODES = {"bare": 0, **{k: v[0] for k, v in G_STAGE_MODES.items()}}
MSI_MODES = {"off": 0, "flat": 1}

PPN44 = (1 << 44) - 1

TC_BITS = ("v", "en_ats", "en_pri", "t2gpa", "dtf", "pdtv", "prpr", "gade", "sade", "dpe",
           "sbe", "sxl")


def mode_code(table: dict, mode: Union[str, int], what: str) -> int:
    """A mode given by name ('sv39', 'pd17', ...) or by its encoding."""
    if isinstance(mode, int):
        return mode
    try:
        return table[mode.lower()]
    except KeyError:
        raise ValueError(f"unknown {what} mode {mode!r}: expected one of {sorted(table)}") from None


def _name(table: dict, code: int) -> Union[str, int]:
    for k, v in table.items():
        if v == code:
            return k
    return code


@dataclass(frozen=True)
class DeviceContextSpec:
    """The fields of a device context, by name. Modes by name or encoding; roots are the
    addresses of the tables (GPAs for fs_root / pdt_root under a G-stage)."""
    v: bool = True
    # first stage, when pdtv is False (iosatp in fsc; PSCID in ta)
    fs_mode: Union[str, int] = "bare"
    fs_root: int = 0
    pscid: int = 0
    # G-stage (iohgatp)
    g_mode: Union[str, int] = "bare"
    g_root: int = 0
    gscid: int = 0
    # process directory, when pdtv is True (pdtp in fsc)
    pdtv: bool = False
    pdt_mode: Union[str, int] = "bare"
    pdt_root: int = 0
    dpe: bool = False
    # other tc bits (those needing absent capabilities give 259 by design: for error tests)
    dtf: bool = False
    en_ats: bool = False
    en_pri: bool = False
    t2gpa: bool = False
    prpr: bool = False
    gade: bool = False
    sade: bool = False
    sbe: bool = False
    sxl: bool = False
    tc_custom: int = 0            # tc[31:24]
    rcid: int = 0                 # ta[51:40] (QoS)
    mcid: int = 0                 # ta[63:52] (QoS)
    # extended format only
    msi_mode: Union[str, int] = "off"
    msi_root: int = 0
    msi_addr_mask: int = 0
    msi_addr_pattern: int = 0

    @property
    def g_mode_code(self) -> int:
        return mode_code(IOHGATP_MODES, self.g_mode, "iohgatp")

    @property
    def fsc_mode_code(self) -> int:
        if self.pdtv:
            return mode_code(PDT_MODES, self.pdt_mode, "pdtp")
        return mode_code(IOSATP_MODES, self.fs_mode, "iosatp")

    def words(self, extended: bool = False) -> tuple:
        tc = sum(1 << i for i, name in enumerate(TC_BITS) if getattr(self, name))
        tc |= (self.tc_custom & 0xFF) << 24
        iohgatp = self.g_mode_code << 60 | (self.gscid & 0xFFFF) << 44 | (self.g_root >> 12) & PPN44
        ta = (self.pscid & 0xFFFFF) << 12 | (self.rcid & 0xFFF) << 40 | (self.mcid & 0xFFF) << 52
        root = self.pdt_root if self.pdtv else self.fs_root
        fsc = self.fsc_mode_code << 60 | (root >> 12) & PPN44
        if not extended:
            return tc, iohgatp, ta, fsc
        msiptp = mode_code(MSI_MODES, self.msi_mode, "msiptp") << 60 | (self.msi_root >> 12) & PPN44
        return (tc, iohgatp, ta, fsc, msiptp, self.msi_addr_mask, self.msi_addr_pattern, 0)

    @classmethod
    def from_words(cls, words) -> "DeviceContextSpec":
        tc, iohgatp, ta, fsc = words[:4]
        flags = {name: bool(tc >> i & 1) for i, name in enumerate(TC_BITS)}
        pdtv = flags["pdtv"]
        fsc_mode, fsc_root = fsc >> 60, (fsc & PPN44) << 12
        kw = dict(flags, tc_custom=tc >> 24 & 0xFF, pscid=ta >> 12 & 0xFFFFF,
                  rcid=ta >> 40 & 0xFFF, mcid=ta >> 52 & 0xFFF,
                  g_mode=_name(IOHGATP_MODES, iohgatp >> 60), g_root=(iohgatp & PPN44) << 12,
                  gscid=iohgatp >> 44 & 0xFFFF)
        if pdtv:
            kw.update(pdt_mode=_name(PDT_MODES, fsc_mode), pdt_root=fsc_root)
        else:
            kw.update(fs_mode=_name(IOSATP_MODES, fsc_mode), fs_root=fsc_root)
        if len(words) >= 8:
            msiptp = words[4]
            kw.update(msi_mode=_name(MSI_MODES, msiptp >> 60), msi_root=(msiptp & PPN44) << 12,
                      msi_addr_mask=words[5], msi_addr_pattern=words[6])
        return cls(**kw)

    def gpa_roots(self) -> list:
        """GPAs this DC holds (fsc.PPN) when its G-stage is active: what a cached DC may hold
        translated to an SPA."""
        if not self.v or self.g_mode_code == 0 or self.fsc_mode_code == 0:
            return []
        return [self.pdt_root if self.pdtv else self.fs_root]


class DeviceDirectory:
    def __init__(self, mode: str, alloc: PageAllocator, store64: Store64, *,
                 extended: bool = False) -> None:
        """mode: '1lvl' | '2lvl' | '3lvl'. extended: 64-byte DCs (capabilities.MSI_FLAT=1)."""
        mode = mode.lower()
        if mode not in DDT_LEVELS:
            raise ValueError(f"DDT mode {mode!r}: expected '1lvl', '2lvl' or '3lvl'")
        self.mode, self.levels = mode, DDT_LEVELS[mode]
        self.alloc, self.store64 = alloc, store64
        self.extended = extended
        self.dc_bytes = 64 if extended else 32
        self.root = alloc.alloc_page()
        self._shadow: dict[int, int] = {}
        self._dcs: set[int] = set()          # devices set_dc has written

    # -- register values ------------------------------------------------------------------
    def ddtp(self) -> int:
        """ddtp for this directory: PPN of the root, iommu_mode."""
        return (self.root >> 12) << 10 | DDT_MODES[self.mode]

    # -- layout -------------------------------------------------------------------------------
    def ddi(self, did: int) -> tuple:
        return ddi_split(did, self.extended)

    def max_did(self) -> int:
        bits = {1: 7, 2: 16, 3: 24}[self.levels] - (1 if self.extended and self.levels < 3 else 0)
        return (1 << bits) - 1

    def _check_did(self, did: int) -> None:
        if not 0 <= did <= self.max_did():
            raise ValueError(f"device_id {did:#x} does not fit a {self.mode} DDT")

    def dc_addr(self, did: int) -> Optional[int]:
        """Address of the DC slot of did, or None while a non-leaf entry above it is invalid."""
        self._check_did(did)
        return leaf_slot(self._shadow, self.root, self.ddi(did), self.levels, self.dc_bytes)

    def dc_words(self, did: int) -> tuple:
        a = self.dc_addr(did)
        n = self.dc_bytes // 8
        return (0,) * n if a is None else tuple(self._shadow.get(a + 8 * i, 0) for i in range(n))

    def get_dc(self, did: int) -> DeviceContextSpec:
        return DeviceContextSpec.from_words(self.dc_words(did))

    # -- operations -------------------------------------------------------------------------
    def set_dc(self, did: int, spec: DeviceContextSpec, in_place: bool = False) -> Update:
        """Write the DC of did (allocating the directory pages on the way, linked last)."""
        self._check_did(did)
        words = spec.words(self.extended)
        rec = Recorder(self.store64, identity, self._shadow)
        idx, a, links = self.ddi(did), self.root, []
        for i in range(self.levels - 1, 0, -1):
            ea = a + 8 * idx[i]
            e = self._shadow.get(ea, 0)
            if e & PTE_V:
                a = (e & PPN_FIELD) >> 10 << 12
            else:
                t = self.alloc.alloc_page()
                links.append((ea, t, i))
                a = t
        addr = a + self.dc_bytes * idx[0]
        old = tuple(self._shadow.get(addr + 8 * i, 0) for i in range(len(words)))
        if old[0] & 1:
            differ = [i for i in range(len(words)) if old[i] != words[i]]
            if len(differ) > 1 and not in_place:
                raise ValueError(
                    f"set_dc({did}): changes doublewords {differ} of a valid device context; "
                    "a driver sets V=0 (invalidate_dc), invalidates, then sets the new context "
                    "(or pass in_place=True to store them anyway, one by one)")
        order = tuple(range(len(words) - 1, -1, -1))          # tc (with V) last
        rec.entry("dc", addr, words, order, linked=not links, did=did)
        self._dcs.add(did)
        for j, (ea, t, i) in enumerate(reversed(links)):
            rec.entry("ddte", ea, ((t >> 12) << 10 | PTE_V,), (0,), level=i,
                      linked=j == len(links) - 1, did=did)
        return self._update(rec, "dc", did)

    def invalidate_dc(self, did: int) -> Update:
        """V=0 in the DC of did (one store; the other fields are left as they were)."""
        addr = self.dc_addr(did)
        if addr is None:
            raise ValueError(f"invalidate_dc({did}): no directory page holds that device")
        rec = Recorder(self.store64, identity, self._shadow)
        words = list(self.dc_words(did))
        words[0] &= ~1
        rec.entry("dc", addr, tuple(words), (0,), did=did)
        return self._update(rec, "dc", did)

    def set_ddte(self, did: int, level: int, value: int) -> Update:
        """Store a raw value into the non-leaf entry at `level` (1 or 2) on the path of did
        (for tests that break or repoint the directory). The entries above must be valid."""
        rec = Recorder(self.store64, identity, self._shadow)
        rec.entry("ddte", self.ddte_addr(did, level), (value,), (0,), level=level, did=did)
        return self._update(rec, "ddte", did)

    def ddte_addr(self, did: int, level: int) -> int:
        """Address of the non-leaf entry at `level` (1 or 2) on the path of did (the entries
        above it must be valid)."""
        self._check_did(did)
        if not 0 < level < self.levels:
            raise ValueError(f"a {self.mode} DDT has no non-leaf level {level}")
        idx, a = self.ddi(did), self.root
        for i in range(self.levels - 1, level, -1):
            e = self._shadow.get(a + 8 * idx[i], 0)
            if not e & PTE_V:
                raise ValueError(f"level {i} DDT entry of device {did:#x} is not valid")
            a = (e & PPN_FIELD) >> 10 << 12
        return a + 8 * idx[level]

    def _update(self, rec: Recorder, kind: str, did: int) -> Update:
        # The invalidation plan tests old values (new ones when the old DC was not valid).
        dc = next((c for c in rec.changes if c.entry == "dc"), None)
        gscid = pscid = None
        if dc is not None:
            s = DeviceContextSpec.from_words(dc.old if dc.old_valid else dc.new)
            gscid = s.gscid if s.g_mode_code else None
            pscid = s.pscid if not s.pdtv and s.fsc_mode_code else None
        return Update(kind, "ddt", tuple(rec.changes), tuple(rec.stores), did=did,
                      gscid=gscid, pscid=pscid)

    # -- for the invalidation plans ---------------------------------------------------------
    def gpa_pointers(self) -> list:
        """(did, gscid, gpa) for every GPA a valid DC holds (see DeviceContextSpec.gpa_roots)."""
        out = []
        for did in self.devices():
            s = self.get_dc(did)
            out += [(did, s.gscid, gpa) for gpa in s.gpa_roots()]
        return out

    def devices(self) -> list:
        """Device IDs whose DC holds a non-zero tc (valid, or invalidated but kept)."""
        return sorted(d for d in self._dcs if self.dc_words(d)[0])
