"""Shared cocotb harness for block tests of rtl/riscv_iommu.v (control side).

Drives s_axil with cocotbext-axi's AxiLiteMaster, serves m_axi from an AxiRam whose read and
write handlers fail (SLVERR) inside injected address ranges, and mirrors every software action
into the golden model (``models.IommuModel`` over ``models.Memory``) so a test can compare the
two register files, fault records and IOFENCE.C stores after the RTL has settled.
"""

from __future__ import annotations

import logging
import warnings

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

from models import IommuModel, Memory, Reg, Request

CLK_NS = 10

# cocotbext-axi 0.1.28 still uses cocotb 1.x idioms; its deprecation warnings are noise here.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"cocotbext\.axi")

# Every register the comparisons cover, with its access size. Absent features (pq*, HPM,
# debug, qosid, msi_cfg_tbl) and reserved/custom space must read 0 in both.
COMPARED_REGS: list[tuple[int, int]] = [
    (Reg.CAPABILITIES, 8), (Reg.FCTL, 4), (0x00C, 4), (Reg.DDTP, 8), (Reg.CQB, 8),
    (Reg.CQH, 4), (Reg.CQT, 4), (Reg.FQB, 8), (Reg.FQH, 4), (Reg.FQT, 4), (Reg.PQB, 8),
    (Reg.PQH, 4), (Reg.PQT, 4), (Reg.CQCSR, 4), (Reg.FQCSR, 4), (Reg.PQCSR, 4), (Reg.IPSR, 4),
    (Reg.IOCOUNTOVF, 4), (Reg.IOCOUNTINH, 4), (Reg.IOHPMCYCLES, 8), (Reg.IOHPMCTR1, 8),
    (Reg.IOHPMEVT1, 8), (Reg.TR_REQ_IOVA, 8), (Reg.TR_REQ_CTL, 8), (Reg.TR_RESPONSE, 8),
    (Reg.IOMMU_QOSID, 4), (Reg.ICVEC, 8), (Reg.MSI_CFG_TBL, 8), (Reg.MSI_CFG_TBL + 8, 4),
    (0x2B0, 8), (0x400, 8), (0xFF8, 8),
]

CQCSR_ERRORS = (1 << 8) | (1 << 9) | (1 << 10)   # cqmf, cmd_to, cmd_ill: processing stops


class FaultyRam:
    """AxiRam whose accesses touching an injected range fail, so the RTL sees SLVERR."""

    def __init__(self, dut, clk, rst):
        self.ram = AxiRam(AxiBus.from_prefix(dut, "m_axi"), clk, rst, reset_active_level=False,
                          size=2**56)
        self.ranges: list[tuple[int, int]] = []
        self.writes: list[tuple[int, bytes]] = []     # every successful write, in order
        self.reads: list[int] = []                    # every read beat's address
        read_orig, write_orig = self.ram.read_if._read, self.ram.write_if._write

        async def _read(address, length):
            self.reads.append(address)
            if self._hit(address, length):
                raise IOError(f"injected read error at {address:#x}")
            return await read_orig(address, length)

        async def _write(address, data):
            if self._hit(address, len(data)):
                raise IOError(f"injected write error at {address:#x}")
            self.writes.append((address, bytes(data)))
            return await write_orig(address, data)

        self.ram.read_if._read = _read
        self.ram.write_if._write = _write
        for log in (self.ram.read_if.log, self.ram.write_if.log):
            log.setLevel(logging.ERROR)     # per-beat INFO costs time; failures are expected

    def _hit(self, address: int, length: int) -> bool:
        return any(address < hi and address + length > lo for lo, hi in self.ranges)


class IommuHarness:
    def __init__(self, dut, capabilities=None):
        self.dut = dut
        self.clk = dut.clk
        self.mem = Memory()
        self.model = IommuModel(self.mem, capabilities=capabilities)
        self.log = logging.getLogger("cocotb.tb")
        self.axil = None
        self.ram = None
        self._tag = 0

    async def start(self):
        dut = self.dut
        Clock(dut.clk, CLK_NS, unit="ns", impl="gpi").start()
        # reset is held before the AXI models start
        dut.rst_n.value = 0
        dut.dev_req_valid.value = 0
        dut.dev_rsp_ready.value = 1
        for name in ("did", "pv", "pid", "priv", "iova", "ttyp", "tag"):
            getattr(dut, f"dev_req_{name}").value = 0
        await ClockCycles(dut.clk, 2)      # registers out of X before the AXI models sample
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst_n,
                                  reset_active_level=False)
        for log in (self.axil.write_if.log, self.axil.read_if.log):
            log.setLevel(logging.WARNING)
        self.ram = FaultyRam(dut, dut.clk, dut.rst_n)
        await ClockCycles(dut.clk, 5)
        dut.rst_n.value = 1
        await ClockCycles(dut.clk, 2)

    # -------------------------------------------------------------- registers
    async def rd(self, offset: int, size: int = 8) -> int:
        resp = await self.axil.read(int(offset), size)
        return int.from_bytes(resp.data, "little")

    async def wr_rtl(self, offset: int, value: int, size: int = 8) -> None:
        await self.axil.write(int(offset), int(value).to_bytes(size, "little"))

    async def wr(self, offset: int, value: int, size: int = 8) -> None:
        """A software register write, to the RTL and to the model."""
        await self.wr_rtl(offset, value, size)
        self.model.write_reg(offset, value, size)

    async def compare_regs(self, what: str = "") -> list[str]:
        """Every compared register, RTL vs model; returns mismatch lines (empty: equal)."""
        bad = []
        for off, size in COMPARED_REGS:
            got = await self.rd(off, size)
            exp = self.model.read_reg(off, size)
            if got != exp:
                name = Reg(off).name if off in Reg._value2member_map_ else f"{off:#x}"
                bad.append(f"MISMATCH reg {name}@{off:#05x} size={size} rtl={got:#x} "
                           f"model={exp:#x} {what}")
        return bad

    async def assert_regs_match(self, what: str = "") -> None:
        bad = await self.compare_regs(what)
        for line in bad:
            self.log.error(line)
        assert not bad, bad[0]

    # -------------------------------------------------------------- memory
    def store(self, pa: int, data: bytes) -> None:
        """A software store: into the RAM behind m_axi and into the model's memory."""
        self.ram.ram.write(pa, data)
        self.mem.poke(pa, bytes(data))   # a backdoor store: no fault injection

    def store64(self, pa: int, value: int) -> None:
        self.store(pa, value.to_bytes(8, "little"))

    def load(self, pa: int, n: int) -> bytes:
        return bytes(self.ram.ram.read(pa, n))

    def set_access_fault(self, lo: int, hi: int) -> None:
        self.ram.ranges.append((lo, hi))
        self.mem.set_access_fault(lo, hi)

    def clear_faults(self) -> None:
        self.ram.ranges.clear()
        self.mem.clear_faults()

    # -------------------------------------------------------------- waiting
    async def cq_settle(self, max_cycles: int = 20000) -> None:
        """Wait until the command queue has nothing left to do (empty, stopped or off)."""
        u_regs, u_cq = self.dut.u_regs, self.dut.u_cq
        waited = 0
        while waited < max_cycles:
            await ClockCycles(self.clk, 8)
            waited += 8
            if int(u_cq.state.value) != 0:
                continue
            cqh, cqt = int(u_regs.cqh_q.value), int(u_regs.cqt_q.value)
            stopped = int(u_regs.cqmf.value) or int(u_regs.cmd_ill.value)
            if not int(u_regs.cqen.value) or stopped or cqh == cqt:
                await ClockCycles(self.clk, 2)
                return
        raise AssertionError(f"command queue still busy after {max_cycles} cycles")

    async def fq_settle(self, max_cycles: int = 5000) -> None:
        u_fq = self.dut.u_fq
        waited = 0
        while waited < max_cycles:
            await ClockCycles(self.clk, 4)
            waited += 4
            if int(u_fq.state.value) == 0 and not int(u_fq.flt_valid.value):
                await ClockCycles(self.clk, 2)
                return
        raise AssertionError(f"fault queue still busy after {max_cycles} cycles")

    # -------------------------------------------------------------- device requests
    async def request(self, did: int, iova: int, ttyp: int, pid: int | None = None,
                      priv_s: bool = False):
        """Send one device request and wait for its response; the model translates it too.

        Returns (rtl (fault, cause, pa), model Outcome)."""
        dut = self.dut
        tag = self._tag
        self._tag = (self._tag + 1) & 0xFF
        dut.dev_req_did.value = did
        dut.dev_req_pv.value = int(pid is not None)
        dut.dev_req_pid.value = pid or 0
        dut.dev_req_priv.value = int(priv_s)
        dut.dev_req_iova.value = iova
        dut.dev_req_ttyp.value = int(ttyp)
        dut.dev_req_tag.value = tag
        dut.dev_req_valid.value = 1
        while True:
            await RisingEdge(self.clk)
            if int(dut.dev_req_ready.value):
                break
        dut.dev_req_valid.value = 0
        while True:
            await RisingEdge(self.clk)
            if int(dut.dev_rsp_valid.value) and int(dut.dev_rsp_tag.value) == tag:
                got = (int(dut.dev_rsp_fault.value), int(dut.dev_rsp_cause.value),
                       int(dut.dev_rsp_pa.value))
                # the memory type (Svpbmt) of this response, where the top level has the port
                self.last_pbmt = (int(dut.dev_rsp_pbmt.value) if hasattr(dut, "dev_rsp_pbmt")
                                  else None)
                break
        out = self.model.translate(Request(did=did, iova=iova, ttyp=ttyp, pid=pid, priv_s=priv_s))
        return got, out

    def irq(self) -> tuple[int, int]:
        return int(self.dut.irq_cq.value), int(self.dut.irq_fq.value)


def cocotb_seed() -> int:
    return cocotb.RANDOM_SEED
