"""What the DUT can do, as the scenarios ask it: which translation modes and directory formats
it supports (from the capabilities register the environment read after reset), Svnapot (the
profile says; it has no capability bit), and which request types its device port can carry. Scenarios pick the modes from here (Sv39 when Sv48 is absent,
Sv39x4 for Sv48x4, PD8 for PD17/PD20) and record each step they cannot do at all with its
reason: the regression lists those steps as skipped, never as failures and never silently.

Plain Python: unit-tested without a simulator.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models import capabilities as capbits
from models.capabilities import Capabilities

FIRST_STAGE = ("sv39", "sv48", "sv57")
G_STAGE = ("sv39x4", "sv48x4", "sv57x4")
PDT = ("pd8", "pd17", "pd20")
_BIT = {"sv39": capbits.SV39, "sv48": capbits.SV48, "sv57": capbits.SV57,
        "sv39x4": capbits.SV39X4, "sv48x4": capbits.SV48X4, "sv57x4": capbits.SV57X4,
        "pd8": capbits.PD8, "pd17": capbits.PD17, "pd20": capbits.PD20,
        "msi_flat": capbits.MSI_FLAT, "svpbmt": capbits.SVPBMT, "dbg": capbits.DBG,
        "hpm": capbits.HPM, "nl": capbits.NL, "s": capbits.S, "amo_hwad": capbits.AMO_HWAD,
        "svrsw60t59b": capbits.SVRSW60T59B, "qosid": capbits.QOSID,
        "msi_mrif": capbits.MSI_MRIF, "ats": capbits.ATS, "t2gpa": capbits.T2GPA,
        "end": capbits.END, "sv32": capbits.SV32, "sv32x4": capbits.SV32X4}
PID_BITS = {"pd8": 8, "pd17": 17, "pd20": 20}
DISPLAY = {"svnapot": "Svnapot", "msi_flat": "MSI flat mode", "msi_mrif": "MSI MRIF mode",
           "sv39": "Sv39", "sv48": "Sv48",
           "sv57": "Sv57", "sv39x4": "Sv39x4", "sv48x4": "Sv48x4", "sv57x4": "Sv57x4",
           "pd8": "PD8", "pd17": "PD17", "pd20": "PD20", "svpbmt": "Svpbmt",
           "dbg": "debug translation interface (DBG)", "hpm": "performance monitor (HPM)",
           "nl": "non-leaf PTE invalidation (NL)", "s": "address-range invalidation (S)",
           "amo_hwad": "hardware A/D update (AMO_HWAD)",
           "svrsw60t59b": "Svrsw60t59b (PTE bits 60:59 for software)",
           "qosid": "QoS IDs (QOSID)", "ats": "PCIe ATS (ATS)",
           "t2gpa": "T2GPA (Translated requests with GPAs)",
           "end": "big-endian structures (END)", "sv32": "Sv32", "sv32x4": "Sv32x4"}
TTYP_NAMES = {1: "untranslated exec", 2: "untranslated read", 3: "untranslated write",
              5: "translated exec", 6: "translated read", 7: "translated write",
              8: "PCIe ATS translation request", 9: "PCIe message"}


class NotSupported(Exception):
    """A scenario step the DUT cannot do at all; str() is the reason."""


@dataclass
class DutFeatures:
    caps: Capabilities = field(default_factory=lambda: Capabilities(capbits.DEFAULT))
    port_ttyps: frozenset = frozenset(TTYP_NAMES)      # request types the device port carries
    name: str = "riscv_iommu"
    skipped: list = field(default_factory=list)         # (step, reason), in order

    @property
    def svnapot(self) -> bool:
        return self.caps.svnapot

    def has(self, feature: str) -> bool:
        """A mode (sv39 .. sv57x4, pd8 .. pd20), msi_flat, svpbmt, dbg, hpm, nl, s, amo_hwad,
        svrsw60t59b, qosid or svnapot."""
        if feature == "svnapot":
            return self.svnapot
        return bool(self.caps.value >> _BIT[feature] & 1)

    @property
    def qosid_widths(self) -> tuple[int, int]:
        """QOSID: the (RCID, MCID) widths in bits (the environment found them at start)."""
        return self.caps.rcid_bits, self.caps.mcid_bits

    def _pick(self, family: tuple, preferred: str) -> str:
        # The preferred mode if supported, else the widest supported one below it, else above.
        i = family.index(preferred)
        for m in list(family[i::-1]) + list(family[i + 1:]):
            if self.has(m):
                return m
        raise NotSupported(f"DUT {self.name} supports none of {', '.join(family)}")

    def fs_mode(self, preferred: str = "sv48") -> str:
        return self._pick(FIRST_STAGE, preferred)

    def g_mode(self, preferred: str = "sv48x4") -> str:
        return self._pick(G_STAGE, preferred)

    def pd_mode(self, preferred: str = "pd20") -> str:
        return self._pick(PDT, preferred)

    def can_send(self, ttyp: int) -> bool:
        return int(ttyp) in self.port_ttyps

    # -- skipped steps ---------------------------------------------------------------------
    def skip(self, step: str, reason: str) -> None:
        """Record a step the scenario leaves out on this DUT (reported by the regression)."""
        if (step, reason) not in self.skipped:
            self.skipped.append((step, reason))

    def need(self, feature: str, step: str) -> bool:
        """True if the DUT has `feature`; otherwise records `step` as skipped and says False."""
        if self.has(feature):
            return True
        self.skip(step, f"DUT {self.name} has no {DISPLAY.get(feature, feature)}")
        return False

    def sendable(self, reqs: list) -> list:
        """The requests the port can carry; the others are recorded as skipped, by type."""
        out = []
        for r in reqs:
            if self.can_send(r.ttyp):
                out.append(r)
            else:
                name = TTYP_NAMES.get(int(r.ttyp), f"ttyp {int(r.ttyp)}")
                self.skip(f"{name} requests", "the DUT's device port cannot carry them")
        return out

