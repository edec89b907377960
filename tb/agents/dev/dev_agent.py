"""Device agent: sequencer, driver and monitor around one device-port adapter (a DevicePort,
tb/agents/interfaces.py), chosen by the env config's `port`:
- "dev": DevBfm on the toplevel's dev_req/dev_rsp;
- "dev-batch": DevBatchBfm, when the HDL batch driver u_drv of iommu_bench_top owns that port;
- "axi-dma": AxiDmaBfm on an AXI4 DMA slave with sideband ids (the profile's [port] options).
The monitor publishes every request as the DUT accepts it (`issued_ap`) and every answer (`ap`)."""
from pyuvm import uvm_agent, uvm_sequencer

from tb.agents.dev.dev_driver import DevDriver
from tb.agents.dev.dev_monitor import DevMonitor

PORT_KINDS = ("dev", "dev-batch", "axi-dma")


def port_class(kind: str):
    """The adapter class for a port kind (imported on demand: each pulls its own bus models)."""
    if kind == "dev":
        from tb.agents.dev.dev_bfm import DevBfm
        return DevBfm
    if kind == "dev-batch":
        from tb.agents.dev.dev_batch_bfm import DevBatchBfm
        return DevBatchBfm
    if kind == "axi-dma":
        from tb.agents.dma.axi_dma_bfm import AxiDmaBfm
        return AxiDmaBfm
    raise ValueError(f"unknown device port kind {kind!r}; use one of {', '.join(PORT_KINDS)}")


class DevAgent(uvm_agent):
    def build_phase(self):
        self.seqr = uvm_sequencer("seqr", self)
        self.driver = DevDriver("driver", self)
        self.monitor = DevMonitor("monitor", self)
        self.bfm = None
        self.kind = "dev"

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.driver.publish = self.monitor.publish
        self.ap = self.monitor.ap
        self.issued_ap = self.monitor.issued_ap

    def drive_reset_values(self, dut, options: dict | None = None) -> None:
        if self.kind == "axi-dma":
            port_class(self.kind).drive_reset_values(dut, **_axi_names(options or {}))
        elif self.kind == "dev":
            port_class(self.kind).drive_reset_values(dut, (options or {}).get("data", "dev_req_data"))
        else:
            port_class(self.kind).drive_reset_values(dut)

    def can_express(self, req) -> bool:
        return port_class(self.kind).can_express(req)

    def attach(self, dut, clock_ns: int = 10, options: dict | None = None, **kwargs) -> None:
        cls = port_class(self.kind)
        if self.kind == "dev-batch":
            self.bfm = cls(dut.u_drv, clock_ns, max_outstanding=kwargs.get("max_outstanding", 64),
                           rsp_stall=kwargs.get("rsp_stall", 0.0))
        elif self.kind == "axi-dma":
            o = options or {}
            self.bfm = cls(dut, **_axi_names(o), id_width=o.get("id_width", 4), **kwargs)
        else:
            o = options or {}
            self.bfm = cls(dut, pbmt_signal=o.get("pbmt", "dev_rsp_pbmt"),
                           data_signal=o.get("data", "dev_req_data"),
                           mrif_signal=o.get("mrif", "dev_rsp_mrif"),
                           ats_req=o.get("ats_req", "dev_req_ats"),
                           ats_rsp=o.get("ats_rsp", "dev_rsp_ats"), **kwargs)
        self.bfm.on_issue = self.monitor.publish_issue
        self.driver.bfm = self.bfm
        self.bfm.start()


def _axi_names(options: dict) -> dict:
    """The AXI DMA port's signal names from the profile's [port] options: slave and master
    prefixes, and the sideband names over the adapter's defaults."""
    from tb.agents.dma.axi_dma_bfm import default_sideband
    prefix = options.get("prefix", "s_dma")
    return {"prefix": prefix, "down_prefix": options.get("down_prefix", "m_dma"),
            "sideband": {**default_sideband(prefix), **options.get("sideband", {})}}
