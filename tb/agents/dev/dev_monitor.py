"""Device agent monitor: publishes every response the BFM matched to its request, as a
TranslationResult, on `ap` (the scoreboard and coverage subscribe)."""
from pyuvm import uvm_analysis_port, uvm_monitor


class DevMonitor(uvm_monitor):
    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.count = 0

    def publish(self, result) -> None:
        self.count += 1
        self.ap.write(result)
