"""capabilities.PAS and the Bare-mode request types through the whole rtl/riscv_iommu.v, compared
with the golden model configured like the build, and with the values the spec gives (worked out
by hand in each test; docs/design.md "Physical address size").

The build's PAS comes from $IOMMU_PAS (56: the default build; 40: -GPAS=40). The space the
IOMMU addresses is 0 .. 2^PAS - 1 (iommu_registers.adoc, capabilities): PPN bits of ddtp, cqb
and fqb above it read 0 (WARL), and an implicit access at or above 2^PAS is an access fault with
the cause of the structure read (257, 265, 1/5/7) or cqmf / fqmf, and never reaches m_axi.
"""

from __future__ import annotations

import os

import cocotb

from models import Reg, TTYP
from models import capabilities as capbits
from tests.rtl.iommu_harness import IommuHarness
from tests.unit.tables import atp, pte

PAS = int(os.environ.get("IOMMU_PAS", "56"))
TOP = 1 << PAS                       # the first address beyond the space
# capabilities: the default with PAS [37:32] = PAS (0x38 for 56, 0x28 for 40)
CAPS = capbits.DEFAULT & ~(0x3F << 32) | PAS << 32
CAPS_BY_PAS = {56: 0x0000_01F8_1006_0610, 40: 0x0000_01E8_1006_0610}

V, R, W, X, U, A, D = 1, 2, 4, 8, 16, 64, 128
LEAF = V | R | W | X | U | A | D
TC_V, TC_PDTV = 1, 1 << 5
PC_V = 1
OFF, BARE, LVL1, LVL2 = 0, 1, 2, 3
SV39, SV39X4, PD8 = 8, 8, 1
UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
ACCESS_FAULT = {UX: 1, UR: 5, UW: 7}
CQMF, FQMF = 1 << 8, 1 << 8
FQ_BASE = 0x0030_0000
CQ_BASE = 0x0010_0000


def iofence(av=0, data=0, addr=0) -> bytes:
    return (2 | av << 10 | data << 32 | (addr >> 2) << 64).to_bytes(16, "little")


IODIR_ALL = (3 | 0 << 33).to_bytes(16, "little")       # IODIR.INVAL_DDT DV=0


async def new(dut) -> IommuHarness:
    h = IommuHarness(dut, capabilities=CAPS)
    await h.start()
    return h


def store_dc(h, addr, tc=TC_V, iohgatp=0, ta=0, fsc=0):
    for i, dw in enumerate((tc, iohgatp, ta, fsc)):
        h.store64(addr + 8 * i, dw)


async def expect(h, bad, what, did, iova, ttyp, want, pid=None):
    """One request: the RTL must equal the model, and the model `want` (a PA or a cause)."""
    (fault, cause, pa), out = await h.request(did, iova, ttyp, pid=pid)
    model = out.pa if out.cause is None else int(out.cause)
    got = cause if fault else pa
    if model != want:
        bad.append(f"SCENARIO {what}: model gives {model:#x}, the spec {want:#x}")
    if got != model or bool(fault) != (out.cause is not None):
        bad.append(f"MISMATCH {what}: did={did:#x} iova={iova:#x} ttyp={int(ttyp)} "
                   f"rtl {'fault:%d' % cause if fault else 'pa:%#x' % pa} model {out}")


def no_access_beyond(h, bad):
    """Nothing at or above 2^PAS reached m_axi, and no write landed on an alias of it."""
    reads = [a for a in h.ram.reads if a >= TOP]
    writes = [a for a, _ in h.ram.writes if a >= TOP]
    if reads or writes:
        bad.append(f"BUS accesses beyond 2^{PAS}: reads {[hex(a) for a in reads[:4]]} "
                   f"writes {[hex(a) for a in writes[:4]]}")


def finish(h, bad):
    for line in bad:
        h.log.error(line)
    assert not bad, f"{len(bad)} check(s) failed; first: {bad[0]}"


@cocotb.test()
async def capabilities_and_ppn_warl(dut):
    """capabilities.PAS is the build's; PPN bits of ddtp/cqb/fqb at and above address bit PAS
    read 0. PPN [53:10] bit k is address bit k+2: with PAS 56 all 44 bits stay, with PAS 40
    register bits [53:38] read 0 ((2^28 - 1) << 10 = 0x3F_FFFF_FC00)."""
    h = await new(dut)
    assert CAPS == CAPS_BY_PAS[PAS]
    assert await h.rd(Reg.CAPABILITIES) == CAPS, "capabilities"
    ppn = {56: 0x003F_FFFF_FFFF_FC00, 40: 0x0000_003F_FFFF_FC00}[PAS]
    for reg, low in ((Reg.DDTP, 0x2), (Reg.CQB, 0x1F), (Reg.FQB, 0x1F)):
        await h.wr(reg, 0xFFFF_FFFF_FFFF_FC00 | low)
        got = await h.rd(reg)
        assert got == ppn | low, f"{reg.name}: rtl {got:#x}, expected {ppn | low:#x}"
    # 32-bit high half: bit 8 (address bit 42) and bit 5 (address bit 39)
    await h.wr(Reg.DDTP + 4, 0x0000_0120, 4)
    got = await h.rd(Reg.DDTP + 4, 4)
    assert got == {56: 0x120, 40: 0x20}[PAS], f"ddtp high half {got:#x}"
    await h.assert_regs_match("after the PPN writes")


@cocotb.test()
async def bare_allows_only_untranslated(dut):
    """ddtp Bare: untranslated requests pass (PA = IOVA); translated (5/6/7), ATS (8), PCIe
    message (9) and reserved/custom types (0, 4, 10, 31, 33, 63) get 260 and a record each
    (ddtp register: "When in Bare mode only Untranslated requests are allowed")."""
    h = await new(dut)
    await h.wr(Reg.FQB, (FQ_BASE >> 12) << 10 | 3, 8)          # 16 records
    await h.wr(Reg.FQCSR, 0x1, 4)
    await h.wr(Reg.DDTP, BARE)
    bad = []
    iova = 0x12_3456_7ABC
    for t in (UR, UW, UX):
        await expect(h, bad, f"Bare ttyp {int(t)}", 0x42, iova, t, iova)
    refused = (5, 6, 7, 8, 9, 0, 4, 10, 31, 33, 63)
    for t in refused:
        await expect(h, bad, f"Bare ttyp {t}", 0x42, iova, t, 260)
    await h.fq_settle()
    assert await h.rd(Reg.FQT, 4) == len(refused)
    # record of the PCIe message (the 5th refused): 260 | 9 << 34 | 0x42 << 40
    rec = h.load(FQ_BASE + 4 * 32, 32)
    assert int.from_bytes(rec[:8], "little") == 0x0000_4224_0000_0104
    assert h.load(FQ_BASE, 32 * 16) == h.mem.peek(FQ_BASE, 32 * 16), "records differ from the model"
    await h.assert_regs_match("after Bare requests")
    finish(h, bad)


@cocotb.test()
async def tables_in_the_top_pages(dut):
    """DDT, DC and page tables in the last pages below 2^PAS are read where they are (no
    truncation): 1LVL root at TOP - 0x1000, device 0x7F's DC in its last 32 bytes
    (TOP - 0x20), an Sv39 table at TOP - 0x3000 .. TOP - 0x1000 mapping VA 0x4000_1000 to
    0x5000_0000."""
    h = await new(dut)
    root = TOP - 0x1000
    t2, t1, t0 = TOP - 0x4000, TOP - 0x3000, TOP - 0x2000
    store_dc(h, root + 0x7F * 32, fsc=atp(SV39, t2))
    h.store64(t2 + 1 * 8, pte(t1, V))                          # VPN[2] = 1
    h.store64(t1 + 0 * 8, pte(t0, V))                          # VPN[1] = 0
    h.store64(t0 + 1 * 8, pte(0x5000_0000, LEAF))              # VPN[0] = 1
    await h.wr(Reg.DDTP, pte(root, LVL1))
    bad = []
    await expect(h, bad, "top-page walk", 0x7F, 0x4000_1234, UR, 0x5000_0234)
    for a in (TOP - 0x20, t2 + 8, t1, t0 + 8):
        if a not in h.ram.reads:
            bad.append(f"BUS the walk did not read {a:#x}")
    no_access_beyond(h, bad)
    finish(h, bad)


@cocotb.test()
async def pointers_beyond_the_space(dut):
    """Entries pointing at 2^PAS or above (possible with PAS < 56; a 44-bit PPN reaches at
    most the page TOP - 0x1000 when PAS = 56): the read is an access fault of the structure,
    valid-looking data placed there is never used, and nothing goes on the bus."""
    if PAS >= 56:
        return
    h = await new(dut)
    root, mid = 0x0001_0000, 0x0001_1000
    # 2LVL: device 0x85 (DDI[1] = 1, DDI[0] = 5) -> page TOP: DC read beyond -> 257
    h.store64(root + 1 * 8, pte(TOP, V))
    store_dc(h, TOP + 5 * 32)
    # devices 0x100.. (DDI[1] = 2) -> page `mid`
    h.store64(root + 2 * 8, pte(mid, V))
    dcs = {
        # Sv39 root 0x20000 whose VPN[2] = 1 entry points at TOP -> PTE access fault (1/5/7)
        0x00: dict(fsc=atp(SV39, 0x2_0000)),
        # G-stage only, Sv39x4 root 0x40000, entry 0 points at TOP -> access fault (1/5/7)
        0x01: dict(iohgatp=atp(SV39X4, 0x4_0000, 1)),
        # two stages: G-stage 1 GiB leaf GPA 0 -> SPA TOP (root 0x48000); Sv39 root at GPA
        # 0x2000 = SPA TOP + 0x2000 -> first-stage PTE access fault (1/5/7)
        0x02: dict(iohgatp=atp(SV39X4, 0x4_8000, 2), fsc=atp(SV39, 0x2000)),
        # PDTV, PD8 root at TOP: the PC of pid 3 at TOP + 0x30 -> 265
        0x03: dict(tc=TC_V | TC_PDTV, fsc=atp(PD8, TOP)),
    }
    for i, kw in dcs.items():
        store_dc(h, mid + i * 32, **kw)
    h.store64(0x2_0000 + 1 * 8, pte(TOP, V))
    h.store64(0x4_0000, pte(TOP, V))
    h.store64(0x4_8000, pte(TOP, LEAF))
    h.store64(TOP + 0x30, PC_V)
    await h.wr(Reg.DDTP, pte(root, LVL2))
    bad = []
    await expect(h, bad, "DC beyond", 0x85, 0x4000, UR, 257)
    for t in (UR, UW, UX):
        await expect(h, bad, "first-stage PTE beyond", 0x100, 0x4000_1000, t, ACCESS_FAULT[t])
        await expect(h, bad, "G-stage PTE beyond", 0x101, 0x1234, t, ACCESS_FAULT[t])
        await expect(h, bad, "first-stage PTE at an SPA beyond", 0x102, 0x4000_1000, t,
                     ACCESS_FAULT[t])
    await expect(h, bad, "PC beyond", 0x103, 0x5000, UR, 265, pid=3)
    no_access_beyond(h, bad)
    finish(h, bad)


@cocotb.test()
async def iofence_store_beyond(dut):
    """IOFENCE.C AV=1 to TOP - 4 stores; to TOP or to 2^64 - 4 it is a memory fault of the
    command (cqcsr.cqmf): cqh stays on the fence and nothing is written (nor at TOP's alias 0)."""
    h = await new(dut)
    await h.wr(Reg.CQB, (CQ_BASE >> 12) << 10 | 2, 8)          # 8 entries
    await h.wr(Reg.CQCSR, 0x1, 4)
    h.store(CQ_BASE, iofence(av=1, data=0x1111_2222, addr=TOP - 4))
    h.store(CQ_BASE + 16, iofence(av=1, data=0x3333_4444, addr=TOP))
    await h.wr(Reg.CQT, 2, 4)
    await h.cq_settle()
    assert await h.rd(Reg.CQH, 4) == 1 and await h.rd(Reg.CQCSR, 4) & CQMF
    assert h.load(TOP - 4, 4) == bytes.fromhex("22221111")
    await h.assert_regs_match("fence to 2^PAS")
    # software fixes the fence to the top of the ADDR field: still beyond
    h.store(CQ_BASE + 16, iofence(av=1, data=0x5555_6666, addr=(1 << 64) - 4))
    await h.wr(Reg.CQCSR, 0x1 | CQMF, 4)
    await h.cq_settle()
    assert await h.rd(Reg.CQH, 4) == 1 and await h.rd(Reg.CQCSR, 4) & CQMF
    await h.assert_regs_match("fence to 2^64 - 4")
    bad = []
    no_access_beyond(h, bad)
    if any(a < 0x1000 for a, _ in h.ram.writes):
        bad.append("BUS a fence store landed on the alias of 2^PAS at 0")
    finish(h, bad)


@cocotb.test()
async def queues_running_past_the_top(dut):
    """Misaligned queues in the last page below 2^PAS (UNSPECIFIED addresses in the spec; the
    model's choice is a memory fault, docs/design.md): a 512-entry CQ at TOP - 0x1000 fetches
    entries 0..255 and faults on entry 256 (at TOP): cqmf, cqh 256. A 256-record FQ at
    TOP - 0x1000 writes records 0..127 and faults on record 128: fqmf, fqt 128."""
    h = await new(dut)
    base = TOP - 0x1000
    await h.wr(Reg.CQB, (base >> 12) << 10 | 8, 8)             # LOG2SZ 9: 512 entries
    await h.wr(Reg.CQCSR, 0x1, 4)
    for i in range(256):                                       # entry 256 would be at TOP
        h.store(base + 16 * i, IODIR_ALL)
    await h.wr(Reg.CQT, 257, 4)
    await h.cq_settle(max_cycles=200000)
    assert await h.rd(Reg.CQH, 4) == 256 and await h.rd(Reg.CQCSR, 4) & CQMF
    await h.wr(Reg.CQCSR, 0x0, 4)
    await h.wr(Reg.FQB, (base >> 12) << 10 | 7, 8)             # LOG2SZ 8: 256 records
    await h.wr(Reg.FQCSR, 0x1, 4)
    await h.wr(Reg.DDTP, OFF)
    bad = []
    for i in range(129):                                       # ddtp Off: 256 for each
        await expect(h, bad, f"record {i}", 1, 0x1000 * i, UR, 256)
    await h.fq_settle()
    assert await h.rd(Reg.FQT, 4) == 128 and await h.rd(Reg.FQCSR, 4) & FQMF
    assert h.load(base, 0x1000) == h.mem.peek(base, 0x1000), "records differ from the model"
    await h.assert_regs_match("after both queues ran past the top")
    no_access_beyond(h, bad)
    finish(h, bad)
