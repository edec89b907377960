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
    # crosses (tb/env/cross_bins.py)
    "iommu.perm": [f"{b}{v}.{p}.{t}" for b in "rwxuad" for v in (0, 1) for p in "US"
                   for t in ("read", "write", "exec")]
                  + [f"u1.S.{t}.sum{s}" for t in ("read", "write", "exec") for s in (0, 1)],
    "iommu.ddt_did": [f"{m}.ddi{n}" for m in ("1LVL", "2LVL", "3LVL") for n in (0, 1, 2)],
    "iommu.gstage_root": [f"{g}.hi{h}" for g in ("sv39x4", "sv48x4") for h in (0, 1)],
    "iommu.cause_stage": ["1.pt", "5.pt", "7.pt", "12.first", "13.first", "15.first",
                          "20.g-final", "21.g-final", "23.g-final", "20.g-implicit",
                          "21.g-implicit", "23.g-implicit", "256.none", "257.ddt-nonleaf",
                          "257.ddt-leaf", "258.ddt", "259.ddt", "260.context", "265.pdt-nonleaf",
                          "265.pdt-leaf", "266.pdt", "267.pdt"],
    # Svpbmt: PBMT x stage; both.<first>.<G-stage> is the combination table (subset "pbmt")
    "iommu.pbmt": [f"{st}.{t}" for st in ("first", "g") for t in ("PMA", "NC", "IO")]
                  + [f"both.{f}.{g}" for f in ("PMA", "NC", "IO") for g in ("PMA", "NC", "IO")],
    "iommu.record": ["pv0", "pv1", "priv0", "priv1", "ttyp1", "ttyp2", "ttyp3",
                     "iotval2.implicit", "iotval2.final", "did.wide"],
    "iommu.command_illegal": ["iotinval.reserved", "iotinval.gvma_pscv", "iofence.reserved",
                              "iodir.reserved", "iodir.ddt_pid", "iodir.pdt_dv0", "ats", "opcode"],
    # the coherence subset: the cleaning driver on both platforms, the drivers that skip
    # cleans on a coherent one (on a non-coherent one they must fail, and the runs that must
    # fail are left out of the merged coverage)
    "iommu.coherence": ["cleans.coherent", "cleans.non-coherent", "assumes-coherence.coherent",
                        "forgets-queue-clean.coherent"],
    "iommu.race": ["store_in_flight", "completion_in_flight", "register_write_in_flight",
                   "stale_used"],
    # issue 16 features, each closed by its subset on both simulators (hpm, msi, ad, nl_s):
    # HPM eventID x filter x OF as sequences/hpm_vseq.py programs them (tb/env/covergroups.py
    # HPM_COMBOS)
    "iommu.hpm": ["1.none.of0", "1.did.of0", "1.did.dmask.of0", "1.pid.of0", "2.none.of0",
                  "4.none.of0", "5.none.of0", "6.none.of0", "7.pscid.of0", "8.gscid.of0",
                  "1.did.of1", "cycles.none.of0", "cycles.none.of1"],
    # interrupt messages: source.v<vector>.delivery (sent, held while masked, failed: 273)
    "iommu.msi_irq": ["cq.v3.sent", "fq.v6.sent", "fq.v6.held", "fq.v6.failed", "pm.v5.sent",
                       "pq.v7.sent"],
    # MSI flat-mode outcome of a request to an MSI address (extended DC, msiptp Flat)
    "iommu.msi_flat": ["translated.read", "translated.write", "fault.1", "fault.261",
                       "fault.262", "fault.263", "not-msi", "two-stage"],
    # hardware A/D updates made (stage.bits) and an update needed but not enabled (fault)
    "iommu.ad": ["first.A", "first.D", "first.AD", "g.A", "g.D", "g.AD"],
    "iommu.ad_fault": ["first", "g"],
    # MSI writes to MRIF-mode pages (MSI_MRIF): recorded, discarded, aborted, notice MSIs, an
    # MRIF in bus-error memory (264)
    "iommu.mrif": ["recorded", "discarded", "aborted", "notice", "notice_failed", "fault_264"],
    # address-specific IOTINVALs with an extension operand: command.scope x NL x S (NL=0
    # S=0 is v1.0's command, counted in iommu.inval_scope), and the S=1 range sizes
    "iommu.inval_nl_s": ["IOTINVAL.VMA.gv0.pscv1.nl0.s1",
                         "IOTINVAL.VMA.gv0.pscv1.nl1.s0", "IOTINVAL.VMA.gv0.pscv1.nl1.s1",
                         "IOTINVAL.GVMA.gv1.nl0.s1", "IOTINVAL.GVMA.gv1.nl1.s0"],
    "iommu.inval_range": ["8K", "16K", "2M", "4M"],
}

# Where each area's bins are: the cocotb-coverage item (tb/env/covergroups.py) whose bins, by
# name (a cross bin's fields joined with '.'), include the area's goal bins.
AREAS = {
    "iommu.cause": "iommu.fault.cause",
    "iommu.ddtp_mode": "iommu.translation.mode",
    "iommu.command": "iommu.commands.command",
    "iommu.inval_scope": "iommu.commands.command_x_scope",
    "iommu.update": "iommu.sw_update.kind",
    "iommu.page_size": "iommu.sw_update.page_size",
    "iommu.perm": "iommu.walk.perm",
    "iommu.ddt_did": "iommu.walk.ddt_did",
    "iommu.gstage_root": "iommu.walk.gstage_root",
    "iommu.cause_stage": "iommu.walk.cause_stage",
    "iommu.pbmt": "iommu.walk.pbmt",
    "iommu.record": "iommu.fault.record",
    "iommu.command_illegal": "iommu.commands.illegal",
    "iommu.race": "iommu.concurrency.race",
    "iommu.coherence": "iommu.coherence.persona_x_mode",
    "iommu.hpm": "iommu.hpm.event_x_filter_x_overflow",
    "iommu.msi_irq": "iommu.msi.irq",
    "iommu.msi_flat": "iommu.walk.msi_flat",
    "iommu.ad": "iommu.ad.update",
    "iommu.mrif": "iommu.mrif.write",
    "iommu.ad_fault": "iommu.walk.ad_fault",
    "iommu.inval_nl_s": "iommu.commands.inval_nl_s",
    "iommu.inval_range": "iommu.commands.inval_range",
}
