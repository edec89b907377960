"""Command decoding: encodings the spec makes illegal must stop the command queue with
cqcsr.cmd_ill, cqh left on the offending command, ipsr.cip raised (cie=1), and no later
command executed; software then replaces the command, clears cmd_ill (W1C) and the queue
resumes from it.

Each case is published as [IOTINVAL.VMA (global), <illegal>, IOFENCE.C AV=1]. The
scoreboard checks the fence's data write happens only after the repair (the model executes
up to the illegal command and resumes on the cqcsr write); this sequence checks the
registers at the stop against the model. Translations before and after show the queue still
invalidates. The encodings are written by hand from the spec's command layouts:
IOTINVAL: opcode 1, func3[9:7] VMA 0 / GVMA 1, AV[10], rsvd[11], PSCID[31:12], PSCV[32],
GV[33], NL[34], rsvd[43:35], GSCID[59:44], rsvd[72:60], S[73], ADDR[125:74], rsvd[127:126];
IOFENCE.C: opcode 2, func3 0, AV[10] WSI[11] PR[12] PW[13], rsvd[31:14], DATA[63:32],
ADDR[125:64], rsvd[127:126]; IODIR: opcode 3, func3 INVAL_DDT 0 / INVAL_PDT 1, rsvd[11:10],
PID[31:12], rsvd[32], DV[33], rsvd[39:34], DID[63:40], rsvd[127:64]."""
from __future__ import annotations

from models import Reg, Request, TTYP
from models import capabilities as capbits
from models.command_queue import encode
from sequences.iommu_sw_vseq import FENCE_DATA, IommuSwVseq
from sequences.sw.commands import CQCSR_CIE, CQCSR_CQEN, iofence_c, iotinval_gvma, iotinval_vma
from sequences.sw.device_directory import DeviceContextSpec

CQCSR_CMD_ILL = 1 << 10
IPSR_CIP = 1
IOVA, PA = 0x2000_0000, 0x8100_0000

# (what, dw0, dw1, capability bit that would make it legal, or None)
ILLEGAL = [
    ("IOTINVAL.VMA reserved bit 11", 1 | 1 << 11, 0, None),
    ("IOTINVAL.VMA NL=1", 1 | 1 << 34, 0, capbits.NL),
    ("IOTINVAL.VMA reserved bits 43:35", 1 | 1 << 40, 0, None),
    ("IOTINVAL.VMA reserved bits 72:60", 1 | 1 << 62, 1 << 3, None),
    ("IOTINVAL.VMA S=1", 1 | 1 << 10, 1 << 9, capbits.S),
    ("IOTINVAL.VMA reserved bits 127:126", 1, 1 << 62, None),
    ("IOTINVAL.GVMA PSCV=1", 1 | 1 << 7 | 1 << 32 | 1 << 33, 0, None),
    ("IOTINVAL func3=2", 1 | 2 << 7, 0, None),
    ("IOFENCE.C reserved bits 31:14", 2 | 1 << 20, 0, None),
    ("IOFENCE.C reserved bits 127:126", 2, 1 << 63, None),
    ("IOFENCE func3=1", 2 | 1 << 7, 0, None),
    ("IODIR.INVAL_DDT PID=5", 3 | 5 << 12 | 1 << 33 | 7 << 40, 0, None),
    ("IODIR.INVAL_PDT DV=0", 3 | 1 << 7 | 5 << 12, 0, None),
    ("IODIR reserved bit 32", 3 | 1 << 32, 0, None),
    ("IODIR reserved bits 39:34", 3 | 1 << 36, 0, None),
    ("IODIR reserved bits 127:64", 3 | 1 << 33 | 7 << 40, 1, None),
    ("IODIR func3=2", 3 | 2 << 7, 0, None),
    ("ATS.INVAL", 4, 0, capbits.ATS),
    ("ATS.INVAL reserved bit 10", 4 | 1 << 10, 0, None),        # illegal with or without ATS
    ("ATS.PRGR reserved bits 39:34", 4 | 1 << 7 | 1 << 35, 0, None),
    ("ATS func3=2", 4 | 2 << 7, 0, None),
    ("opcode 0", 0, 0, None),
    ("opcode 5", 5, 0, None),
]


class IllegalCommandVseq(IommuSwVseq):
    max_polls = 2000

    async def body(self):
        await self.init_iommu("1lvl")
        await self.reg_write(Reg.CQCSR, CQCSR_CQEN | CQCSR_CIE, 4)
        pt = self.page_table(self.dut.fs_mode("sv39"), pscid=9)
        pt.map(IOVA, PA, perms="rw")
        await self.after_update(self.ddt.set_dc(9, DeviceContextSpec(
            fs_mode=pt.mode, fs_root=pt.root, pscid=9)))
        read = [Request(did=9, iova=IOVA + 0x10, ttyp=TTYP.UNTRANSLATED_READ)]
        await self.translate(read)
        caps = self.env.dut_caps
        cases = [c for c in ILLEGAL if c[3] is None or not caps >> c[3] & 1]
        self.rng.shuffle(cases)
        for what, dw0, dw1, _ in cases:
            await self.one(what, dw0, dw1)
        # The queue still works: a remap, its IOTINVAL and IOFENCE.C, then the new page.
        await self.after_update(pt.remap(IOVA, PA + 0x1000))
        await self.translate(read)

    async def one(self, what: str, dw0: int, dw1: int) -> None:
        cq = self.cq
        cq.write([iotinval_vma()])
        slot = cq.write_raw(dw0, dw1)
        self.fences += 1
        cq.write([iofence_c(addr=FENCE_DATA + 4 * (self.fences % 1024), data=self.fences)])
        await self.reg_write(*cq.doorbell_write())
        csr = 0
        for _ in range(self.max_polls):
            csr = await self.reg_read(Reg.CQCSR, 4)
            if csr & CQCSR_CMD_ILL:
                break
        else:
            raise AssertionError(f"COMMAND {what} ({dw0:#x}, {dw1:#x}) at slot {slot}: cqcsr="
                                 f"{csr:#x}, cmd_ill never set (the spec makes it illegal)")
        for reg, name in ((Reg.CQH, "cqh"), (Reg.CQCSR, "cqcsr"), (Reg.IPSR, "ipsr")):
            got = await self.reg_read(reg, 4)
            want = self.env.expected_reg(reg, 4)
            mask = 0x0001_0F03 if reg == Reg.CQCSR else 0xFFFF_FFFF
            if got & mask != want & mask:
                raise AssertionError(f"COMMAND {what} ({dw0:#x}, {dw1:#x}) at slot {slot}: "
                                     f"{name}={got:#x}, expected {want:#x} (cmd_ill stops the "
                                     f"queue on the command, cip with cie=1)")
        cq.update_head(slot)
        # Software repairs the command and restarts the queue from it.
        dw0_fix, dw1_fix = encode(iotinval_gvma())
        self.store64(cq.base + 16 * slot, dw0_fix)
        self.store64(cq.base + 16 * slot + 8, dw1_fix)
        await self.reg_write(Reg.CQCSR, CQCSR_CQEN | CQCSR_CIE | CQCSR_CMD_ILL, 4)
        await self.reg_write(Reg.IPSR, IPSR_CIP, 4)
        cqh = await self.wait_cq_idle(cq.tail)
        cq.update_head(cqh)
        csr = await self.reg_read(Reg.CQCSR, 4)
        if cqh != cq.tail or csr & (0x7 << 8):
            raise AssertionError(f"COMMAND {what}: after the repair and the cmd_ill clear the "
                                 f"queue did not drain: cqh={cqh} cqt={cq.tail} cqcsr={csr:#x}")
