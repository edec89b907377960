"""Constrained-random configurations: the one place that holds the weights, and
`draw_config(rng, features)`, which draws one configuration per seed within what the DUT
supports (sequences.dut_features.DutFeatures: modes, Svnapot, MSI_FLAT, the request types its
port carries). sequences/random_config_vseq.py builds the configuration through the software
layer (sequences/sw) and sends the request mix; the oracle judges every response. Nothing here
computes an expected result: `INDUCES` only documents, from the spec, what each pattern is
there to provoke.

Plain Python (no simulator import). `python -m sequences.config_space --seeds 200` prints the
distribution over that many seeds.

A configuration is:
- the DDT: ddtp mode (1LVL/2LVL/3LVL), device_id width (narrow: all in one leaf page; wide:
  ids using the high index bits), base or extended device contexts (capabilities.MSI_FLAT),
  pairs of devices whose ids differ only in bits 23:16 or 15:7, with different contexts;
- devices: host first stage (Sv39/Sv48/Sv57 as supported), process directories (PD8/PD17/PD20,
  DPE, processes with ENS/SUM/PSCID, Bare or paged, some not valid or misconfigured), G-stage
  only, Bare, and misconfigured device contexts (cause 259); DTF; PSCID/GSCID values up to
  their full width; devices sharing one table and PSCID;
- guests (G-stage Sv39x4/Sv48x4/Sv57x4): tables and data at GPAs below 2^32 or in the x4
  range above 2^39 / 2^48 / 2^57 (GPA bits 40:39 / 49:48 / 58:57 non-zero);
- pages: size (4 KiB, 64 KiB Svnapot, 2 MiB, 1 GiB), R/W/X, U, G and a flaw (A=0, D=0,
  W without R, reserved bits, PBMT, misaligned superpage, bad NAPOT, A, D or U in a
  non-leaf PTE, V=0); G-stage pages likewise;
- injected bus errors on up to two implicit reads (a non-leaf DDT entry, a device context, a
  non-leaf PDT entry, a process context, a first-stage PTE, a G-stage PTE) and, where the
  memory can carry it, poisoned data (never here: AXI4 has no poison signal, see docs);
- the request mix: read/write/exec (translated types where the port carries them), with and
  without process_id, U and S privilege, holes, non-canonical addresses, devices without a
  context, device_ids and process_ids too wide;
- the run: a phase with ddtp Off / Bare first, software updates with their invalidations,
  fault-queue size (small ones overflow), traffic size and gaps, and bus stalls;
- the features the DUT reports (issue 16), each drawn only then, after everything above (so a
  DUT without them draws exactly the configurations it drew before): hardware A/D update per
  device (AMO_HWAD: SADE/GADE), the invalidation persona (S: S=1 ranges; NL and S: NL=1 over
  non-leaf changes), performance counters programmed with random events, filters on the
  configuration's ids and presets near the wrap (HPM), an MSI page table on G-stage devices
  and requests to their interrupt files (MSI_FLAT), interrupts as MSIs with random vectors
  (IGS = MSI / BOTH);
- the world, drawn first and only on a DUT with Sv32 (so a DUT without it draws exactly the
  configurations it drew before): a 32-bit world in about half the seeds, whose tables
  WEIGHTS32 replaces: every DC tc.SXL=1, first stages Sv32 below 2^32 (128 MiB windows),
  G-stages Sv32x4 under fctl.GXL=1 (`gxl`, with Sv32x4) or Sv39x4/Sv48x4 under GXL=0, guest
  GPAs below 2^34, physical addresses below 2^34, 4 KiB and 4 MiB pages, the flaws a 4-byte
  PTE can carry (A=0, D=0, W without R, V=0, misaligned megapage, A/D/U in a non-leaf PTE),
  and the 32-bit misconfigurations (MODE 9 under SXL=1 / GXL=1, SXL=0 under GXL=1, also drawn
  per device: sxl_gxl), a guest root pointer at its GPA with bit 34 set (root34); the rest
  (directory, processes, injections, mix, run, AMO_HWAD, END) is drawn as in a 64-bit world.
  `--features sv32` prints that parameter set's distribution (rows world32.* count the
  32-bit configurations alone).
"""
from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from models import capabilities as capbits
from models.capabilities import Capabilities
from sequences.dut_features import DutFeatures

# ----------------------------------------------------------------------------- the weights
# Each table maps a value to its weight; 0 excludes the value. A value the DUT does not
# support is excluded whatever its weight (see _supported below).
WEIGHTS = {
    # directory
    "ddt_mode": {"1lvl": 2, "2lvl": 3, "3lvl": 3},
    "did_width": {"narrow": 1, "wide": 2},
    "alias": {"none": 2, "bits_15_7": 1, "bits_23_16": 2},      # a pair differing only there
    "n_devices": {3: 1, 4: 2, 5: 2, 6: 1},
    # device kinds (a misconfigured one gives 259)
    "device": {"host": 4, "pdt": 4, "guest": 3, "g_only": 1, "bare": 1, "shared": 1,
               "misconfigured": 2},
    "fs_mode": {"sv39": 3, "sv48": 3, "sv57": 1},
    "g_mode": {"sv39x4": 3, "sv48x4": 3, "sv57x4": 1},
    "gpa_high": {False: 1, True: 2},            # guest GPAs in the x4 range above 2^(n-2)
    "pd_mode": {"pd8": 2, "pd17": 2, "pd20": 2},
    "pdt_under_g": {False: 2, True: 1},         # a process directory at GPAs
    "dpe": {False: 2, True: 1},
    "dtf": {False: 5, True: 1},
    "pscid": {"small": 6, "max": 1},            # max: 0xFFFFF (20 bits)
    "gscid": {"small": 6, "max": 1},            # max: 0xFFFF (16 bits)
    "misconfig": {"en_ats": 1, "en_pri": 1, "t2gpa": 1, "sade": 1, "gade": 1, "sbe": 1,
                  "sxl": 1, "dpe_without_pdtv": 1, "fs_mode_reserved": 1,
                  "fs_mode_unsupported": 1, "g_mode_reserved": 1, "g_mode_unsupported": 1,
                  "g_root_misaligned": 1, "pdt_mode_reserved": 1, "pdt_mode_unsupported": 1,
                  "ta_reserved": 1, "tc_reserved": 1},
    # processes
    "n_processes": {1: 1, 2: 2, 3: 2},
    "process": {"valid": 8, "not_valid": 1, "misconfigured": 1},
    "process_fs": {"paged": 8, "bare": 1},
    "ens": {False: 1, True: 4},
    "sum": {False: 1, True: 1},
    # first-stage pages
    "n_pages": {6: 1, 9: 2, 12: 2},
    "page_size": {"4k": 10, "64k": 2, "2m": 2, "1g": 1},
    "perms": {"r": 2, "rw": 4, "rx": 2, "rwx": 3, "x": 1},
    "user": {True: 4, False: 1},                # U=0: a supervisor-only page
    "global": {False: 6, True: 1},
    "pte_flaw": {"none": 24, "a0": 2, "d0": 2, "w_no_r": 1, "reserved": 1, "pbmt": 1,
                 "misaligned": 1, "napot_bad": 1, "nonleaf_a": 1, "nonleaf_d": 1,
                 "nonleaf_u": 1, "v0": 1},
    # G-stage data pages
    "g_perms": {"rwx": 4, "rw": 2, "rx": 1, "r": 1},
    "g_flaw": {"none": 48, "u0": 2, "a0": 1, "d0": 2, "w_no_r": 1, "reserved": 1, "v0": 1},
    # where a guest page points: a G-stage data page, one with a G-stage flaw, or a GPA the
    # G-stage leaves unmapped
    "guest_pa": {"data": 14, "g_flawed": 5, "hole": 1},
    # the G-stage leaf mapping a guest's table region (every implicit read of its first-stage
    # PTEs and PDT goes through it): a flaw there is a guest-page fault with iotval2 bit 0
    "g_tables_flaw": {"none": 12, "u0": 1, "a0": 1, "w_no_r": 1},
    # injected errors on implicit reads
    "inject": {"none": 5, "ddte": 3, "dc": 1, "pdte": 3, "pc": 1, "pte1": 2, "pte2": 2},
    "inject_kind": {"bus_error": 1, "poison": 1},     # poison only where memory carries it
    "pte1_level": {"leaf": 2, "root": 1},
    "pte2_use": {"final": 1, "implicit": 1},           # the data page, or the table region
    # the request mix (each configuration draws one mix, then each request from it)
    "mix": {"balanced": 3, "read_heavy": 1, "write_heavy": 1, "exec_heavy": 1},
    "supervisor": {0.0: 1, 0.3: 2, 0.6: 2},      # share of requests with a pid asking for S
    # the run
    # requests under ddtp Off / Bare first: at reset (the fault queue still off: no records),
    # or with the queues on (256 is recorded)
    "early": {"none": 4, "off_before_queues": 1, "off": 1, "off_bare": 1},
    "updates": {0: 1, 6: 2, 12: 2},
    "fq_log2": {10: 5, 3: 1},                      # 16 records... 8: overflows (fqof)
    "batches": {16: 1, 20: 2, 24: 1},
    "bus": {"none": 1, "mem": 1, "mem_rsp": 1},
    # -- features the DUT reports (drawn only then, after the tables above) --
    "ad_enable": {"none": 2, "sade": 1, "gade": 1, "both": 2},   # AMO_HWAD, per device
    "persona": {"spec": 2, "range-s": 2, "nl-range": 2},          # S (nl-range: NL and S)
    "hpm_counters": {2: 1, 4: 2},                                 # HPM: counters programmed
    "hpm_event": {1: 3, 2: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1},
    "hpm_filter": {"none": 3, "did": 2, "did_dmask": 1, "pid": 1, "idt": 2},
    "hpm_preset": {"zero": 3, "near_wrap": 1},                   # near_wrap: overflows (OF)
    "msi": {"off": 1, "flat": 3},                                 # MSI_FLAT, per G-stage device
    "msi_pte": {"valid": 6, "v0": 1, "mrif": 1},                  # each of its 4 MSI PTEs
    "irq": {"wsi": 1, "msi": 2},                                  # IGS = BOTH (MSI: msi)
    "byte_order": {"little": 1, "big": 2},                        # END: fctl.BE (SBE alike)
    # -- the 32-bit world (Sv32: drawn first, and only on a DUT with Sv32; see WEIGHTS32) --
    "world": {64: 1, 32: 1},                # 32: every DC tc.SXL=1, first stages Sv32
    "gxl": {False: 1, True: 2},             # Sv32x4: fctl.GXL=1, every G-stage Sv32x4
    "root34": {False: 3, True: 1},          # a 32-bit guest's root at GPA bit 34 set (21)
    "sxl_gxl": {1: 5, 0: 1},                # per device under fctl.GXL=1: SXL=0 is 259
}

# The 32-bit world's tables, replacing those of WEIGHTS in a configuration that drew
# world=32: 4 KiB and 4 MiB pages only, and the flaws a 4-byte PTE can carry (no N, PBMT or
# reserved bits 63:54; a misaligned megapage; A/D/U in a non-leaf PTE), device contexts
# misconfigured more often, the 32-bit ways most (iosatp/iohgatp MODE 9 where only Bare and
# MODE 8 are legal, SXL=0 under fctl.GXL=1).
WEIGHTS32 = {
    "device": {"host": 4, "pdt": 4, "guest": 3, "g_only": 1, "bare": 1, "shared": 1,
               "misconfigured": 3},
    "fs_mode": {"sv32": 1},
    "page_size": {"4k": 10, "4m": 3},
    "pte_flaw": {"none": 24, "a0": 2, "d0": 2, "w_no_r": 1, "misaligned": 2, "nonleaf_a": 1,
                 "nonleaf_d": 1, "nonleaf_u": 1, "v0": 1},
    "g_flaw": {"none": 48, "u0": 2, "a0": 1, "d0": 2, "w_no_r": 1, "v0": 1},
    "misconfig": {"en_ats": 1, "en_pri": 1, "t2gpa": 1, "sade": 1, "gade": 1, "sbe": 1,
                  "dpe_without_pdtv": 1, "fs_mode_reserved": 1, "fs_mode_64": 3,
                  "g_mode_reserved": 1, "g_mode_64": 3, "sxl0": 5, "g_root_misaligned": 1,
                  "pdt_mode_reserved": 1, "pdt_mode_unsupported": 1, "ta_reserved": 1,
                  "tc_reserved": 1},
}

# Within one configuration's mix: request type weights (names: sequences.dut_features).
MIXES = {
    "balanced": {"read": 5, "write": 4, "exec": 2, "translated": 1},
    "read_heavy": {"read": 9, "write": 2, "exec": 1, "translated": 1},
    "write_heavy": {"read": 2, "write": 9, "exec": 1, "translated": 1},
    "exec_heavy": {"read": 2, "write": 2, "exec": 7, "translated": 1},
}
TTYPS = {"read": 2, "write": 3, "exec": 1, "translated": (5, 6, 7)}
# Per request: where it goes (the rest: a page of the device's own space).
REQUEST = {
    "target": {"page": 40, "hole": 3, "non_canonical": 1, "no_context": 1, "did_too_wide": 1},
    "pid": {"configured": 12, "absent": 2, "unconfigured": 1, "too_wide": 1},  # PDT devices
    "stray_pid": {False: 30, True: 1},         # a pid on a device without a PDT (260)
    "page": {"special": 1, "any": 1},          # special: a flaw, U=0 or G=1 (rarer pages)
    "device": {"injected": 1, "any": 3},       # the device (and process) behind an injection
}
BUS = {"none": (0.0, 0.0), "mem": (0.2, 0.0), "mem_rsp": (0.1, 0.2)}

# What each pattern is there to provoke (the spec's causes; documentation, not a prediction:
# the oracle judges each response).
INDUCES = {
    "pte_flaw.a0": "12/13/15 (A=0 and no hardware A/D update)",
    "pte_flaw.d0": "15 on writes (D=0)",
    "pte_flaw.w_no_r": "12/13/15 (W=1 R=0 is reserved)",
    "pte_flaw.reserved": "12/13/15 (bits 60:54)",
    "pte_flaw.pbmt": "12/13/15 (PBMT without Svpbmt)",
    "pte_flaw.misaligned": "12/13/15 (superpage PPN not aligned)",
    "pte_flaw.napot_bad": "12/13/15 (N=1 without the 64 KiB encoding)",
    "pte_flaw.nonleaf_a": "12/13/15 (A in a non-leaf PTE)",
    "pte_flaw.nonleaf_d": "12/13/15 (D in a non-leaf PTE)",
    "pte_flaw.nonleaf_u": "12/13/15 (U in a non-leaf PTE)",
    "pte_flaw.v0": "12/13/15 (V=0)",
    "user.False": "12/13/15 for U-mode requests",
    "perms.x": "13/15 (execute-only)",
    "g_flaw.u0": "20/21/23 (G-stage U=0)",
    "g_flaw.d0": "23 on writes",
    "g_flaw.a0": "20/21/23", "g_flaw.w_no_r": "20/21/23", "g_flaw.reserved": "20/21/23",
    "g_flaw.v0": "20/21/23",
    "g_tables_flaw.u0": "20/21/23 with iotval2 bit 0 (implicit read)",
    "g_tables_flaw.a0": "20/21/23 with iotval2 bit 0",
    "g_tables_flaw.w_no_r": "20/21/23 with iotval2 bit 0",
    "device.misconfigured": "259",
    "process.not_valid": "266", "process.misconfigured": "267",
    "inject.ddte": "257 (non-leaf DDT entry)", "inject.dc": "257 (device context)",
    "inject.pdte": "265 (non-leaf PDT entry)", "inject.pc": "265 (process context)",
    "inject.pte1": "1/5/7", "inject.pte2": "1/5/7 (265 when translating a PDT address)",
    "early.off": "256 (recorded)", "early.off_before_queues": "256 (no fault queue yet)",
    "target.no_context": "258", "target.did_too_wide": "260",
    "pid.too_wide": "260", "stray_pid.True": "260", "ens.False": "260 for S requests",
    "mix.translated": "260 (no ATS)",
    "misconfig.fs_mode_64": "259 (iosatp.MODE 9 under DC.tc.SXL=1)",
    "misconfig.g_mode_64": "259 (iohgatp.MODE 9 under fctl.GXL=1)",
    "misconfig.sxl0": "259 (DC.tc.SXL=0 under fctl.GXL=1)",
    "sxl_gxl.0": "259 (a device of any kind with DC.tc.SXL=0 under fctl.GXL=1)",
    "pte_flaw.misaligned.4m": "12/13/15 (4 MiB leaf with PPN[0] not 0)",
    "target.non_canonical.32": "13 (Sv32 IOVA above 32 bits), 21 (GPA above 34 bits)",
    "root34.True": "21 (a 32-bit guest's first-stage root at a GPA above 34 bits)",
    "ad_enable.sade": "first-stage A/D updates instead of 12/13/15 for a0/d0 pages",
    "ad_enable.gade": "G-stage A/D updates instead of 20/21/23 for a0/d0 pages",
    "msi_pte.v0": "262", "msi_pte.mrif": "263 (MRIF mode without MSI_MRIF)",
}

# Layout (addresses of the IOVA / GPA spaces the vseq builds).
# first-stage IOVA window of space k (8 GiB each; 27 of them stay below Sv39's 2^38)
WINDOW0, WINDOW_STEP = 0x8_0000_0000, 0x2_0000_0000
SLOT_4K, SLOT_64K, SLOT_2M, SLOT_1G = 0x0, 0x100_0000, 0x4000_0000, 0x1_0000_0000
SLOT_NONLEAF = 0x8000_0000          # a 2 MiB region whose non-leaf PTE carries the flaw
HOLE = 0x7000_0000                  # never mapped in a window
G_LOW = 0x8000_0000                 # GPA region of a guest (low)
G_TABLES, G_DATA, G_BIG, G_HOLE = 0x0, 0x1000_0000, 0x1040_0000, 0x2000_0000  # in a region
G_DATA_PAGES = 32
G_MSI = 0x3000_0000                 # in a region: the interrupt files' GPAs (MSI_FLAT)
MSI_FILES = 4                       # interrupt files per MSI page table (mask: page bits 0-1)
# The 32-bit world: first-stage IOVA window of space k (128 MiB each, all below 2^32: 31 of
# them), its slots (a 4 MiB region of 4 KiB pages, 4 MiB pages, 4 MiB regions whose non-leaf
# PTE carries the flaw, a hole); a guest's region is G_LOW or, high, 3 << 32 (GPA bits 33:32,
# Sv32x4's two extra root-index bits; under Sv39x4/Sv48x4 the same, as a 32-bit guest's GPAs
# stay below 2^34); ALIAS34 is GPA bit 34, set on requests that must fault (21) whatever maps
# them (the G-stage of an SXL=1 device under fctl.GXL=0 maps that alias of G_BIG).
WINDOW32_0, WINDOW32_STEP = 0x0800_0000, 0x0800_0000
SLOT32_4K, SLOT32_4M, SLOT32_NONLEAF, HOLE32 = 0x0, 0x0080_0000, 0x0200_0000, 0x0600_0000
MAX_SPACES32 = 31
ALIAS34 = 1 << 34
SIZE_4M = 0x40_0000


def g_region(g_mode: str, high: bool, sxl: bool = False) -> int:
    """GPA base of a guest's region: low, or with the two extra x4 root-index bits set (a
    32-bit guest's, sxl: bits 33:32 whatever the G-stage mode)."""
    if not high:
        return G_LOW
    if sxl:
        return 3 << 32
    top = {"sv39x4": 39, "sv48x4": 48, "sv57x4": 57, "sv32x4": 32}[g_mode]
    return 3 << top                  # GPA bits top+1:top = 0b11, inside the x4 range


# ----------------------------------------------------------------------------- the draw
@dataclass
class Page:
    va: int                 # IOVA (first stage) or GPA (G-stage) of the page
    size: str               # "4k" | "64k" | "2m" | "1g" (32-bit world: "4k" | "4m")
    perms: str
    user: bool = True
    glob: bool = False
    flaw: str = "none"


    @property
    def special(self) -> bool:
        return self.flaw != "none" or not self.user or self.glob


@dataclass
class Space:
    """A first-stage table (host, or a guest's under vm)."""
    mode: str
    pscid: int
    window: int
    pages: list = field(default_factory=list)
    vm: Optional[int] = None


@dataclass
class Vm:
    g_mode: str
    gscid: int
    high: bool
    pages: list = field(default_factory=list)    # G-stage 4 KiB data pages (GPA va)
    tables_flaw: str = "none"                    # of the G-stage leaf of the table region
    sxl: bool = False                            # a 32-bit guest (the 32-bit world)

    @property
    def base(self) -> int:
        return g_region(self.g_mode, self.high, self.sxl)


@dataclass
class Process:
    pid: int
    state: str              # valid | not_valid | misconfigured
    ens: bool = True
    sum: bool = False
    space: Optional[int] = None    # None: first stage Bare


@dataclass
class Device:
    did: int
    kind: str               # host | pdt | guest | g_only | bare | shared | misconfigured
    space: Optional[int] = None
    vm: Optional[int] = None
    pd_mode: Optional[str] = None
    processes: list = field(default_factory=list)
    dpe: bool = False
    dtf: bool = False
    misconfig: Optional[str] = None
    ad: str = "none"        # AMO_HWAD: none | sade | gade | both
    msi: bool = False       # MSI_FLAT: msiptp Flat with an MSI page table (G-stage devices)
    msi_ptes: tuple = ()    # the state of each MSI PTE (valid | v0 | mrif)
    qos: tuple = (0, 0)     # QOSID: DC.ta (RCID, MCID), within the DUT's widths
    root34: bool = False    # the 32-bit world: iosatp points at the guest root's GPA | 2^34


@dataclass
class HpmCounter:
    event: int
    filter: str             # none | did | did_dmask | pid | idt
    value: int = 0          # the id the filter names (device_id / process_id / GSCID / PSCID)
    pscid: bool = False     # idt: the PSCID (else the GSCID)
    preset: str = "zero"    # zero | near_wrap

    def evt(self) -> int:
        """The iohpmevt value: eventID, DMASK [15], PID_PSCID [35:16], DID_GSCID [59:36],
        PV_PSCV [60], DV_GSCV [61], IDT [62]."""
        v = self.event
        if self.filter in ("did", "did_dmask"):
            v |= self.value << 36 | 1 << 61 | (1 << 15 if self.filter == "did_dmask" else 0)
        elif self.filter == "pid":
            v |= self.value << 16 | 1 << 60
        elif self.filter == "idt":
            v |= 1 << 62 | ((self.value << 16 | 1 << 60) if self.pscid
                            else (self.value << 36 | 1 << 61))
        return v


@dataclass
class Injection:
    where: str              # ddte | dc | pdte | pc | pte1 | pte2
    kind: str               # bus_error | poison
    device: int             # index in Config.devices
    detail: str = ""        # ddte level, pte1 level (leaf/root), pte2 use (final/implicit)


@dataclass
class Config:
    seed: int
    ddt_mode: str
    did_width: str
    extended: bool
    alias: str
    devices: list
    spaces: list
    vms: list
    injections: list
    mix: str
    ttyp_weights: dict
    supervisor: float
    early: str
    updates: int
    fq_log2: int
    batches: int
    bus: str
    drawn: list = field(default_factory=list)   # (table, value) of every draw, for the tables
    persona: str = "spec"                        # the invalidations software issues (S, NL)
    hpm: list = field(default_factory=list)      # HpmCounter per programmed counter
    irq: str = "wsi"                             # wsi | msi (IGS)
    irq_vectors: tuple = (0, 1)                  # (civ, fiv) with irq = msi
    big_endian: bool = False                     # END: fctl.BE=1, every DC's tc.SBE=1
    world: int = 64                              # 32: every DC tc.SXL=1, first stages Sv32
    gxl: bool = False                            # fctl.GXL=1: every G-stage Sv32x4

    @property
    def sxl(self) -> bool:
        """Every device context has tc.SXL=1 (the 32-bit world)."""
        return self.world == 32

    def summary(self) -> str:
        """One line naming the drawn configuration (logged at INFO by the vseq)."""
        devs = []
        for d in self.devices:
            s = f"{d.did:#x}:{d.kind}"
            if d.space is not None:
                sp = self.spaces[d.space]
                s += f"/{sp.mode}/pscid={sp.pscid:#x}"
            if d.vm is not None:
                vm = self.vms[d.vm]
                s += f"/{vm.g_mode}{'-high' if vm.high else ''}/gscid={vm.gscid:#x}"
            if d.pd_mode:
                s += f"/{d.pd_mode}" + ("+dpe" if d.dpe else "") + "/pids=" + ",".join(
                    f"{p.pid:#x}{'' if p.state == 'valid' else '!' + p.state}" for p in d.processes)
            if d.root34:
                s += "/root@2^34"
            if d.misconfig:
                s += f"/{d.misconfig}"
            if d.dtf:
                s += "/dtf"
            devs.append(s)
        flaws = Counter(p.flaw for sp in self.spaces for p in sp.pages if p.flaw != "none")
        gflaws = Counter(p.flaw for vm in self.vms for p in vm.pages if p.flaw != "none")
        gflaws.update(f"tables.{vm.tables_flaw}" for vm in self.vms if vm.tables_flaw != "none")
        inj = ",".join(f"{i.kind}@{i.where}{'.' + i.detail if i.detail else ''}"
                       f"(dev {self.devices[i.device].did:#x})" for i in self.injections)
        feats = []
        ad = [f"{d.did:#x}:{d.ad}" for d in self.devices if d.ad != "none"]
        if ad:
            feats.append("A/D " + " ".join(ad))
        msi = [f"{d.did:#x}:" + "/".join(d.msi_ptes) for d in self.devices if d.msi]
        if msi:
            feats.append("MSI flat " + " ".join(msi))
        qos = [f"{d.did:#x}:{d.qos[0]:#x}/{d.qos[1]:#x}" for d in self.devices if d.qos != (0, 0)]
        if qos:
            feats.append("QoS RCID/MCID " + " ".join(qos))
        if self.persona != "spec":
            feats.append(f"persona {self.persona}")
        if self.hpm:
            feats.append("HPM " + " ".join(f"{c.event}/{c.filter}"
                                           f"{'=' + hex(c.value) if c.filter != 'none' else ''}"
                                           f"{'/wrap' if c.preset == 'near_wrap' else ''}"
                                           for c in self.hpm))
        if self.irq == "msi":
            feats.append(f"irq MSI civ={self.irq_vectors[0]} fiv={self.irq_vectors[1]}")
        if self.big_endian:
            feats.append("big-endian structures (fctl.BE=1, SBE=1)")
        if self.world == 32:           # (a 64-bit world's line is as it was before Sv32)
            sizes = Counter(p.size for sp in self.spaces for p in sp.pages)
            feats.insert(0, f"32-bit world: every DC tc.SXL=1, fctl.GXL={int(self.gxl)}, pages "
                         + (" ".join(f"{k}:{v}" for k, v in sorted(sizes.items())) or "-"))
        return (f"random config seed {self.seed}: ddtp {self.ddt_mode} "
                f"{'extended' if self.extended else 'base'} DC, {self.did_width} ids"
                f"{', alias ' + self.alias if self.alias != 'none' else ''}; devices "
                + " ".join(devs)
                + f"; pte flaws {dict(flaws) or '-'}; g flaws {dict(gflaws) or '-'}"
                + f"; inject {inj or '-'}; mix {self.mix} S={self.supervisor}"
                + f"; early {self.early}; updates {self.updates}; fq 2^{self.fq_log2}"
                + f"; batches {self.batches}; bus {self.bus}"
                + "".join(f"; {f}" for f in feats))


def pick(rng: random.Random, weights: dict, log: Optional[list] = None, name: str = ""):
    """One value of a weight table (values with weight 0 are never drawn)."""
    items = [(v, w) for v, w in weights.items() if w > 0]
    if not items:
        raise ValueError(f"weight table {name or weights} has no value with a weight above 0")
    v = rng.choices([v for v, _ in items], [w for _, w in items])[0]
    if log is not None:
        log.append((name, v))
    return v


class _Drawer:
    """One draw: the weights, restricted to what the DUT supports, and the log of choices."""

    def __init__(self, rng: random.Random, features: DutFeatures, weights: dict,
                 poison: bool) -> None:
        self.rng, self.f = rng, features
        self.log: list = []
        self.w = {k: dict(v) for k, v in weights.items()}
        self._restrict(poison)

    def _restrict(self, poison: bool) -> None:
        f, w = self.f, self.w
        for table, family in (("fs_mode", ("sv39", "sv48", "sv57")),
                              ("g_mode", ("sv39x4", "sv48x4", "sv57x4")),
                              ("pd_mode", ("pd8", "pd17", "pd20"))):
            for m in family:
                if not f.has(m):
                    w[table][m] = 0
        if not any(w["g_mode"].values()):
            for k in ("guest", "g_only"):
                w["device"][k] = 0
            w["pdt_under_g"][True] = 0
            w["inject"]["pte2"] = 0
        if not any(w["pd_mode"].values()):
            w["device"]["pdt"] = 0
        if not f.svnapot:
            w["page_size"]["64k"] = 0
        if f.has("msi_flat") and w["device"]["g_only"]:
            w["device"]["g_only"] += 5          # the devices that get MSI page tables
        if not poison:
            w["inject_kind"]["poison"] = 0
        m = w["misconfig"]
        if all(f.has(x) for x in ("sv39", "sv48", "sv57")):
            m["fs_mode_unsupported"] = 0
        if all(f.has(x) for x in ("sv39x4", "sv48x4", "sv57x4")):
            m["g_mode_unsupported"] = 0
        if all(f.has(x) for x in ("pd8", "pd17", "pd20")):
            m["pdt_mode_unsupported"] = 0
        caps = f.caps.value
        for name, bit in (("en_ats", capbits.ATS), ("en_pri", capbits.ATS),
                          ("t2gpa", capbits.T2GPA), ("sade", capbits.AMO_HWAD),
                          ("gade", capbits.AMO_HWAD), ("sxl", capbits.SV32),
                          ("sbe", capbits.END)):
            if caps >> bit & 1:
                m[name] = 0                   # with the capability it is no misconfiguration
        if not any(w["g_mode"].values()):
            m["g_root_misaligned"] = 0
        if not f.can_send(5):
            for mix in self.mixes.values():
                mix["translated"] = 0

    @property
    def mixes(self) -> dict:
        if not hasattr(self, "_mixes"):
            self._mixes = {k: dict(v) for k, v in MIXES.items()}
        return self._mixes

    def __call__(self, table: str):
        return pick(self.rng, self.w[table], self.log, table)

    def flag(self, table: str) -> bool:
        return bool(self(table))


def draw_config(rng: random.Random, features: Optional[DutFeatures] = None, *, seed: int = 0,
                weights: Optional[dict] = None, poison: bool = False) -> Config:
    """One configuration within what `features` supports. weights: tables replacing those of
    WEIGHTS (a weight of 0 excludes a value). poison: the memory can return poisoned data."""
    features = features or DutFeatures()
    w = dict(WEIGHTS)
    for k, v in (weights or {}).items():
        if k not in WEIGHTS:
            raise ValueError(f"unknown weight table {k!r}; known: {', '.join(WEIGHTS)}")
        w[k] = v
    world, gxl, log = 64, False, []
    if features.has("sv32"):                   # (nothing drawn here on a DUT without Sv32)
        world = pick(rng, w["world"], log, "world")
        if world == 32:
            if features.has("sv32x4") and features.caps.gxl_writable:
                gxl = pick(rng, w["gxl"], log, "gxl")
            w = _world32(w, features, gxl, weights or {})
    d = _Drawer(rng, features, w, poison)
    d.log[:0] = log
    ddt_mode = d("ddt_mode")
    extended = features.has("msi_flat")
    width = d("did_width")
    alias = d("alias")
    if alias == "bits_23_16" and ddt_mode != "3lvl" or alias != "none" and ddt_mode == "1lvl":
        alias = "none"                         # the mode has no such index bits
    cfg = Config(seed=seed, ddt_mode=ddt_mode, did_width=width, extended=extended, alias=alias,
                 devices=[], spaces=[], vms=[], injections=[], mix="", ttyp_weights={},
                 supervisor=0.0, early="none", updates=0, fq_log2=10, batches=10, bus="none",
                 world=world, gxl=gxl)
    dids = _draw_dids(rng, d, ddt_mode, width, extended, alias)
    used_pscids, used_gscids = set(), set()
    for did in dids:
        cfg.devices.append(_draw_device(d, cfg, did, used_pscids, used_gscids))
    for _ in range(2):                         # up to two injections, on two devices
        _draw_injections(d, cfg)
    cfg.mix = d("mix")
    cfg.ttyp_weights = {k: v for k, v in d.mixes[cfg.mix].items() if v}
    cfg.supervisor = d("supervisor")
    cfg.early = d("early")
    cfg.updates = d("updates")
    cfg.fq_log2 = d("fq_log2")
    cfg.batches = d("batches")
    cfg.bus = d("bus")
    _draw_features(d, cfg, features)
    cfg.drawn = d.log
    return cfg


def _world32(w: dict, f: DutFeatures, gxl: bool, given: dict) -> dict:
    """The weights of a 32-bit world: WEIGHTS32's tables (those the caller gave instead stay),
    the G-stage modes Sv32x4 alone under fctl.GXL=1, else the 64-bit x4 modes as before."""
    w = dict(w)
    for k, v in WEIGHTS32.items():
        if k not in given:
            w[k] = dict(v)
    if gxl:
        w["g_mode"] = {"sv32x4": 1}
    m = w["misconfig"] = dict(w["misconfig"])
    if not gxl:                      # legal there: iohgatp MODE 9 is Sv48x4, SXL=0 a 64-bit DC
        m["g_mode_64"] = m["sxl0"] = 0
    return w


def _draw_features(d: _Drawer, cfg: Config, f: DutFeatures) -> None:
    """The features the DUT reports (nothing is drawn for a feature it lacks)."""
    live = [x for x in cfg.devices if not x.misconfig and x.kind != "bare"]
    if f.has("amo_hwad"):
        for dev in live:
            dev.ad = d("ad_enable")
    if f.has("s"):
        if not f.has("nl"):
            d.w["persona"]["nl-range"] = 0
        cfg.persona = d("persona")
    if f.has("msi_flat") and cfg.extended and cfg.world == 64:
        for dev in live:
            vm = cfg.vms[dev.vm] if dev.vm is not None else None
            if dev.kind == "g_only" and vm is not None and not (vm.high and vm.g_mode == "sv57x4"):
                dev.msi = d("msi") == "flat"
                if dev.msi:
                    dev.msi_ptes = tuple(d("msi_pte") for _ in range(MSI_FILES))
    if f.has("qosid"):
        rbits, mbits = f.qosid_widths
        for dev in live:
            dev.qos = (d.rng.randrange(1 << rbits), d.rng.randrange(1 << mbits))
    if f.has("hpm"):
        for _ in range(d("hpm_counters")):
            cfg.hpm.append(_draw_counter(d, cfg))
    igs = f.caps.igs
    if igs != capbits.IGS_WSI:
        cfg.irq = "msi" if igs == capbits.IGS_MSI else d("irq")
        if cfg.irq == "msi":
            civ = d.rng.randrange(16)
            fiv = civ if d.rng.random() < 0.25 else d.rng.randrange(16)
            cfg.irq_vectors = (civ, fiv)
    if f.has("end"):
        cfg.big_endian = d("byte_order") == "big"


def _draw_counter(d: _Drawer, cfg: Config) -> HpmCounter:
    c = HpmCounter(d("hpm_event"), d("hpm_filter"), preset=d("hpm_preset"))
    pids = [p.pid for x in cfg.devices for p in x.processes]
    if c.filter in ("did", "did_dmask"):
        c.value = d.rng.choice(cfg.devices).did
    elif c.filter == "pid":
        if pids:
            c.value = d.rng.choice(pids)
        else:
            c.filter = "none"
    elif c.filter == "idt":
        c.pscid = not cfg.vms or d.rng.random() < 0.5
        if c.pscid:
            c.value = d.rng.choice(cfg.spaces).pscid if cfg.spaces else 1
        else:
            c.value = d.rng.choice(cfg.vms).gscid
    return c


def run_seed(default: int) -> int:
    """The regression seed of this run (what `make sim SEED=` and the replay line name; cocotb
    derives each test's own seed from it and the test name), or `default` outside a run."""
    import os
    return int(os.environ.get("COCOTB_RANDOM_SEED", default))


def draw_bus(seed: int) -> tuple:
    """(mem_stall, rsp_stall) for a seed: the test sets them before the environment is built
    (before the DUT's features are known), from a stream of its own."""
    return BUS[pick(random.Random(f"bus:{seed}"), WEIGHTS["bus"])]


def _ddi_bits(ddt_mode: str, extended: bool) -> tuple:
    """(DDI[0] bits, DDI[1] bits, DDI[2] bits) used by the mode."""
    b0 = 6 if extended else 7
    b1 = 9
    b2 = 24 - b0 - b1
    levels = {"1lvl": 1, "2lvl": 2, "3lvl": 3}[ddt_mode]
    return b0, b1 if levels >= 2 else 0, b2 if levels == 3 else 0


def _draw_dids(rng, d: _Drawer, ddt_mode: str, width: str, extended: bool, alias: str) -> list:
    b0, b1, b2 = _ddi_bits(ddt_mode, extended)
    n = d("n_devices")
    out: list = []

    def fresh() -> int:
        while True:
            if width == "narrow":
                did = rng.randrange(1, 1 << min(b0, 7))
            elif b1 == 0:                          # 1LVL: the high DDI[0] bits
                did = rng.randrange(1 << (b0 - 1), 1 << b0)
            else:
                hi = rng.randrange(1, 1 << (b1 + b2))     # index bits above DDI[0], non-zero
                did = hi << b0 | rng.randrange(1 << b0)
            if did not in out:
                return did
    for _ in range(n):
        out.append(fresh())
    if alias != "none" and len(out) >= 2:
        lo, hi = (b0, b0 + b1) if alias == "bits_15_7" else (b0 + b1, 24)
        bit = rng.randrange(lo, hi)
        partner = out[0] ^ (1 << bit)
        if partner not in out and partner:
            out[1] = partner
    return out


def _id(d: _Drawer, table: str, used: set, bits: int) -> int:
    if d(table) == "max" and (1 << bits) - 1 not in used:
        v = (1 << bits) - 1
    else:
        v = d.rng.randrange(1, 1 << 12)
        while v in used:
            v = d.rng.randrange(1, 1 << 12)
    used.add(v)
    return v


def _draw_device(d: _Drawer, cfg: Config, did: int, pscids: set, gscids: set) -> Device:
    kind = d("device")
    if kind == "shared" and not any(x.space is not None and x.vm is None for x in cfg.devices):
        kind = "host"                          # nothing to share yet
    dev = Device(did=did, kind=kind, dtf=d.flag("dtf"))
    if kind == "shared":
        dev.space = next(x.space for x in cfg.devices if x.space is not None and x.vm is None)
        return dev
    if kind in ("guest", "g_only") or kind == "pdt" and any(d.w["g_mode"].values()) \
            and d.flag("pdt_under_g"):
        g_mode, gscid, high = d("g_mode"), _id(d, "gscid", gscids, 16), d.flag("gpa_high")
        # A guest's own tables and pages are named by first-stage PTEs, iosatp, pdtp and PC.fsc,
        # whose PPN is 44 bits: GPAs below 2^56. Sv57x4's high region (GPA bits 58:57) is above
        # that, so only a G-stage-only device (the IOVA is the GPA) can have it.
        if high and g_mode == "sv57x4" and kind != "g_only":
            high = False
        vm = Vm(g_mode, gscid, high, tables_flaw=d("g_tables_flaw"), sxl=cfg.sxl)
        vm.pages = [_g_page(d, vm.base + G_DATA + i * 0x1000) for i in range(G_DATA_PAGES)]
        cfg.vms.append(vm)
        dev.vm = len(cfg.vms) - 1
    if kind in ("host", "guest"):
        dev.space = _draw_space(d, cfg, dev.vm, pscids)
        if kind == "guest" and cfg.sxl:
            dev.root34 = d.flag("root34")
    elif kind == "pdt":
        dev.pd_mode = d("pd_mode")
        dev.dpe = d.flag("dpe")
        bits = {"pd8": 8, "pd17": 17, "pd20": 20}[dev.pd_mode]
        pids = set()
        for _ in range(d("n_processes")):
            pid = d.rng.randrange(1 << (bits - 1), 1 << bits) if d.rng.random() < 0.5 \
                else d.rng.randrange(1, 256)
            if pid in pids:
                continue
            pids.add(pid)
            p = Process(pid, d("process"), d.flag("ens"), d.flag("sum"))
            if p.state != "not_valid" and d("process_fs") == "paged":
                p.space = _draw_space(d, cfg, dev.vm, pscids)
            dev.processes.append(p)
        if dev.dpe and d.rng.random() < 0.7:   # process 0, what requests without a pid use
            p = Process(0, "valid", d.flag("ens"), d.flag("sum"))
            if d("process_fs") == "paged":
                p.space = _draw_space(d, cfg, dev.vm, pscids)
            dev.processes.append(p)
    elif kind == "misconfigured":
        dev.misconfig = d("misconfig")
        dev.space = _draw_space(d, cfg, None, pscids)
    if cfg.gxl and not (dev.misconfig or dev.root34) and kind != "shared" and d("sxl_gxl") == 0:
        dev.misconfig = "sxl0"                 # fctl.GXL=1 needs every DC's SXL=1
    return dev


def _g_page(d: _Drawer, gpa: int) -> Page:
    perms, flaw = d("g_perms"), d("g_flaw")
    if flaw == "d0" and "w" not in perms:
        perms = "rw" + ("x" if "x" in perms else "")                # D=0 matters on writes
    return Page(gpa, "4k", perms, True, False, flaw)


def _draw_space(d: _Drawer, cfg: Config, vm: Optional[int], pscids: set) -> int:
    if cfg.world == 32:
        return _draw_space32(d, cfg, vm, pscids)
    k = len(cfg.spaces)
    sp = Space(d("fs_mode"), _id(d, "pscid", pscids, 20), WINDOW0 + k * WINDOW_STEP, vm=vm)
    slots = iter(d.rng.sample(range(48), 48))
    counters = Counter()
    for _ in range(d("n_pages")):
        size = d("page_size")
        if size == "1g" and vm is not None:
            size = "2m"                          # a guest's GPA region holds 2 MiB pages
        flaw = d("pte_flaw")
        if flaw == "misaligned" and size not in ("2m", "1g"):
            size = "2m"
        if flaw == "napot_bad" and size != "4k":
            size = "4k"
        n = counters[size]
        counters[size] += 1
        if flaw.startswith("nonleaf_"):
            va = sp.window + SLOT_NONLEAF + counters["nonleaf"] * 0x20_0000
            counters["nonleaf"] += 1
            size = "4k"
        elif size == "4k":
            va = sp.window + SLOT_4K + next(slots) * 0x1000
        elif size == "64k":
            if n >= 8:
                continue
            va = sp.window + SLOT_64K + n * 0x1_0000
        elif size == "2m":
            if n >= 4:
                continue
            va = sp.window + SLOT_2M + n * 0x20_0000
        else:
            if n >= 1:
                continue
            va = sp.window + SLOT_1G
        _add_page(d, sp, va, size, flaw)
    cfg.spaces.append(sp)
    return k


def _add_page(d: _Drawer, sp: Space, va: int, size: str, flaw: str) -> None:
    """A page of `sp` at `va` with drawn permissions, U and G (drawn in that order)."""
    perms = d("perms")
    if flaw == "d0" and "w" not in perms:
        perms = perms.replace("r", "rw") if "r" in perms else "rw"   # D=0 matters on writes
    sp.pages.append(Page(va, size, perms, d.flag("user"), d.flag("global"), flaw))


def _draw_space32(d: _Drawer, cfg: Config, vm: Optional[int], pscids: set) -> int:
    """An Sv32 table (IOVAs below 2^32): 4 KiB pages in one 4 MiB region, up to four 4 MiB
    pages, a 4 MiB region for each flawed non-leaf PTE; a misaligned flaw makes the page a
    4 MiB one."""
    k = len(cfg.spaces)
    if k >= MAX_SPACES32:
        raise ValueError(f"more than {MAX_SPACES32} Sv32 spaces in one configuration")
    sp = Space(d("fs_mode"), _id(d, "pscid", pscids, 20), WINDOW32_0 + k * WINDOW32_STEP, vm=vm)
    slots = iter(d.rng.sample(range(48), 48))
    counters = Counter()
    for _ in range(d("n_pages")):
        size = d("page_size")
        flaw = d("pte_flaw")
        if flaw == "misaligned":
            size = "4m"
        n = counters[size]
        counters[size] += 1
        if flaw.startswith("nonleaf_"):
            va = sp.window + SLOT32_NONLEAF + counters["nonleaf"] * SIZE_4M
            counters["nonleaf"] += 1
            size = "4k"
        elif size == "4k":
            va = sp.window + SLOT32_4K + next(slots) * 0x1000
        else:
            if n >= 4:
                continue
            va = sp.window + SLOT32_4M + n * SIZE_4M
        _add_page(d, sp, va, size, flaw)
    cfg.spaces.append(sp)
    return k


def _draw_injections(d: _Drawer, cfg: Config) -> None:
    where = d("inject")
    if where == "none":
        return
    kind = d("inject_kind")
    taken = {i.device for i in cfg.injections}
    devs = [None if j in taken else x for j, x in enumerate(cfg.devices)]
    fit = {
        "ddte": [i for i, x in enumerate(devs) if x and cfg.ddt_mode != "1lvl"],
        "dc": [i for i, x in enumerate(devs) if x],
        "pdte": [i for i, x in enumerate(devs) if x and x.pd_mode in ("pd17", "pd20")
                 and any(p.state == "valid" for p in x.processes)],
        "pc": [i for i, x in enumerate(devs)
               if x and any(p.state == "valid" for p in x.processes)],
        "pte1": [i for i, x in enumerate(devs) if x and x.space is not None and x.kind != "shared"
                 and cfg.spaces[x.space].pages and not x.misconfig],
        "pte2": [i for i, x in enumerate(devs)
                 if x and x.vm is not None and x.kind in ("guest", "g_only")],
    }
    if not fit[where]:                         # not in this configuration: another site
        sites = {k: v for k, v in d.w["inject"].items() if fit.get(k)}
        if not sites:
            return
        where = pick(d.rng, sites)
    i = d.rng.choice(fit[where])
    detail = {"pte1": lambda: d("pte1_level"), "pte2": lambda: d("pte2_use"),
              "ddte": lambda: str(d.rng.randrange(1, {"2lvl": 2, "3lvl": 3}[cfg.ddt_mode]))
              }.get(where, lambda: "")()
    if where == "ddte":
        _isolate(d.rng, cfg, i)
    cfg.injections.append(Injection(where, kind, i, detail))


def _isolate(rng, cfg: Config, i: int) -> None:
    """Give device i a device_id whose upper index bits no other device uses, so the non-leaf
    DDT entry that faults serves it alone."""
    b0, b1, b2 = _ddi_bits(cfg.ddt_mode, cfg.extended)
    limit = 1 << (b1 + b2)                     # values of the index bits above DDI[0]
    others = {x.did >> b0 for j, x in enumerate(cfg.devices) if j != i}
    tops = {x.did >> (b0 + b1) for j, x in enumerate(cfg.devices) if j != i}
    for _ in range(1000):
        up = rng.randrange(1, limit)
        if up not in others and (cfg.ddt_mode != "3lvl" or up >> b1 not in tops):
            cfg.devices[i].did = up << b0 | (cfg.devices[i].did & ((1 << b0) - 1))
            return


# ----------------------------------------------------------------------------- distribution
def distribution(n: int, features: Optional[DutFeatures] = None, first_seed: int = 1,
                 weights: Optional[dict] = None) -> tuple:
    """(configs, Counter of 'table=value' -> number of configs drawing it at least once)."""
    configs, seen = [], Counter()
    for s in range(first_seed, first_seed + n):
        c = draw_config(random.Random(s), features, seed=s, weights=weights)
        configs.append(c)
        keys = {f"{t}={v}" for t, v in c.drawn}
        keys |= {f"ttyp={t}" for t in c.ttyp_weights}
        keys |= {f"inject.where={i.where}" for i in c.injections}
        keys |= {f"inject.{i.where}={i.detail}" for i in c.injections if i.detail}
        if c.alias != "none":
            keys.add(f"alias.kept={c.alias}")
        if c.world == 32:              # the 32-bit world's own shares (its tables and sizes)
            keys |= {f"world32.{t}={v}" for t, v in c.drawn
                     if t in WEIGHTS32 or t in ("g_mode", "device", "ad_enable", "byte_order",
                                                "root34", "sxl_gxl")}
            keys |= {f"world32.size={p.size}" for sp in c.spaces for p in sp.pages}
            keys |= {f"world32.inject={i.where}" for i in c.injections}
        seen.update(keys)
    return configs, seen


def format_distribution(n: int, seen: Counter) -> str:
    lines = [f"{'table=value':<40} {'seeds':>6} {'share':>6}  induces (spec)"]
    for key in sorted(seen, key=lambda k: (k.split("=")[0], k)):
        table, _, val = key.partition("=")
        note = INDUCES.get(f"{table}.{val}", "")
        lines.append(f"{key:<40} {seen[key]:>6} {seen[key] / n:>6.0%}  {note}")
    return "\n".join(lines)


def _features(name: str) -> DutFeatures:
    if name == "default":
        return DutFeatures()
    if name == "sv39-only":
        caps = capbits.DEFAULT & ~(1 << capbits.SV48 | 1 << capbits.SV48X4 | 1 << capbits.PD17
                                   | 1 << capbits.PD20)
        return DutFeatures(caps=Capabilities(caps, svnapot=False), name=name)
    # our RTL's issue-16 parameter sets (duts/riscv_iommu.toml)
    extra = {"hpm": 1 << capbits.HPM, "ad": 1 << capbits.AMO_HWAD,
             "nl_s": 1 << capbits.NL | 1 << capbits.S,
             "msi": 1 << capbits.MSI_FLAT | (capbits.IGS_BOTH - capbits.IGS_WSI) << capbits.IGS_SHIFT,
             "end": 1 << capbits.END,
             "sv32": 1 << capbits.SV32 | 1 << capbits.SV32X4 | 1 << capbits.AMO_HWAD
             | 1 << capbits.END}
    if name in extra:
        return DutFeatures(caps=Capabilities(capbits.DEFAULT + extra[name]), name=name)
    raise ValueError(f"unknown feature set {name!r}: default, sv39-only, hpm, msi, ad, nl_s, "
                     "end or sv32")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sequences.config_space",
                                 description="print the distribution of drawn configurations")
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--features", default="default",
                    help="default | sv39-only | hpm | msi | ad | nl_s | end | sv32 (our "
                         "parameter sets)")
    ap.add_argument("--show", type=int, metavar="SEED", help="print one seed's summary line")
    args = ap.parse_args(argv)
    try:
        f = _features(args.features)
    except ValueError as e:
        ap.error(str(e))
    if args.show is not None:
        print(draw_config(random.Random(args.show), f, seed=args.show).summary())
        return 0
    _, seen = distribution(args.seeds, f)
    print(f"{args.seeds} configurations (seeds 1..{args.seeds}), features {args.features}")
    print(format_distribution(args.seeds, seen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
