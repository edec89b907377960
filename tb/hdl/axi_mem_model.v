// AXI4 slave memory for fast runs (simulation only): the IOMMU's in-memory structures live here,
// written by the testbench through a backdoor (VPI writes to words[] and tags[]), and served to
// the IOMMU without Python on the bus.
//
// - 64-bit data, INCR bursts (FIXED/WRAP are treated as INCR); one read and one write burst at a
//   time; a beat is answered the cycle after its address (and W with AW in the same cycle).
// - Direct-mapped: 2^AW words; index = addr[AW+2:3] ^ (addr[55:AW+3] * HASH_K), tag =
//   addr[55:AW+3]. The hash spreads regions that are 2^(AW+3) bytes apart over the array.
//   tags[i] = {valid, epoch, tag}: a word is valid only if written in the current epoch, so the
//   testbench empties the memory between tests by incrementing epoch. An access whose index
//   holds another valid tag sets the sticky alias_error (first offending address in
//   alias_addr); such a write is dropped. An invalid word reads 0.
// - Bus errors: up to 4 ranges [err_lo, err_hi), per 8-byte word, answered with SLVERR.
// - Write log: every W beat is logged in wlog[wr_count mod 2^LOGN] as {ok, strb, addr, data},
//   then wr_count increments (the testbench wakes on its change).
// - rd_count / wr_count: R and W beats served so far (the testbench tells activity from them).
// - stall_thresh: each cycle a channel stalls when a 16-bit LFSR value is below it (0: never;
//   the LFSR only runs when it is set, so an idle memory costs nothing per cycle).
// Backdoor registers are not reset (the testbench sets them while reset is held).
module axi_mem_model #(
    parameter AW     = 20,                 // log2 of the number of 64-bit words
    parameter LOGN   = 6,                  // log2 of the write-log entries
    parameter HASH_K = 32'h9E3779B1
) (
    input  wire         clk,
    input  wire         rst_n,
    input  wire [3:0]   s_axi_awid,
    input  wire [63:0]  s_axi_awaddr,
    input  wire [7:0]   s_axi_awlen,
    input  wire [2:0]   s_axi_awsize,
    input  wire [1:0]   s_axi_awburst,
    input  wire         s_axi_awvalid,
    output wire         s_axi_awready,
    input  wire [63:0]  s_axi_wdata,
    input  wire [7:0]   s_axi_wstrb,
    input  wire         s_axi_wlast,
    input  wire         s_axi_wvalid,
    output wire         s_axi_wready,
    output reg  [3:0]   s_axi_bid,
    output reg  [1:0]   s_axi_bresp,
    output reg          s_axi_bvalid,
    input  wire         s_axi_bready,
    input  wire [3:0]   s_axi_arid,
    input  wire [63:0]  s_axi_araddr,
    input  wire [7:0]   s_axi_arlen,
    input  wire [2:0]   s_axi_arsize,
    input  wire [1:0]   s_axi_arburst,
    input  wire         s_axi_arvalid,
    output wire         s_axi_arready,
    output reg  [3:0]   s_axi_rid,
    output reg  [63:0]  s_axi_rdata,
    output reg  [1:0]   s_axi_rresp,
    output reg          s_axi_rlast,
    output reg          s_axi_rvalid,
    input  wire         s_axi_rready
);
    localparam NW = 1 << AW;
    localparam TW = 53 - AW;               // tag bits: addr[55:AW+3]
    localparam [1:0] OKAY = 2'b00, SLVERR = 2'b10;

    // ------------------------------------------------------------ storage and backdoor state
    reg [63:0]  words  [0:NW-1];
    reg [TW+16:0] tags [0:NW-1];           // {valid, epoch[15:0], tag}
    reg [63:0]  err_lo [0:3];
    reg [63:0]  err_hi [0:3];
    reg [136:0] wlog   [0:(1<<LOGN)-1];    // {ok, strb[7:0], addr[63:0], data[63:0]}
    reg [31:0]  wr_count;                  // W beats logged so far
    reg [31:0]  rd_count;                  // R beats served so far
    reg         r_alias, w_alias;          // an aliasing read / write was seen (sticky)
    reg [63:0]  r_alias_addr, w_alias_addr;
    wire        alias_error = r_alias || w_alias;
    wire [63:0] alias_addr  = r_alias ? r_alias_addr : w_alias_addr;
    reg [15:0]  stall_thresh;
    reg [15:0]  epoch;
    reg [15:0]  lfsr;

    integer k;
    initial begin
        for (k = 0; k < 4; k = k + 1) begin
            err_lo[k] = 64'd0;
            err_hi[k] = 64'd0;
        end
        wr_count = 0; rd_count = 0;
        r_alias = 1'b0; w_alias = 1'b0; r_alias_addr = 64'd0; w_alias_addr = 64'd0;
        stall_thresh = 16'd0; lfsr = 16'hACE1; epoch = 16'd0;
    end

    function [AW-1:0] idx_of(input [63:0] a);
        reg [TW-1:0] hi, prod;
        begin
            hi = a[55:AW+3];
            prod = hi * HASH_K;
            idx_of = a[AW+2:3] ^ prod[AW-1:0];
        end
    endfunction

    function bus_err(input [63:0] a);      // does the word at a meet an error range?
        integer j;
        reg [63:0] w;
        begin
            w = {a[63:3], 3'b0};
            bus_err = 1'b0;
            for (j = 0; j < 4; j = j + 1)
                if (err_lo[j] < w + 64'd8 && w < err_hi[j]) bus_err = 1'b1;
        end
    endfunction

    // any error range set (an empty range has lo == hi): else no word can fail, and the
    // range loop is skipped
    wire err_any = (err_lo[0] != err_hi[0]) || (err_lo[1] != err_hi[1]) ||
                   (err_lo[2] != err_hi[2]) || (err_lo[3] != err_hi[3]);

    // one LFSR step per cycle; the two directions look at different bit orders
    wire st_r = lfsr < stall_thresh;
    wire st_w = {lfsr[7:0], lfsr[15:8]} < stall_thresh;
    wire lfsr_on = stall_thresh != 16'd0;

    // ------------------------------------------------------------ reads
    reg         rd_busy;                   // a burst is in progress
    reg         rd_wait;                   // a beat is due but stalled
    reg  [63:0] rd_addr;                   // address of the beat to present next
    reg  [7:0]  rd_left;                   // beats after the pending or presented one

    assign s_axi_arready = !rd_busy && !st_r;
    wire ar_fire = s_axi_arvalid && s_axi_arready;
    wire r_fire  = s_axi_rvalid && s_axi_rready;

    // the beat presented at this edge, if any
    wire        r_load = (ar_fire && !st_r) || (r_fire && rd_left != 8'd0 && !st_r) ||
                         (rd_wait && !st_r);
    wire [63:0] r_la   = ar_fire ? {s_axi_araddr[63:3], 3'b0} : rd_addr;
    wire        r_llast = ar_fire ? (s_axi_arlen == 8'd0) :
                          (r_fire ? (rd_left == 8'd1) : (rd_left == 8'd0));

    reg  [AW-1:0] r_idx;
    reg  [TW+16:0] r_tag;
    reg           r_err;
    wire rd_run = !rst_n | ar_fire | rd_busy | rd_wait;   // else the block keeps everything
    always @(posedge clk) if (rd_run) begin
        if (!rst_n) begin
            rd_busy <= 1'b0; rd_wait <= 1'b0; rd_addr <= 64'd0; rd_left <= 8'd0;
            s_axi_rvalid <= 1'b0; s_axi_rid <= 4'd0; s_axi_rdata <= 64'd0;
            s_axi_rresp <= OKAY; s_axi_rlast <= 1'b0;
        end else begin
            if (ar_fire) begin
                rd_busy <= 1'b1;
                rd_left <= s_axi_arlen;
                s_axi_rid <= s_axi_arid;
            end else if (r_fire) begin
                if (rd_left == 8'd0) rd_busy <= 1'b0;
                else                 rd_left <= rd_left - 8'd1;
            end
            if (r_fire) s_axi_rvalid <= 1'b0;
            if (r_load) begin
                r_idx = idx_of(r_la);
                r_tag = tags[r_idx];
                r_err = 1'b0;
                if (err_any) r_err = bus_err(r_la);   // (a simulator may not short-circuit &&)
                s_axi_rvalid <= 1'b1;
                s_axi_rlast  <= r_llast;
                rd_addr      <= r_la + 64'd8;
                rd_wait      <= 1'b0;
                rd_count     <= rd_count + 32'd1;
                if (r_err) begin
                    s_axi_rresp <= SLVERR;
                    s_axi_rdata <= 64'd0;
                end else begin
                    s_axi_rresp <= OKAY;
                    if (r_tag[TW+16] === 1'b1 && r_tag[TW+15:TW] == epoch) begin
                        s_axi_rdata <= words[r_idx];
                        if (r_tag[TW-1:0] != r_la[55:AW+3] && !r_alias) begin
                            r_alias      <= 1'b1;
                            r_alias_addr <= r_la;
                        end
                    end else begin
                        s_axi_rdata <= 64'd0;
                    end
                end
            end else if (ar_fire || (r_fire && rd_left != 8'd0)) begin
                rd_wait <= 1'b1;                            // stalled: present it later
                if (ar_fire) rd_addr <= r_la;
            end
        end
    end

    // ------------------------------------------------------------ writes
    reg         wr_busy;                   // AW taken, W beats still due
    reg         b_wait;                    // B due but stalled
    reg  [63:0] wr_addr;
    reg  [7:0]  wr_left;
    reg         wr_err;                    // a beat of this burst failed

    assign s_axi_awready = !wr_busy && !s_axi_bvalid && !b_wait && !st_w;
    wire aw_fire = s_axi_awvalid && s_axi_awready;
    assign s_axi_wready = (wr_busy || aw_fire) && !st_w;
    wire w_fire  = s_axi_wvalid && s_axi_wready;
    wire b_fire  = s_axi_bvalid && s_axi_bready;

    wire [63:0] w_a    = wr_busy ? wr_addr : {s_axi_awaddr[63:3], 3'b0};
    wire [7:0]  w_left = wr_busy ? wr_left : s_axi_awlen;
    wire        w_err0 = wr_busy ? wr_err : 1'b0;

    reg  [AW-1:0] w_idx;
    reg  [TW+16:0] w_tag;
    reg  [63:0]   w_old, w_new;
    reg           w_bad, w_ok;
    integer       b;
    wire wr_run = !rst_n | aw_fire | wr_busy | b_wait | s_axi_bvalid;   // else it keeps everything
    always @(posedge clk) if (wr_run) begin
        if (!rst_n) begin
            wr_busy <= 1'b0; b_wait <= 1'b0; wr_addr <= 64'd0; wr_left <= 8'd0; wr_err <= 1'b0;
            s_axi_bvalid <= 1'b0; s_axi_bid <= 4'd0; s_axi_bresp <= OKAY;
        end else begin
            if (aw_fire) s_axi_bid <= s_axi_awid;
            if (b_fire) s_axi_bvalid <= 1'b0;
            if (b_wait && !st_w) begin
                s_axi_bvalid <= 1'b1;
                b_wait <= 1'b0;
            end
            if (aw_fire && !w_fire) begin
                wr_busy <= 1'b1;
                wr_addr <= w_a;
                wr_left <= w_left;
                wr_err  <= 1'b0;
            end
            if (w_fire) begin
                w_idx = idx_of(w_a);
                w_tag = tags[w_idx];
                w_bad = 1'b0;
                if (err_any) w_bad = bus_err(w_a);
                w_ok  = w_tag[TW+16] === 1'b1 && w_tag[TW+15:TW] == epoch;
                w_old = w_ok ? words[w_idx] : 64'd0;
                w_new = w_old;
                for (b = 0; b < 8; b = b + 1)
                    if (s_axi_wstrb[b]) w_new[8*b +: 8] = s_axi_wdata[8*b +: 8];
                if (!w_bad) begin
                    if (w_ok && w_tag[TW-1:0] != w_a[55:AW+3]) begin
                        if (!w_alias) begin
                            w_alias      <= 1'b1;
                            w_alias_addr <= w_a;
                        end
                    end else begin
                        words[w_idx] <= w_new;
                        tags[w_idx]  <= {1'b1, epoch, w_a[55:AW+3]};
                    end
                end
                wlog[wr_count[LOGN-1:0]] <= {!w_bad, s_axi_wstrb, w_a, s_axi_wdata};
                wr_count <= wr_count + 32'd1;
                if (w_left == 8'd0) begin            // last beat: B next
                    wr_busy <= 1'b0;
                    s_axi_bresp <= (w_err0 || w_bad) ? SLVERR : OKAY;
                    if (st_w) b_wait <= 1'b1;
                    else      s_axi_bvalid <= 1'b1;
                end else begin
                    wr_busy <= 1'b1;
                    wr_addr <= w_a + 64'd8;
                    wr_left <= w_left - 8'd1;
                    wr_err  <= w_err0 || w_bad;
                end
            end
        end
    end

    // ------------------------------------------------------------ LFSR step
    always @(posedge clk)
        if (lfsr_on) lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};

    wire unused = ^{s_axi_awsize, s_axi_awburst, s_axi_wlast, s_axi_arsize, s_axi_arburst};
endmodule
