// IOTLB: fully associative, combined IOVA -> SPA leaf translations.
// Tag {GV, GSCID, PSCV, PSCID, G, VPN, size}. Only successful walks fill it,
// so it never holds a fault or a V=0 entry. Permissions are the AND of both
// stages (w includes D of both leaves), u is the first-stage U bit, pbmt the memory type of
// the translation (Svpbmt: first-stage PBMT over the G-stage's, as the walker combined them).
// Size codes: 0 4 KiB, 1 64 KiB (Svnapot), 2 2 MiB, 3 1 GiB, 4 512 GiB, 5 256 TiB (Sv57,
// Sv57x4: a level-4 leaf of both stages).
// Style: docs/design.md, "Simulation speed and the RTL's style" (per-entry wires).
module iommu_iotlb #(
  parameter ENTRIES = 16,
  parameter S       = 0,         // IOTINVAL S operand: iv_amask leaves ADDR bits out (a range)
  parameter L5      = 0          // Sv57 or Sv57x4 built: 256 TiB entries (size 5) may be filled;
                                 // 0: none is, and VPN[35:27] is always compared
) (
  input             clk,
  input             rst_n,
  // lookup (combinational)
  input             lk_gv,
  input      [15:0] lk_gscid,
  input             lk_pscv,
  input      [19:0] lk_pscid,
  input      [51:0] lk_vpn,      // IOVA[63:12]
  output            lk_hit,
  output     [43:0] lk_ppn,      // SPA[55:12] of the request's 4 KiB page
  output            lk_r,
  output            lk_w,
  output            lk_x,
  output            lk_u,
  output     [1:0]  lk_pbmt,     // the memory type the filling walk found (Svpbmt)
  // fill (drops older entries of the same tags that cover the same IOVA)
  input             fl_en,
  input             fl_gv,
  input      [15:0] fl_gscid,
  input             fl_pscv,
  input      [19:0] fl_pscid,
  input             fl_g,
  input      [51:0] fl_vpn,
  input      [2:0]  fl_size,
  input      [43:0] fl_ppn,
  input             fl_r,
  input             fl_w,
  input             fl_x,
  input             fl_u,
  input      [1:0]  fl_pbmt,
  // invalidation (kind 0 IOTINVAL.VMA, 1 IOTINVAL.GVMA; others ignored)
  input             iv_en,
  input      [1:0]  iv_kind,
  input             iv_av,
  input             iv_pscv,
  input             iv_gv,
  input      [19:0] iv_pscid,
  input      [15:0] iv_gscid,
  input      [51:0] iv_addr,
  input      [51:0] iv_amask     // S=1: the VPN bits the NAPOT range leaves out (0: one page)
);
`include "iommu_defs.vh"
  generate
    if (ENTRIES == 0) begin : g_none
      assign lk_hit = 1'b0;
      assign lk_ppn = 44'd0;
      assign {lk_r, lk_w, lk_x, lk_u} = 4'd0;
      assign lk_pbmt = 2'd0;
      /* verilator lint_off UNUSEDSIGNAL */
      wire unused = &{1'b0, clk, rst_n, lk_gv, lk_gscid, lk_pscv, lk_pscid, lk_vpn,
                      fl_en, fl_gv, fl_gscid, fl_pscv, fl_pscid, fl_g, fl_vpn, fl_size,
                      fl_ppn, fl_r, fl_w, fl_x, fl_u, fl_pbmt, iv_en, iv_kind, iv_av, iv_pscv,
                      iv_gv, iv_pscid, iv_gscid, iv_addr, iv_amask};
      /* verilator lint_on UNUSEDSIGNAL */
    end else begin : g_tlb
      localparam IW = (ENTRIES > 1) ? $clog2(ENTRIES) : 1;
      /* verilator lint_off WIDTHTRUNC */
      localparam [IW-1:0] LAST = ENTRIES - 1;
      /* verilator lint_on WIDTHTRUNC */
      // Storage: valid bits as one vector, fields as arrays written at the victim index.
      reg [ENTRIES-1:0] v;
      reg        gv    [0:ENTRIES-1];
      reg [15:0] gscid [0:ENTRIES-1];
      reg        pscv  [0:ENTRIES-1];
      reg [19:0] pscid [0:ENTRIES-1];
      reg        g     [0:ENTRIES-1];
      reg [51:0] vpn   [0:ENTRIES-1];
      reg [2:0]  size  [0:ENTRIES-1];
      reg [43:0] ppn   [0:ENTRIES-1];
      reg        pr    [0:ENTRIES-1];
      reg        pw    [0:ENTRIES-1];
      reg        px    [0:ENTRIES-1];
      reg        pu    [0:ENTRIES-1];
      reg [1:0]  pbmt  [0:ENTRIES-1];
      reg [IW-1:0] rr;

      // Per-entry compare logic as continuous assignments (not a loop in an always block):
      // an event-driven simulator then re-evaluates only the entries whose inputs changed,
      // which is what keeps Icarus fast while a walk moves the fill inputs every cycle. The
      // VPN is compared in the segments a page size can leave out (equalities, no wide
      // masking), and the PPN is merged with the IOVA once, after the lowest-index select.
      // Same address space: GSCID only matters when GV, PSCID only when PSCV. A G=1 entry
      // still needs its PSCID to match on lookup (conservative: G only widens what an
      // invalidation keeps).
      wire [ENTRIES-1:0] lk_m, fl_ovl, iv_hit, fl_cand;
      genvar k;
      for (k = 0; k < ENTRIES; k = k + 1) begin : g_e
        // which VPN segments the entry compares (size 0 4 KiB, 1 64 KiB, 2 2 MiB, 3 1 GiB,
        // 4 512 GiB, 5 256 TiB): seg[j] compares the segment size j would leave to the IOVA
        wire [2:0] sz = size[k];
        wire       s1 = !(sz >= 3'd1 && sz <= 3'd5);    // VPN[3:0]
        wire       s2 = !(sz >= 3'd2 && sz <= 3'd5);    // VPN[8:4]
        wire       s3 = !(sz >= 3'd3 && sz <= 3'd5);    // VPN[17:9]
        wire       s4 = !(sz >= 3'd4 && sz <= 3'd5);    // VPN[26:18]
        wire       s5 = (L5 == 0) || sz != 3'd5;        // VPN[35:27]
        wire [51:0] ev = vpn[k];
        wire lk_va = ev[51:36] == lk_vpn[51:36] && (!s5 || ev[35:27] == lk_vpn[35:27]) &&
                     (!s4 || ev[26:18] == lk_vpn[26:18]) &&
                     (!s3 || ev[17:9] == lk_vpn[17:9]) && (!s2 || ev[8:4] == lk_vpn[8:4]) &&
                     (!s1 || ev[3:0] == lk_vpn[3:0]);
        wire fl_va = ev[51:36] == fl_vpn[51:36] && (!s5 || ev[35:27] == fl_vpn[35:27]) &&
                     (!s4 || ev[26:18] == fl_vpn[26:18]) &&
                     (!s3 || ev[17:9] == fl_vpn[17:9]) && (!s2 || ev[8:4] == fl_vpn[8:4]) &&
                     (!s1 || ev[3:0] == fl_vpn[3:0]);
        wire iv_va;
        if (S != 0) begin : g_range
          // the entry's page and the NAPOT range overlap exactly when they agree above the
          // larger of the two (both are naturally aligned powers of two): compare the bits
          // neither the entry's size nor the range leaves out
          wire [51:0] e_out = {16'd0, !s5 ? 9'h1FF : 9'd0, !s4 ? 9'h1FF : 9'd0, !s3 ? 9'h1FF : 9'd0,
                               !s2 ? 5'h1F : 5'd0, !s1 ? 4'hF : 4'd0};
          assign iv_va = ((ev ^ iv_addr) & ~(e_out | iv_amask)) == 52'd0;
        end else begin : g_page
          assign iv_va = ev[51:36] == iv_addr[51:36] && (!s5 || ev[35:27] == iv_addr[35:27]) &&
                         (!s4 || ev[26:18] == iv_addr[26:18]) &&
                         (!s3 || ev[17:9] == iv_addr[17:9]) && (!s2 || ev[8:4] == iv_addr[8:4]) &&
                         (!s1 || ev[3:0] == iv_addr[3:0]);
          /* verilator lint_off UNUSEDSIGNAL */
          wire unused_amask = &{1'b0, iv_amask};
          /* verilator lint_on UNUSEDSIGNAL */
        end
        assign lk_m[k] = v[k] && (gv[k] == lk_gv) && (!lk_gv || gscid[k] == lk_gscid) &&
                         (pscv[k] == lk_pscv) && (!lk_pscv || pscid[k] == lk_pscid) && lk_va;
        assign fl_ovl[k] = v[k] && (gv[k] == fl_gv) && (!fl_gv || gscid[k] == fl_gscid) &&
                           (pscv[k] == fl_pscv) && (!fl_pscv || pscid[k] == fl_pscid) && fl_va;
        assign fl_cand[k] = !v[k] || fl_ovl[k];
        // invalidation scopes (digest 6.3/6.4 and the cache design of 9): any GVMA drops every
        // entry of its GSCID (GV=0: every GV=1 entry); a combined TLB has no GPA tag to match
        assign iv_hit[k] =
            (iv_kind == INV_IOTINVAL_VMA) ?
                (gv[k] == iv_gv) && (!iv_gv || gscid[k] == iv_gscid) &&
                (!iv_pscv || (pscv[k] && pscid[k] == iv_pscid && !g[k])) && (!iv_av || iv_va) :
            (iv_kind == INV_IOTINVAL_GVMA) ? gv[k] && (!iv_gv || gscid[k] == iv_gscid) : 1'b0;
        // lookup result and lowest fill candidate, chained from the highest index down
        wire [53:0] sel;               // {pbmt, hit, r, w, x, u, size, ppn}
        wire [IW:0] cand;              // {found, index}
        wire [53:0] mine = {pbmt[k], 1'b1, pr[k], pw[k], px[k], pu[k], sz, ppn[k]};
        if (k == ENTRIES - 1) begin : g_last
          assign sel  = lk_m[k] ? mine : 54'd0;
          /* verilator lint_off WIDTHTRUNC */
          assign cand = fl_cand[k] ? {1'b1, k[IW-1:0]} : {1'b0, {IW{1'b0}}};
          /* verilator lint_on WIDTHTRUNC */
        end else begin : g_mid
          assign sel  = lk_m[k] ? mine : g_e[k + 1].sel;
          /* verilator lint_off WIDTHTRUNC */
          assign cand = fl_cand[k] ? {1'b1, k[IW-1:0]} : g_e[k + 1].cand;
          /* verilator lint_on WIDTHTRUNC */
        end
      end

      // the hit's PPN with the IOVA bits under its page size
      wire [2:0]  h_sz  = g_e[0].sel[46:44];
      wire [43:0] h_ppn = g_e[0].sel[43:0];
      assign {lk_hit, lk_r, lk_w, lk_x, lk_u} = g_e[0].sel[51:47];
      assign lk_pbmt = g_e[0].sel[53:52];
      assign lk_ppn = (h_sz == 3'd1) ? {h_ppn[43:4],  lk_vpn[3:0]}  :
                      (h_sz == 3'd2) ? {h_ppn[43:9],  lk_vpn[8:0]}  :
                      (h_sz == 3'd3) ? {h_ppn[43:18], lk_vpn[17:0]} :
                      (h_sz == 3'd4) ? {h_ppn[43:27], lk_vpn[26:0]} :
                      (h_sz == 3'd5) ? {h_ppn[43:36], lk_vpn[35:0]} : h_ppn;
      wire          fl_free_found = g_e[0].cand[IW];
      wire [IW-1:0] victim = fl_free_found ? g_e[0].cand[IW-1:0] : rr;

      wire t_run = `IOMMU_RUN(!rst_n | iv_en | fl_en);    // else nothing below changes
      always @(posedge clk) if (t_run) begin
        if (!rst_n) begin
          v  <= {ENTRIES{1'b0}};
          rr <= {IW{1'b0}};
        end else if (iv_en) begin
          v <= v & ~iv_hit;
        end else if (fl_en) begin
          // older entries the new one covers are dropped; the victim becomes valid
          v <= (v & ~fl_ovl) | ({{(ENTRIES - 1){1'b0}}, 1'b1} << victim);
          gv[victim]    <= fl_gv;
          gscid[victim] <= fl_gscid;
          pscv[victim]  <= fl_pscv;
          pscid[victim] <= fl_pscid;
          g[victim]     <= fl_g;
          vpn[victim]   <= fl_vpn;
          size[victim]  <= fl_size;
          ppn[victim]   <= fl_ppn;
          pr[victim]    <= fl_r;
          pw[victim]    <= fl_w;
          px[victim]    <= fl_x;
          pu[victim]    <= fl_u;
          pbmt[victim]  <= fl_pbmt;
          if (!fl_free_found)
            rr <= (rr == LAST) ? {IW{1'b0}} : rr + 1'b1;
        end
      end
    end
  endgenerate
endmodule
