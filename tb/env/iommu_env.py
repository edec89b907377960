"""The pyuvm environment: register, memory and device agents, the oracle-backed scoreboard,
coverage, capability discovery, the facade that sequences use (they never reach the agents,
the oracle or the DUT directly), and the hang watchdog."""
from __future__ import annotations

import logging
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, Timer
from cocotb.utils import get_sim_time
from pyuvm import ConfigDB, uvm_env

from models import Reg
from models import capabilities as capbits
from models.capabilities import Capabilities
from scoreboards import CoherenceOracle, register_audit
from sequences.dut_features import DutFeatures, TTYP_NAMES
from sequences.sw.hart_cache import HartCache, check_mode as check_coherence
from tb.agents.dev.ats_device import AtsDevice
from tb.agents.dev.dev_agent import DevAgent
from tb.agents.mem.hdl_mem_agent import HdlMemAgent
from tb.agents.mem.mem_agent import MemAgent
from tb.agents.reg.reg_agent import RegAgent
from tb.env.checker import CheckerError, Elsewhere, check_kind, make_checker, merge_coverage, wire
from tb.env.iommu_cov import IommuCoverage
from tb.env.iommu_env_cfg import IommuEnvCfg
from tb.env.iommu_scoreboard import IommuScoreboard, subscriber


class IommuEnv(uvm_env):
    def build_phase(self):
        self.cfg: IommuEnvCfg = ConfigDB().get(self, "", "cfg")
        self.rng = random.Random(self.cfg.seed)
        self.reg = RegAgent("reg", self)
        if self.cfg.memory not in ("axiram", "hdl"):
            raise ValueError(f"IommuEnvCfg.memory={self.cfg.memory!r}: use 'axiram' or 'hdl'")
        check_kind(self.cfg.checker)
        self.cfg.coherence = check_coherence(self.cfg.coherence, "IommuEnvCfg.coherence")
        # The hart's data cache in front of memory: software stores wait there until cleaned
        # (non-coherent), or pass straight through (coherent).
        self.hart = HartCache(self._write_back, coherent=self.cfg.coherence == "coherent")
        self.memory = (HdlMemAgent if self.cfg.memory == "hdl" else MemAgent)("memory", self)
        self.dev = DevAgent("dev", self)
        self.sb = IommuScoreboard("sb", self)
        self.cov = IommuCoverage("cov", self)
        # The model starts with our RTL's capabilities; start() reads the DUT's and reconfigures.
        self.oracle = CoherenceOracle(policy=self.cfg.policy, svnapot=self.cfg.svnapot,
                                      fills=self.cfg.fills)
        self.features = DutFeatures(caps=self.oracle.model.caps, name=self.cfg.dut_name)
        self.capability_line = ""
        self.dut_caps = 0
        self.layer_advice: list = []      # software findings a sequence adds (add_advice)

    def connect_phase(self):
        wire(self.sb, self.cov, self.oracle, self.cfg)
        self.dev.kind = self.cfg.port
        # Everything is wired: the checker starts (tb/env/checker.py; with checker="process"
        # a fork takes these objects into the checker process, and this side only ships
        # events to it).
        self.checker = make_checker(self.cfg, self.sb, self.cov, self.oracle)
        if self.checker.remote:
            self.oracle = self.sb.oracle = self.cov.oracle = Elsewhere()
        chk = self.checker
        # One subscriber per port; the checker runs coverage and scoreboard in the order the
        # two had as subscribers (tb/env/checker.py).
        self.reg.ap.connect(subscriber("checker_reg", self, chk.reg_op).analysis_export)
        if not self.cfg.checking:
            return                    # the throughput limit: traffic without Python checking
        self.dev.issued_ap.connect(subscriber("checker_issued", self, chk.issued).analysis_export)
        self.dev.ap.connect(subscriber("checker_dev", self, chk.result).analysis_export)
        self.memory.ap.connect(subscriber("checker_mem", self, chk.mem_access).analysis_export)

    @property
    def checker_dead(self) -> bool:
        """The checker process is gone (one CHECKER line said why)."""
        return bool(getattr(self.checker, "dead", None))

    def extract_phase(self):
        """Before the test's (pyuvm runs extract_phase bottom-up): the checker process's
        end-of-test state, its coverage merged into this process's coverage component."""
        final = self.checker.finish()
        if final is not None:
            self.sb.adopt(final)
            merge_coverage(self.cov, final["coverage"])

    def advice(self) -> list:
        """The oracle's findings (after the run: extract_phase), then those a sequence added."""
        return list(self.checker.advice()) + self.layer_advice

    def add_advice(self, lines) -> None:
        """Software findings from a checker of the sequence's own (one line each, e.g. the
        guest layer of a virtual-IOMMU stack): judged at the end of the test like the oracle's
        (declared or not, the SEQUENCE verdict, ADVICE=warn)."""
        self.layer_advice.extend(str(x) for x in lines)

    async def start(self, dut) -> None:
        """Clock, reset, the bus models (AxiRam must start while reset is held; the HDL
        memory's backdoor registers are set then too), then capability discovery."""
        self.dut = dut
        cfg = self.cfg
        # The C++ (GPI) clock: on Icarus always; on Verilator with the HDL memory (the Python
        # clock costs 2 wake-ups a cycle, ~3x the cycle rate there; the AxiRam regression keeps it).
        # iommu_bench_top makes its own clock (CLK_HALF_NS, 10 ns a cycle like cfg.clock_ns).
        if cfg.port != "dev-batch":
            icarus = cocotb.SIM_NAME.lower().startswith("icarus")
            impl = "gpi" if icarus or cfg.memory == "hdl" else None
            clock = Clock(dut.clk, cfg.clock_ns, unit="ns", **({"impl": impl} if impl else {}))
            clock.start()
        dut.rst_n.value = 0
        self.dev.drive_reset_values(dut, cfg.port_options)
        AtsDevice.drive_reset_values(dut, cfg.port_options)
        # The bus models start while reset is held, once the DUT's outputs are out of X/Z;
        # their start-up banners are INFO and silenced before they are built.
        await ClockCycles(dut.clk, 2)
        for prefix in ("s_axil", "m_axi"):
            logging.getLogger(f"cocotb.{dut._name}.{prefix}").setLevel(logging.WARNING)
        if cfg.memory == "axiram" and not hasattr(dut, "m_axi_arvalid"):
            raise RuntimeError(f"IommuEnvCfg.memory='axiram' needs m_axi on the toplevel "
                               f"({dut._name} has none: set IOMMU_MEMORY=hdl)")
        self.memory.attach(dut, stall=cfg.mem_stall, rng=random.Random(self.rng.random()),
                           clock_ns=cfg.clock_ns)
        self.reg.driver.attach(dut)
        await ClockCycles(dut.clk, 5)
        dut.rst_n.value = 1
        await ClockCycles(dut.clk, 2)
        self.irq = []
        for key, name in zip(("cq", "fq"), cfg.irq_outputs):
            if name and not hasattr(dut, name):
                raise RuntimeError(f"DUT {cfg.dut_name} has no output {name!r} (profile key "
                                   f"interrupts.{key}; \"\" if it has no such wire)")
            self.irq.append(getattr(dut, name) if name else None)
        await self.discover()
        self.dev.attach(dut, clock_ns=cfg.clock_ns, options=cfg.port_options,
                        max_outstanding=cfg.max_outstanding, rsp_stall=cfg.rsp_stall,
                        rng=random.Random(self.rng.random()))
        self.features.port_ttyps = frozenset(
            t for t in TTYP_NAMES if self.dev.can_express(_probe(t)))
        # PCIe ATS messages to devices (optional outputs): a device that answers them
        self.ats_device = AtsDevice.attach(dut, cfg.port_options) if cfg.port == "dev" else None
        if self.ats_device is not None and cfg.checking:
            self.ats_device.on_message = self.checker.ats_message
            self.checker.ats_message(None)        # the DUT has the port: messages are owed

    async def discover(self) -> None:
        """Read capabilities and fctl, judge the DUT with what it reports, and say so in one
        line (with any difference from the profile's declaration: a failure when the profile
        asks for a match). Programs icvec when the profile gives a value software must set."""
        axil, cfg = self.reg.driver.axil, self.cfg
        caps = int.from_bytes((await axil.read(int(Reg.CAPABILITIES), 8)).data, "little")
        fctl = int.from_bytes((await axil.read(int(Reg.FCTL), 4)).data, "little")
        self.dut_caps = caps                  # as read (the model may use fewer bits)
        usable, unchecked = capbits.for_model(caps)
        line = f"DUT {cfg.dut_name} capabilities {caps:#018x} ({capbits.describe(caps)}), fctl {fctl:#x}"
        if unchecked:
            line += f"; not modelled, left unchecked: {', '.join(unchecked)}"
        try:
            self.checker.set_capabilities(usable, cfg.svnapot)
        except ValueError as e:
            self.sb._fail(f"CAPABILITIES {caps:#x} cannot be modelled: {e}")
        self.features.caps = Capabilities(self.checker.caps_value, svnapot=cfg.svnapot)
        if self.features.caps.qosid:
            line += await self.discover_qosid()
        if fctl & 0x7:
            # fctl's reset value is the DUT's choice where a bit is writable (WSI with
            # IGS=BOTH, BE with END, GXL with both 32- and 64-bit G-stages; UNSPECIFIED in the
            # spec): the model takes the one read. Read-only bits ignore the write, so a DUT
            # that reports another read-only value is still caught by the register checks.
            self.checker.write_reg(Reg.FCTL, fctl & 0x7, 4)
        if not cfg.svnapot:
            line += "; no Svnapot (profile)"
        if cfg.capabilities is not None:
            if caps == cfg.capabilities:
                line += "; as the profile declares"
            else:
                diff = capbits.difference(caps, cfg.capabilities)
                line += f"; differs from the profile's {cfg.capabilities:#x}: {diff}"
                if cfg.capabilities_must_match:
                    self.sb._fail(f"CAPABILITIES read {caps:#x}, the profile declares "
                                  f"{cfg.capabilities:#x} (capabilities_must_match): {diff}")
        self.capability_line = line
        self.logger.info(line)
        if cfg.icvec is not None:
            await axil.write(int(Reg.ICVEC), cfg.icvec.to_bytes(8, "little"))
            self.checker.write_reg(Reg.ICVEC, cfg.icvec)

    async def discover_qosid(self) -> str:
        """QOSID: the RCID and MCID widths, as software finds them (all-ones written to
        iommu_qosid and read back, the old value restored), told to the model and to the
        features. The readback must be a WARL value of the spec's shape (each field a low mask
        of 0..12 bits, [15:12] and [31:28] zero); the reset value must be the model's (0)."""
        axil = self.reg.driver.axil
        off = int(Reg.IOMMU_QOSID)

        async def rd() -> int:
            return int.from_bytes((await axil.read(off, 4)).data, "little")

        old = await rd()
        await axil.write(off, (0xFFFF_FFFF).to_bytes(4, "little"))
        ones = await rd()
        await axil.write(off, old.to_bytes(4, "little"))
        restored = await rd()
        rcid, mcid = ones & 0xFFF, ones >> 16 & 0xFFF
        rbits, mbits = rcid.bit_length(), mcid.bit_length()
        if ones & 0xF000_F000 or rcid != (1 << rbits) - 1 or mcid != (1 << mbits) - 1:
            self.sb._fail(f"REGISTER iommu_qosid reads {ones:#x} after all-ones: not a WARL "
                          "value (RCID [11:0] and MCID [27:16] each a low mask of implemented "
                          "bits, [15:12] and [31:28] read 0)")
        want = self.checker.query("read_reg", off, 4)
        if old != want or restored != old:
            self.sb._fail(f"REGISTER iommu_qosid reads {old:#x} at reset (model {want:#x}), "
                          f"{restored:#x} after writing it back")
        self.checker.query("qosid_widths", rbits, mbits)
        caps = self.features.caps
        self.features.caps = Capabilities(caps.value, caps.svnapot, rbits, mbits)
        return f"; QoS IDs RCID {rbits} bits, MCID {mbits} bits"

    # -- software facade: what a driver running on a hart does ------------------------------
    def store64(self, pa: int, value: int) -> None:
        """A hart's 64-bit store. Coherent: visible to the IOMMU from now on. Non-coherent: it
        waits in the hart's cache (the oracle is told, for its advice) until clean()."""
        if self.hart.coherent:
            self._write_back(pa, value)
        else:
            self.checker.store_cached(pa, value)
            self.hart.store64(pa, value)

    def _write_back(self, pa: int, value: int) -> None:
        """A doubleword reaching memory, where the IOMMU reads: the DUT's and the oracle's."""
        self.checker.store64(pa, value)
        self.memory.store64(pa, value)

    def clean(self, pa: int) -> list:
        """Zicbom cbo.clean of the cache block holding pa: its dirty doublewords reach memory
        (returned as (pa, value) pairs); nothing in the coherent mode."""
        return self.hart.clean(pa)

    def flush(self, pa: int) -> list:
        """Zicbom cbo.flush: as clean, and the block leaves the hart's cache."""
        return self.hart.flush(pa)

    def dirty_blocks(self) -> list:
        """The cache blocks holding stores the IOMMU cannot see yet (non-coherent mode)."""
        return self.hart.dirty_blocks()

    def set_access_fault(self, lo: int, hi: int) -> None:
        """Make IOMMU accesses to [lo, hi) fail with a bus error (the model predicts it).
        Non-coherent: the hart's dirty blocks in the range are written back first (the fault
        stands for the IOMMU's path to memory; the hart's data got there before it)."""
        for b in self.hart.dirty_blocks():
            if lo < b + 64 and b < hi:
                self.hart.clean(b)
        self.memory.set_access_fault(lo, hi)
        self.checker.set_access_fault(lo, hi)

    def delay_reads(self, lo: int, hi: int, ns: int, count: int = 1):
        """The next `count` IOMMU reads in [lo, hi) are answered `ns` late (data taken on
        arrival); returns an Event set when the first one arrives (tb/agents/mem/mem_agent.py)."""
        return self.memory.delay_reads(lo, hi, ns, count)

    def peek64(self, pa: int) -> int:
        """What memory holds now (a backdoor read: never faults, whatever ranges are injected)."""
        return self.memory.peek64(pa)

    def permitted(self, req) -> frozenset:
        """The outcomes the spec permits for `req` now, under the run's policy."""
        return self.checker.query("outcomes", req)

    def ats_answers(self, flag: bool) -> None:
        """Whether the testbench's device answers the Invalidation Requests of the ATS.INVALs
        software issues from now on (the model is told too: an unanswered one times out,
        cqcsr.cmd_to at the next IOFENCE.C)."""
        if self.ats_device is None:
            raise RuntimeError("ats_answers: the DUT has no ATS message port")
        self.ats_device.answer = bool(flag)
        self.checker.ats_message(("answers", bool(flag)))

    def expected_reg(self, offset: int, size: int = 8) -> int:
        """What the golden model says a register reads now."""
        return self.checker.query("read_reg", offset, size)

    def hpm_shape(self, counters: int, width: int) -> None:
        """The DUT's performance monitor has `counters` counters of `width` bits (software
        found them by writing all-ones, capabilities.HPM's WARL registers): the model becomes
        that IOMMU, at reset values."""
        self.checker.query("hpm_shape", counters, width)

    def wait_checked(self) -> float | None:
        """Return once every response so far has been judged (the checker process caught up,
        its failure lines logged); at once when the checking runs in this process. Returns
        the checker process's CPU seconds so far (None in-process), for the bench."""
        return self.checker.sync()

    # -- device traffic state, for sequences that pace themselves ---------------------------
    @property
    def device_busy(self) -> bool:
        """Requests queued for the device port or waiting for their answer."""
        return self.dev.bfm.busy

    @property
    def device_queued(self) -> int:
        """Requests queued and not yet accepted by the DUT."""
        return len(self.dev.bfm.pending)

    async def clock_falling(self) -> None:
        """Align to a falling clock edge (hand a batch over away from the DUT's sampling edge)."""
        await FallingEdge(self.dut.clk)

    # -- end of test ----------------------------------------------------------------------
    async def drain(self, quiet_cycles: int = 64) -> None:
        """Wait until every device request has its response and the IOMMU has made no memory
        access for `quiet_cycles` (fault records are written after the response)."""
        bfm = self.dev.bfm
        quiet_ns = quiet_cycles * self.cfg.clock_ns
        while bfm.busy or get_sim_time("ns") - self.memory.last_access_ns < quiet_ns:
            await ClockCycles(self.dut.clk, 16)

    def check_interrupts(self) -> None:
        """The wired interrupt outputs, once the DUT is quiet, must be at the levels the model's
        ipsr and icvec give (vector 0's output first, then vector 1's)."""
        try:
            want, ipsr, icvec = self.checker.query("irq")
        except CheckerError:
            return                        # the checker process is gone: its line says why
        for wire, level, name in zip(self.irq, want, self.cfg.irq_outputs):
            if wire is None:
                continue
            got = wire.value
            if not got.is_resolvable or int(got) != int(level):
                self.sb._fail(f"INTERRUPT {name}={got} at the end of the test, expected {int(level)} "
                              f"(model ipsr={ipsr:#x} icvec={icvec:#x})")

    async def audit_registers(self) -> None:
        """Once the DUT is quiet: cqh, cqcsr, fqt, fqcsr and ipsr must read what the model
        says (scoreboards/register_audit.py); each difference is one failure line."""
        if not self.cfg.checking or self.checker_dead:
            return
        axil = self.reg.driver.axil
        got = {r: int.from_bytes((await axil.read(int(r), 4)).data, "little")
               for r in register_audit.AUDITED}
        self.checker.audit(got)           # judged where the model is, each difference one line

    async def watchdog(self) -> str:
        """Returns (ending the test) with a message when work is pending and nothing moved
        for cfg.watchdog_ns; never returns on a healthy run."""
        period = max(self.cfg.watchdog_ns // 4, 1000)
        while True:
            await Timer(period, unit="ns")
            bfm = self.dev.bfm
            if bfm is None or not bfm.busy:
                continue
            now = get_sim_time("ns")
            if now - bfm.last_progress_ns >= self.cfg.watchdog_ns:
                out = bfm.outstanding()
                head = ", ".join(f"tag {t} did={r.did:#x} iova={r.iova:#x} ttyp={int(r.ttyp)} "
                                 f"since {ts:.0f} ns" for t, r, ts in out[:4])
                return (f"HUNG DUT: no device response for {now - bfm.last_progress_ns:.0f} ns with "
                        f"{len(out)} requests in flight and {len(bfm.pending)} queued; oldest: {head}")


def _probe(ttyp: int):
    from models import Request
    return Request(did=0, iova=0, ttyp=ttyp)
