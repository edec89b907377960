// RISC-V IOMMU, top level. Ports, parameters, the spec subset and the implementation choices
// (reset and WARL values, interrupt wiring): docs/design.md ("Capabilities", "Registers",
// "The RTL as built").
//
//   s_axil --> iommu_regs --(config, queue indices, flags)--> iommu_cq, iommu_fq, iommu_xlate
//   dev_req/dev_rsp <--> iommu_dbg (DBG: debug requests) <--> iommu_xlate (walks, caches, faults)
//   iommu_cq --inv_*--> iommu_xlate ; iommu_xlate --flt_*--> iommu_fq
//   iommu_xlate, iommu_cq, iommu_fq --> iommu_axi_master --> m_axi
//   requests entering iommu_xlate, walks it finishes --> iommu_hpm (HPM: counters) --> iommu_regs
//   iommu_cq --ats_msg_*--> devices, ats_inv_cpl --> iommu_cq (ATS: ATS.INVAL, ATS.PRGR)
// Style: docs/design.md, "Simulation speed and the RTL's style" (gated blocks).
module riscv_iommu #(
    parameter IOTLB_ENTRIES = 16,
    parameter DDTC_ENTRIES  = 8,
    parameter PDTC_ENTRIES  = 8,
    parameter NEG_CACHE_DC  = 0,
    // Optional translation features (1 = built; 0 = absent, capability bit clear):
    parameter SV48          = 1,    // first-stage Sv48 (fsc/iosatp MODE 9)
    parameter SV48X4        = 1,    // G-stage Sv48x4 (iohgatp MODE 9)
    // Sv57 (capabilities [11], needs SV48: ignored without it): first stages (iosatp, PC.fsc)
    // MODE 10, five levels, 57-bit IOVAs; Sv57x4 ([19]): iohgatp MODE 10, five levels, 59-bit
    // GPAs (docs/design.md "Sv57 and Sv57x4 in the RTL"). 0 (default): MODE 10 is a DC/PC
    // misconfiguration
    parameter SV57          = 0,
    parameter SV57X4        = 0,
    parameter PD17          = 1,    // two-level PDT (pdtp MODE 2)
    parameter PD20          = 1,    // three-level PDT (pdtp MODE 3)
    parameter SVNAPOT       = 1,    // 64 KiB NAPOT PTEs; 0: PTE bit 63 (N) is reserved
    // Svpbmt (capabilities bit 15): leaf PTEs may carry PBMT (bits 62:61) and a translation
    // reports its memory type on dev_rsp_pbmt. 0 (default): PBMT is reserved (a PTE with it
    // set is a page fault) and dev_rsp_pbmt is always 0 (PMA)
    parameter SVPBMT        = 0,
    // Hardware A/D update (capabilities bit 24, AMO_HWAD): DC.tc.SADE/GADE make the walker set
    // A (and D for a write) in PTEs through m_axi (AWID 4; read-check-write, docs/design.md
    // "Hardware A/D update"). 0 (default): SADE/GADE are reserved (DC misconfigured)
    parameter AMO_HWAD      = 0,
    // Debug translation-request interface (capabilities bit 31): tr_req_iova, tr_req_ctl and
    // tr_response translate one IOVA through the datapath (iommu_dbg). 0 (default): absent
    parameter DBG           = 0,
    // Hardware performance monitor (capabilities bit 30; iommu_hpm): HPM_COUNTERS programmable
    // counters iohpmctr1..HPM_COUNTERS (1..31) of HPM_WIDTH bits (32..64), iohpmcycles,
    // iocountovf, iocountinh, ipsr.pmip. 0 (default): absent, capabilities.HPM = 0
    parameter HPM_COUNTERS  = 0,
    parameter HPM_WIDTH     = 64,
    // IOTINVAL extensions (iommu_extensions.adoc). NL (capabilities bit 42): the NL operand
    // (command bit 34) is accepted; the IOTLB holds leaf translations only and no non-leaf PTE
    // is cached, so NL=1 removes nothing more. S (capabilities bit 43): the S operand (bit 73)
    // makes ADDR a NAPOT range, matched against every IOTLB entry's page (superpages that
    // overlap the range included). 0 (default): the bit is reserved, the command illegal
    parameter NL            = 0,
    parameter S             = 0,
    // Physical address size (capabilities.PAS, 32..56): the IOMMU addresses 0 .. 2^PAS - 1.
    // ddtp/cqb/fqb keep only the PPN bits below it; an implicit access at or above 2^PAS is
    // answered as a bus error without reaching m_axi (docs/design.md "Physical address size")
    parameter PAS           = 56,
    // MSI address translation in flat mode (capabilities.MSI_FLAT [22]): extended 64-byte
    // device contexts (msiptp, msi_addr_mask, msi_addr_pattern) and MSI PTEs in basic
    // (write-through) mode. 0 (default): base 32-byte DCs (docs/design.md "MSI in the RTL")
    parameter MSI_FLAT      = 0,
    // MSI PTEs in MRIF mode (capabilities.MSI_MRIF [23]; needs MSI_FLAT): an MSI write to a page
    // whose MSI PTE has M=1 is not forwarded: the IOMMU sets the interrupt identity's pending
    // bit in the memory-resident interrupt file (read-modify-write of the 8-byte pending
    // doubleword on m_axi, AWID 4) and then sends the notice MSI (4 bytes of NID at NPPN << 12).
    // dev_req_data carries the MSI's data; dev_rsp_mrif says the IOMMU consumed the access
    // (dev_rsp_pa[1:0]: 0 recorded, 1 discarded, 2 aborted). 0 (default): M=1 is
    // misconfigured (263). AMO_MRIF is not built (docs/design.md "MSI MRIF mode in the RTL")
    parameter MSI_MRIF      = 0,
    // Interrupt generation (capabilities.IGS): 1 (default) wired only (irq_cq, irq_fq); 0 MSI
    // only; 2 both, fctl.WSI selects (reset 0: MSI). With MSI: msi_cfg_tbl (16 vectors), one
    // 4-byte message write per ipsr 0 -> 1 edge on m_axi (AWID 3, as IOFENCE.C data)
    parameter IGS           = 1,
    // Svrsw60t59b (capabilities bit 14): PTE bits 60:59 (both stages, leaf and non-leaf) are
    // software's and ignored. 0 (default): they are reserved (a PTE with one set faults)
    parameter SVRSW60T59B   = 0,
    // QoS IDs (capabilities.QOSID [41]): iommu_qosid (0x270) with QOSID_RCID_W / QOSID_MCID_W
    // writable bits of RCID [11:0] / MCID [27:16] (1..12), and DC.ta RCID [51:40] / MCID
    // [63:52] checked against those widths (docs/design.md "QoS IDs in the RTL"); the IDs
    // label nothing on the ports. 0 (default): absent, DC.ta[63:32] reserved
    parameter QOSID         = 0,
    parameter QOSID_RCID_W  = 4,
    parameter QOSID_MCID_W  = 4,
    // PCIe ATS (capabilities.ATS [25]): DC.tc.EN_ATS/EN_PRI/PRPR legal; Translated requests
    // (dev_req_ttyp 5..7, EN_ATS=1: the address is the SPA) and ATS Translation requests
    // (ttyp 8, with dev_req_ats_nw/_exe) answered with a completion on dev_rsp_ats_cpl,
    // dev_rsp_ats_attr and dev_rsp_pa; page requests (ttyp 9, the payload on dev_req_iova)
    // queued in the page-request queue; ATS.INVAL/ATS.PRGR and the IOMMU's PRG Responses on
    // ats_msg_* (docs/design.md "ATS in the RTL"). 0 (default): absent, EN_ATS/EN_PRI/PRPR
    // reserved, those requests get 260
    parameter ATS           = 0,
    // ATS: cycles an IOFENCE.C waits for the Invalidation Completions of earlier ATS.INVALs
    // before it sets cqcsr.cmd_to (1..65535)
    parameter ATS_TIMEOUT   = 4096,
    // T2GPA (capabilities.T2GPA [26], needs ATS): DC.tc.T2GPA legal (with EN_ATS and a
    // G-stage): Translated requests carry a GPA, translated by the G-stage alone; ATS
    // completions give the GPA. 0 (default): T2GPA is a DC misconfiguration
    parameter T2GPA         = 0,
    // Big-endian structures (capabilities.END [27]): fctl.BE is writable (while ddtp.iommu_mode
    // is Off and both queues are off) and orders DDT entries, DCs, G-stage and MSI PTEs, the
    // command queue, fault and page-request records, IOFENCE.C data and interrupt messages;
    // DC.tc.SBE orders PDT entries, PCs and first-stage PTEs; the registers stay little-endian
    // (docs/design.md "Big-endian structures in the RTL"). 0 (default): little-endian only,
    // DC.tc.SBE=1 is a DC misconfiguration
    parameter END           = 0,
    // Sv32 (capabilities [8]): DC.tc.SXL=1 first stages (iosatp, PC.fsc) are Bare or Sv32;
    // Sv32x4 ([16]): fctl.GXL=1 G-stages are Bare or Sv32x4; with either, fctl.GXL is writable
    // (while ddtp.iommu_mode is Off and both queues are off) and DC.tc.SXL legal
    // (docs/design.md "Sv32 in the RTL"). 0 (default): SXL=1 is a DC misconfiguration
    parameter SV32          = 0,
    parameter SV32X4        = 0
) (
    input  wire        clk,
    input  wire        rst_n,

    // AXI4-Lite slave: the register page
    input  wire [11:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [63:0] s_axil_wdata,
    input  wire [7:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [11:0] s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [63:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,

    // AXI4 master: every implicit memory access
    output wire [3:0]  m_axi_awid,
    output wire [63:0] m_axi_awaddr,
    output wire [7:0]  m_axi_awlen,
    output wire [2:0]  m_axi_awsize,
    output wire [1:0]  m_axi_awburst,
    output wire        m_axi_awlock,
    output wire [3:0]  m_axi_awcache,
    output wire [2:0]  m_axi_awprot,
    output wire        m_axi_awvalid,
    input  wire        m_axi_awready,
    output wire [63:0] m_axi_wdata,
    output wire [7:0]  m_axi_wstrb,
    output wire        m_axi_wlast,
    output wire        m_axi_wvalid,
    input  wire        m_axi_wready,
    input  wire [3:0]  m_axi_bid,
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    output wire [3:0]  m_axi_arid,
    output wire [63:0] m_axi_araddr,
    output wire [7:0]  m_axi_arlen,
    output wire [2:0]  m_axi_arsize,
    output wire [1:0]  m_axi_arburst,
    output wire        m_axi_arlock,
    output wire [3:0]  m_axi_arcache,
    output wire [2:0]  m_axi_arprot,
    output wire        m_axi_arvalid,
    input  wire        m_axi_arready,
    input  wire [3:0]  m_axi_rid,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready,

    // device transactions to translate
    input  wire        dev_req_valid,
    output wire        dev_req_ready,
    input  wire [23:0] dev_req_did,
    input  wire        dev_req_pv,
    input  wire [19:0] dev_req_pid,
    input  wire        dev_req_priv,
    input  wire [63:0] dev_req_iova,
    input  wire [5:0]  dev_req_ttyp,
    input  wire [7:0]  dev_req_tag,
    input  wire [31:0] dev_req_data,     // a write's data (MSI_MRIF: the MSI's interrupt identity)
    input  wire        dev_req_ats_nw,   // ATS translation request (ttyp 8): No Write
    input  wire        dev_req_ats_exe,  // ... Execute Requested (with a PASID)
    output wire        dev_rsp_valid,
    input  wire        dev_rsp_ready,
    output wire [7:0]  dev_rsp_tag,
    output wire        dev_rsp_fault,
    output wire [11:0] dev_rsp_cause,
    output wire [55:0] dev_rsp_pa,
    output wire [1:0]  dev_rsp_pbmt,     // memory type of a success: 0 PMA, 1 NC, 2 IO
    output wire        dev_rsp_mrif,     // MSI_MRIF: the IOMMU consumed the access (MRIF page)
    // ATS translation completion (ttyp 8; 0 for any other request): status 0 SC, 1 UR, 4 CA;
    // {S, Global, N, Priv, U, Exe, W, R}; dev_rsp_pa then carries the Translated Address
    // field (S=1: the bits under the range's size set); fault=1 with the cause for UR/CA
    output wire [2:0]  dev_rsp_ats_cpl,
    output wire [7:0]  dev_rsp_ats_attr,

    // ATS messages to devices (ATS.INVAL: Invalidation Request; ATS.PRGR: PRG Response), one
    // at a time, taken when ats_msg_ready; ats_inv_cpl: one pulse per Invalidation Completion
    // a device returns. Without ATS ats_msg_valid stays 0 and the inputs are ignored
    output wire        ats_msg_valid,
    input  wire        ats_msg_ready,
    output wire        ats_msg_prgr,     // 0 Invalidation Request, 1 PRG Response
    output wire [23:0] ats_msg_did,
    output wire        ats_msg_pv,
    output wire [19:0] ats_msg_pid,
    output wire [63:0] ats_msg_payload,  // the command's PAYLOAD (DW1)
    input  wire        ats_inv_cpl,

    // wired interrupts (level)
    output wire        irq_cq,
    output wire        irq_fq
);
`include "iommu_defs.vh"
    // MRIF mode needs MSI PTEs, so MSI_FLAT: without it MSI_MRIF builds nothing
    localparam MRIF_ON = (MSI_FLAT != 0) && (MSI_MRIF != 0);
    localparam SV57_ON = (SV48 != 0) && (SV57 != 0);      // the spec: Sv57 requires Sv48
    // ---------------------------------------------------------------- internal wires
    wire [3:0]   ddtp_mode;
    wire [43:0]  ddtp_ppn;
    wire         fctl_be;                // END: fctl.BE (0 without END)
    wire         fctl_gxl;               // SV32/SV32X4: fctl.GXL (0 without them)

    wire [43:0]  cqb_ppn;
    wire [31:0]  cqh, cqt;
    wire         cqon, cq_stall;
    wire         cq_head_inc, cq_set_cqmf, cq_set_cmd_ill, cq_set_fence_w_ip, cq_set_cmd_to;
    // ATS: the page-request queue (iommu_regs <-> the walker) and the messages to devices:
    // the command queue's (ATS.INVAL, ATS.PRGR) and the walker's PRG Responses share one port
    wire [43:0]  pq_ppn;
    wire [31:0]  pq_mask, pq_h, pq_t;
    wire         pq_on, pq_mf, pq_of, pq_tail_inc, pq_set_mf, pq_set_of;
    wire         cm_valid, cm_ready, cm_prgr, cm_pv, pm_valid, pm_ready, pm_pv;
    wire [23:0]  cm_did, pm_did;
    wire [19:0]  cm_pid, pm_pid;
    wire [63:0]  cm_payload, pm_payload;
    // the walker's PRG Response first (it holds a translation result back); one at a time
    assign ats_msg_valid   = pm_valid || cm_valid;
    assign pm_ready        = ats_msg_ready;
    assign cm_ready        = ats_msg_ready && !pm_valid;
    assign ats_msg_prgr    = pm_valid ? 1'b1 : cm_prgr;
    assign ats_msg_did     = pm_valid ? pm_did : cm_did;
    assign ats_msg_pv      = pm_valid ? pm_pv : cm_pv;
    assign ats_msg_pid     = pm_valid ? pm_pid : cm_pid;
    assign ats_msg_payload = pm_valid ? pm_payload : cm_payload;

    wire [43:0]  fqb_ppn;
    wire [31:0]  fqh, fqt, fq_mask;
    wire         fqon, fq_stall;
    wire         fq_tail_inc, fq_set_fqmf, fq_set_fqof;

    wire         x_rd_valid, x_rd_ready, x_rd_rsp_valid, x_rd_rsp_err;
    wire [55:0]  x_rd_addr;
    wire [63:0]  x_rd_rsp_data;
    wire         x_wr_valid, x_wr_ready, x_wr_rsp_valid, x_wr_rsp_err;
    wire [55:0]  x_wr_addr;
    wire [63:0]  x_wr_data;
    wire [7:0]   x_wr_strb;

    wire         c_rd_valid, c_rd_ready, c_rd_rsp_valid, c_rd_rsp_err, c_rd_rsp_last;
    wire [63:0]  c_rd_addr;
    wire [63:0]  c_rd_rsp_data;

    wire         c_wr_valid, c_wr_ready, c_wr_rsp_valid, c_wr_rsp_err;
    wire [63:0]  c_wr_addr;
    wire [31:0]  c_wr_data;
    wire [31:0]  c_wr_word;              // before the byte order (fctl.BE)
    // the 4-byte write port of the AXI master, shared by IOFENCE.C data (q_wr_*, iommu_cq)
    // and interrupt messages (i_wr_*, iommu_regs); IOFENCE.C first, one write at a time (the
    // master has one write outstanding), the response to the one that was granted
    wire         q_wr_valid, q_wr_ready, q_wr_rsp_valid, q_wr_rsp_err;
    wire [63:0]  q_wr_addr;
    wire [31:0]  q_wr_data;
    wire         i_wr_valid, i_wr_ready, i_wr_rsp_valid;
    wire [63:0]  i_wr_addr;
    wire [31:0]  i_wr_data;
    // A message write answered with a bus error is reported as a fault record (the spec's
    // msi_cfg_tbl: cause 273 "IOMMU MSI write access fault", TTYP 0, iotval = msi_addr_x;
    // device_id, PV, PRIV 0, iotval2 0). mf_pending holds it until the fault-queue writer takes
    // it (before any translation fault); meanwhile no further message is sent, so none is lost.
    wire         mf_pending;
    wire [63:0]  mf_addr;                // the address of the message in flight, then the record's
    wire         mf_take;                // the fault-queue writer took the 273 report
    // Built only with MSIs (IGS != 1): with wires only, the port is IOFENCE.C's alone and
    // nothing of it is elaborated (no clocked block woken every cycle)
    generate if (IGS != 1) begin : g_msi_wr
        reg          w4_msi;             // the write in flight is an interrupt message
        reg          mf_pending_q;
        reg  [63:0]  mf_addr_q;
        wire         w4_pick_msi = i_wr_valid && !q_wr_valid && !mf_pending;
        assign mf_pending     = mf_pending_q;
        assign mf_addr        = mf_addr_q;
        assign c_wr_valid     = q_wr_valid || (i_wr_valid && !mf_pending);
        assign c_wr_addr      = w4_pick_msi ? i_wr_addr : q_wr_addr;
        assign c_wr_word      = w4_pick_msi ? i_wr_data : q_wr_data;
        assign q_wr_ready     = c_wr_ready && !w4_pick_msi;
        assign i_wr_ready     = c_wr_ready &&  w4_pick_msi;
        assign q_wr_rsp_valid = c_wr_rsp_valid && !w4_msi;
        assign i_wr_rsp_valid = c_wr_rsp_valid &&  w4_msi;
        wire         mf_set  = i_wr_rsp_valid && c_wr_rsp_err;
        always @(posedge clk)
            if (!rst_n) begin
                w4_msi <= 1'b0; mf_pending_q <= 1'b0; mf_addr_q <= 64'b0;
            end else begin
                if (c_wr_valid && c_wr_ready) w4_msi <= w4_pick_msi;
                if (i_wr_valid && i_wr_ready) mf_addr_q <= i_wr_addr;
                if (mf_set)       mf_pending_q <= 1'b1;
                else if (mf_take) mf_pending_q <= 1'b0;
            end
    end else begin : g_no_msi_wr
        assign mf_pending     = 1'b0;
        assign mf_addr        = 64'b0;
        assign c_wr_valid     = q_wr_valid;
        assign c_wr_addr      = q_wr_addr;
        assign c_wr_word      = q_wr_data;
        assign q_wr_ready     = c_wr_ready;
        assign i_wr_ready     = 1'b0;
        assign q_wr_rsp_valid = c_wr_rsp_valid;
        assign i_wr_rsp_valid = 1'b0;
        /* verilator lint_off UNUSEDSIGNAL */
        wire unused_msi_wr = ^{i_wr_valid, i_wr_addr, i_wr_data, mf_take};
        /* verilator lint_on UNUSEDSIGNAL */
    end endgenerate
    assign q_wr_rsp_err   = c_wr_rsp_err;
    // fctl.BE (END): IOFENCE.C data and interrupt messages are 4-byte stores, the command
    // queue's doublewords and the fault records' are read and written in that byte order
    wire [63:0]  cq_rd_data;
    wire [255:0] fq_wr_data;
    assign c_wr_data  = fctl_be ? `IOMMU_BSWAP32(c_wr_word) : c_wr_word;
    assign cq_rd_data = fctl_be ? `IOMMU_BSWAP64(c_rd_rsp_data) : c_rd_rsp_data;
    genvar fq_dw;
    generate for (fq_dw = 0; fq_dw < 4; fq_dw = fq_dw + 1) begin : g_fq_order
        wire [63:0] dw = fq_wr_data[64 * fq_dw +: 64];
        assign f_wr_data[64 * fq_dw +: 64] = fctl_be ? `IOMMU_BSWAP64(dw) : dw;
    end endgenerate

    wire         f_wr_valid, f_wr_ready, f_wr_rsp_valid, f_wr_rsp_err;
    wire [63:0]  f_wr_addr;
    wire [255:0] f_wr_data;

    wire         inv_valid, inv_ready, inv_av, inv_pscv, inv_gv, inv_dv;
    wire [1:0]   inv_kind;
    wire [19:0]  inv_pscid, inv_pid;
    wire [15:0]  inv_gscid;
    wire [51:0]  inv_addr;
    wire [51:0]  inv_amask;     // S=1: the ADDR bits the range leaves out (0: one page)
    wire [23:0]  inv_did;
    wire         xlate_idle;
    wire         fence_drain;

    // fault reports into iommu_fq: the datapath's (xf_*) and a failed interrupt message's
    // (mf_*, first)
    wire         flt_valid, flt_ready, flt_pv, flt_priv;
    wire [11:0]  flt_cause;
    wire [23:0]  flt_did;
    wire [19:0]  flt_pid;
    wire [5:0]   flt_ttyp;
    wire [63:0]  flt_iotval, flt_iotval2;
    wire         xf_valid, xf_ready, xf_pv, xf_priv;
    wire [11:0]  xf_cause;
    wire [23:0]  xf_did;
    wire [19:0]  xf_pid;
    wire [5:0]   xf_ttyp;
    wire [63:0]  xf_iotval, xf_iotval2;
    localparam [11:0] CAUSE_MSI_WRITE_FAULT = 12'd273;
    generate if (IGS != 1) begin : g_msi_flt
        assign flt_valid   = mf_pending || xf_valid;
        assign xf_ready    = flt_ready && !mf_pending;
        assign mf_take     = flt_ready && mf_pending;
        assign flt_cause   = mf_pending ? CAUSE_MSI_WRITE_FAULT : xf_cause;
        assign flt_did     = mf_pending ? 24'd0 : xf_did;
        assign flt_pv      = !mf_pending && xf_pv;
        assign flt_pid     = mf_pending ? 20'd0 : xf_pid;
        assign flt_priv    = !mf_pending && xf_priv;
        assign flt_ttyp    = mf_pending ? 6'd0 : xf_ttyp;
        assign flt_iotval  = mf_pending ? mf_addr : xf_iotval;
        assign flt_iotval2 = mf_pending ? 64'd0 : xf_iotval2;
    end else begin : g_no_msi_flt
        assign flt_valid   = xf_valid;
        assign xf_ready    = flt_ready;
        assign mf_take     = 1'b0;
        assign flt_cause   = xf_cause;
        assign flt_did     = xf_did;
        assign flt_pv      = xf_pv;
        assign flt_pid     = xf_pid;
        assign flt_priv    = xf_priv;
        assign flt_ttyp    = xf_ttyp;
        assign flt_iotval  = xf_iotval;
        assign flt_iotval2 = xf_iotval2;
        /* verilator lint_off UNUSEDSIGNAL */
        wire unused_mf = ^{mf_pending, mf_addr, CAUSE_MSI_WRITE_FAULT};
        /* verilator lint_on UNUSEDSIGNAL */
    end endgenerate

    wire         dbg_go, dbg_pv, dbg_priv, dbg_done;
    wire [63:0]  dbg_iova, dbg_rsp;
    wire [23:0]  dbg_did;
    wire [19:0]  dbg_pid;
    wire [5:0]   dbg_ttyp;

    wire         hpm_we_lo, hpm_we_hi, hpm_ovf;
    wire [8:0]   hpm_wword, hpm_rword;
    wire [63:0]  hpm_wdata, hpm_rdata;
    wire         hpm_wk_valid, hpm_wk_pv, hpm_wk_miss, hpm_wk_ddt, hpm_wk_pdt, hpm_wk_fs;
    wire         hpm_wk_gscv, hpm_wk_pscv;
    wire [23:0]  hpm_wk_did;
    wire [19:0]  hpm_wk_pid, hpm_wk_pscid;
    wire [3:0]   hpm_wk_gwalks;
    wire [15:0]  hpm_wk_gscid;

    // the datapath's side of the device port (iommu_dbg passes the outside through when idle)
    wire         x_req_valid, x_req_ready, x_req_pv, x_req_priv, x_rsp_valid, x_rsp_ready;
    wire [23:0]  x_req_did;
    wire [19:0]  x_req_pid;
    wire [63:0]  x_req_iova;
    wire [5:0]   x_req_ttyp;
    wire [7:0]   x_req_tag;
    wire         x_req_dbg;      // the debug translation (iommu_dbg), for MRIF-mode MSI PTEs

    // ---------------------------------------------------------------- register file
    iommu_regs #(
        .SV48(SV48), .SV48X4(SV48X4), .SV57(SV57_ON), .SV57X4(SV57X4), .PD17(PD17), .PD20(PD20),
        .SVPBMT(SVPBMT), .DBG(DBG),
        .AMO_HWAD(AMO_HWAD), .HPM(HPM_COUNTERS != 0), .NL(NL), .S(S), .PAS(PAS), .MSI_FLAT(MSI_FLAT), .IGS(IGS),
        .SVRSW60T59B(SVRSW60T59B), .QOSID(QOSID), .QOSID_RCID_W(QOSID_RCID_W),
        .QOSID_MCID_W(QOSID_MCID_W), .MSI_MRIF(MRIF_ON), .ATS(ATS), .T2GPA(T2GPA),
        .END(END), .SV32(SV32), .SV32X4(SV32X4)
    ) u_regs (
        .clk(clk), .rst_n(rst_n),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
        .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
        .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
        .fctl_be(fctl_be), .fctl_gxl(fctl_gxl), .ddtp_mode(ddtp_mode), .ddtp_ppn(ddtp_ppn),
        .cqb_ppn(cqb_ppn), .cqh(cqh), .cqt(cqt), .cqon(cqon), .cq_stall(cq_stall),
        .cq_head_inc(cq_head_inc), .cq_set_cqmf(cq_set_cqmf), .cq_set_cmd_ill(cq_set_cmd_ill),
        .cq_set_cmd_to(cq_set_cmd_to),
        .pq_ppn(pq_ppn), .pq_mask(pq_mask), .pq_h(pq_h), .pq_t(pq_t), .pq_on(pq_on),
        .pq_mf(pq_mf), .pq_of(pq_of), .pq_tail_inc(pq_tail_inc), .pq_set_mf(pq_set_mf),
        .pq_set_of(pq_set_of),
        .cq_set_fence_w_ip(cq_set_fence_w_ip),
        .fqb_ppn(fqb_ppn), .fqh(fqh), .fqt(fqt), .fq_mask(fq_mask), .fqon(fqon),
        .fq_stall(fq_stall), .fq_tail_inc(fq_tail_inc), .fq_set_fqmf(fq_set_fqmf),
        .fq_set_fqof(fq_set_fqof),
        .dbg_go(dbg_go), .dbg_iova(dbg_iova), .dbg_did(dbg_did), .dbg_pv(dbg_pv),
        .dbg_pid(dbg_pid), .dbg_priv(dbg_priv), .dbg_ttyp(dbg_ttyp), .dbg_done(dbg_done),
        .dbg_rsp(dbg_rsp),
        .hpm_we_lo(hpm_we_lo), .hpm_we_hi(hpm_we_hi), .hpm_wword(hpm_wword),
        .hpm_wdata(hpm_wdata), .hpm_rword(hpm_rword), .hpm_rdata(hpm_rdata), .hpm_ovf(hpm_ovf),
        .msi_wr_valid(i_wr_valid), .msi_wr_ready(i_wr_ready), .msi_wr_addr(i_wr_addr),
        .msi_wr_data(i_wr_data), .msi_wr_rsp_valid(i_wr_rsp_valid),
        .irq_cq(irq_cq), .irq_fq(irq_fq)
    );

    // ---------------------------------------------------------------- performance monitor
    generate if (HPM_COUNTERS != 0) begin : g_hpm
        iommu_hpm #(.HPM_COUNTERS(HPM_COUNTERS), .HPM_WIDTH(HPM_WIDTH), .ATS(ATS)) u_hpm (
            .clk(clk), .rst_n(rst_n),
            .we_lo(hpm_we_lo), .we_hi(hpm_we_hi), .wword(hpm_wword), .wdata(hpm_wdata),
            .rword(hpm_rword), .rdata(hpm_rdata), .ovf_irq(hpm_ovf),
            // a request entering the datapath (device port or debug request): events 1, 2
            .rq_valid(x_req_valid && x_req_ready), .rq_ttyp(x_req_ttyp), .rq_did(x_req_did),
            .rq_pv(x_req_pv), .rq_pid(x_req_pid),
            // a walk finished: events 4..8
            .wk_valid(hpm_wk_valid), .wk_did(hpm_wk_did), .wk_pv(hpm_wk_pv),
            .wk_pid(hpm_wk_pid), .wk_miss(hpm_wk_miss), .wk_ddt(hpm_wk_ddt),
            .wk_pdt(hpm_wk_pdt), .wk_fs(hpm_wk_fs), .wk_gwalks(hpm_wk_gwalks),
            .wk_gscv(hpm_wk_gscv), .wk_gscid(hpm_wk_gscid), .wk_pscv(hpm_wk_pscv),
            .wk_pscid(hpm_wk_pscid)
        );
    end else begin : g_no_hpm
        assign hpm_rdata = 64'b0;
        assign hpm_ovf   = 1'b0;
        /* verilator lint_off UNUSEDSIGNAL */
        wire unused_hpm = ^{hpm_we_lo, hpm_we_hi, hpm_wword, hpm_wdata, hpm_rword,
                            hpm_wk_valid, hpm_wk_did, hpm_wk_pv, hpm_wk_pid, hpm_wk_miss,
                            hpm_wk_ddt, hpm_wk_pdt, hpm_wk_fs, hpm_wk_gwalks, hpm_wk_gscv,
                            hpm_wk_gscid, hpm_wk_pscv, hpm_wk_pscid, HPM_WIDTH[0]};
        /* verilator lint_on UNUSEDSIGNAL */
    end endgenerate

    // ---------------------------------------------------------------- debug requests
    generate if (DBG != 0) begin : g_dbg
        iommu_dbg u_dbg (
            .clk(clk), .rst_n(rst_n),
            .dbg_go(dbg_go), .dbg_iova(dbg_iova), .dbg_did(dbg_did), .dbg_pv(dbg_pv),
            .dbg_pid(dbg_pid), .dbg_priv(dbg_priv), .dbg_ttyp(dbg_ttyp), .dbg_done(dbg_done),
            .dbg_rsp(dbg_rsp),
            .dev_req_valid(dev_req_valid), .dev_req_ready(dev_req_ready),
            .dev_req_did(dev_req_did), .dev_req_pv(dev_req_pv), .dev_req_pid(dev_req_pid),
            .dev_req_priv(dev_req_priv), .dev_req_iova(dev_req_iova),
            .dev_req_ttyp(dev_req_ttyp), .dev_req_tag(dev_req_tag),
            .dev_rsp_valid(dev_rsp_valid), .dev_rsp_ready(dev_rsp_ready),
            .x_req_valid(x_req_valid), .x_req_ready(x_req_ready), .x_req_did(x_req_did),
            .x_req_pv(x_req_pv), .x_req_pid(x_req_pid), .x_req_priv(x_req_priv),
            .x_req_iova(x_req_iova), .x_req_ttyp(x_req_ttyp), .x_req_tag(x_req_tag),
            .x_req_dbg(x_req_dbg),
            .x_rsp_valid(x_rsp_valid), .x_rsp_ready(x_rsp_ready), .x_rsp_fault(dev_rsp_fault),
            .x_rsp_pa(dev_rsp_pa), .x_rsp_pbmt(dev_rsp_pbmt), .xlate_idle(xlate_idle)
        );
    end else begin : g_no_dbg
        assign x_req_valid   = dev_req_valid;
        assign dev_req_ready = x_req_ready;
        assign x_req_did     = dev_req_did;
        assign x_req_pv      = dev_req_pv;
        assign x_req_pid     = dev_req_pid;
        assign x_req_priv    = dev_req_priv;
        assign x_req_iova    = dev_req_iova;
        assign x_req_ttyp    = dev_req_ttyp;
        assign x_req_tag     = dev_req_tag;
        assign x_req_dbg     = 1'b0;
        assign dev_rsp_valid = x_rsp_valid;
        assign x_rsp_ready   = dev_rsp_ready;
        assign dbg_done      = 1'b0;
        assign dbg_rsp       = 64'b0;
        wire unused_dbg = ^{dbg_go, dbg_iova, dbg_did, dbg_pv, dbg_pid, dbg_priv, dbg_ttyp};
    end endgenerate

    // ---------------------------------------------------------------- command queue
    iommu_cq #(.NL(NL), .S(S), .ATS(ATS), .ATS_TIMEOUT(ATS_TIMEOUT)) u_cq (
        .clk(clk), .rst_n(rst_n),
        .cqon(cqon), .cq_stall(cq_stall), .fctl_wsi(1'b1), .cqb_ppn(cqb_ppn),
        .cqh(cqh), .cqt(cqt),
        .head_inc(cq_head_inc), .set_cqmf(cq_set_cqmf), .set_cmd_ill(cq_set_cmd_ill),
        .set_fence_w_ip(cq_set_fence_w_ip),
        .rd_valid(c_rd_valid), .rd_ready(c_rd_ready), .rd_addr(c_rd_addr),
        .rd_rsp_valid(c_rd_rsp_valid), .rd_rsp_data(cq_rd_data), .rd_rsp_err(c_rd_rsp_err),
        .rd_rsp_last(c_rd_rsp_last),
        .wr_valid(q_wr_valid), .wr_ready(q_wr_ready), .wr_addr(q_wr_addr), .wr_data(q_wr_data),
        .wr_rsp_valid(q_wr_rsp_valid), .wr_rsp_err(q_wr_rsp_err),
        .inv_valid(inv_valid), .inv_ready(inv_ready), .inv_kind(inv_kind), .inv_av(inv_av),
        .inv_pscv(inv_pscv), .inv_gv(inv_gv), .inv_dv(inv_dv), .inv_pscid(inv_pscid),
        .inv_gscid(inv_gscid), .inv_addr(inv_addr), .inv_did(inv_did), .inv_pid(inv_pid),
        .inv_amask(inv_amask),
        .xlate_idle(xlate_idle), .fence_drain(fence_drain),
        .set_cmd_to(cq_set_cmd_to), .msg_valid(cm_valid), .msg_ready(cm_ready),
        .msg_prgr(cm_prgr), .msg_did(cm_did), .msg_pv(cm_pv),
        .msg_pid(cm_pid), .msg_payload(cm_payload), .inv_cpl(ats_inv_cpl)
    );

    // ---------------------------------------------------------------- fault queue
    iommu_fq u_fq (
        .clk(clk), .rst_n(rst_n),
        .fqon(fqon), .fq_stall(fq_stall), .fqb_ppn(fqb_ppn), .fqh(fqh), .fqt(fqt),
        .fq_mask(fq_mask),
        .tail_inc(fq_tail_inc), .set_fqmf(fq_set_fqmf), .set_fqof(fq_set_fqof),
        .flt_valid(flt_valid), .flt_ready(flt_ready), .flt_cause(flt_cause), .flt_did(flt_did),
        .flt_pv(flt_pv), .flt_pid(flt_pid), .flt_priv(flt_priv), .flt_ttyp(flt_ttyp),
        .flt_iotval(flt_iotval), .flt_iotval2(flt_iotval2),
        .wr_valid(f_wr_valid), .wr_ready(f_wr_ready), .wr_addr(f_wr_addr), .wr_data(fq_wr_data),
        .wr_rsp_valid(f_wr_rsp_valid), .wr_rsp_err(f_wr_rsp_err)
    );

    // ---------------------------------------------------------------- translation datapath
    iommu_xlate #(
        .IOTLB_ENTRIES(IOTLB_ENTRIES), .DDTC_ENTRIES(DDTC_ENTRIES),
        .PDTC_ENTRIES(PDTC_ENTRIES), .NEG_CACHE_DC(NEG_CACHE_DC),
        .SV48(SV48), .SV48X4(SV48X4), .SV57(SV57_ON), .SV57X4(SV57X4), .PD17(PD17),
        .PD20(PD20), .SVNAPOT(SVNAPOT), .SVPBMT(SVPBMT), .S(S), .MSI_FLAT(MSI_FLAT), .AMO_HWAD(AMO_HWAD),
        .SVRSW60T59B(SVRSW60T59B), .QOSID(QOSID), .QOSID_RCID_W(QOSID_RCID_W),
        .QOSID_MCID_W(QOSID_MCID_W), .MSI_MRIF(MRIF_ON),
        .HPM(HPM_COUNTERS != 0), .ATS(ATS), .T2GPA(T2GPA), .END(END), .SV32(SV32),
        .SV32X4(SV32X4)
    ) u_xlate (
        .clk(clk), .rst_n(rst_n),
        .ddtp_mode(ddtp_mode), .ddtp_ppn(ddtp_ppn), .fctl_be(fctl_be), .fctl_gxl(fctl_gxl),
        .dev_req_valid(x_req_valid), .dev_req_ready(x_req_ready),
        .dev_req_did(x_req_did), .dev_req_pv(x_req_pv), .dev_req_pid(x_req_pid),
        .dev_req_priv(x_req_priv), .dev_req_iova(x_req_iova), .dev_req_ttyp(x_req_ttyp),
        .dev_req_tag(x_req_tag), .dev_req_dbg(x_req_dbg), .dev_req_data(dev_req_data), .dev_req_ats_nw(dev_req_ats_nw),
        .dev_req_ats_exe(dev_req_ats_exe),
        .dev_rsp_valid(x_rsp_valid), .dev_rsp_ready(x_rsp_ready), .dev_rsp_tag(dev_rsp_tag),
        .dev_rsp_fault(dev_rsp_fault), .dev_rsp_cause(dev_rsp_cause), .dev_rsp_pa(dev_rsp_pa),
        .dev_rsp_pbmt(dev_rsp_pbmt), .dev_rsp_mrif(dev_rsp_mrif), .dev_rsp_ats_cpl(dev_rsp_ats_cpl),
        .dev_rsp_ats_attr(dev_rsp_ats_attr),
        .mem_rd_valid(x_rd_valid), .mem_rd_ready(x_rd_ready), .mem_rd_addr(x_rd_addr),
        .mem_rd_rsp_valid(x_rd_rsp_valid), .mem_rd_rsp_data(x_rd_rsp_data),
        .mem_rd_rsp_err(x_rd_rsp_err),
        .mem_wr_valid(x_wr_valid), .mem_wr_ready(x_wr_ready), .mem_wr_addr(x_wr_addr),
        .mem_wr_data(x_wr_data), .mem_wr_strb(x_wr_strb), .mem_wr_rsp_valid(x_wr_rsp_valid),
        .mem_wr_rsp_err(x_wr_rsp_err),
        .flt_valid(xf_valid), .flt_ready(xf_ready), .flt_cause(xf_cause), .flt_did(xf_did),
        .flt_pv(xf_pv), .flt_pid(xf_pid), .flt_priv(xf_priv), .flt_ttyp(xf_ttyp),
        .flt_iotval(xf_iotval), .flt_iotval2(xf_iotval2),
        .inv_valid(inv_valid), .inv_ready(inv_ready), .inv_kind(inv_kind), .inv_av(inv_av),
        .inv_pscv(inv_pscv), .inv_gv(inv_gv), .inv_dv(inv_dv), .inv_pscid(inv_pscid),
        .inv_gscid(inv_gscid), .inv_addr(inv_addr), .inv_did(inv_did), .inv_pid(inv_pid),
        .inv_amask(inv_amask),
        .xlate_idle(xlate_idle), .req_hold(fence_drain),
        .pq_ppn(pq_ppn), .pq_mask(pq_mask), .pqh(pq_h), .pqt(pq_t), .pq_on(pq_on),
        .pq_mf(pq_mf), .pq_of(pq_of), .pq_tail_inc(pq_tail_inc), .pq_set_mf(pq_set_mf),
        .pq_set_of(pq_set_of), .prg_valid(pm_valid), .prg_ready(pm_ready), .prg_did(pm_did),
        .prg_pv(pm_pv), .prg_pid(pm_pid), .prg_payload(pm_payload),
        .hpm_wk_valid(hpm_wk_valid), .hpm_wk_did(hpm_wk_did), .hpm_wk_pv(hpm_wk_pv),
        .hpm_wk_pid(hpm_wk_pid), .hpm_wk_miss(hpm_wk_miss), .hpm_wk_ddt(hpm_wk_ddt),
        .hpm_wk_pdt(hpm_wk_pdt), .hpm_wk_fs(hpm_wk_fs), .hpm_wk_gwalks(hpm_wk_gwalks),
        .hpm_wk_gscv(hpm_wk_gscv), .hpm_wk_gscid(hpm_wk_gscid), .hpm_wk_pscv(hpm_wk_pscv),
        .hpm_wk_pscid(hpm_wk_pscid)
    );

    // ---------------------------------------------------------------- AXI master
    iommu_axi_master #(.PAS(PAS)) u_axi (
        .clk(clk), .rst_n(rst_n),
        .x_rd_valid(x_rd_valid), .x_rd_ready(x_rd_ready), .x_rd_addr(x_rd_addr),
        .x_rd_rsp_valid(x_rd_rsp_valid), .x_rd_rsp_data(x_rd_rsp_data), .x_rd_rsp_err(x_rd_rsp_err),
        .c_rd_valid(c_rd_valid), .c_rd_ready(c_rd_ready), .c_rd_addr(c_rd_addr),
        .c_rd_rsp_valid(c_rd_rsp_valid), .c_rd_rsp_data(c_rd_rsp_data), .c_rd_rsp_err(c_rd_rsp_err),
        .c_rd_rsp_last(c_rd_rsp_last),
        .f_wr_valid(f_wr_valid), .f_wr_ready(f_wr_ready), .f_wr_addr(f_wr_addr), .f_wr_data(f_wr_data),
        .f_wr_rsp_valid(f_wr_rsp_valid), .f_wr_rsp_err(f_wr_rsp_err),
        .c_wr_valid(c_wr_valid), .c_wr_ready(c_wr_ready), .c_wr_addr(c_wr_addr), .c_wr_data(c_wr_data),
        .c_wr_rsp_valid(c_wr_rsp_valid), .c_wr_rsp_err(c_wr_rsp_err),
        .x_wr_valid(x_wr_valid), .x_wr_ready(x_wr_ready), .x_wr_addr(x_wr_addr),
        .x_wr_data(x_wr_data), .x_wr_strb(x_wr_strb), .x_wr_rsp_valid(x_wr_rsp_valid), .x_wr_rsp_err(x_wr_rsp_err),
        .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen),
        .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst), .m_axi_awlock(m_axi_awlock),
        .m_axi_awcache(m_axi_awcache), .m_axi_awprot(m_axi_awprot),
        .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
        .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
        .m_axi_bid(m_axi_bid), .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid),
        .m_axi_bready(m_axi_bready),
        .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
        .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst), .m_axi_arlock(m_axi_arlock),
        .m_axi_arcache(m_axi_arcache), .m_axi_arprot(m_axi_arprot),
        .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
        .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp),
        .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready)
    );
endmodule
