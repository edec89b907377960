"""Register agent: a sequencer and the AXI4-Lite driver (which also publishes completed ops)."""
from pyuvm import uvm_agent, uvm_sequencer

from tb.agents.reg.reg_driver import RegDriver


class RegAgent(uvm_agent):
    def build_phase(self):
        self.seqr = uvm_sequencer("seqr", self)
        self.driver = RegDriver("driver", self)

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.ap = self.driver.ap
