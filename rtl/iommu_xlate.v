// Translation datapath.
//   S1: one registered request; the DDT, PDT and IOTLB caches are looked up
//       combinationally. A hit (or Bare pass-through) answers on the next edge,
//       one request per cycle, even while the walker services a miss.
//   Everything else (misses, faults, permission failures of cached entries)
//   goes to iommu_walker, one at a time. Every fault comes from the walker
//   (it may use a cached DC/PC, never a cached translation).
//   Invalidations take effect in the caches on their first cycle; inv_ready
//   follows once no walk that started earlier is still running (such a walk
//   also drops its fills).
// Style: docs/design.md, "Simulation speed and the RTL's style" (one gated block).
module iommu_xlate #(
  parameter IOTLB_ENTRIES = 16,
  parameter DDTC_ENTRIES  = 8,
  parameter PDTC_ENTRIES  = 8,
  parameter NEG_CACHE_DC  = 0,
  parameter SV48          = 1,    // optional features, see riscv_iommu (used by the walker;
  parameter SV48X4        = 1,    // the fast path only uses contexts the walker accepted)
  parameter SV57          = 0,
  parameter SV57X4        = 0,
  parameter PD17          = 1,
  parameter PD20          = 1,
  parameter SVNAPOT       = 1,
  parameter SVPBMT        = 0,
  parameter S             = 0,    // IOTINVAL S operand: inv_amask widens an AV=1 match
  parameter MSI_FLAT      = 0,    // extended 64-byte DCs: the DDT cache keeps 7 doublewords
  parameter AMO_HWAD      = 0,    // hardware A/D update (the walker writes PTEs on mem_wr_*)
  parameter SVRSW60T59B   = 0,    // Svrsw60t59b and QoS IDs (DC.ta checks): the walker's
  parameter QOSID         = 0,
  parameter QOSID_RCID_W  = 4,
  parameter QOSID_MCID_W  = 4,
  parameter MSI_MRIF      = 0,    // MRIF-mode MSI PTEs (the walker's MRIF update, notice MSI)
  parameter HPM           = 1,    // 0: no iommu_hpm reads hpm_wk_* (the walker keeps none of it)
  parameter ATS           = 0,    // PCIe ATS: translated and translation requests (walker),
                                  // the completion on dev_rsp_ats_* and dev_rsp_pa
  parameter T2GPA         = 0,    // with ATS: DC.tc.T2GPA (the walker)
  parameter END           = 0,    // big-endian structures: fctl.BE, DC.tc.SBE (the walker)
  parameter SV32          = 0,    // Sv32 first stages (DC.tc.SXL=1) and Sv32x4 G-stages
  parameter SV32X4        = 0     // (fctl.GXL=1): the walker
) (
  input         clk,
  input         rst_n,
  input  [3:0]  ddtp_mode,
  input  [43:0] ddtp_ppn,
  input         fctl_be,          // END: fctl.BE
  input         fctl_gxl,         // SV32/SV32X4: fctl.GXL
  input         dev_req_valid,
  output        dev_req_ready,
  input  [23:0] dev_req_did,
  input         dev_req_pv,
  input  [19:0] dev_req_pid,
  input         dev_req_priv,
  input  [63:0] dev_req_iova,
  input  [5:0]  dev_req_ttyp,
  input  [7:0]  dev_req_tag,
  input  [31:0] dev_req_data,     // a write's data (MSI_MRIF only)
  input         dev_req_ats_nw,                          // ATS translation request: No Write
  input         dev_req_ats_exe,                         // ... Execute Requested
  input         dev_req_dbg,      // a debug translation (iommu_dbg; 0 without DBG)
  output        dev_rsp_valid,
  input         dev_rsp_ready,
  output [7:0]  dev_rsp_tag,
  output        dev_rsp_fault,
  output [11:0] dev_rsp_cause,
  output [55:0] dev_rsp_pa,
  output [1:0]  dev_rsp_pbmt,
  output        dev_rsp_mrif,     // MSI_MRIF: the walker consumed the access (MRIF page)
  output [2:0]  dev_rsp_ats_cpl,                         // completion status: 0 SC, 1 UR, 4 CA
  output [7:0]  dev_rsp_ats_attr,                        // {S, G, N, Priv, U, Exe, W, R}
  output        mem_rd_valid,
  input         mem_rd_ready,
  output [55:0] mem_rd_addr,
  input         mem_rd_rsp_valid,
  input  [63:0] mem_rd_rsp_data,
  input         mem_rd_rsp_err,
  output        mem_wr_valid,     // A/D updates (AMO_HWAD), MRIF writes (MSI_MRIF)
  input         mem_wr_ready,
  output [55:0] mem_wr_addr,
  output [63:0] mem_wr_data,
  output [7:0]  mem_wr_strb,
  input         mem_wr_rsp_valid,
  input         mem_wr_rsp_err,
  output        flt_valid,
  input         flt_ready,
  output [11:0] flt_cause,
  output [23:0] flt_did,
  output        flt_pv,
  output [19:0] flt_pid,
  output        flt_priv,
  output [5:0]  flt_ttyp,
  output [63:0] flt_iotval,
  output [63:0] flt_iotval2,
  input         inv_valid,
  output        inv_ready,
  input  [1:0]  inv_kind,
  input         inv_av,
  input         inv_pscv,
  input         inv_gv,
  input         inv_dv,
  input  [19:0] inv_pscid,
  input  [15:0] inv_gscid,
  input  [51:0] inv_addr,
  input  [23:0] inv_did,
  input  [19:0] inv_pid,
  input  [51:0] inv_amask,
  output        xlate_idle,
  // PRI (ATS): the page-request queue's state and updates (iommu_regs), and the PRG
  // Responses the IOMMU sends itself (to riscv_iommu's message port, one at a time)
  input  [43:0] pq_ppn,
  input  [31:0] pq_mask,
  input  [31:0] pqh,
  input  [31:0] pqt,
  input         pq_on,
  input         pq_mf,
  input         pq_of,
  output        pq_tail_inc,
  output        pq_set_mf,
  output        pq_set_of,
  output        prg_valid,
  input         prg_ready,
  output [23:0] prg_did,
  output        prg_pv,
  output [19:0] prg_pid,
  output [63:0] prg_payload,                            // PRG index [40:32], code [47:44]
  input         req_hold,                                // accept no new request (fence drain)
  // HPM (iommu_hpm): a walk finished (iommu_walker's hpm_* outputs, with its request's IDs)
  output        hpm_wk_valid,
  output [23:0] hpm_wk_did,
  output        hpm_wk_pv,
  output [19:0] hpm_wk_pid,
  output        hpm_wk_miss,
  output        hpm_wk_ddt,
  output        hpm_wk_pdt,
  output        hpm_wk_fs,
  output [3:0]  hpm_wk_gwalks,
  output        hpm_wk_gscv,
  output [15:0] hpm_wk_gscid,
  output        hpm_wk_pscv,
  output [19:0] hpm_wk_pscid
);
`include "iommu_defs.vh"
  // ---------------- S1 request register ----------------
  reg        s1_v;
  reg [23:0] s1_did;
  reg        s1_pv, s1_priv;
  reg [19:0] s1_pid;
  reg [63:0] s1_iova;
  reg [5:0]  s1_ttyp;
  reg [7:0]  s1_tag;
  reg [31:0] s1_data;     // MSI_MRIF only (else never written)
  reg        s1_nw, s1_exe;
  reg        s1_dbg;      // a debug translation: an MRIF-mode MSI PTE stops it with 260

  // ---------------- caches ----------------
  wire         dc_hit, dc_neg, pc_hit, pc_neg_unused;
  // a DC as cached: {fsc, ta, iohgatp, tc}, and {msi_addr_pattern, msi_addr_mask, msiptp}
  // above it in the extended format (its eighth doubleword is reserved: 0 in a valid DC)
  localparam integer DCW = (MSI_FLAT != 0) ? 448 : 256;
  wire [DCW-1:0] dc;
  wire [127:0] pc;
  wire         tlb_hit, tlb_r, tlb_w, tlb_x, tlb_u;
  wire [43:0]  tlb_ppn;
  wire [1:0]   tlb_pbmt;

  // invalidation control: apply once, answer when no older walk is running
  reg  inv_applied;
  wire inv_apply = inv_valid && !inv_applied;
  wire wk_busy;
  assign inv_ready = inv_valid && inv_applied && !wk_busy;
  // (inv_applied is kept by the pipeline block below)

  // walker fill ports
  wire         ddtc_fl_en, ddtc_fl_neg, pdtc_fl_en;
  wire [DCW-1:0] ddtc_fl_data;
  wire [127:0] pdtc_fl_data;
  wire [23:0]  fl_did;
  wire [19:0]  fl_pid;
  wire         tlb_fl_en, tlb_fl_gv, tlb_fl_pscv, tlb_fl_g, tlb_fl_r, tlb_fl_w, tlb_fl_x, tlb_fl_u;
  wire [15:0]  tlb_fl_gscid;
  wire [19:0]  tlb_fl_pscid;
  wire [51:0]  tlb_fl_vpn;
  wire [2:0]   tlb_fl_size;
  wire [43:0]  tlb_fl_ppn;
  wire [1:0]   tlb_fl_pbmt;

  iommu_ctx_cache #(.ENTRIES(DDTC_ENTRIES), .TAGW(24), .DATAW(DCW)) u_ddtc (
    .clk(clk), .rst_n(rst_n),
    .lk_tag(s1_did), .lk_hit(dc_hit), .lk_neg(dc_neg), .lk_data(dc),
    .fl_en(ddtc_fl_en), .fl_tag(fl_did), .fl_neg(ddtc_fl_neg), .fl_data(ddtc_fl_data),
    // IODIR.INVAL_DDT: DV=0 all, DV=1 that device
    .iv_en(inv_apply && inv_kind == INV_IODIR_DDT), .iv_tag(inv_did), .iv_mask({24{inv_dv}}));

  iommu_ctx_cache #(.ENTRIES(PDTC_ENTRIES), .TAGW(44), .DATAW(128)) u_pdtc (
    .clk(clk), .rst_n(rst_n),
    .lk_tag({s1_did, s1_pv ? s1_pid : 20'd0}), .lk_hit(pc_hit), .lk_neg(pc_neg_unused),
    .lk_data(pc),
    .fl_en(pdtc_fl_en), .fl_tag({fl_did, fl_pid}), .fl_neg(1'b0), .fl_data(pdtc_fl_data),
    // INVAL_DDT DV=0 all, DV=1 all of that device; INVAL_PDT that (device, process)
    .iv_en(inv_apply && (inv_kind == INV_IODIR_DDT || inv_kind == INV_IODIR_PDT)),
    .iv_tag({inv_did, inv_pid}),
    .iv_mask({{24{inv_kind == INV_IODIR_PDT || inv_dv}}, {20{inv_kind == INV_IODIR_PDT}}}));

  // ---------------- S1 decode of the cached contexts ----------------
  wire [63:0] tc = dc[63:0], iohgatp = dc[127:64], dta = dc[191:128], fsc = dc[255:192];
  generate if (MSI_FLAT != 0) begin : g_dc_msi
    // the MSI fields only matter to the walker (MSI translations are never in the IOTLB)
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_msi = &{1'b0, dc[DCW-1:256]};
    /* verilator lint_on UNUSEDSIGNAL */
  end endgenerate
  wire [63:0] pta = pc[63:0], pfsc = pc[127:64];
  wire        pdtv = tc[5], dpe = tc[9];
  wire [3:0]  fsc_mode = fsc[63:60];      // iosatp.MODE (PDTV=0) or pdtp.MODE (PDTV=1)
  wire [3:0]  pfsc_mode = pfsc[63:60];
  wire [3:0]  gmode = iohgatp[63:60];
  wire        use_pc = pdtv && (s1_pv || dpe) && fsc_mode != MODE_BARE;
  wire [3:0]  fs_mode = !pdtv ? fsc_mode : use_pc ? pfsc_mode : MODE_BARE;
  wire [19:0] pscid = pdtv ? pta[31:12] : dta[31:12];
  wire        sum = pta[2];
  wire        priv_eff = s1_pv & s1_priv;
  wire        g_on = gmode != MODE_BARE;
  wire        fs_on = fs_mode != MODE_BARE;
  wire        is_exec = s1_ttyp == TTYP_UNTRANSLATED_EXEC;
  wire        is_write = s1_ttyp == TTYP_UNTRANSLATED_WRITE;
  wire        is_untr = s1_ttyp == TTYP_UNTRANSLATED_EXEC || s1_ttyp == TTYP_UNTRANSLATED_READ ||
                        s1_ttyp == TTYP_UNTRANSLATED_WRITE;
  wire        did_ok = (ddtp_mode == DDTP_3LVL) ||
                       (ddtp_mode == DDTP_2LVL && s1_did[23:16] == 8'd0) ||
                       (ddtp_mode == DDTP_1LVL && s1_did[23:7] == 17'd0);
  wire        pid_ok = !s1_pv || fsc_mode == MODE_BARE || fsc_mode == MODE_PD20 ||
                       (fsc_mode == MODE_PD8 && s1_pid[19:8] == 12'd0) ||
                       (fsc_mode == MODE_PD17 && s1_pid[19:17] == 3'd0);

  iommu_iotlb #(.ENTRIES(IOTLB_ENTRIES), .S(S), .L5(SV57 != 0 || SV57X4 != 0)) u_iotlb (
    .clk(clk), .rst_n(rst_n),
    .lk_gv(g_on), .lk_gscid(iohgatp[59:44]), .lk_pscv(fs_on), .lk_pscid(pscid),
    .lk_vpn(s1_iova[63:12]),
    .lk_hit(tlb_hit), .lk_ppn(tlb_ppn), .lk_r(tlb_r), .lk_w(tlb_w), .lk_x(tlb_x), .lk_u(tlb_u),
    .lk_pbmt(tlb_pbmt), .fl_pbmt(tlb_fl_pbmt),
    .fl_en(tlb_fl_en), .fl_gv(tlb_fl_gv), .fl_gscid(tlb_fl_gscid), .fl_pscv(tlb_fl_pscv),
    .fl_pscid(tlb_fl_pscid), .fl_g(tlb_fl_g), .fl_vpn(tlb_fl_vpn), .fl_size(tlb_fl_size),
    .fl_ppn(tlb_fl_ppn), .fl_r(tlb_fl_r), .fl_w(tlb_fl_w), .fl_x(tlb_fl_x), .fl_u(tlb_fl_u),
    .iv_en(inv_apply), .iv_kind(inv_kind), .iv_av(inv_av), .iv_pscv(inv_pscv), .iv_gv(inv_gv),
    .iv_pscid(inv_pscid), .iv_gscid(inv_gscid), .iv_addr(inv_addr), .iv_amask(inv_amask));

  wire tlb_perm_ok =
      (is_exec ? tlb_x : is_write ? tlb_w : tlb_r) &&
      (!fs_on || (priv_eff ? !(tlb_u && (is_exec || !sum)) : tlb_u));

  // the fast path only ever answers successes
  wire lvl_mode = ddtp_mode == DDTP_1LVL || ddtp_mode == DDTP_2LVL || ddtp_mode == DDTP_3LVL;
  wire ctx_ok = lvl_mode && did_ok && dc_hit && !dc_neg && is_untr && !(s1_pv && !pdtv) &&
                (!pdtv || pid_ok) &&
                (!use_pc || (pc_hit && !(priv_eff && !pta[1])));
  wire both_bare = !fs_on && !g_on;
  // Bare passes only untranslated requests (ddtp: translated, ATS and PCIe messages are
  // unsupported); anything else goes to the walker, which answers 260
  wire fast_ok = (ddtp_mode == DDTP_BARE && is_untr) ||
                 (ctx_ok && (both_bare || (tlb_hit && tlb_perm_ok)));
  wire [55:0] fast_pa = (ddtp_mode == DDTP_BARE || both_bare) ? s1_iova[55:0]
                                                        : {tlb_ppn, s1_iova[11:0]};
  // Bare (ddtp or both stages) is PMA; a hit carries the memory type its walk found
  wire [1:0]  fast_pbmt = (ddtp_mode == DDTP_BARE || both_bare) ? 2'd0 : tlb_pbmt;

  // ---------------- walker ----------------
  wire        wk_st_ready, wk_done, wk_fault, wk_report, wk_pv, wk_priv;
  wire        wk_flt_rep, wk_nt_fail;
  // a record to write: the walk's fault (after DTF), or a failed notice MSI (MSI_MRIF: 273)
  assign wk_report = wk_flt_rep | wk_nt_fail;
  wire [7:0]  wk_tag;
  wire [11:0] wk_cause;
  wire [55:0] wk_pa;
  wire [1:0]  wk_pbmt;
  wire        wk_mrif;
  wire [23:0] wk_did;
  wire [19:0] wk_pid;
  wire [5:0]  wk_ttyp;
  wire [63:0] wk_iova, wk_iotval2;
  wire        wk_ats, wk_ats_noperm, wk_ats_ca, wk_ats_w, wk_ats_x, wk_ats_g, wk_ats_u;
  wire        wk_prg, wk_prg_pasid;
  wire [3:0]  wk_prg_code;
  wire [8:0]  wk_prg_index;
  wire [2:0]  wk_ats_size;

  // output registers
  reg        rsp_v, rsp_fault;
  reg [7:0]  rsp_tag;
  reg [11:0] rsp_cause;
  reg [55:0] rsp_pa;
  reg [1:0]  rsp_pbmt;
  reg        rsp_mrif;
  reg [2:0]  rsp_cpl;
  reg [7:0]  rsp_attr;
  reg        f_v, f_pv, f_priv;
  reg [11:0] f_cause;
  reg [23:0] f_did;
  reg [19:0] f_pid;
  reg [5:0]  f_ttyp;
  reg [63:0] f_iotval, f_iotval2;

  // An ATS completion's Translated Address (PCIe): the range's base with, for S=1, the bits
  // under the range's lowest address bit set to 1 (2^(13+x) bytes: bits 12..12+x-1 set).
  // wk_ats_size: 0 4 KiB, 1 64 KiB, 2 2 MiB, 3 1 GiB, 4 512 GiB, 5 256 TiB, 7 no limit (4 KiB)
  wire [43:0] ats_ones = wk_ats_size == 3'd1 ? 44'h7 : wk_ats_size == 3'd2 ? 44'hFF :
                         wk_ats_size == 3'd3 ? 44'h1FFFF : wk_ats_size == 3'd4 ? 44'h3FFFFFF :
                         wk_ats_size == 3'd5 ? 44'h7FFFFFFFF : 44'd0;
  wire        ats_s    = ats_ones != 44'd0;
  wire [55:0] ats_addr = {(wk_pa[55:12] & ~{ats_ones[42:0], ats_s}) | ats_ones, 12'd0};
  wire rsp_free = !rsp_v || dev_rsp_ready;
  wire flt_free = !f_v || flt_ready;
  // an ATS translation request's page faults are answered, not reported (wk_ats_noperm)
  wire wk_rep   = wk_report && !wk_ats_noperm;
  // a PRG Response the walk calls for waits for the one before it to be sent
  reg        prg_v;
  reg [23:0] prg_did_q;
  reg        prg_pv_q;
  reg [19:0] prg_pid_q;
  reg [8:0]  prg_idx_q;
  reg [3:0]  prg_code_q;
  wire prg_free = !prg_v || prg_ready;
  wire wk_take  = wk_done && rsp_free && (!wk_rep || flt_free) && (!wk_prg || prg_free);
  wire fast_go  = s1_v && fast_ok && rsp_free && !wk_take;
  // no new walk starts while an invalidation is pending
  wire disp_go  = s1_v && !fast_ok && wk_st_ready && !inv_valid;
  wire s1_adv   = fast_go || disp_go;
  assign dev_req_ready = !req_hold && (!s1_v || s1_adv);

  iommu_walker #(
    .NEG_CACHE_DC(NEG_CACHE_DC), .SV48(SV48), .SV48X4(SV48X4), .SV57(SV57), .SV57X4(SV57X4),
    .PD17(PD17), .PD20(PD20), .SVNAPOT(SVNAPOT), .SVPBMT(SVPBMT), .MSI_FLAT(MSI_FLAT), .AMO_HWAD(AMO_HWAD),
    .SVRSW60T59B(SVRSW60T59B), .QOSID(QOSID), .QOSID_RCID_W(QOSID_RCID_W),
    .QOSID_MCID_W(QOSID_MCID_W), .MSI_MRIF(MSI_MRIF),
    .HPM(HPM), .ATS(ATS), .T2GPA(T2GPA), .END(END), .SV32(SV32), .SV32X4(SV32X4)
  ) u_walker (
    .clk(clk), .rst_n(rst_n), .ddtp_mode(ddtp_mode), .ddtp_ppn(ddtp_ppn), .fctl_be(fctl_be),
    .fctl_gxl(fctl_gxl),
    .st_valid(disp_go), .st_ready(wk_st_ready),
    .st_did(s1_did), .st_pv(s1_pv), .st_pid(s1_pid), .st_priv(s1_priv), .st_iova(s1_iova),
    .st_ttyp(s1_ttyp), .st_tag(s1_tag), .st_data(s1_data), .st_nw(s1_nw), .st_exe(s1_exe),
    .st_dbg(s1_dbg),
    .st_dc_hit(dc_hit), .st_dc_neg(dc_neg), .st_dc(dc), .st_pc_hit(pc_hit), .st_pc(pc),
    .inv_apply(inv_apply), .busy(wk_busy),
    .mem_rd_valid(mem_rd_valid), .mem_rd_ready(mem_rd_ready), .mem_rd_addr(mem_rd_addr),
    .mem_rd_rsp_valid(mem_rd_rsp_valid), .mem_rd_rsp_data(mem_rd_rsp_data),
    .mem_rd_rsp_err(mem_rd_rsp_err),
    .mem_wr_valid(mem_wr_valid), .mem_wr_ready(mem_wr_ready), .mem_wr_addr(mem_wr_addr),
    .mem_wr_data(mem_wr_data), .mem_wr_strb(mem_wr_strb), .mem_wr_rsp_valid(mem_wr_rsp_valid),
    .mem_wr_rsp_err(mem_wr_rsp_err),
    .ddtc_fl_en(ddtc_fl_en), .ddtc_fl_neg(ddtc_fl_neg), .ddtc_fl_data(ddtc_fl_data),
    .pdtc_fl_en(pdtc_fl_en), .pdtc_fl_data(pdtc_fl_data), .fl_did(fl_did), .fl_pid(fl_pid),
    .tlb_fl_en(tlb_fl_en), .tlb_fl_gv(tlb_fl_gv), .tlb_fl_gscid(tlb_fl_gscid),
    .tlb_fl_pscv(tlb_fl_pscv), .tlb_fl_pscid(tlb_fl_pscid), .tlb_fl_g(tlb_fl_g),
    .tlb_fl_vpn(tlb_fl_vpn), .tlb_fl_size(tlb_fl_size), .tlb_fl_ppn(tlb_fl_ppn),
    .tlb_fl_r(tlb_fl_r), .tlb_fl_w(tlb_fl_w), .tlb_fl_x(tlb_fl_x), .tlb_fl_u(tlb_fl_u),
    .tlb_fl_pbmt(tlb_fl_pbmt), .done_pbmt(wk_pbmt), .done_mrif(wk_mrif),
    .done_valid(wk_done), .done_ack(wk_take), .done_tag(wk_tag), .done_fault(wk_fault),
    .done_cause(wk_cause), .done_pa(wk_pa), .done_report(wk_flt_rep), .done_nt_fail(wk_nt_fail), .done_did(wk_did),
    .done_pv(wk_pv), .done_pid(wk_pid), .done_priv(wk_priv), .done_ttyp(wk_ttyp),
    .done_iova(wk_iova), .done_iotval2(wk_iotval2),
    .done_ats(wk_ats), .done_ats_noperm(wk_ats_noperm), .done_ats_ca(wk_ats_ca),
    .done_ats_w(wk_ats_w), .done_ats_x(wk_ats_x), .done_ats_g(wk_ats_g), .done_ats_u(wk_ats_u),
    .done_ats_size(wk_ats_size),
    .pq_ppn(pq_ppn), .pq_mask(pq_mask), .pqh(pqh), .pqt(pqt), .pq_on(pq_on), .pq_mf(pq_mf),
    .pq_of(pq_of), .pq_tail_inc(pq_tail_inc), .pq_set_mf(pq_set_mf), .pq_set_of(pq_set_of),
    .done_prg(wk_prg), .done_prg_code(wk_prg_code), .done_prg_pasid(wk_prg_pasid),
    .done_prg_index(wk_prg_index),
    .hpm_valid(hpm_wk_valid), .hpm_miss(hpm_wk_miss), .hpm_ddt(hpm_wk_ddt),
    .hpm_pdt(hpm_wk_pdt), .hpm_fs(hpm_wk_fs), .hpm_gwalks(hpm_wk_gwalks),
    .hpm_gscv(hpm_wk_gscv), .hpm_gscid(hpm_wk_gscid), .hpm_pscv(hpm_wk_pscv),
    .hpm_pscid(hpm_wk_pscid));
  assign hpm_wk_did = wk_did;
  assign hpm_wk_pv  = wk_pv;
  assign hpm_wk_pid = wk_pid;

  wire x_run = `IOMMU_RUN(!rst_n | (dev_req_valid && dev_req_ready) | (s1_v && s1_adv) | wk_take |
                          rsp_v | f_v | inv_valid | prg_v);
  always @(posedge clk) if (x_run) begin
    if (!rst_n) begin
      s1_v  <= 1'b0;
      rsp_v <= 1'b0;
      f_v   <= 1'b0;
      prg_v <= 1'b0;
      inv_applied <= 1'b0;
    end else begin
      if (inv_ready) inv_applied <= 1'b0;
      else if (inv_apply) inv_applied <= 1'b1;

      if (dev_req_valid && dev_req_ready) begin
        s1_v <= 1'b1;
        s1_did <= dev_req_did; s1_pv <= dev_req_pv; s1_pid <= dev_req_pid;
        s1_priv <= dev_req_priv; s1_iova <= dev_req_iova; s1_ttyp <= dev_req_ttyp;
        s1_tag <= dev_req_tag; s1_dbg <= dev_req_dbg;
        if (MSI_MRIF != 0) s1_data <= dev_req_data;
        if (ATS != 0) begin s1_nw <= dev_req_ats_nw; s1_exe <= dev_req_ats_exe; end
      end else if (s1_v && s1_adv) s1_v <= 1'b0;

      if (wk_take) begin
        rsp_v <= 1'b1; rsp_tag <= wk_tag; rsp_fault <= wk_fault && !wk_ats_noperm;
        rsp_cause <= wk_fault && !wk_ats_noperm ? wk_cause : 12'd0;
        rsp_pa <= wk_fault ? 56'd0 : wk_ats ? ats_addr : wk_pa;
        if (SVPBMT != 0) rsp_pbmt <= wk_fault ? 2'd0 : wk_pbmt;
        if (MSI_MRIF != 0) rsp_mrif <= wk_mrif;
        if (ATS != 0) begin
          rsp_cpl  <= !wk_ats || !wk_fault || wk_ats_noperm ? 3'd0 : wk_ats_ca ? 3'd4 : 3'd1;
          rsp_attr <= !wk_ats || wk_fault ? 8'd0
                      : {ats_s, wk_ats_g, 1'b0, wk_priv, wk_ats_u, wk_ats_x, wk_ats_w, 1'b1};
        end
      end else if (fast_go) begin
        rsp_v <= 1'b1; rsp_tag <= s1_tag; rsp_fault <= 1'b0; rsp_cause <= 12'd0;
        rsp_pa <= fast_pa;
        if (SVPBMT != 0) rsp_pbmt <= fast_pbmt;
        if (MSI_MRIF != 0) rsp_mrif <= 1'b0;
        if (ATS != 0) begin rsp_cpl <= 3'd0; rsp_attr <= 8'd0; end
      end else if (rsp_v && dev_rsp_ready) rsp_v <= 1'b0;

      if (ATS != 0) begin
        if (wk_take && wk_prg) begin
          prg_v <= 1'b1; prg_did_q <= wk_did; prg_pv_q <= wk_prg_pasid;
          prg_pid_q <= wk_prg_pasid ? wk_pid : 20'd0; prg_idx_q <= wk_prg_index;
          prg_code_q <= wk_prg_code;
        end else if (prg_v && prg_ready) prg_v <= 1'b0;
      end

      if (wk_take && wk_rep) begin
        f_v <= 1'b1; f_cause <= wk_cause; f_did <= wk_did; f_pv <= wk_pv; f_pid <= wk_pid;
        f_priv <= wk_priv; f_ttyp <= wk_ttyp; f_iotval <= wk_iova; f_iotval2 <= wk_iotval2;
        // a failed notice MSI (MSI_MRIF) is the IOMMU's own record, as for its interrupt
        // messages: cause 273, TTYP 0, no device or process ids, iotval the notice's address
        if (MSI_MRIF != 0 && wk_nt_fail) begin
          f_did <= 24'd0; f_pv <= 1'b0; f_pid <= 20'd0; f_priv <= 1'b0; f_ttyp <= 6'd0;
        end
      end else if (f_v && flt_ready) f_v <= 1'b0;
    end
  end

  assign dev_rsp_valid = rsp_v;
  assign dev_rsp_tag   = rsp_tag;
  assign dev_rsp_fault = rsp_fault;
  assign dev_rsp_cause = rsp_cause;
  assign dev_rsp_pa    = rsp_pa;
  // without Svpbmt every response is PMA (rsp_pbmt is not kept)
  assign dev_rsp_pbmt  = (SVPBMT != 0) ? rsp_pbmt : 2'd0;
  // without MSI_MRIF no access is consumed (rsp_mrif and s1_data are not kept)
  assign dev_rsp_mrif  = (MSI_MRIF != 0) ? rsp_mrif : 1'b0;
  generate if (MSI_MRIF == 0) begin : g_no_mrif
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_mrif = &{1'b0, dev_req_data, s1_data, rsp_mrif, wk_mrif};
    /* verilator lint_on UNUSEDSIGNAL */
  end endgenerate
  // without ATS no request gets a completion (rsp_cpl, rsp_attr are not kept)
  assign dev_rsp_ats_cpl  = (ATS != 0) ? rsp_cpl : 3'd0;
  assign dev_rsp_ats_attr = (ATS != 0) ? rsp_attr : 8'd0;
  assign flt_valid     = f_v;
  assign flt_cause     = f_cause;
  assign flt_did       = f_did;
  assign flt_pv        = f_pv;
  assign flt_pid       = f_pid;
  assign flt_priv      = f_priv;
  assign flt_ttyp      = f_ttyp;
  assign flt_iotval    = f_iotval;
  assign flt_iotval2   = f_iotval2;
  assign xlate_idle    = !s1_v && !wk_busy && !rsp_v;
  assign prg_valid     = (ATS != 0) && prg_v;
  assign prg_did       = prg_did_q;
  assign prg_pv        = prg_pv_q;
  assign prg_pid       = prg_pid_q;
  assign prg_payload   = {16'd0, prg_code_q, 3'd0, prg_idx_q, 32'd0};

  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = &{1'b0, pc_neg_unused, tc[63:10], tc[8:6], tc[4:0], iohgatp[43:0], dta[63:32],
                  dta[11:0], fsc[59:0], pta[63:32], pta[11:3], pta[0], pfsc[59:0]};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
