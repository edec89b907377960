// Fully associative context cache, used twice by iommu_xlate:
//   device-context cache  (tag = device_id,            data = 32-byte DC)
//   process-context cache (tag = {device_id, proc_id}, data = 16-byte PC)
// ENTRIES = 0 removes the storage (lookups always miss).
// NEG bit: the entry holds a context whose V bit was 0 (only filled when the
// parent enables negative caching, NEG_CACHE_DC=1).
// Style: docs/design.md, "Simulation speed and the RTL's style" (per-entry wires).
module iommu_ctx_cache #(
  parameter ENTRIES = 8,
  parameter TAGW    = 24,
  parameter DATAW   = 256
) (
  input                  clk,
  input                  rst_n,
  // lookup (combinational)
  input  [TAGW-1:0]      lk_tag,
  output                 lk_hit,
  output                 lk_neg,
  output     [DATAW-1:0] lk_data,
  // fill: replaces an entry with the same tag, else an invalid one, else round robin
  input                  fl_en,
  input  [TAGW-1:0]      fl_tag,
  input                  fl_neg,
  input  [DATAW-1:0]     fl_data,
  // invalidation: drops every entry with ((tag ^ iv_tag) & iv_mask) == 0
  input                  iv_en,
  input  [TAGW-1:0]      iv_tag,
  input  [TAGW-1:0]      iv_mask
);
`include "iommu_defs.vh"
  generate
    if (ENTRIES == 0) begin : g_none
      assign lk_hit  = 1'b0;
      assign lk_neg  = 1'b0;
      assign lk_data = {DATAW{1'b0}};
      /* verilator lint_off UNUSEDSIGNAL */
      wire unused = &{1'b0, clk, rst_n, lk_tag, fl_en, fl_tag, fl_neg, fl_data,
                      iv_en, iv_tag, iv_mask};
      /* verilator lint_on UNUSEDSIGNAL */
    end else begin : g_cache
      localparam IW = (ENTRIES > 1) ? $clog2(ENTRIES) : 1;
      /* verilator lint_off WIDTHTRUNC */
      localparam [IW-1:0] LAST = ENTRIES - 1;
      /* verilator lint_on WIDTHTRUNC */
      // Storage: valid bits as vectors, tags and data as arrays written at the victim index.
      reg [ENTRIES-1:0] v;
      reg [ENTRIES-1:0] neg;
      reg [TAGW-1:0]  tag [0:ENTRIES-1];
      reg [DATAW-1:0] dat [0:ENTRIES-1];
      reg [IW-1:0]    rr;

      // Per-entry compares as continuous assignments, so an event-driven simulator only
      // re-evaluates the entries whose inputs changed. Lowest matching index wins (there is
      // at most one after a fill): g_e[k].* chains from the top index down.
      wire [ENTRIES-1:0] lk_m, fl_same, iv_hit;
      genvar k;
      for (k = 0; k < ENTRIES; k = k + 1) begin : g_e
        assign lk_m[k]    = v[k] && tag[k] == lk_tag;
        assign fl_same[k] = v[k] && tag[k] == fl_tag;
        assign iv_hit[k]  = ((tag[k] ^ iv_tag) & iv_mask) == {TAGW{1'b0}};
        wire [DATAW+1:0] sel;          // {hit, neg, data}
        wire [IW:0]      same, free;   // {found, index}
        /* verilator lint_off WIDTHTRUNC */
        wire [IW:0]      here = {1'b1, k[IW-1:0]};
        /* verilator lint_on WIDTHTRUNC */
        if (k == ENTRIES - 1) begin : g_last
          assign sel  = lk_m[k] ? {1'b1, neg[k], dat[k]} : {(DATAW + 2){1'b0}};
          assign same = fl_same[k] ? here : {(IW + 1){1'b0}};
          assign free = !v[k] ? here : {(IW + 1){1'b0}};
        end else begin : g_mid
          assign sel  = lk_m[k] ? {1'b1, neg[k], dat[k]} : g_e[k + 1].sel;
          assign same = fl_same[k] ? here : g_e[k + 1].same;
          assign free = !v[k] ? here : g_e[k + 1].free;
        end
      end
      assign {lk_hit, lk_neg, lk_data} = g_e[0].sel;

      wire          fl_same_found = g_e[0].same[IW];
      wire          fl_free_found = g_e[0].free[IW];
      wire [IW-1:0] victim = fl_same_found ? g_e[0].same[IW-1:0] :
                             fl_free_found ? g_e[0].free[IW-1:0] : rr;
      wire [ENTRIES-1:0] victim_bit = {{(ENTRIES - 1){1'b0}}, 1'b1} << victim;

      wire c_run = `IOMMU_RUN(!rst_n | iv_en | fl_en);    // else nothing below changes
      always @(posedge clk) if (c_run) begin
        if (!rst_n) begin
          v  <= {ENTRIES{1'b0}};
          rr <= {IW{1'b0}};
        end else if (iv_en) begin
          // an invalidation wins over a fill in the same cycle (the parent drops that fill)
          v <= v & ~iv_hit;
        end else if (fl_en) begin
          v   <= v | victim_bit;
          neg <= fl_neg ? (neg | victim_bit) : (neg & ~victim_bit);
          tag[victim] <= fl_tag;
          dat[victim] <= fl_data;
          if (!fl_same_found && !fl_free_found)
            rr <= (rr == LAST) ? {IW{1'b0}} : rr + 1'b1;
        end
      end
    end
  endgenerate
endmodule
