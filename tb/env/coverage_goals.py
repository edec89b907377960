"""What a complete regression is expected to hit, per coverage area (plain data, so the
regression process can report without importing pyuvm)."""

# What a complete run is expected to hit, per area (the report shows what is missing).
GOALS = {
    "iommu.cause": [1, 5, 7, 12, 13, 15, 20, 21, 23, 256, 257, 258, 259, 260, 265, 266, 267],
    "iommu.ddtp_mode": ["Off", "Bare", "1LVL", "2LVL", "3LVL"],
    "iommu.command": ["IOTINVAL.VMA", "IOTINVAL.GVMA", "IODIR.INVAL_DDT", "IODIR.INVAL_PDT",
                      "IOFENCE.C"],
}
