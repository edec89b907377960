"""The software layer: lays out and updates the IOMMU's in-memory structures the way a driver
or hypervisor does, and says which commands it sends afterwards. Plain Python (no cocotb or
pyuvm): every store goes through a `store64(pa, value)` callable and every register write
through `write_reg(offset, value, size)`, so the same code drives the golden model in unit
tests and the oracle plus the DUT memory in the testbench.

- page_allocator: PageAllocator (zeroed 4 KiB pages, 16 KiB G-stage roots, free list)
- page_table: PageTable (first stage / G-stage; map, unmap, remap, protect, split, merge, lookup)
- device_directory: DeviceDirectory (1/2/3LVL, set_dc / invalidate_dc), DeviceContextSpec
- process_directory: ProcessDirectory (PD8/PD17/PD20, set_pc / invalidate_pc)
- update: Update / EntryChange / Store, the record every operation returns
- commands: command builders, CommandQueueWriter, FaultQueueReader
- invalidation_plan: the spec's guideline commands for an Update, and the personas
- hart_cache: HartCache, the hart's write-back cache of a non-coherent platform
- cache_maintenance: cache personas (which dirty blocks a driver cleans, and when)
"""
from .commands import (CommandQueueWriter, FaultQueueReader, FaultRecord, QueueFull, RegWrite,
                       Submitted, iodir_inval_ddt, iodir_inval_pdt, iofence_c, iotinval_gvma,
                       iotinval_vma)
from .cache_maintenance import (AssumesCoherence, CachePersona, CleansEveryBlock,
                                ForgetsQueueClean, cache_persona)
from .device_directory import DeviceContextSpec, DeviceDirectory
from .hart_cache import HartCache
from .invalidation_plan import (InvalidateEverything, NeverInvalidateOnMap, NonLeafNl0,
                                NonLeafRange, Persona, RangeInvalidate, SpecRecommended,
                                full_flush, guideline_commands, persona, ranged,
                                required_commands, spec_plan)
from .page_allocator import OutOfPages, PageAllocator
from .page_table import (SIZE_1G, SIZE_2M, SIZE_4K, SIZE_64K, SIZE_512G, Mapping, PageTable)
from .process_directory import ProcessDirectory
from .update import EntryChange, Store, Update

__all__ = [
    "PageAllocator", "OutOfPages", "PageTable", "Mapping", "SIZE_4K", "SIZE_64K", "SIZE_2M",
    "SIZE_1G", "SIZE_512G", "DeviceDirectory", "DeviceContextSpec", "ProcessDirectory",
    "Update", "EntryChange", "Store", "CommandQueueWriter", "FaultQueueReader", "FaultRecord",
    "QueueFull", "RegWrite", "Submitted", "iotinval_vma", "iotinval_gvma", "iodir_inval_ddt",
    "iodir_inval_pdt", "iofence_c", "Persona", "SpecRecommended", "NeverInvalidateOnMap",
    "InvalidateEverything", "persona", "spec_plan", "required_commands", "guideline_commands",
    "full_flush", "HartCache", "CachePersona", "CleansEveryBlock", "AssumesCoherence",
    "ForgetsQueueClean", "cache_persona", "RangeInvalidate", "NonLeafRange", "NonLeafNl0",
    "ranged",
]
