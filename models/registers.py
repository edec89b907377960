"""Register offsets and the layout of the 4 KiB register page: which offsets start a
register, how wide it is, and which accesses are legal (anything else is a ValueError)."""
from __future__ import annotations

from enum import IntEnum


class Reg(IntEnum):
    CAPABILITIES = 0x000
    FCTL = 0x008
    DDTP = 0x010
    CQB = 0x018
    CQH = 0x020
    CQT = 0x024
    FQB = 0x028
    FQH = 0x030
    FQT = 0x034
    PQB = 0x038
    PQH = 0x040
    PQT = 0x044
    CQCSR = 0x048
    FQCSR = 0x04C
    PQCSR = 0x050
    IPSR = 0x054
    IOCOUNTOVF = 0x058
    IOCOUNTINH = 0x05C
    IOHPMCYCLES = 0x060
    IOHPMCTR1 = 0x068
    IOHPMEVT1 = 0x160
    TR_REQ_IOVA = 0x258
    TR_REQ_CTL = 0x260
    TR_RESPONSE = 0x268
    IOMMU_QOSID = 0x270
    ICVEC = 0x2F8
    MSI_CFG_TBL = 0x300


REG_SPACE = 0x1000

_WIDTH: dict[int, int] = {
    Reg.CAPABILITIES: 8, Reg.FCTL: 4, 0x00C: 4, Reg.DDTP: 8, Reg.CQB: 8, Reg.CQH: 4,
    Reg.CQT: 4, Reg.FQB: 8, Reg.FQH: 4, Reg.FQT: 4, Reg.PQB: 8, Reg.PQH: 4, Reg.PQT: 4,
    Reg.CQCSR: 4, Reg.FQCSR: 4, Reg.PQCSR: 4, Reg.IPSR: 4, Reg.IOCOUNTOVF: 4,
    Reg.IOCOUNTINH: 4, Reg.IOHPMCYCLES: 8, Reg.TR_REQ_IOVA: 8, Reg.TR_REQ_CTL: 8,
    Reg.TR_RESPONSE: 8, Reg.IOMMU_QOSID: 4, Reg.ICVEC: 8,
}
for _i in range(31):
    _WIDTH[Reg.IOHPMCTR1 + 8 * _i] = 8
    _WIDTH[Reg.IOHPMEVT1 + 8 * _i] = 8
for _i in range(16):
    _WIDTH[Reg.MSI_CFG_TBL + 16 * _i] = 8        # msi_addr_x
    _WIDTH[Reg.MSI_CFG_TBL + 16 * _i + 8] = 4    # msi_data_x
    _WIDTH[Reg.MSI_CFG_TBL + 16 * _i + 12] = 4   # msi_vec_ctl_x


def locate(offset: int, size: int) -> tuple[int, int]:
    """(base, width) of the register an access touches; reserved and custom space is
    treated as naturally aligned 8-byte slots that read 0. Raises ValueError on a bad access."""
    if size not in (4, 8):
        raise ValueError(f"register access of {size} bytes at {offset:#x}: size must be 4 or 8")
    if not 0 <= offset < REG_SPACE or offset + size > REG_SPACE:
        raise ValueError(f"register offset {offset:#x} is outside the 4 KiB register page")
    if offset % size:
        raise ValueError(f"{size}-byte register access at {offset:#x} is not naturally aligned")
    if offset in _WIDTH:
        width = _WIDTH[offset]
        if size > width:
            raise ValueError(f"8-byte access at {offset:#x}: that register is 4 bytes wide")
        return offset, width
    if offset - 4 in _WIDTH and _WIDTH[offset - 4] == 8:
        return offset - 4, 8
    if size == 8 and (offset + 4) in _WIDTH:
        raise ValueError(f"8-byte access at {offset:#x} spans two registers")
    return offset & ~7, 8
