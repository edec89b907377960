// Translation walker: one request at a time, from the device directory down to
// the SPA. DDT walk and DC checks, PDT walk and PC checks, first-stage
// (Sv39/Sv48/Sv57, Svnapot) and G-stage (Sv39x4/Sv48x4/Sv57x4) page-table walks. Every
// first-stage PTE address, the PDT addresses and the final GPA go through
// the G-stage subroutine (S_G_*), which returns to g_ret.
// Order of checks: the spec's "process to translate an IOVA" (docs/design.md).
// With ATS: Translated and ATS translation requests (done_ats_*), and page requests (ttyp 9):
// the DC checks, then the page-request queue (S_PQ*: the record written on mem_wr_*).
// Style: docs/design.md, "Simulation speed and the RTL's style" (macros, check wires).
module iommu_walker #(
  parameter NEG_CACHE_DC = 0,
  parameter SV48         = 1,   // optional features (riscv_iommu): 0 makes the MODE
  parameter SV48X4       = 1,   // unsupported, so a DC or PC using it is misconfigured
  parameter SV57         = 0,   // first-stage Sv57 (MODE 10: 5 levels, 57-bit IOVAs)
  parameter SV57X4       = 0,   // G-stage Sv57x4 (MODE 10: 5 levels, 59-bit GPAs)
  parameter PD17         = 1,
  parameter PD20         = 1,
  parameter SVNAPOT      = 1,   // 0: PTE bit 63 (N) is reserved, any PTE with N=1 faults
  parameter SVPBMT       = 0,   // 1: leaf PTEs may carry PBMT [62:61] (0 PMA, 1 NC, 2 IO;
                                // 3 reserved); 0: PBMT is reserved, any PTE with it faults
  parameter MSI_FLAT     = 0,   // 1: extended 64-byte DCs and MSI flat-mode translation
  parameter DCW          = (MSI_FLAT != 0) ? 448 : 256,  // cached DC width (iommu_xlate)
  parameter AMO_HWAD     = 0,   // 1: DC.tc.SADE/GADE honoured (hardware A/D update through
                                // mem_wr_*); 0: they are reserved (DC misconfigured)
  parameter SVRSW60T59B  = 0,   // 1: PTE bits 60:59 are software's and ignored; 0: reserved
  parameter QOSID        = 0,   // 1: DC.ta RCID [51:40] / MCID [63:52] (QOSID_*_W bits wide,
  parameter QOSID_RCID_W = 4,   // a wider ID is a misconfigured DC); 0: ta[63:32] reserved
  parameter QOSID_MCID_W = 4,
  parameter MSI_MRIF     = 0,   // 1: MRIF-mode MSI PTEs (M=1): the pending-bit update and the
                                // notice MSI on mem_wr_*; 0: M=1 is misconfigured (263)
  parameter HPM          = 1,   // 0: no iommu_hpm listens: the hpm_* outputs are not kept
  parameter ATS          = 0,   // 1: DC.tc.EN_ATS/EN_PRI/PRPR legal; translated requests and
                                // ATS translation requests are walked (done_ats_*)
  parameter T2GPA        = 0,   // 1 (with ATS): DC.tc.T2GPA legal: Translated requests carry a
                                // GPA (G-stage only), ATS completions give the GPA
  parameter END          = 0,   // 1: big-endian structures: DDT entries, DCs, G-stage and MSI
                                // PTEs and page-request records in fctl.BE order; PDT entries,
                                // PCs and first-stage PTEs in DC.tc.SBE order; 0: little-endian,
                                // DC.tc.SBE=1 misconfigured
  parameter SV32         = 0,   // 1: DC.tc.SXL=1 first stages are Sv32 (2 levels, 4-byte PTEs)
  parameter SV32X4       = 0    // 1: fctl.GXL=1 G-stages are Sv32x4; either: DC.tc.SXL legal
) (
  input             clk,
  input             rst_n,
  input      [3:0]  ddtp_mode,
  input      [43:0] ddtp_ppn,
  input             fctl_be,       // END: fctl.BE (iommu_regs)
  input             fctl_gxl,      // SV32 or SV32X4: fctl.GXL (iommu_regs)
  // start: request plus what the context caches held at dispatch
  input             st_valid,
  output            st_ready,
  input      [23:0] st_did,
  input             st_pv,
  input      [19:0] st_pid,
  input             st_priv,
  input      [63:0] st_iova,
  input      [5:0]  st_ttyp,
  input      [7:0]  st_tag,
  input      [31:0] st_data,       // a write's data (MSI_MRIF: the MSI's interrupt identity)
  input             st_nw,         // ATS translation request: No Write (read-only is enough)
  input             st_exe,        // ATS translation request: Execute Requested (with a PASID)
  input             st_dbg,        // a debug translation (DBG): an MRIF-mode MSI PTE stops it (260)
  input             st_dc_hit,
  input             st_dc_neg,
  input      [DCW-1:0] st_dc,
  input             st_pc_hit,
  input      [127:0] st_pc,
  input             inv_apply,     // an invalidation took effect: drop this walk's fills
  output            busy,
  // memory reads
  output            mem_rd_valid,
  input             mem_rd_ready,
  output     [55:0] mem_rd_addr,
  input             mem_rd_rsp_valid,
  input      [63:0] mem_rd_rsp_data,
  input             mem_rd_rsp_err,
  // memory writes: hardware A/D updates of PTEs (AMO_HWAD), MRIF updates and notice MSIs
  // (MSI_MRIF); never valid otherwise
  output            mem_wr_valid,
  input             mem_wr_ready,
  output     [55:0] mem_wr_addr,
  output     [63:0] mem_wr_data,
  output     [7:0]  mem_wr_strb,   // 0xFF; 0x0F for a notice MSI (4 bytes, page aligned)
  input             mem_wr_rsp_valid,
  input             mem_wr_rsp_err,
  // cache fills
  output            ddtc_fl_en,
  output            ddtc_fl_neg,
  output     [DCW-1:0] ddtc_fl_data,
  output            pdtc_fl_en,
  output     [127:0] pdtc_fl_data,
  output     [23:0] fl_did,
  output     [19:0] fl_pid,
  output            tlb_fl_en,
  output            tlb_fl_gv,
  output     [15:0] tlb_fl_gscid,
  output            tlb_fl_pscv,
  output     [19:0] tlb_fl_pscid,
  output            tlb_fl_g,
  output     [51:0] tlb_fl_vpn,
  output     [2:0]  tlb_fl_size,
  output     [43:0] tlb_fl_ppn,
  output            tlb_fl_r,
  output            tlb_fl_w,
  output            tlb_fl_x,
  output            tlb_fl_u,
  output     [1:0]  tlb_fl_pbmt,
  // result
  output            done_valid,
  input             done_ack,
  output     [7:0]  done_tag,
  output reg        done_fault,
  output reg [11:0] done_cause,
  output reg [55:0] done_pa,
  output     [1:0]  done_pbmt,     // memory type of a success (Svpbmt)
  output            done_mrif,     // MSI_MRIF: the access was to an MRIF page, consumed here;
                                   // done_pa[1:0] 0 recorded, 1 discarded, 2 aborted
  output            done_report,   // fault to be recorded (after DTF)
  output            done_nt_fail,  // MSI_MRIF: record the failed notice MSI (273), no fault
  output     [23:0] done_did,
  output            done_pv,
  output     [19:0] done_pid,
  output            done_priv,
  output     [5:0]  done_ttyp,
  output     [63:0] done_iova,
  output reg [63:0] done_iotval2,
  // ATS translation requests (ATS): the completion's fields. done_ats_noperm: the walk's fault
  // is one the spec answers with Success and R=W=0 (page and guest-page faults, PDT entry and
  // MSI PTE not valid; no record); done_ats_ca: any other fault but 256..260 (UR) is a CA.
  // A success: W, Exe, Global and the range (done_ats_size: 0 4 KiB, 1 64 KiB, 2 2 MiB,
  // 3 1 GiB, 4 512 GiB, 5 256 TiB, 7 no limit: 4 KiB)
  output            done_ats,
  output            done_ats_noperm,
  output            done_ats_ca,
  output            done_ats_w,
  output            done_ats_x,
  output            done_ats_g,
  output            done_ats_u,    // MSI_MRIF: an MRIF-mode MSI page: Untranslated access only
  output     [2:0]  done_ats_size,
  // PRI (ATS): a page request (ttyp 9 PCIE_MSG: iova = the message's payload, R [0] W [1]
  // L [2] PRG index [11:3] page [63:12]; st_exe = Execute Requested) of a device whose DC has
  // EN_ATS=EN_PRI=1 is queued: its 16-byte record written at pqb + 16 * pqt (mem_wr_*).
  // done_prg: a PRG Response is due (L=1, not a Stop Marker) with done_prg_code (0 Success,
  // 1 Invalid Request, 15 Response Failure) and done_prg_pasid (the PASID goes with it)
  input      [43:0] pq_ppn,
  input      [31:0] pq_mask,       // entries - 1
  input      [31:0] pqh,
  input      [31:0] pqt,
  input             pq_on,         // pqen
  input             pq_mf,
  input             pq_of,
  output            pq_tail_inc,
  output            pq_set_mf,
  output            pq_set_of,
  output            done_prg,
  output     [3:0]  done_prg_code,
  output            done_prg_pasid,
  output     [8:0]  done_prg_index,
  // HPM (iommu_hpm): what this walk did, reported as its result is taken (hpm_valid). A
  // request that reached a device context (cached or read) missed the IOATC; DDT, PDT and
  // first-stage walks are reads of those tables; one G-stage walk per G-stage root read.
  // The GSCID/PSCID are those the device and process contexts gave (valid: that stage on).
  output            hpm_valid,
  output reg        hpm_miss,
  output reg        hpm_ddt,
  output reg        hpm_pdt,
  output reg        hpm_fs,
  output reg [3:0]  hpm_gwalks,     // saturates at 15
  output reg        hpm_gscv,
  output reg [15:0] hpm_gscid,
  output reg        hpm_pscv,
  output reg [19:0] hpm_pscid
);
`include "iommu_defs.vh"
  localparam [5:0] S_IDLE = 6'd0,  S_START = 6'd1,  S_DDT = 6'd2,    S_DDT_CHK = 6'd3,
                   S_DC = 6'd4,    S_DC_ACC = 6'd5, S_DC_EVAL = 6'd6, S_CTX = 6'd7,
                   S_PDT_ADDR = 6'd8, S_PDT_RD = 6'd9, S_PDT_CHK = 6'd10, S_PC_RD = 6'd11,
                   S_PC_ACC = 6'd12, S_PC_CHK = 6'd13, S_PC_USE = 6'd14, S_FS = 6'd15,
                   S_PTE_ADDR = 6'd16, S_PTE_RD = 6'd17, S_PTE_CHK = 6'd18,
                   S_G_START = 6'd19, S_G_ADDR = 6'd20, S_G_CHK = 6'd21,
                   S_MEM = 6'd22, S_MEMW = 6'd23, S_OK = 6'd24, S_DONE = 6'd25,
                   S_MSI_RD = 6'd26, S_MSI_ACC = 6'd27, S_MSI_CHK = 6'd28,
                   // hardware A/D update (AMO_HWAD): the first-stage PTE's SPA known (S_AD_FS),
                   // read the PTE again (S_AD_RD), compare (S_AD_CMP), write (S_AD_WR, S_AD_WW)
                   S_AD_FS = 6'd29, S_AD_RD = 6'd30, S_AD_CMP = 6'd31, S_AD_WR = 6'd32,
                   S_AD_WW = 6'd33,
                   // MRIF mode (MSI_MRIF): read the pending doubleword (S_MRIF_RD), write it
                   // with the identity's bit set (S_MRIF_WR, S_MRIF_WW), then the notice MSI
                   // (S_NT_WR, S_NT_WW)
                   S_MRIF_RD = 6'd34, S_MRIF_WR = 6'd35, S_MRIF_WW = 6'd36,
                   S_NT_WR = 6'd37, S_NT_WW = 6'd38,
                   // PRI: the page request's queue decision, its record's two writes
                   S_PQ = 6'd39, S_PQ_W0 = 6'd40, S_PQ_R0 = 6'd41, S_PQ_W1 = 6'd42,
                   S_PQ_R1 = 6'd43;
  localparam [2:0] SZ_NONE = 3'd7;   // a Bare stage: no size limit
  // what the G-stage subroutine translates (g_pur)
  localparam [1:0] GP_FINAL = 2'd0,  // the final GPA: the request's own access
                   GP_PTE   = 2'd1,  // a first-stage PTE address: an implicit load
                   GP_PDT   = 2'd2,  // a PDT address: an implicit load, PDT access faults
                   GP_PTE_ST = 2'd3; // a first-stage PTE address for its A/D update: an
                                     // implicit store (G-stage W; D set with GADE)

  reg [5:0]  state, ret, g_ret;
  // request
  reg [23:0] r_did;
  reg        r_pv, r_priv;
  reg [19:0] r_pid;
  reg [63:0] r_iova;
  reg [5:0]  r_ttyp;
  reg [7:0]  r_tag;
  reg [31:0] r_data;       // MSI_MRIF only
  reg        r_nw, r_exe;  // ATS translation request: No Write, Execute Requested
  reg        r_pc_hit;
  reg        stale;
  reg        ok_fill;      // the walk translated (S_OK or a first-stage leaf): it may fill
  reg        leaf4m;       // Sv32/Sv32x4: a leaf of the translation is a 4 MiB page: no fill
  reg        st_dc_hit_r, st_dc_neg_r;   // what the DC cache held at dispatch (for S_START)
  // contexts
  reg [DCW-1:0] dc;        // {fsc, ta, iohgatp, tc}; extended: {pattern, mask, msiptp} above
  reg        dc_w7;        // extended DC: its reserved eighth doubleword was not 0
  reg [127:0] pc;          // {fsc, ta}
  reg        dc_ok;        // a valid DC was located: its DTF applies
  reg        rd_err;       // any bus error over a multi-doubleword read
  reg [2:0]  k;
  // walk
  reg [55:0] a;            // current table base (SPA or GPA)
  reg [2:0]  lvl;
  reg [63:0] rdata;
  reg [63:0] g_pte;
  reg        rerr;
  reg [3:0]  fs_mode;
  reg [43:0] fs_root;
  reg [19:0] pscid;
  reg        sum;
  reg        fs_g;
  reg        fR, fW, fX, fU, fD;
  reg [2:0]  fs_size;
  reg [1:0]  fs_pbmt;      // the first-stage leaf's PBMT (0 when the first stage is Bare)
  // G-stage subroutine
  reg [63:0] g_gpa;
  reg [1:0]  g_pur;        // GP_FINAL, GP_PTE or GP_PDT
  reg [55:0] g_a;
  reg [2:0]  g_lvl;
  reg [55:0] g_spa;
  reg        gR, gW, gX, gD;
  reg [2:0]  g_size;
  reg [1:0]  g_pbmt;       // the final G-stage leaf's PBMT (0 when the G-stage is Bare)
  // MSI translation (MSI_FLAT): the GPA an MSI PTE translates, and the PTE's first doubleword
  reg [63:0] msi_gpa;
  reg [63:0] msi_w0;
  reg [63:0] msi_w1;       // MSI_MRIF: the second doubleword (NID, NPPN)
  reg        mrif_done;    // MSI_MRIF: this walk ended at an MRIF page (done_mrif)
  reg        nt_fail;      // MSI_MRIF: the notice MSI got a bus error: a 273 record, no fault
  reg        r_dbg;        // the request is a debug translation (iommu_dbg)
  reg        ats_u;        // MSI_MRIF with ATS: the completion is for an MRIF-mode MSI page
  // A/D update in progress: PTE address (SPA), the value the walk used, the value to write,
  // and which stage's PTE (1: G-stage, back to S_G_CHK; 0: first stage, back to S_PTE_CHK)
  reg [55:0] ad_addr;
  reg [63:0] ad_old, ad_new;
  reg        ad_g;

  wire [63:0] tc      = dc[63:0];
  wire [63:0] iohgatp = dc[127:64];
  wire [63:0] dta     = dc[191:128];
  wire [63:0] fsc     = dc[255:192];
  wire [63:0] pta     = pc[63:0];
  wire [63:0] pfsc    = pc[127:64];
  // fields (one name each)
  wire        pdtv      = tc[5];
  wire        dpe       = tc[9];
  wire        dtf       = tc[4];
  wire [3:0]  gmode     = iohgatp[63:60];
  wire [15:0] gscid     = iohgatp[59:44];
  wire [43:0] gppn      = iohgatp[43:0];
  wire [3:0]  fsc_mode  = fsc[63:60];    // iosatp.MODE (PDTV=0) or pdtp.MODE (PDTV=1)
  wire [43:0] fsc_ppn   = fsc[43:0];
  wire [19:0] dc_pscid  = dta[31:12];
  wire [3:0]  pfsc_mode = pfsc[63:60];
  wire [43:0] pfsc_ppn  = pfsc[43:0];
  wire        g_on      = gmode != MODE_BARE;
  wire        sade      = AMO_HWAD != 0 && tc[8];
  wire        gade      = AMO_HWAD != 0 && tc[7];
  // Sv32 / Sv32x4 (docs/design.md "Sv32 in the RTL"): DC.tc.SXL=1 makes the first stage
  // Sv32, fctl.GXL=1 the G-stage Sv32x4; both are 2-level walks of 4-byte PTEs
  localparam HAS32 = SV32 != 0 || SV32X4 != 0;   // fctl.GXL writable: DC.tc.SXL legal
  wire        sxl       = HAS32 && tc[11];
  wire        gxl       = HAS32 && fctl_gxl;
  wire        fs32      = SV32 != 0 && tc[11];     // (SXL=1 allows only Bare or Sv32)
  wire        g32       = SV32X4 != 0 && fctl_gxl; // (GXL=1 allows only Bare or Sv32x4)
  wire [2:0]  g_levels  = g32 ? 3'd2 : (gmode == MODE_SV57X4) ? 3'd5 :
                          (gmode == MODE_SV48X4) ? 3'd4 : 3'd3;

  // ATS (step 7): an ATS translation request is walked as a read; a Translated request with
  // DC.tc.T2GPA=0 carries an SPA and is answered with it, unchecked; with T2GPA=1 (step 9) it
  // carries a GPA: the first stage is Bare and the G-stage checks its access type
  wire is_ats   = ATS != 0 && r_ttyp == TTYP_PCIE_ATS;
  wire is_msg   = ATS != 0 && r_ttyp == TTYP_PCIE_MSG;   // a page request (PRI)
  wire is_tr    = ATS != 0 && (r_ttyp == TTYP_TRANSLATED_EXEC || r_ttyp == TTYP_TRANSLATED_READ ||
                               r_ttyp == TTYP_TRANSLATED_WRITE);
  wire t2gpa    = ATS != 0 && T2GPA != 0 && tc[3];
  wire is_exec  = r_ttyp == TTYP_UNTRANSLATED_EXEC || (is_tr && r_ttyp == TTYP_TRANSLATED_EXEC);
  wire is_write = r_ttyp == TTYP_UNTRANSLATED_WRITE || (is_tr && r_ttyp == TTYP_TRANSLATED_WRITE);
  wire is_untr  = r_ttyp == TTYP_UNTRANSLATED_EXEC || r_ttyp == TTYP_UNTRANSLATED_READ ||
                  r_ttyp == TTYP_UNTRANSLATED_WRITE;
  wire priv_eff = r_pv & r_priv;   // no process_id => User
  // access, page and guest-page faults of the request's access type
  wire [11:0] c_af  = is_exec  ? CAUSE_INSTRUCTION_ACCESS_FAULT :
                      is_write ? CAUSE_WRITE_ACCESS_FAULT : CAUSE_READ_ACCESS_FAULT;
  wire [11:0] c_pf  = is_exec  ? CAUSE_INSTRUCTION_PAGE_FAULT :
                      is_write ? CAUSE_WRITE_PAGE_FAULT : CAUSE_READ_PAGE_FAULT;
  wire [11:0] c_gpf = is_exec  ? CAUSE_INSTRUCTION_GUEST_PAGE_FAULT :
                      is_write ? CAUSE_WRITE_GUEST_PAGE_FAULT : CAUSE_READ_GUEST_PAGE_FAULT;

  // ---- DDT ----
  wire [1:0] ddt_levels = (ddtp_mode == DDTP_3LVL) ? 2'd3 : (ddtp_mode == DDTP_2LVL) ? 2'd2 : 2'd1;
  wire ddtp_walks   = ddtp_mode == DDTP_1LVL || ddtp_mode == DDTP_2LVL || ddtp_mode == DDTP_3LVL;
  // DDI split: base DCs [6:0] [15:7] [23:16]; extended (MSI_FLAT) [5:0] [14:6] [23:15]
  // (only the split the build uses is elaborated: lvl changes on every PTE level too)
  wire        did_too_wide;
  wire [8:0]  ddi_sel;
  wire [55:0] dc_off;
  generate if (MSI_FLAT != 0) begin : g_ddi_ext
    wire did_too_wide_ext  = (ddtp_mode == DDTP_1LVL && r_did[23:6] != 18'd0) ||
                             (ddtp_mode == DDTP_2LVL && r_did[23:15] != 9'd0);
    wire [8:0] ddi_ext = (lvl == 3'd2) ? r_did[23:15] : r_did[14:6];
    assign did_too_wide = did_too_wide_ext;
    assign ddi_sel = ddi_ext;
    assign dc_off = {44'd0, r_did[5:0], 6'd0};
  end else begin : g_ddi_base
    wire did_too_wide_base = (ddtp_mode == DDTP_1LVL && r_did[23:7] != 17'd0) ||
                             (ddtp_mode == DDTP_2LVL && r_did[23:16] != 8'd0);
    wire [8:0] ddi = (lvl == 3'd2) ? {1'b0, r_did[23:16]} : r_did[15:7];
    wire [55:0] dc_off_base = {44'd0, r_did[6:0], 5'd0};
    assign did_too_wide = did_too_wide_base;
    assign ddi_sel = ddi;
    assign dc_off = dc_off_base;
  end endgenerate
  wire [2:0]  dc_last_k = (MSI_FLAT != 0) ? 3'd7 : 3'd3;
  wire dir_rsvd = rdata[9:1] != 9'd0 || rdata[63:54] != 10'd0;   // non-leaf DDT/PDT entry

  // DC checks for the capabilities iommu_regs reports (ATS, T2GPA, END by parameter; GXL=0
  // read-only): any failure is cause 259.
  // Supported MODE encodings: Bare, Sv39 / Sv39x4 / PD8 always, the others by parameter.
  // DC.tc.SXL=1 / fctl.GXL=1 take the 32-bit tables: Bare, or Sv32 / Sv32x4 if built
  wire satp_mode_ok = sxl ? fsc_mode == MODE_BARE || (SV32 != 0 && fsc_mode == MODE_SV32) :
                      fsc_mode == MODE_BARE || fsc_mode == MODE_SV39 ||
                      (SV48 != 0 && fsc_mode == MODE_SV48) || (SV57 != 0 && fsc_mode == MODE_SV57);
  wire pdtp_mode_ok = fsc_mode == MODE_BARE || fsc_mode == MODE_PD8 ||
                      (PD17 != 0 && fsc_mode == MODE_PD17) || (PD20 != 0 && fsc_mode == MODE_PD20);
  wire gmode_ok     = gxl ? gmode == MODE_BARE || (SV32X4 != 0 && gmode == MODE_SV32X4) :
                      gmode == MODE_BARE || gmode == MODE_SV39X4 ||
                      (SV48X4 != 0 && gmode == MODE_SV48X4) || (SV57X4 != 0 && gmode == MODE_SV57X4);
  // DC.ta[63:40]: reserved without QOSID; with it RCID/MCID, no wider than implemented
  wire qos_ta_bad = (QOSID == 0) ? dta[63:40] != 24'd0 :
                    (dta[51:40] >> QOSID_RCID_W) != 12'd0 || (dta[63:52] >> QOSID_MCID_W) != 12'd0;
  wire dc_bad =
      tc[63:32] != 32'd0 || tc[23:12] != 12'd0 ||
      (ATS == 0 && (tc[1] || tc[2] || tc[6])) ||   // EN_ATS, EN_PRI, PRPR without ATS
      (tc[2] && !tc[1]) || (tc[6] && !tc[2]) ||     // EN_PRI needs EN_ATS, PRPR needs EN_PRI
      (tc[3] && !(ATS != 0 && T2GPA != 0 && tc[1] && g_on)) ||   // T2GPA: capability, EN_ATS, G-stage
      (AMO_HWAD == 0 && (tc[7] || tc[8])) ||   // GADE, SADE without AMO_HWAD
      (END == 0 && tc[10]) ||              // SBE != fctl.BE (0) without END
      (HAS32 ? gxl && !tc[11] : tc[11]) || // GXL=1 needs SXL=1; GXL read-only 0: SXL=0
      (pdtv  && !pdtp_mode_ok) ||
      (!pdtv && !satp_mode_ok) ||
      (!pdtv && dpe) ||
      fsc[59:44] != 16'd0 ||
      !gmode_ok ||
      (g_on && gppn[1:0] != 2'd0) ||
      dta[11:0] != 12'd0 || dta[39:32] != 8'd0 || qos_ta_bad ||
      msi_dc_bad;

  // ---- MSI flat mode (MSI_FLAT) ----
  // msiptp: PPN [43:0], reserved [59:44], MODE [63:60] (0 Off, 1 Flat). msi_addr_mask and
  // msi_addr_pattern: [51:0], with bits [51:MGPAW-12] reserved too (MGPAW = 50 with Sv48x4,
  // 41 with Sv39x4 only, 59 with Sv57x4), so an MSI GPA page number has at most MGPAW-12 bits.
  wire        msi_dc_bad;
  wire        msi_on;          // msiptp.MODE is Flat
  wire [43:0] msi_ppn;
  wire [51:0] msi_mask, msi_pattern;
  wire        msi_hit;         // the final GPA is an MSI address (S_FS, S_PTE_CHK)
  wire [63:0] fin_gpa;
  wire [55:0] msi_pte_a;       // the MSI PTE's address
  wire        msi_pte_bad;
  generate if (MSI_FLAT != 0) begin : g_msi
    wire [63:0] msiptp = dc[319:256];
    wire [63:0] mmask  = dc[383:320];
    wire [63:0] mpat   = dc[447:384];
    wire [63:0] m_rsvd = (SV57X4 != 0) ? {{17{1'b1}}, 47'd0} :
                         (SV48X4 != 0) ? {{26{1'b1}}, 38'd0} : {{35{1'b1}}, 29'd0};
    assign msi_on      = msiptp[63:60] == 4'd1;
    assign msi_ppn     = msiptp[43:0];
    assign msi_mask    = mmask[51:0];
    assign msi_pattern = mpat[51:0];
    assign msi_dc_bad  = msiptp[59:44] != 16'd0 || msiptp[63:61] != 3'd0 ||
                         (msiptp[63:60] != 4'd0 && !g_on) ||   // Off while iohgatp is Bare
                         ((mmask | mpat) & m_rsvd) != 64'd0 || dc_w7;
    // The final GPA (first stage Bare: the IOVA; else the first-stage leaf's address) is an MSI
    // address when its page number matches the pattern where the mask is 0 (any access type:
    // the spec recognises accesses, not writes only; an execute faults after the PTE read).
    assign fin_gpa = (state == S_FS) ? r_iova : {8'd0, fs_leaf_pa};
    assign msi_hit = msi_on && ((fin_gpa[63:12] ^ msi_pattern) & ~msi_mask) == 52'd0;
    // Interrupt-file number: the GPA page number's bits under the mask, packed to the right
    // (the spec's extract()); the MSI PTE (16 bytes) is at (msiptp.PPN << 12) | (index << 4).
    reg  [51:0] msi_idx;
    integer     mi;
    reg  [5:0]  mj;
    always @* begin
      msi_idx = 52'd0;
      mj = 6'd0;
      for (mi = 0; mi < 52; mi = mi + 1)
        if (msi_mask[mi]) begin
          msi_idx[mj] = msi_gpa[12 + mi];
          mj = mj + 6'd1;
        end
    end
    wire [51:0] msi_index = msi_idx;
    assign msi_pte_a = {msi_ppn, 12'd0} | {msi_index, 4'd0};
    // MSI PTE, basic translate mode: V [0], M [2:1] = 3, PPN [53:10], C [63] (0: C=1 is
    // implementation-defined, treated as misconfigured as the model does); [9:3] and [62:54]
    // reserved; M=1 (MRIF) needs MSI_MRIF (absent), 0 and 2 are reserved: all misconfigured
    assign msi_pte_bad = msi_w0[63] || msi_w0[2:1] != 2'd3 || msi_w0[9:3] != 7'd0 ||
                         msi_w0[62:54] != 9'd0;
  end else begin : g_no_msi
    assign msi_on = 1'b0; assign msi_ppn = 44'd0;
    assign msi_mask = 52'd0; assign msi_pattern = 52'd0; assign msi_dc_bad = 1'b0;
    assign msi_hit = 1'b0; assign fin_gpa = 64'd0; assign msi_pte_a = 56'd0;
    assign msi_pte_bad = 1'b0;
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_msi = &{1'b0, dc_w7, msi_w0, msi_gpa, msi_on, msi_ppn, msi_mask, msi_pattern};
    /* verilator lint_on UNUSEDSIGNAL */
  end endgenerate

  // ---- MSI PTEs in MRIF mode (MSI_MRIF, with MSI_FLAT) ----
  // AIA "MSI PTE, MRIF mode": first doubleword V [0], M [2:1] = 1, MRIF address [55:9] in
  // [53:7], C [63]; second doubleword NID [9:0], NPPN [53:10], NID[10] [60]; all other bits
  // reserved (263). The MRIF holds, per 64 identities, a pending doubleword then an enable
  // doubleword: identity i's pending bit is bit i%64 of the doubleword at MRIF + (i/64)*16.
  // A device write to the page is an MSI when it is 4 bytes at offset 0 with data < 2048
  // (recorded); other aligned 4-byte writes are discarded; anything else is aborted (this port
  // carries 4-byte writes only, so: offset[1:0] != 0). A read is aborted (the spec allows it).
  localparam MRIF = (MSI_FLAT != 0) && (MSI_MRIF != 0);
  wire        mrif_mode;        // the MSI PTE read is valid-looking and in MRIF mode
  wire        mrif_pte_bad;     // a reserved bit of an MRIF-mode PTE is set
  wire [55:0] mrif_pend_a;      // the identity's pending doubleword
  wire [55:0] nt_addr;          // the notice MSI's address (NPPN << 12)
  wire [10:0] nt_nid;           // and its data
  wire        mrif_abort, mrif_discard;
  generate if (MRIF) begin : g_mrif
    assign mrif_mode    = !msi_w0[63] && msi_w0[2:1] == 2'd1;
    assign mrif_pte_bad = msi_w0[6:3] != 4'd0 || msi_w0[62:54] != 9'd0 ||
                          msi_w1[59:54] != 6'd0 || msi_w1[63:61] != 3'd0;
    assign mrif_pend_a  = {msi_w0[53:7], 9'd0} | {47'd0, r_data[10:6], 4'd0};
    assign nt_addr      = {msi_w1[53:10], 12'd0};
    assign nt_nid       = {msi_w1[60], msi_w1[9:0]};
    assign mrif_abort   = !is_write || msi_gpa[1:0] != 2'd0;
    assign mrif_discard = msi_gpa[11:2] != 10'd0 || r_data[31:11] != 21'd0;
  end else begin : g_no_mrif
    assign mrif_mode = 1'b0; assign mrif_pte_bad = 1'b0; assign mrif_pend_a = 56'd0;
    assign nt_addr = 56'd0; assign nt_nid = 11'd0; assign mrif_abort = 1'b0;
    assign mrif_discard = 1'b0;
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_mrif = &{1'b0, msi_w1, r_data, st_data};
    /* verilator lint_on UNUSEDSIGNAL */
  end endgenerate

  // ---- PDT ----
  wire pid_too_wide = r_pv && ((fsc_mode == MODE_PD8  && r_pid[19:8] != 12'd0) ||
                               (fsc_mode == MODE_PD17 && r_pid[19:17] != 3'd0));
  wire [19:0] pid_eff = r_pv ? r_pid : 20'd0;       // DPE: no process_id => 0
  wire pfsc_mode_ok = sxl ? pfsc_mode == MODE_BARE || (SV32 != 0 && pfsc_mode == MODE_SV32) :
                      pfsc_mode == MODE_BARE || pfsc_mode == MODE_SV39 ||
                      (SV48 != 0 && pfsc_mode == MODE_SV48) || (SV57 != 0 && pfsc_mode == MODE_SV57);
  wire pc_bad = pta[11:3] != 9'd0 || pta[63:32] != 32'd0 || pfsc[59:44] != 16'd0 ||
                !pfsc_mode_ok;
  wire [55:0] pdt_off = (lvl == 3'd0) ? {44'd0, pid_eff[7:0], 4'd0} :
                        (lvl == 3'd1) ? {44'd0, pid_eff[16:8], 3'd0} :
                                        {50'd0, pid_eff[19:17], 3'd0};

  // ---- PTE decode ----
  // rdata holds the last directory entry or first-stage PTE read, g_pte the last G-stage PTE:
  // two registers, so each stage's checks only move when that stage reads (and a simulator
  // evaluates the G-stage logic only on G-stage reads).
  wire p_v = rdata[0], p_r = rdata[1], p_w = rdata[2], p_x = rdata[3], p_u = rdata[4];
  wire p_g = rdata[5], p_a = rdata[6], p_d = rdata[7], p_n = rdata[63];
  wire [43:0] p_ppn = rdata[53:10];
  wire p_leaf = p_r | p_x;
  // Without Svnapot, N is reserved like bits [60:54], in a leaf or not (*_n_rsvd is a
  // constant 0 when Svnapot is built)
  wire p_n_rsvd = (SVNAPOT == 0) ? p_n : 1'b0;
  // PBMT [62:61]: reserved without Svpbmt; with it, 3 is reserved in a leaf and any non-zero
  // value in a non-leaf (checked with the non-leaf rules below)
  wire [1:0] p_pbmt = rdata[62:61];
  wire p_pbmt_rsvd = (SVPBMT == 0) ? p_pbmt != 2'd0 : p_pbmt == 2'd3;
  // Bits 60:59: reserved, or software's with Svrsw60t59b (*_rsw_rsvd a constant 0 then)
  wire p_rsw_rsvd = (SVRSW60T59B == 0) ? rdata[60:59] != 2'd0 : 1'b0;
  wire p_bad_common = !p_v || (!p_r && p_w) || rdata[58:54] != 5'd0 || p_rsw_rsvd || p_pbmt_rsvd ||
                      p_n_rsvd;
  wire q_v = g_pte[0], q_r = g_pte[1], q_w = g_pte[2], q_x = g_pte[3], q_u = g_pte[4];
  wire q_a = g_pte[6], q_d = g_pte[7], q_n = g_pte[63];
  wire [43:0] q_ppn = g_pte[53:10];
  wire q_leaf = q_r | q_x;
  wire q_n_rsvd = (SVNAPOT == 0) ? q_n : 1'b0;
  wire [1:0] q_pbmt = g_pte[62:61];
  wire q_pbmt_rsvd = (SVPBMT == 0) ? q_pbmt != 2'd0 : q_pbmt == 2'd3;
  wire q_rsw_rsvd = (SVRSW60T59B == 0) ? g_pte[60:59] != 2'd0 : 1'b0;
  wire q_bad_common = !q_v || (!q_r && q_w) || g_pte[58:54] != 5'd0 || q_rsw_rsvd || q_pbmt_rsvd ||
                      q_n_rsvd;
  // Level-dependent PTE checks as continuous logic, for the first-stage level (lvl) and the
  // G-stage level (g_lvl): evaluated when their inputs change, not by a call in every state.
  // Written with part-select compares and muxes rather than wide masks (cheap to simulate).
  // A level-l superpage (l = 1..4) takes PPN[9l-1:0] from the address; Svnapot (level 0,
  // N=1) takes PPN[3:0].
  // (Sv32/Sv32x4: a level-1 leaf is a 4 MiB page, PPN[0] = PTE[19:10] must be 0)
  wire fs_misaligned = (fs32 && lvl == 3'd1) ? p_ppn[9:0] != 10'd0 :
                       (lvl == 3'd1 && p_ppn[8:0] != 9'd0) ||
                       (lvl == 3'd2 && p_ppn[17:0] != 18'd0) ||
                       (lvl == 3'd3 && p_ppn[26:0] != 27'd0) ||
                       (lvl == 3'd4 && p_ppn[35:0] != 36'd0);
  wire g_misaligned  = (g32 && g_lvl == 3'd1) ? q_ppn[9:0] != 10'd0 :
                       (g_lvl == 3'd1 && q_ppn[8:0] != 9'd0) ||
                       (g_lvl == 3'd2 && q_ppn[17:0] != 18'd0) ||
                       (g_lvl == 3'd3 && q_ppn[26:0] != 27'd0) ||
                       (g_lvl == 3'd4 && q_ppn[35:0] != 36'd0);
  // structural checks shared by both stages
  wire fs_struct_bad = p_bad_common ||
                       (!p_leaf && (p_d || p_a || p_u || p_n || p_pbmt != 2'd0 || lvl == 3'd0)) ||
                       (p_leaf && fs_misaligned) ||
                       (p_leaf && p_n && !(lvl == 3'd0 && p_ppn[3:0] == 4'b1000));
  wire g_struct_bad  = q_bad_common ||
                       (!q_leaf && (q_d || q_a || q_u || q_n || q_pbmt != 2'd0 || g_lvl == 3'd0)) ||
                       (q_leaf && g_misaligned) ||
                       (q_leaf && q_n && !(g_lvl == 3'd0 && q_ppn[3:0] == 4'b1000));
  // size code of a leaf at this level (IOTLB encoding); a 4 MiB page has none: 4 KiB (the
  // ATS completion's size), and leaf4m keeps the translation out of the IOTLB
  wire [2:0] fs_leaf_size = (lvl == 3'd0 || fs32) ? (p_n ? 3'd1 : 3'd0) : lvl + 3'd1;
  wire [2:0] g_leaf_size  = (g_lvl == 3'd0 || g32) ? (q_n ? 3'd1 : 3'd0) : g_lvl + 3'd1;
  // leaf address: PPN with the bits of the input address under the page
  wire [55:0] fs_leaf_pa = (fs32 && lvl == 3'd1) ? {p_ppn[43:10], r_iova[21:0]} :
                           {(lvl == 3'd1) ? {p_ppn[43:9],  r_iova[20:12]} :
                            (lvl == 3'd2) ? {p_ppn[43:18], r_iova[29:12]} :
                            (lvl == 3'd3) ? {p_ppn[43:27], r_iova[38:12]} :
                            (lvl == 3'd4) ? {p_ppn[43:36], r_iova[47:12]} :
                            (lvl == 3'd0 && p_n) ? {p_ppn[43:4], r_iova[15:12]} : p_ppn,
                            r_iova[11:0]};
  wire [55:0] g_leaf_pa  = (g32 && g_lvl == 3'd1) ? {q_ppn[43:10], g_gpa[21:0]} :
                           {(g_lvl == 3'd1) ? {q_ppn[43:9],  g_gpa[20:12]} :
                            (g_lvl == 3'd2) ? {q_ppn[43:18], g_gpa[29:12]} :
                            (g_lvl == 3'd3) ? {q_ppn[43:27], g_gpa[38:12]} :
                            (g_lvl == 3'd4) ? {q_ppn[43:36], g_gpa[47:12]} :
                            (g_lvl == 3'd0 && q_n) ? {q_ppn[43:4], g_gpa[15:12]} : q_ppn,
                            g_gpa[11:0]};

  // first stage
  wire [2:0] fs_levels = fs32 ? 3'd2 : (fs_mode == MODE_SV57) ? 3'd5 :
                        (fs_mode == MODE_SV48) ? 3'd4 : 3'd3;
  // canonical: bits 63 down to the top translated bit all equal (Sv39 38, Sv48 47, Sv57 56)
  wire fs_noncanon = fs32 ? r_iova[63:32] != 32'd0 :     // Sv32: no sign extension
                     (fs_mode == MODE_SV39) ?
                     !(r_iova[63:38] == 26'd0 || r_iova[63:38] == {26{1'b1}}) :
                     (fs_mode == MODE_SV57) ?
                     !(r_iova[63:56] == 8'd0 || r_iova[63:56] == {8{1'b1}}) :
                     !(r_iova[63:47] == 17'd0 || r_iova[63:47] == {17{1'b1}});
  wire [8:0] fs_idx = r_iova[12 + 9*lvl +: 9];
  wire [8:0] fs_idx_next = r_iova[3 + 9*lvl +: 9];   // the index one level down (lvl >= 1)
  wire [8:0] fs_idx_top  = (fs_mode == MODE_SV57) ? r_iova[56:48] :                  // root level
                           (fs_mode == MODE_SV48) ? r_iova[47:39] : r_iova[38:30];
  // PTE offsets in the table: this level's, the root's and the next level's (Sv32: 10-bit
  // VPNs, VPN[1] = IOVA[31:22], VPN[0] = IOVA[21:12], 4-byte PTEs)
  wire [55:0] fs_off      = fs32 ? {44'd0, lvl[0] ? r_iova[31:22] : r_iova[21:12], 2'd0} :
                                   {44'd0, fs_idx, 3'd0};
  wire [55:0] fs_top_off  = fs32 ? {44'd0, r_iova[31:22], 2'd0} : {44'd0, fs_idx_top, 3'd0};
  wire [55:0] fs_next_off = fs32 ? {44'd0, r_iova[21:12], 2'd0} : {44'd0, fs_idx_next, 3'd0};
  // S_START's shortcut for a cached DC: untranslated request without process_id, no PDT,
  // Sv39/Sv48/Sv57 first stage on a canonical IOVA, G-stage Bare (S_CTX and S_FS would read
  // the root PTE next); anything else takes the long way
  wire dc_canon = (fsc_mode == MODE_SV39) ?
                  (r_iova[63:38] == 26'd0 || r_iova[63:38] == {26{1'b1}}) :
                  (fsc_mode == MODE_SV57) ?
                  (r_iova[63:56] == 8'd0 || r_iova[63:56] == {8{1'b1}}) :
                  (r_iova[63:47] == 17'd0 || r_iova[63:47] == {17{1'b1}});
  wire dc_fs_direct = is_untr && !r_pv && !pdtv && !g_on && !sxl &&
                      (fsc_mode == MODE_SV39 || fsc_mode == MODE_SV48 ||
                       fsc_mode == MODE_SV57) && dc_canon;
  wire [8:0] dc_idx_top = (fsc_mode == MODE_SV57) ? r_iova[56:48] :
                          (fsc_mode == MODE_SV48) ? r_iova[47:39] : r_iova[38:30];
  wire fs_perm_bad = (priv_eff ? (p_u && (is_exec || !sum)) : !p_u) ||
                     (is_exec ? !p_x : is_write ? !p_w : !p_r);
  // A=0, or D=0 for a write: a page fault, or (SADE) the A/D update; checked last. An ATS
  // translation request with No Write = 0 is walked as a write too (the model's completion):
  // with SADE a writable leaf with D=0 gets D (and the completion W)
  wire ats_wr      = is_ats && !r_nw;
  wire fs_wr_d     = is_write || (ats_wr && p_w && sade);
  wire fs_ad_need  = !p_a || (fs_wr_d && !p_d);

  // G-stage
  // DC.tc.SXL=1: a GPA above 34 bits is a guest-page fault under any G-stage (Sv32x4 needs it;
  // under Sv39x4/Sv48x4 it is the model's choice: docs/design.md "Sv32 and Sv32x4").
  // GPA widths: Sv39x4 41, Sv48x4 50, Sv57x4 59 bits
  wire g_range_bad = (sxl && g_gpa[63:34] != 30'd0) ||
                     (!g32 && ((gmode == MODE_SV39X4) ? g_gpa[63:41] != 23'd0 :
                               (gmode == MODE_SV57X4) ? g_gpa[63:59] != 5'd0 :
                                                        g_gpa[63:50] != 14'd0));
  // Sv32x4: root index GPA[33:22] (12 bits, 16 KiB root), then GPA[21:12]; 4-byte PTEs
  wire [55:0] g_off = g32 ? {42'd0, (g_lvl == 3'd1) ? g_gpa[33:22] : {2'b00, g_gpa[21:12]}, 2'd0} :
                            {42'd0, g_idx, 3'd0};
  wire [10:0] g_idx = (g_lvl == g_levels - 3'd1) ? g_gpa[12 + 9*g_lvl +: 11]
                                                 : {2'b00, g_gpa[12 + 9*g_lvl +: 9]};
  wire g_store    = g_pur == GP_PTE_ST ||
                    (g_pur == GP_FINAL && (is_write || (ats_wr && q_w && gade)));
  wire g_perm_bad = !q_u ||
                    ((g_pur == GP_PTE_ST) ? !q_w :
                     (g_pur != GP_FINAL) ? !q_r : (is_exec ? !q_x : is_write ? !q_w : !q_r));
  wire g_ad_need  = !q_a || (g_store && !q_d);
  // the PTE values an A/D update writes, and the write port: built with AMO_HWAD only
  wire [63:0] fs_ad_new, g_ad_new;
  generate if (AMO_HWAD != 0) begin : g_ad
    assign fs_ad_new = rdata | {56'd0, fs_wr_d, 7'h40};
    assign g_ad_new  = g_pte | {56'd0, g_store, 7'h40};
  end else begin : g_no_ad
    assign fs_ad_new = 64'd0;
    assign g_ad_new  = 64'd0;
  end endgenerate
  // the write port: A/D updates, MRIF updates and notice MSIs (ad_addr / ad_new hold the
  // write), and the page-request records (PRI)
  wire        pq_wr   = state == S_PQ_W0 || state == S_PQ_W1;
  wire [55:0] pq_slot = {pq_ppn, 12'd0} + {20'd0, pqt[31:0], 4'd0};
  // the record's first doubleword: PID [31:12], PV [32], PRIV [33], EXEC [34], DID [63:40]
  wire [63:0] pq_dw0  = {r_did, 5'd0, r_pv & r_exe, r_pv & r_priv, r_pv,
                         r_pv ? r_pid : 20'd0, 12'd0};
  generate if (AMO_HWAD != 0 || MRIF || ATS != 0) begin : g_wr
    assign mem_wr_valid = state == S_AD_WR || state == S_MRIF_WR || state == S_NT_WR || pq_wr;
    assign mem_wr_addr  = pq_wr ? (state == S_PQ_W1 ? pq_slot + 56'd8 : pq_slot) : ad_addr;
    // END: a page-request record in fctl.BE order, an A/D update in its table's order (the
    // MRIF's doublewords and the notice MSI are little-endian whatever fctl.BE holds)
    // a 4-byte PTE's A/D update (Sv32/Sv32x4): the word in both halves, the strobe picks its
    // half by address bit 2 (the same lanes in either byte order)
    wire        ad32   = HAS32 && state == S_AD_WR && (ad_g ? g32 : fs32);
    wire [63:0] wr_raw = ad32 ? {ad_new[31:0], ad_new[31:0]} :
                         !pq_wr ? ad_new : state == S_PQ_W1 ? r_iova : pq_dw0;
    wire        wr_be  = END != 0 && (pq_wr ? fctl_be : state == S_AD_WR && (ad_g ? fctl_be : tc[10]));
    assign mem_wr_data  = wr_be ? `IOMMU_BSWAP64(wr_raw) : wr_raw;
    assign mem_wr_strb  = (state == S_NT_WR) ? 8'h0F : ad32 ? (ad_addr[2] ? 8'hF0 : 8'h0F) : 8'hFF;
  end else begin : g_no_wr
    assign mem_wr_valid = 1'b0;
    assign mem_wr_addr  = 56'd0;
    assign mem_wr_data  = 64'd0;
    assign mem_wr_strb  = 8'h00;
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_ad = &{1'b0, ad_addr, ad_new, mem_wr_ready, pq_wr, pq_slot, pq_dw0, ad_g};
    /* verilator lint_on UNUSEDSIGNAL */
  end endgenerate
  // the queue's decision (the model's order): off or pqmf: Response Failure; pqof:
  // Success; full (pqt + 1 == pqh): pqof set, Success; else the record
  wire        pq_full = ((pqt + 32'd1) & pq_mask) == pqh;
  reg  [3:0]  prg_code;
  reg         prg_due;
  reg         pq_inc_q, pq_mf_q, pq_of_q;
  assign pq_tail_inc = pq_inc_q;
  assign pq_set_mf   = pq_mf_q;
  assign pq_set_of   = pq_of_q;
  // a response: L=1 and not a Stop Marker (R=W=0); with the PASID for a Response Failure,
  // or with DC.tc.PRPR (a valid DC located)
  wire        prg_needed = r_iova[2] && (r_iova[0] || r_iova[1]);
  // a fault: 260 is an Invalid Request, every other cause (256..259) a Response Failure
  assign done_prg       = is_msg && prg_needed && (done_fault || prg_due);
  assign done_prg_code  = !done_fault ? prg_code :
                          done_cause == CAUSE_TTYP_DISALLOWED ? 4'h1 : 4'hF;
  assign done_prg_pasid = r_pv && (done_prg_code == 4'hF || (dc_ok && tc[6]));
  assign done_prg_index = r_iova[11:3];
  // bit 0: an implicit access (a first-stage PTE or PDT address); bit 1: it was a store
  wire [63:0] g_iotval2 = {g_gpa[63:2], g_pur == GP_PTE_ST, g_pur != GP_FINAL};

  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = &{1'b0, tc[31:24], g_pte[9:8], g_pte[5]};   // custom DC bits; G-stage RSW and G
  /* verilator lint_on UNUSEDSIGNAL */

  // ---- outputs ----
  assign st_ready     = state == S_IDLE || (state == S_DONE && done_ack);
  assign busy         = state != S_IDLE;
  // A read that S_START's shortcut or a non-leaf first-stage PTE under a Bare G-stage decides
  // is offered from that state itself (pre_rd): granted at once, the walk skips S_MEM.
  wire        start_rd    = state == S_START && ddtp_walks &&
                            !did_too_wide && st_dc_hit_r && !st_dc_neg_r && dc_fs_direct;
  wire        next_rd     = state == S_PTE_CHK && !rerr && !fs_struct_bad && !p_leaf && !g_on;
  wire        pre_rd      = start_rd || next_rd;
  wire [55:0] root_addr   = {fsc_ppn, 12'd0} + {44'd0, dc_idx_top, 3'd0};
  wire [55:0] next_addr   = {p_ppn, 12'd0} + fs_next_off;
  reg  [55:0] rd_addr_q;
  // END: the byte order of the read in flight, by the state it returns to: PDT entries, PCs
  // and first-stage PTEs (an A/D re-read of one too) follow DC.tc.SBE; the MRIF's pending
  // doubleword is little-endian; DDT entries, DCs, G-stage and MSI PTEs follow fctl.BE
  wire        rd_sbe  = ret == S_PDT_CHK || ret == S_PC_ACC || ret == S_PTE_CHK ||
                        (ret == S_AD_CMP && !ad_g);
  wire        rd_be   = END != 0 && ret != S_MRIF_RD && (rd_sbe ? tc[10] : fctl_be);
  wire [63:0] rd_data = rd_be ? `IOMMU_BSWAP64(mem_rd_rsp_data) : mem_rd_rsp_data;
  // A 4-byte PTE (Sv32/Sv32x4) is half the doubleword read: the word at offset 4 is bits 63:32
  // little-endian, and after a big-endian read's swap the word at offset 0 is
  wire        rd_pte32 = HAS32 && ((ret == S_PTE_CHK && fs32) || (ret == S_G_CHK && g32) ||
                                   (ret == S_AD_CMP && (ad_g ? g32 : fs32)));
  wire [31:0] rd_word  = (rd_addr_q[2] ^ rd_be) ? rd_data[63:32] : rd_data[31:0];
  wire [63:0] rd_val   = rd_pte32 ? {32'd0, rd_word} : rd_data;
  assign mem_rd_valid = state == S_MEM || pre_rd;
  assign mem_rd_addr  = start_rd ? root_addr : next_rd ? next_addr : rd_addr_q;
  assign done_valid   = state == S_DONE;
  assign hpm_valid    = HPM != 0 && state == S_DONE && done_ack;
  assign done_tag     = r_tag;
  assign done_did     = r_did;
  assign done_pv      = r_pv;
  assign done_pid     = r_pv ? r_pid : 20'd0;
  assign done_priv    = r_pv & r_priv;
  assign done_ttyp    = r_ttyp;
  // a failed notice MSI's record (MSI_MRIF): iotval is the notice's address (iommu_xlate
  // clears the ids and TTYP of that record); a page request's: its message code
  assign done_iova    = nt_fail ? {8'd0, ad_addr} : is_msg ? 64'd4 : r_iova;
  assign done_mrif    = mrif_done && !done_fault;
  // DTF suppresses all but the causes the spec keeps (256-259, 268, 272, 273)
  wire always_rep = done_cause == CAUSE_ALL_INBOUND_DISALLOWED ||
                    done_cause == CAUSE_DDT_LOAD_ACCESS_FAULT ||
                    done_cause == CAUSE_DDT_NOT_VALID ||
                    done_cause == CAUSE_DDT_MISCONFIGURED ||
                    done_cause == CAUSE_DDT_DATA_CORRUPTION ||
                    done_cause == CAUSE_INTERNAL_DATAPATH_ERROR ||
                    done_cause == CAUSE_MSI_WRITE_ACCESS_FAULT;
  assign done_report = done_fault && (!dc_ok || !dtf || always_rep);
  assign done_nt_fail = nt_fail;
  wire ats_noperm_cause = done_cause == CAUSE_INSTRUCTION_PAGE_FAULT ||
                          done_cause == CAUSE_READ_PAGE_FAULT ||
                          done_cause == CAUSE_WRITE_PAGE_FAULT ||
                          done_cause == CAUSE_INSTRUCTION_GUEST_PAGE_FAULT ||
                          done_cause == CAUSE_READ_GUEST_PAGE_FAULT ||
                          done_cause == CAUSE_WRITE_GUEST_PAGE_FAULT ||
                          done_cause == CAUSE_PDT_NOT_VALID ||
                          done_cause == CAUSE_MSI_PTE_NOT_VALID;
  wire ats_ur_cause = done_cause >= CAUSE_ALL_INBOUND_DISALLOWED &&
                      done_cause <= CAUSE_TTYP_DISALLOWED;
  assign done_ats        = is_ats;
  assign done_ats_noperm = is_ats && done_fault && ats_noperm_cause;
  assign done_ats_ca     = is_ats && done_fault && !ats_noperm_cause && !ats_ur_cause;
  // W: the leaf's W (and D: without A/D update a store to a page with D=0 faults) in both
  // stages, if asked (NW=0); the read walk already passed the U/SUM check, which a write
  // shares. Exe: asked with a PASID, X in both stages, and a supervisor access may not execute
  // a user page (even with SUM). Global: the first stage's G (leaf or above) with a PASID.
  // An MRIF-mode MSI page (ats_u): W = 1 whatever NW and the first stage say (the spec).
  assign done_ats_w      = ats_u || (!r_nw && fW && fD && gW && gD);
  assign done_ats_x      = r_exe && r_pv && fX && gX && !(fs_mode != MODE_BARE && priv_eff && fU);
  assign done_ats_g      = r_pv && fs_mode != MODE_BARE && fs_g;
  assign done_ats_u      = ats_u;

  wire no_fill = stale || inv_apply;
  assign fl_did       = r_did;
  assign fl_pid       = pid_eff;
  assign ddtc_fl_data = dc;
  assign ddtc_fl_neg  = !tc[0];
  assign ddtc_fl_en   = state == S_DC_EVAL && !rd_err && !no_fill &&
                        ((tc[0] && !dc_bad) || (NEG_CACHE_DC != 0 && !tc[0]));
  assign pdtc_fl_data = pc;
  assign pdtc_fl_en   = state == S_PC_CHK && !rd_err && pta[0] && !pc_bad && !no_fill;
  wire [2:0] c_size   = (fs_size < g_size) ? fs_size : g_size;
  assign done_ats_size   = c_size;
  // a success fills the IOTLB as its response is taken
  assign tlb_fl_en    = state == S_DONE && done_ack && ok_fill && !no_fill && c_size != SZ_NONE &&
                        !leaf4m;
  assign tlb_fl_gv    = g_on;
  assign tlb_fl_gscid = gscid;
  assign tlb_fl_pscv  = fs_mode != MODE_BARE;
  assign tlb_fl_pscid = pscid;
  assign tlb_fl_g     = fs_g;
  assign tlb_fl_vpn   = r_iova[63:12];
  assign tlb_fl_size  = c_size;
  assign tlb_fl_ppn   = g_spa[55:12];
  assign tlb_fl_r     = fR & gR;
  assign tlb_fl_w     = fW & fD & gW & gD;
  assign tlb_fl_x     = fX & gX;
  assign tlb_fl_u     = fU;
  // Svpbmt, two stages (Privileged spec): a non-zero first-stage PBMT overrides the G-stage's,
  // which overrides the PMA; a Bare stage leaves its PBMT 0
  // (without Svpbmt every success is PMA: fs_pbmt and g_pbmt are neither written nor read)
  generate if (SVPBMT != 0) begin : g_pbmt_on
    assign done_pbmt    = (fs_pbmt != 2'd0) ? fs_pbmt : g_pbmt;
  end else begin : g_pbmt_off
    assign done_pbmt    = 2'd0;
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_pbmt = &{1'b0, fs_pbmt, g_pbmt};
    /* verilator lint_on UNUSEDSIGNAL */
  end endgenerate
  assign tlb_fl_pbmt  = done_pbmt;

  // State-machine actions, as macros rather than tasks: a task call costs an event-driven
  // simulator a thread per call (undefined at the end of the module). Each expands to a
  // begin-end block, so a use takes no semicolon.
`define WK_FAULT(c, v2) begin done_fault <= 1'b1; done_cause <= (c); done_iotval2 <= (v2); \
    state <= S_DONE; end
`define WK_MEM_READ(addr, back) begin rd_addr_q <= (addr); ret <= (back); state <= S_MEM; end
// take a request: what the walk accumulates is cleared; the first-stage context (fs_mode,
// fs_root, pscid, sum) is set by whichever state decides it and the done_* values by the
// state that ends the walk, so an unchanged context causes no events
`define WK_ACCEPT begin \
    r_did <= st_did; r_pv <= st_pv; r_pid <= st_pid; r_priv <= st_priv; \
    r_iova <= st_iova; r_ttyp <= st_ttyp; r_tag <= st_tag; r_dbg <= st_dbg; ats_u <= 1'b0; \
    if (MRIF) begin r_data <= st_data; mrif_done <= 1'b0; nt_fail <= 1'b0; end \
    if (ATS != 0) begin r_nw <= st_nw; r_exe <= st_exe; end \
    r_pc_hit <= st_pc_hit; pc <= st_pc; dc <= st_dc; \
    st_dc_hit_r <= st_dc_hit; st_dc_neg_r <= st_dc_neg; \
    dc_ok <= 1'b0; stale <= inv_apply; ok_fill <= 1'b0; leaf4m <= 1'b0; \
    done_fault <= 1'b0; fs_g <= 1'b0; \
    if (ATS != 0) begin prg_due <= 1'b0; prg_code <= 4'h0; end \
    if (SVPBMT != 0) begin fs_pbmt <= 2'd0; g_pbmt <= 2'd0; end \
    if (HPM != 0) begin hpm_miss <= 1'b0; hpm_ddt <= 1'b0; hpm_pdt <= 1'b0; hpm_fs <= 1'b0; \
      hpm_gwalks <= 4'd0; hpm_gscv <= 1'b0; hpm_pscv <= 1'b0; end \
    state <= S_START; end
`define WK_G_CALL(gpa, pur, back) begin g_gpa <= (gpa); g_pur <= (pur); g_ret <= (back); \
    state <= S_G_START; end

  // else nothing changes
  wire w_run = `IOMMU_RUN(!rst_n | inv_apply | state != S_IDLE | st_valid);
  always @(posedge clk) if (w_run) begin
    if (!rst_n) begin
      state <= S_IDLE;
      stale <= 1'b0;
      if (ATS != 0) begin pq_inc_q <= 1'b0; pq_mf_q <= 1'b0; pq_of_q <= 1'b0; end
      ok_fill <= 1'b0;
      leaf4m <= 1'b0;
      done_fault <= 1'b0;
      mrif_done <= 1'b0;
      nt_fail <= 1'b0;
    end else begin
      if (inv_apply) stale <= 1'b1;
      if (ATS != 0) begin pq_inc_q <= 1'b0; pq_mf_q <= 1'b0; pq_of_q <= 1'b0; end
      case (state)
        S_IDLE: if (st_valid) `WK_ACCEPT
        S_START: begin
          if (ddtp_mode == DDTP_BARE) begin
            // ddtp: in Bare only untranslated requests are allowed; translated, ATS
            // translation requests and PCIe messages (and reserved/custom types) get 260
            if (!is_untr) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
            else begin done_pa <= r_iova[55:0]; state <= S_DONE; end
          end else if (!ddtp_walks) `WK_FAULT(CAUSE_ALL_INBOUND_DISALLOWED, 64'd0)
          else if (did_too_wide) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
          else if (st_dc_hit_r) begin
            if (HPM != 0) hpm_miss <= 1'b1;        // a cached DC: the IOATC missed
            if (HPM != 0 && !st_dc_neg_r) begin
              hpm_gscv <= g_on; hpm_gscid <= gscid;
              hpm_pscv <= !pdtv && fsc_mode != MODE_BARE; hpm_pscid <= dc_pscid;
            end
            if (st_dc_neg_r) `WK_FAULT(CAUSE_DDT_NOT_VALID, 64'd0)
            else if (dc_fs_direct) begin
              // The common case in one step (what S_CTX and S_FS would decide): a cached DC
              // without process context, a first stage, G-stage Bare: read the root PTE.
              dc_ok <= 1'b1;
              fs_mode <= fsc_mode; fs_root <= fsc_ppn; pscid <= dc_pscid; sum <= 1'b0;
              a   <= {fsc_ppn, 12'd0};
              lvl <= (fsc_mode == MODE_SV57) ? 3'd4 : (fsc_mode == MODE_SV48) ? 3'd3 : 3'd2;
              rd_addr_q <= root_addr;                // offered now (start_rd)
              ret       <= S_PTE_CHK;
              state     <= mem_rd_ready ? S_MEMW : S_MEM;
            end else begin dc_ok <= 1'b1; state <= S_CTX; end
          end else begin
            a   <= {ddtp_ppn, 12'd0};
            lvl <= {1'b0, ddt_levels} - 3'd1;
            k   <= 3'd0; rd_err <= 1'b0; dc_w7 <= 1'b0;
            state <= (ddt_levels == 2'd1) ? S_DC : S_DDT;
          end
        end
        S_DDT: `WK_MEM_READ(a + {44'd0, ddi_sel, 3'd0}, S_DDT_CHK)
        S_DDT_CHK: begin
          if (rerr) `WK_FAULT(CAUSE_DDT_LOAD_ACCESS_FAULT, 64'd0)
          else if (!rdata[0]) `WK_FAULT(CAUSE_DDT_NOT_VALID, 64'd0)
          else if (dir_rsvd) `WK_FAULT(CAUSE_DDT_MISCONFIGURED, 64'd0)
          else begin
            a   <= {rdata[53:10], 12'd0};
            lvl <= lvl - 3'd1;
            state <= (lvl == 3'd1) ? S_DC : S_DDT;
          end
        end
        S_DC: `WK_MEM_READ(a + dc_off + {50'd0, k, 3'd0}, S_DC_ACC)
        S_DC_ACC: begin
          // extended: doublewords 0..6 are the DC, the eighth is reserved (must be 0)
          if (MSI_FLAT != 0 && k == 3'd7) dc_w7 <= rdata != 64'd0;
          else dc <= {rdata, dc[DCW-1:64]};
          rd_err <= rd_err | rerr;
          k <= k + 3'd1;
          state <= (k == dc_last_k) ? S_DC_EVAL : S_DC;
        end
        S_DC_EVAL: begin
          if (HPM != 0 && !rd_err && tc[0]) begin  // the IDs of a valid DC (HPM filters)
            hpm_gscv <= g_on; hpm_gscid <= gscid;
            hpm_pscv <= !pdtv && fsc_mode != MODE_BARE; hpm_pscid <= dc_pscid;
          end
          if (rd_err) `WK_FAULT(CAUSE_DDT_LOAD_ACCESS_FAULT, 64'd0)
          else if (!tc[0]) `WK_FAULT(CAUSE_DDT_NOT_VALID, 64'd0)
          else if (dc_bad) `WK_FAULT(CAUSE_DDT_MISCONFIGURED, 64'd0)
          else begin dc_ok <= 1'b1; state <= S_CTX; end
        end
        S_CTX: begin
          // PRI: a page request needs EN_ATS and EN_PRI (else 260, Invalid Request); the
          // process_id is not checked against the DC
          if (is_msg) begin
            if (tc[1] && tc[2]) state <= S_PQ;
            else `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
          end
          // step 7: translated and ATS translation requests need DC.tc.EN_ATS
          else if (!is_untr && !((is_ats || is_tr) && tc[1])) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
          else if (r_pv && !pdtv) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
          // step 8: a Translated request (T2GPA=0) is done, its address an SPA; step 9
          // (T2GPA=1): a GPA, through the G-stage alone (never cached: ok_fill stays 0)
          else if (is_tr && !(pdtv && pid_too_wide)) begin
            if (t2gpa) begin
              fs_mode <= MODE_BARE; pscid <= 20'd0; sum <= 1'b0; state <= S_FS;
            end else begin
              done_pa <= r_iova[55:0]; state <= S_DONE;
            end
          end
          else if (pdtv) begin
            if (pid_too_wide) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
            else if (!(r_pv || dpe) || fsc_mode == MODE_BARE) begin
              fs_mode <= MODE_BARE; pscid <= 20'd0; sum <= 1'b0; state <= S_FS;
            end else if (r_pc_hit) state <= S_PC_USE;
            else begin
              a   <= {fsc_ppn, 12'd0};
              lvl <= fsc_mode[2:0] - 3'd1;             // PD8/PD17/PD20: 1/2/3 levels
              k   <= 3'd0; rd_err <= 1'b0;
              state <= S_PDT_ADDR;
            end
          end else begin
            fs_mode <= fsc_mode; fs_root <= fsc_ppn; pscid <= dc_pscid; sum <= 1'b0;
            state <= S_FS;
          end
        end
        // PDT: the index offset is added first, then the G-stage (draft order)
        S_PDT_ADDR: begin
          if (g_on) `WK_G_CALL({8'd0, a + pdt_off}, GP_PDT, S_PDT_RD)
          else begin g_spa <= a + pdt_off; state <= S_PDT_RD; end
        end
        S_PDT_RD: begin
          if (lvl != 3'd0) `WK_MEM_READ(g_spa, S_PDT_CHK)
          else state <= S_PC_RD;
        end
        S_PDT_CHK: begin
          if (rerr) `WK_FAULT(CAUSE_PDT_LOAD_ACCESS_FAULT, 64'd0)
          else if (!rdata[0]) `WK_FAULT(CAUSE_PDT_NOT_VALID, 64'd0)
          else if (dir_rsvd) `WK_FAULT(CAUSE_PDT_MISCONFIGURED, 64'd0)
          else begin
            a   <= {rdata[53:10], 12'd0};
            lvl <= lvl - 3'd1;
            state <= S_PDT_ADDR;
          end
        end
        S_PC_RD: `WK_MEM_READ(g_spa + {52'd0, k[0], 3'd0}, S_PC_ACC)
        S_PC_ACC: begin
          pc <= {rdata, pc[127:64]};
          rd_err <= rd_err | rerr;
          k <= k + 3'd1;
          state <= (k == 3'd1) ? S_PC_CHK : S_PC_RD;
        end
        S_PC_CHK: begin
          if (rd_err) `WK_FAULT(CAUSE_PDT_LOAD_ACCESS_FAULT, 64'd0)
          else if (!pta[0]) `WK_FAULT(CAUSE_PDT_NOT_VALID, 64'd0)
          else if (pc_bad) `WK_FAULT(CAUSE_PDT_MISCONFIGURED, 64'd0)
          else state <= S_PC_USE;
        end
        S_PC_USE: begin
          if (priv_eff && !pta[1]) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)   // ENS=0
          else begin
            fs_mode <= pfsc_mode; fs_root <= pfsc_ppn;
            pscid <= pta[31:12]; sum <= pta[2];
            if (HPM != 0) begin hpm_pscv <= pfsc_mode != MODE_BARE; hpm_pscid <= pta[31:12]; end
            state <= S_FS;
          end
        end
        // ---- first stage ----
        S_FS: begin
          if (fs_mode == MODE_BARE) begin
            fR <= 1'b1; fW <= 1'b1; fX <= 1'b1; fU <= 1'b0; fD <= 1'b1;
            fs_size <= SZ_NONE;
            if (msi_hit) begin msi_gpa <= fin_gpa; k <= 3'd0; rd_err <= 1'b0; state <= S_MSI_RD; end
            else `WK_G_CALL(r_iova, GP_FINAL, S_OK)
          end else if (fs_noncanon) `WK_FAULT(c_pf, 64'd0)
          else begin
            a   <= {fs_root, 12'd0};
            lvl <= fs_levels - 3'd1;
            // G-stage Bare: the root PTE address is an SPA, read it at once
            if (g_on) state <= S_PTE_ADDR;
            else `WK_MEM_READ({fs_root, 12'd0} + fs_top_off, S_PTE_CHK)
          end
        end
        // G-stage Bare: the PTE address is the SPA, read it at once
        S_PTE_ADDR: begin
          if (g_on) `WK_G_CALL({8'd0, a + fs_off}, GP_PTE, S_PTE_RD)
          else `WK_MEM_READ(a + fs_off, S_PTE_CHK)
        end
        S_PTE_RD: `WK_MEM_READ(g_spa, S_PTE_CHK)
        S_PTE_CHK: begin
          if (rerr) `WK_FAULT(c_af, 64'd0)
          else if (fs_struct_bad) `WK_FAULT(c_pf, 64'd0)
          else if (!p_leaf) begin
            fs_g <= fs_g | p_g;
            a    <= {p_ppn, 12'd0};
            lvl  <= lvl - 3'd1;
            // G-stage Bare: the next PTE address is an SPA, read it at once (pre_rd)
            if (g_on) state <= S_PTE_ADDR;
            else begin
              rd_addr_q <= next_addr;                // offered now (next_rd)
              ret       <= S_PTE_CHK;
              state     <= mem_rd_ready ? S_MEMW : S_MEM;
            end
          end else if (fs_perm_bad || (fs_ad_need && !sade)) `WK_FAULT(c_pf, 64'd0)
          else if (fs_ad_need) begin
            // SADE: update A (and D for a write) in memory, then check this PTE again
            ad_old <= rdata; ad_new <= fs_ad_new; ad_g <= 1'b0;
            if (g_on) `WK_G_CALL({8'd0, a + fs_off}, GP_PTE_ST, S_AD_FS)
            else begin ad_addr <= rd_addr_q; state <= S_AD_RD; end
          end else begin
            fs_g <= fs_g | p_g;
            if (SVPBMT != 0) fs_pbmt <= p_pbmt;
            fR <= p_r; fW <= p_w; fX <= p_x; fU <= p_u; fD <= p_d;
            fs_size <= fs_leaf_size;
            if (HAS32 && fs32 && lvl == 3'd1) leaf4m <= 1'b1;
            if (msi_hit) begin msi_gpa <= fin_gpa; k <= 3'd0; rd_err <= 1'b0; state <= S_MSI_RD; end
            else if (g_on) `WK_G_CALL({8'd0, fs_leaf_pa}, GP_FINAL, S_OK)
            else begin
              g_spa <= fs_leaf_pa;
              gR <= 1'b1; gW <= 1'b1; gX <= 1'b1; gD <= 1'b1; g_size <= SZ_NONE;
              done_pa <= fs_leaf_pa;
              ok_fill <= 1'b1;
              state <= S_DONE;
            end
          end
        end
        // ---- MSI translation (step 18): both doublewords of the MSI PTE, then its checks ----
        S_MSI_RD: `WK_MEM_READ(msi_pte_a | {52'd0, k[0], 3'd0}, S_MSI_ACC)
        S_MSI_ACC: begin
          if (k == 3'd0) msi_w0 <= rdata;    // the second doubleword is ignored in basic mode
          else if (MRIF) msi_w1 <= rdata;     // MRIF mode: NID and NPPN
          rd_err <= rd_err | rerr;
          k <= k + 3'd1;
          state <= (k == 3'd1) ? S_MSI_CHK : S_MSI_RD;
        end
        S_MSI_CHK: begin
          if (rd_err) `WK_FAULT(CAUSE_MSI_PTE_LOAD_ACCESS_FAULT, 64'd0)
          else if (!msi_w0[0]) `WK_FAULT(CAUSE_MSI_PTE_NOT_VALID, 64'd0)
          else if (mrif_mode ? mrif_pte_bad : msi_pte_bad)
            `WK_FAULT(CAUSE_MSI_PTE_MISCONFIGURED, 64'd0)
          else if (is_exec) `WK_FAULT(CAUSE_INSTRUCTION_ACCESS_FAULT, 64'd0)
          // the debug chapter: a debug translation whose MSI PTE is in MRIF mode "stops and
          // reports a Transaction type disallowed (cause = 260) fault": no MRIF update
          else if (mrif_mode && r_dbg) `WK_FAULT(CAUSE_TTYP_DISALLOWED, 64'd0)
          else if (mrif_mode && is_ats) begin
            // an ATS translation request: "a Success response with R, W, and U bit set to 1"
            // (whatever No Write asked); no translated address (address field 0, S=0: the
            // implied 4 KiB range), no Exe, not Global; nothing consumed (done_mrif 0)
            ats_u <= 1'b1; done_pa <= 56'd0;
            gX <= 1'b0; g_size <= 3'd0; fs_g <= 1'b0;
            state   <= S_DONE;
          end
          else if (mrif_mode) begin
            // MRIF mode: the access is consumed here; an MSI sets its pending bit first
            mrif_done <= 1'b1;
            if (mrif_abort) begin done_pa <= 56'd2; state <= S_DONE; end
            else if (mrif_discard) begin done_pa <= 56'd1; state <= S_DONE; end
            else begin done_pa <= 56'd0; `WK_MEM_READ(mrif_pend_a, S_MRIF_RD) end
          end else begin
            // write-through: the PTE's PPN with the GPA's page offset; not put in the IOTLB.
            // The MSI page stands in for the G-stage (not walked): an ATS completion for it
            // (ATS with MSI_FLAT) is R and W, no Exe, not Global, 4 KiB, as the model's
            done_pa <= {msi_w0[53:10], msi_gpa[11:0]};
            gR <= 1'b1; gW <= 1'b1; gX <= 1'b0; gD <= 1'b1; g_size <= 3'd0; fs_g <= 1'b0;
            state   <= S_DONE;
          end
        end
        // ---- G-stage subroutine: g_gpa -> g_spa ----
        S_G_START: begin
          if (!g_on) begin
            g_spa <= g_gpa[55:0];
            if (g_pur == GP_FINAL) begin
              gR <= 1'b1; gW <= 1'b1; gX <= 1'b1; gD <= 1'b1; g_size <= SZ_NONE;
            end
            state <= g_ret;
          end else if (g_range_bad) `WK_FAULT(c_gpf, g_iotval2)
          else begin
            g_a   <= {gppn, 12'd0};
            g_lvl <= g_levels - 3'd1;
            state <= S_G_ADDR;
          end
        end
        S_G_ADDR: `WK_MEM_READ(g_a + g_off, S_G_CHK)
        S_G_CHK: begin
          if (rerr) `WK_FAULT((g_pur == GP_PDT) ? CAUSE_PDT_LOAD_ACCESS_FAULT : c_af, 64'd0)
          else if (g_struct_bad) `WK_FAULT(c_gpf, g_iotval2)
          else if (!q_leaf) begin
            g_a   <= {q_ppn, 12'd0};
            g_lvl <= g_lvl - 3'd1;
            state <= S_G_ADDR;
          end else if (g_perm_bad || (g_ad_need && !gade)) `WK_FAULT(c_gpf, g_iotval2)
          else if (g_ad_need) begin
            // GADE: update A (and D for a store) in memory, then check this PTE again
            ad_addr <= rd_addr_q; ad_old <= g_pte; ad_new <= g_ad_new; ad_g <= 1'b1;
            state <= S_AD_RD;
          end else begin
            g_spa <= g_leaf_pa;
            if (g_pur == GP_FINAL) begin
              gR <= q_r; gW <= q_w; gX <= q_x; gD <= q_d; g_size <= g_leaf_size;
              if (HAS32 && g32 && g_lvl == 3'd1) leaf4m <= 1'b1;
              if (SVPBMT != 0) g_pbmt <= q_pbmt;
            end
            state <= g_ret;
          end
        end
        // ---- memory read: one outstanding ----
        S_MEM:  if (mem_rd_ready) state <= S_MEMW;
        S_MEMW: if (mem_rd_rsp_valid) begin
          // HPM: what a successful read walked
          if (HPM != 0 && !mem_rd_rsp_err) begin
            if (ret == S_DDT_CHK || ret == S_DC_ACC) begin hpm_ddt <= 1'b1; hpm_miss <= 1'b1; end
            if (ret == S_PDT_CHK || ret == S_PC_ACC) hpm_pdt <= 1'b1;
            if (ret == S_PTE_CHK) hpm_fs <= 1'b1;
            if (ret == S_G_CHK && g_lvl == g_levels - 3'd1 && hpm_gwalks != 4'd15)
              hpm_gwalks <= hpm_gwalks + 4'd1;
          end
          // an A/D re-read lands in g_pte too: rdata keeps the first-stage PTE
          if (ret == S_G_CHK || ret == S_AD_CMP) g_pte <= rd_val;
          else                rdata <= rd_val;
          rerr  <= mem_rd_rsp_err;
          state <= ret;
        end
        // ---- hardware A/D update (AMO_HWAD) ----
        // The first-stage PTE's address translated as an implicit store: its SPA is g_spa.
        // (ad_* again: a G-stage A/D update on the way may have used them)
        S_AD_FS: begin
          ad_addr <= g_spa; ad_old <= rdata; ad_new <= fs_ad_new; ad_g <= 1'b0;
          state <= S_AD_RD;
        end
        // Read-check-write: the PTE is read again and written only if it still holds the
        // value the walk used; otherwise that stage's walk starts again (the Privileged
        // spec's "return to step 2"). With one AXI master and no exclusive access the window
        // between this read and the write is not closed (docs/design.md, "Hardware A/D update").
        S_AD_RD: `WK_MEM_READ(ad_addr, S_AD_CMP)
        S_AD_CMP: begin
          if (rerr) `WK_FAULT(c_af, 64'd0)
          else if (g_pte != ad_old) begin
            if (ad_g) state <= S_G_START;        // the G-stage walk again
            else begin fs_g <= 1'b0; state <= S_FS; end   // the first-stage walk again
          end else state <= S_AD_WR;
        end
        S_AD_WR: if (mem_wr_ready) state <= S_AD_WW;
        S_AD_WW: if (mem_wr_rsp_valid) begin
          if (mem_wr_rsp_err) `WK_FAULT(c_af, 64'd0)
          else if (ad_g) begin g_pte <= ad_new; state <= S_G_CHK; end
          else begin rdata <= ad_new; state <= S_PTE_CHK; end
        end
        // ---- MRIF update (MSI_MRIF): read-modify-write of the pending doubleword, then the
        // notice MSI once the update is written (its response seen). A bus error on the
        // doubleword is an MRIF access fault (264); on the notice, a 273 record of the
        // IOMMU's own while the MSI itself stays recorded.
        S_MRIF_RD: begin
          if (rerr) `WK_FAULT(CAUSE_MRIF_ACCESS_FAULT, 64'd0)
          else begin
            ad_addr <= mrif_pend_a;
            ad_new  <= rdata | (64'd1 << r_data[5:0]);
            state   <= S_MRIF_WR;
          end
        end
        S_MRIF_WR: if (mem_wr_ready) state <= S_MRIF_WW;
        S_MRIF_WW: if (mem_wr_rsp_valid) begin
          if (mem_wr_rsp_err) `WK_FAULT(CAUSE_MRIF_ACCESS_FAULT, 64'd0)
          else begin
            ad_addr <= nt_addr;
            ad_new  <= {53'd0, nt_nid};
            state   <= S_NT_WR;
          end
        end
        S_NT_WR: if (mem_wr_ready) state <= S_NT_WW;
        S_NT_WW: if (mem_wr_rsp_valid) begin
          if (mem_wr_rsp_err) begin
            nt_fail <= 1'b1; done_cause <= CAUSE_MSI_WRITE_ACCESS_FAULT; done_iotval2 <= 64'd0;
          end
          state <= S_DONE;
        end
        // ---- PRI: the page-request queue ----
        S_PQ: begin
          prg_due <= 1'b1;
          if (!pq_on || pq_mf) begin prg_code <= 4'hF; state <= S_DONE; end
          else if (pq_of) begin prg_code <= 4'h0; state <= S_DONE; end
          else if (pq_full) begin pq_of_q <= 1'b1; prg_code <= 4'h0; state <= S_DONE; end
          else begin prg_due <= 1'b0; state <= S_PQ_W0; end
        end
        S_PQ_W0: if (mem_wr_ready) state <= S_PQ_R0;
        S_PQ_R0: if (mem_wr_rsp_valid) begin
          if (mem_wr_rsp_err) begin
            pq_mf_q <= 1'b1; prg_due <= 1'b1; prg_code <= 4'hF; state <= S_DONE;
          end else state <= S_PQ_W1;
        end
        S_PQ_W1: if (mem_wr_ready) state <= S_PQ_R1;
        S_PQ_R1: if (mem_wr_rsp_valid) begin
          if (mem_wr_rsp_err) begin
            pq_mf_q <= 1'b1; prg_due <= 1'b1; prg_code <= 4'hF;
          end else pq_inc_q <= 1'b1;
          state <= S_DONE;
        end
        S_OK: begin
          // T2GPA=1: an ATS completion carries the GPA (the first stage's output)
          done_pa <= (is_ats && t2gpa) ? g_gpa[55:0] : g_spa;
          ok_fill <= !is_tr;
          state   <= S_DONE;
        end
        // the next request may be taken as this one's response is (back-to-back walks)
        S_DONE: if (done_ack) begin
          if (st_valid) `WK_ACCEPT
          else state <= S_IDLE;
        end
        default: state <= S_IDLE;
      endcase
    end
  end

`undef WK_FAULT
`undef WK_MEM_READ
`undef WK_G_CALL
`undef WK_ACCEPT
endmodule
