// Fully associative context cache, used twice by iommu_xlate:
//   device-context cache  (tag = device_id,            data = 32-byte DC)
//   process-context cache (tag = {device_id, proc_id}, data = 16-byte PC)
// ENTRIES = 0 removes the storage (lookups always miss).
// NEG bit: the entry holds a context whose V bit was 0 (only filled when the
// parent enables negative caching, NEG_CACHE_DC=1).
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
      reg             v   [0:ENTRIES-1];
      reg             neg [0:ENTRIES-1];
      reg [TAGW-1:0]  tag [0:ENTRIES-1];
      reg [DATAW-1:0] dat [0:ENTRIES-1];
      reg [IW-1:0]    rr;
      integer i;

      // lowest matching index wins (there is at most one after a fill)
      reg             h, n;
      reg [DATAW-1:0] d;
      always @(*) begin
        h = 1'b0;
        n = 1'b0;
        d = {DATAW{1'b0}};
        for (i = ENTRIES - 1; i >= 0; i = i - 1)
          if (v[i] && tag[i] == lk_tag) begin
            h = 1'b1;
            n = neg[i];
            d = dat[i];
          end
      end
      assign lk_hit  = h;
      assign lk_neg  = n;
      assign lk_data = d;

      reg          fl_same_found, fl_free_found;
      reg [IW-1:0] fl_same_idx, fl_free_idx, victim;
      always @(*) begin
        fl_same_found = 1'b0;
        fl_free_found = 1'b0;
        fl_same_idx   = {IW{1'b0}};
        fl_free_idx   = {IW{1'b0}};
        for (i = ENTRIES - 1; i >= 0; i = i - 1) begin
          if (v[i] && tag[i] == fl_tag) begin
            fl_same_found = 1'b1;
            fl_same_idx   = i[IW-1:0];
          end
          if (!v[i]) begin
            fl_free_found = 1'b1;
            fl_free_idx   = i[IW-1:0];
          end
        end
        victim = fl_same_found ? fl_same_idx : fl_free_found ? fl_free_idx : rr;
      end

      always @(posedge clk) begin
        if (!rst_n) begin
          for (i = 0; i < ENTRIES; i = i + 1) v[i] <= 1'b0;
          rr <= {IW{1'b0}};
        end else if (iv_en) begin
          // an invalidation wins over a fill in the same cycle (the parent drops that fill)
          for (i = 0; i < ENTRIES; i = i + 1)
            if (((tag[i] ^ iv_tag) & iv_mask) == {TAGW{1'b0}}) v[i] <= 1'b0;
        end else if (fl_en) begin
          v[victim]   <= 1'b1;
          neg[victim] <= fl_neg;
          tag[victim] <= fl_tag;
          dat[victim] <= fl_data;
          if (!fl_same_found && !fl_free_found)
            rr <= (rr == LAST) ? {IW{1'b0}} : rr + 1'b1;
        end
      end
    end
  endgenerate
endmodule
