"""Device agent driver: hands each TranslationBatch to the BFM, which keeps many requests in
flight; when the batch asks to wait, the item completes once every response is back."""
from __future__ import annotations

from cocotb.triggers import Event
from pyuvm import uvm_driver


class DevDriver(uvm_driver):
    def build_phase(self):
        self.bfm = None           # set by the agent
        self.publish = None       # the monitor's write, set by the agent

    async def run_phase(self):
        while True:
            batch = await self.seq_item_port.get_next_item()
            # Per-batch state: batches sent without waiting complete later, each on its own.
            state = {"left": len(batch.reqs), "done": Event()}
            if not batch.reqs:
                state["done"].set()

            def on_result(res, batch=batch, state=state):
                batch.results.append(res)
                self.publish(res)
                state["left"] -= 1
                if not state["left"]:
                    state["done"].set()

            for req in batch.reqs:
                self.bfm.submit(req, on_result)
            if batch.wait:
                await state["done"].wait()
            self.seq_item_port.item_done()
