"""The VM's memory map as the VMM keeps it: the guest-physical RAM of one VM is one linear
window of system-physical memory, GPA [gpa_base, gpa_base+size) -> SPA [spa_base, ...).

The VMM uses it both ways: GPA -> SPA to place the guest's stores (and, in the nested persona,
to build the VM's G-stage), SPA -> GPA to show the guest what a translation the hardware
returned means in its own address space (the guest-layer judge)."""
from __future__ import annotations

from typing import Optional

SIZE_2M = 0x20_0000


class VmMemoryMap:
    def __init__(self, gpa_base: int, spa_base: int, size: int) -> None:
        for what, v in (("gpa_base", gpa_base), ("spa_base", spa_base), ("size", size)):
            if v % SIZE_2M or v < 0:
                raise ValueError(f"VmMemoryMap: {what} {v:#x} must be a multiple of 2 MiB")
        if not size:
            raise ValueError("VmMemoryMap: size must not be 0")
        self.gpa_base, self.spa_base, self.size = gpa_base, spa_base, size

    def spa(self, gpa: int) -> int:
        """The SPA backing gpa (ValueError outside the VM's RAM)."""
        if not self.gpa_base <= gpa < self.gpa_base + self.size:
            raise ValueError(f"GPA {gpa:#x} is outside the VM's RAM "
                             f"[{self.gpa_base:#x}, {self.gpa_base + self.size:#x})")
        return gpa - self.gpa_base + self.spa_base

    def gpa(self, spa: int) -> Optional[int]:
        """The GPA an SPA backs, or None when it is not the VM's RAM."""
        if self.spa_base <= spa < self.spa_base + self.size:
            return spa - self.spa_base + self.gpa_base
        return None

    def pages_2m(self) -> list:
        """(gpa, spa) of every 2 MiB page of the window (how the VMM maps its G-stage)."""
        return [(self.gpa_base + o, self.spa_base + o) for o in range(0, self.size, SIZE_2M)]

    def __repr__(self) -> str:
        return (f"VmMemoryMap(GPA {self.gpa_base:#x}+{self.size:#x} -> SPA {self.spa_base:#x})")
