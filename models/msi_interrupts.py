"""Interrupt delivery as MSIs (capabilities.IGS = MSI or BOTH, fctl.WSI = 0): the msi_cfg_tbl
registers and the messages the IOMMU sends (docs/design.md, "Interrupts as MSIs").

- msi_cfg_tbl: 16 entries at 0x300 + 16 x: msi_addr_x (8 bytes: ADDR [55:2] kept, [1:0] and
  [63:56] read 0), msi_data_x (4 bytes, all kept), msi_vec_ctl_x (4 bytes: M [0] kept, the
  rest reads 0). Reset: all 0 (UNSPECIFIED in the spec; the model's and the RTL's choice).
- A message is due for vector v when an ipsr bit whose icvec field selects v goes 0 -> 1
  (cip: civ, fip: fiv, pmip: pmiv). Unmasked (M = 0) it is sent at once: a 4-byte write of
  msi_data_x to msi_addr_x, little-endian (fctl.BE = 0). Masked it is held (one per vector:
  further edges while held do not add messages) and sent when software clears M.
- A message write that fails (bus error, or beyond PAS) is reported as a fault record with
  cause 273 (IOMMU MSI write access fault), TTYP 0, iotval = msi_addr_x.
"""
from __future__ import annotations

VECTORS = 16
ADDR_MASK = ((1 << 56) - 1) & ~3
M_BIT = 1


class MsiTable:
    def __init__(self) -> None:
        self.addr = [0] * VECTORS
        self.data = [0] * VECTORS
        self.masked = [False] * VECTORS
        self.held = [False] * VECTORS
        self.sent: list[tuple[int, int, int]] = []      # (vector, addr, data), in order

    # -- registers ------------------------------------------------------------------------
    @staticmethod
    def decode(base: int) -> tuple[int, str]:
        """(vector, 'addr' | 'data' | 'ctl') of a register base offset in 0x300..0x3FF."""
        off = base - 0x300
        return off // 16, {0: "addr", 8: "data", 12: "ctl"}[off % 16]

    def read(self, base: int) -> int:
        v, field = self.decode(base)
        if field == "addr":
            return self.addr[v]
        if field == "data":
            return self.data[v]
        return int(self.masked[v])

    def write(self, base: int, value: int) -> list[int]:
        """A register write; returns the vectors whose held message is now due (M 1 -> 0)."""
        v, field = self.decode(base)
        if field == "addr":
            self.addr[v] = value & ADDR_MASK
        elif field == "data":
            self.data[v] = value & 0xFFFF_FFFF
        else:
            self.masked[v] = bool(value & M_BIT)
            if not self.masked[v] and self.held[v]:
                self.held[v] = False
                return [v]
        return []

    # -- messages -------------------------------------------------------------------------
    def due(self, vector: int) -> bool:
        """An edge for `vector`: True if its message goes out now, False if it is held."""
        if self.masked[vector]:
            self.held[vector] = True
            return False
        return True

    def message(self, vector: int) -> tuple[int, bytes]:
        return self.addr[vector], self.data[vector].to_bytes(4, "little")
