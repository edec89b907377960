// Named encodings of the RISC-V IOMMU specification that the RTL uses, and the build option
// IOMMU_ALWAYS_RUN. Included inside the body of each module that needs them, so the
// localparams are that module's own (rtl/riscv_iommu.f passes +incdir+rtl).
// Style: docs/design.md, "Simulation speed and the RTL's style" (activity-gated blocks,
// continuous per-entry logic, macros instead of tasks).

/* verilator lint_off UNUSEDPARAM */
// ---- fault causes (fault record CAUSE; names as in models/causes.py) ----
localparam [11:0] CAUSE_INSTRUCTION_ACCESS_FAULT     = 12'd1,
                  CAUSE_READ_ACCESS_FAULT            = 12'd5,
                  CAUSE_WRITE_ACCESS_FAULT           = 12'd7,
                  CAUSE_INSTRUCTION_PAGE_FAULT       = 12'd12,
                  CAUSE_READ_PAGE_FAULT              = 12'd13,
                  CAUSE_WRITE_PAGE_FAULT             = 12'd15,
                  CAUSE_INSTRUCTION_GUEST_PAGE_FAULT = 12'd20,
                  CAUSE_READ_GUEST_PAGE_FAULT        = 12'd21,
                  CAUSE_WRITE_GUEST_PAGE_FAULT       = 12'd23,
                  CAUSE_ALL_INBOUND_DISALLOWED       = 12'd256,
                  CAUSE_DDT_LOAD_ACCESS_FAULT        = 12'd257,
                  CAUSE_DDT_NOT_VALID                = 12'd258,
                  CAUSE_DDT_MISCONFIGURED            = 12'd259,
                  CAUSE_TTYP_DISALLOWED              = 12'd260,
                  CAUSE_MSI_PTE_LOAD_ACCESS_FAULT    = 12'd261,
                  CAUSE_MSI_PTE_NOT_VALID            = 12'd262,
                  CAUSE_MSI_PTE_MISCONFIGURED        = 12'd263,
                  CAUSE_MRIF_ACCESS_FAULT            = 12'd264,
                  CAUSE_PDT_LOAD_ACCESS_FAULT        = 12'd265,
                  CAUSE_PDT_NOT_VALID                = 12'd266,
                  CAUSE_PDT_MISCONFIGURED            = 12'd267,
                  CAUSE_DDT_DATA_CORRUPTION          = 12'd268,
                  CAUSE_INTERNAL_DATAPATH_ERROR      = 12'd272,
                  CAUSE_MSI_WRITE_ACCESS_FAULT       = 12'd273;

// ---- ddtp.iommu_mode ----
localparam [3:0] DDTP_OFF = 4'd0, DDTP_BARE = 4'd1, DDTP_1LVL = 4'd2, DDTP_2LVL = 4'd3,
                 DDTP_3LVL = 4'd4;

// ---- MODE fields: iosatp / fsc (first stage), iohgatp (G-stage), pdtp (PDT); 0 is Bare ----
localparam [3:0] MODE_BARE   = 4'd0,
                 MODE_SV39   = 4'd8,  MODE_SV48   = 4'd9,  MODE_SV57   = 4'd10,  // iosatp / fsc
                 MODE_SV39X4 = 4'd8,  MODE_SV48X4 = 4'd9,  MODE_SV57X4 = 4'd10,  // iohgatp
                 MODE_SV32   = 4'd8,  MODE_SV32X4 = 4'd8,     // DC.tc.SXL=1 / fctl.GXL=1
                 MODE_PD8    = 4'd1,  MODE_PD17   = 4'd2,  MODE_PD20 = 4'd3;   // pdtp

// ---- request types (dev_req_ttyp) ----
localparam [5:0] TTYP_NONE               = 6'd0,
                 TTYP_UNTRANSLATED_EXEC  = 6'd1,
                 TTYP_UNTRANSLATED_READ  = 6'd2,
                 TTYP_UNTRANSLATED_WRITE = 6'd3,
                 TTYP_TRANSLATED_EXEC    = 6'd5,
                 TTYP_TRANSLATED_READ    = 6'd6,
                 TTYP_TRANSLATED_WRITE   = 6'd7,
                 TTYP_PCIE_ATS           = 6'd8,
                 TTYP_PCIE_MSG           = 6'd9;

// ---- invalidations iommu_cq hands to iommu_xlate (inv_kind: [1] IODIR, [0] func3[0]) ----
localparam [1:0] INV_IOTINVAL_VMA  = 2'd0, INV_IOTINVAL_GVMA = 2'd1,
                 INV_IODIR_DDT     = 2'd2, INV_IODIR_PDT     = 2'd3;
/* verilator lint_on UNUSEDPARAM */

`ifndef IOMMU_DEFS_VH
`define IOMMU_DEFS_VH
// `IOMMU_RUN(cond) is the activation of an activity-gated clocked block (wire x_run). Built
// with +define+IOMMU_ALWAYS_RUN every such block runs every cycle, so a trigger missing from
// a condition shows as a behaviour difference instead of a register frozen unseen.
`ifdef IOMMU_ALWAYS_RUN
`define IOMMU_RUN(cond) 1'b1
`else
`define IOMMU_RUN(cond) (cond)
`endif
// `IOMMU_BSWAP64(x) / `IOMMU_BSWAP32(x): x with its bytes reversed (capabilities.END: a
// big-endian doubleword or word read or written as the little-endian bus carries it)
`define IOMMU_BSWAP64(x) {x[7:0], x[15:8], x[23:16], x[31:24], x[39:32], x[47:40], x[55:48], x[63:56]}
`define IOMMU_BSWAP32(x) {x[7:0], x[15:8], x[23:16], x[31:24]}
`endif
