// IOTLB: fully associative, combined IOVA -> SPA leaf translations.
// Tag {GV, GSCID, PSCV, PSCID, G, VPN, size}. Only successful walks fill it,
// so it never holds a fault or a V=0 entry. Permissions are the AND of both
// stages (w includes D of both leaves), u is the first-stage U bit.
// Size codes: 0 4 KiB, 1 64 KiB (Svnapot), 2 2 MiB, 3 1 GiB, 4 512 GiB.
module iommu_iotlb #(
  parameter ENTRIES = 16
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
  // invalidation (kind 0 IOTINVAL.VMA, 1 IOTINVAL.GVMA; others ignored)
  input             iv_en,
  input      [1:0]  iv_kind,
  input             iv_av,
  input             iv_pscv,
  input             iv_gv,
  input      [19:0] iv_pscid,
  input      [15:0] iv_gscid,
  input      [51:0] iv_addr
);
  function [51:0] smask(input [2:0] s);
    case (s)
      3'd1:    smask = 52'hF;
      3'd2:    smask = 52'h1FF;
      3'd3:    smask = 52'h3FFFF;
      3'd4:    smask = 52'h7FFFFFF;
      default: smask = 52'h0;
    endcase
  endfunction

  function [43:0] pmask(input [2:0] s);   // PPN bits taken from the IOVA
    case (s)
      3'd1:    pmask = 44'hF;
      3'd2:    pmask = 44'h1FF;
      3'd3:    pmask = 44'h3FFFF;
      3'd4:    pmask = 44'h7FFFFFF;
      default: pmask = 44'h0;
    endcase
  endfunction

  generate
    if (ENTRIES == 0) begin : g_none
      assign lk_hit = 1'b0;
      assign lk_ppn = 44'd0;
      assign {lk_r, lk_w, lk_x, lk_u} = 4'd0;
      /* verilator lint_off UNUSEDSIGNAL */
      wire unused = &{1'b0, clk, rst_n, lk_gv, lk_gscid, lk_pscv, lk_pscid, lk_vpn,
                      fl_en, fl_gv, fl_gscid, fl_pscv, fl_pscid, fl_g, fl_vpn, fl_size,
                      fl_ppn, fl_r, fl_w, fl_x, fl_u, iv_en, iv_kind, iv_av, iv_pscv,
                      iv_gv, iv_pscid, iv_gscid, iv_addr, smask(3'd0), pmask(3'd0)};
      /* verilator lint_on UNUSEDSIGNAL */
    end else begin : g_tlb
      localparam IW = (ENTRIES > 1) ? $clog2(ENTRIES) : 1;
      /* verilator lint_off WIDTHTRUNC */
      localparam [IW-1:0] LAST = ENTRIES - 1;
      /* verilator lint_on WIDTHTRUNC */
      reg        v     [0:ENTRIES-1];
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
      reg [IW-1:0] rr;
      integer i;

      // Same address space: GSCID only matters when GV, PSCID only when PSCV.
      // A G=1 entry still needs its PSCID to match on lookup (conservative:
      // G only widens what an invalidation keeps).
      /* verilator lint_off UNUSEDSIGNAL */
      function space_eq(input integer k, input tgv, input [15:0] tgs,
                        input tpv, input [19:0] tps);
        space_eq = (gv[k] == tgv) && (!tgv || gscid[k] == tgs) &&
                   (pscv[k] == tpv) && (!tpv || pscid[k] == tps);
      endfunction
      /* verilator lint_on UNUSEDSIGNAL */

      reg [43:0] m, h_ppn;
      reg        h, h_r, h_w, h_x, h_u;
      assign lk_hit = h;
      assign lk_ppn = h_ppn;
      assign {lk_r, lk_w, lk_x, lk_u} = {h_r, h_w, h_x, h_u};
      always @(*) begin
        h = 1'b0; h_ppn = 44'd0;
        h_r = 1'b0; h_w = 1'b0; h_x = 1'b0; h_u = 1'b0;
        m = 44'd0;
        for (i = ENTRIES - 1; i >= 0; i = i - 1)
          if (v[i] && space_eq(i, lk_gv, lk_gscid, lk_pscv, lk_pscid) &&
              ((vpn[i] ^ lk_vpn) & ~smask(size[i])) == 52'd0) begin
            m      = pmask(size[i]);
            h      = 1'b1;
            h_ppn  = (ppn[i] & ~m) | (lk_vpn[43:0] & m);
            h_r    = pr[i]; h_w = pw[i]; h_x = px[i]; h_u = pu[i];
          end
      end

      reg [ENTRIES-1:0] fl_ovl, iv_hit;
      reg               fl_free_found;
      reg [IW-1:0]      fl_free_idx, victim;
      always @(*) begin
        fl_free_found = 1'b0;
        fl_free_idx   = {IW{1'b0}};
        for (i = ENTRIES - 1; i >= 0; i = i - 1) begin
          fl_ovl[i] = v[i] && space_eq(i, fl_gv, fl_gscid, fl_pscv, fl_pscid) &&
                      ((vpn[i] ^ fl_vpn) & ~smask(size[i])) == 52'd0;
          if (!v[i] || fl_ovl[i]) begin
            fl_free_found = 1'b1;
            fl_free_idx   = i[IW-1:0];
          end
          // invalidation scopes (digest 6.3/6.4 and the cache design of 9)
          case (iv_kind)
            2'd0: iv_hit[i] = (gv[i] == iv_gv) && (!iv_gv || gscid[i] == iv_gscid) &&
                              (!iv_pscv || (pscv[i] && pscid[i] == iv_pscid && !g[i])) &&
                              (!iv_av || ((vpn[i] ^ iv_addr) & ~smask(size[i])) == 52'd0);
            // any GVMA drops every entry of its GSCID (GV=0: every GV=1 entry);
            // a combined TLB has no GPA tag to match ADDR against
            2'd1: iv_hit[i] = gv[i] && (!iv_gv || gscid[i] == iv_gscid);
            default: iv_hit[i] = 1'b0;
          endcase
        end
        victim = fl_free_found ? fl_free_idx : rr;
      end

      always @(posedge clk) begin
        if (!rst_n) begin
          for (i = 0; i < ENTRIES; i = i + 1) v[i] <= 1'b0;
          rr <= {IW{1'b0}};
        end else if (iv_en) begin
          for (i = 0; i < ENTRIES; i = i + 1)
            if (iv_hit[i]) v[i] <= 1'b0;
        end else if (fl_en) begin
          for (i = 0; i < ENTRIES; i = i + 1)
            if (fl_ovl[i]) v[i] <= 1'b0;
          v[victim]     <= 1'b1;
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
          if (!fl_free_found)
            rr <= (rr == LAST) ? {IW{1'b0}} : rr + 1'b1;
        end
      end
    end
  endgenerate
endmodule
