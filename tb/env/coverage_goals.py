"""What a complete regression is expected to hit, per coverage area (plain data, so the
regression process can report without importing pyuvm)."""

# What a complete run is expected to hit, per area (the report shows what is missing).
GOALS = {
    "iommu.cause": [1, 5, 7, 12, 13, 15, 20, 21, 23, 256, 257, 258, 259, 260, 265, 266, 267],
    "iommu.ddtp_mode": ["Off", "Bare", "1LVL", "2LVL", "3LVL"],
    "iommu.command": ["IOTINVAL.VMA", "IOTINVAL.GVMA", "IODIR.INVAL_DDT", "IODIR.INVAL_PDT",
                      "IOFENCE.C"],
    "iommu.inval_scope": [f"IOTINVAL.VMA.gv{g}.av{a}.pscv{p}" for g in (0, 1) for a in (0, 1)
                          for p in (0, 1)]
                         + ["IOTINVAL.GVMA.gv0.av0.pscv0", "IOTINVAL.GVMA.gv1.av0.pscv0",
                            "IOTINVAL.GVMA.gv1.av1.pscv0", "IODIR.INVAL_DDT.dv0",
                            "IODIR.INVAL_DDT.dv1", "IODIR.INVAL_PDT.dv1"],
    "iommu.update": [f"{st}.{k}" for st in ("first", "g")
                     for k in ("map", "unmap", "remap", "protect", "split", "merge")]
                    + ["ddt.dc", "ddt.ddte", "pdt.pc", "pdt.pdte"],
    "iommu.page_size": ["first.4K", "first.64K", "first.2048K", "first.1048576K", "g.4K",
                        "g.2048K"],
}
