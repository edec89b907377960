// AXI4 master shared by every implicit memory access of the IOMMU.
//
// Reads and writes are independent engines, each with one transaction outstanding, so responses
// never need reordering. Each engine grants its requesters round-robin.
//   read  0: translation datapath, 8 bytes (one beat)         ARID 0
//   read  1: command queue, one 16-byte command (two beats)    ARID 1
//   write 0: fault queue, one 32-byte record (burst of four)   AWID 2
//   write 1: IOFENCE.C data, 4 bytes (one beat, WSTRB by addr) AWID 3
//   write 2: translation datapath, 8 bytes (one beat, WSTRB from x_wr_strb): hardware A/D
//            updates of PTEs (AMO_HWAD), MRIF updates and notice MSIs (MSI_MRIF); tied off
//            otherwise                                  AWID 4; granted before the others
// Responses go back to the owner as one-cycle pulses (one per read beat); a SLVERR or DECERR on
// any beat or on B is reported as err. Beats are counted, not taken from RLAST, so a subordinate
// that gets RLAST wrong cannot hang the engine.
// An access at or above 2^PAS (capabilities.PAS) is outside the space the IOMMU addresses: it
// never reaches the bus and is answered here as a bus error (every read beat err, or err on
// the write response), so each owner reports it as the access fault it gives a SLVERR
// (docs/design.md, "Physical address size").
// Style: docs/design.md, "Simulation speed and the RTL's style" (gated engines).
module iommu_axi_master #(
    parameter PAS = 56              // physical address size, 32..56
) (
    input  wire         clk,
    input  wire         rst_n,

    // read 0: translation datapath
    input  wire         x_rd_valid,
    output wire         x_rd_ready,
    input  wire [55:0]  x_rd_addr,
    output wire         x_rd_rsp_valid,
    output wire [63:0]  x_rd_rsp_data,
    output wire         x_rd_rsp_err,

    // read 1: command queue
    input  wire         c_rd_valid,
    output wire         c_rd_ready,
    input  wire [63:0]  c_rd_addr,
    output wire         c_rd_rsp_valid,
    output wire [63:0]  c_rd_rsp_data,
    output wire         c_rd_rsp_err,
    output wire         c_rd_rsp_last,

    // write 0: fault record
    input  wire         f_wr_valid,
    output wire         f_wr_ready,
    input  wire [63:0]  f_wr_addr,
    input  wire [255:0] f_wr_data,
    output reg          f_wr_rsp_valid,
    output reg          f_wr_rsp_err,

    // write 1: IOFENCE.C data
    input  wire         c_wr_valid,
    output wire         c_wr_ready,
    input  wire [63:0]  c_wr_addr,
    input  wire [31:0]  c_wr_data,
    output reg          c_wr_rsp_valid,
    output reg          c_wr_rsp_err,

    // write 2: translation datapath (A/D update of a PTE)
    input  wire         x_wr_valid,
    output wire         x_wr_ready,
    input  wire [55:0]  x_wr_addr,
    input  wire [63:0]  x_wr_data,
    input  wire [7:0]   x_wr_strb,      // the lanes written (0xFF; 0x0F for a notice MSI)
    output reg          x_wr_rsp_valid,
    output reg          x_wr_rsp_err,

    // AXI4 master
    output wire [3:0]   m_axi_awid,
    output wire [63:0]  m_axi_awaddr,
    output wire [7:0]   m_axi_awlen,
    output wire [2:0]   m_axi_awsize,
    output wire [1:0]   m_axi_awburst,
    output wire         m_axi_awlock,
    output wire [3:0]   m_axi_awcache,
    output wire [2:0]   m_axi_awprot,
    output wire         m_axi_awvalid,
    input  wire         m_axi_awready,
    output wire [63:0]  m_axi_wdata,
    output wire [7:0]   m_axi_wstrb,
    output wire         m_axi_wlast,
    output wire         m_axi_wvalid,
    input  wire         m_axi_wready,
    input  wire [3:0]   m_axi_bid,
    input  wire [1:0]   m_axi_bresp,
    input  wire         m_axi_bvalid,
    output wire         m_axi_bready,
    output wire [3:0]   m_axi_arid,
    output wire [63:0]  m_axi_araddr,
    output wire [7:0]   m_axi_arlen,
    output wire [2:0]   m_axi_arsize,
    output wire [1:0]   m_axi_arburst,
    output wire         m_axi_arlock,
    output wire [3:0]   m_axi_arcache,
    output wire [2:0]   m_axi_arprot,
    output wire         m_axi_arvalid,
    input  wire         m_axi_arready,
    input  wire [3:0]   m_axi_rid,
    input  wire [63:0]  m_axi_rdata,
    input  wire [1:0]   m_axi_rresp,
    input  wire         m_axi_rlast,
    input  wire         m_axi_rvalid,
    output wire         m_axi_rready
);
`include "iommu_defs.vh"
    localparam [1:0] BURST_INCR = 2'b01;
    localparam [2:0] SIZE_8B    = 3'd3;
    // data accesses, unprivileged, secure: the IOMMU's own implicit accesses
    localparam [2:0] PROT       = 3'b000;
    localparam [3:0] CACHE      = 4'b0000;

    // ================================================================= reads
    localparam [1:0] R_IDLE = 2'd0, R_ADDR = 2'd1, R_DATA = 2'd2,
                     R_LOCAL = 2'd3;   // beyond PAS: error beats answered here
    reg  [1:0]  r_state;
    reg         r_owner;            // 0 translation, 1 command queue
    reg         r_last_grant;       // round-robin: who was served last
    reg  [63:0] r_addr;
    reg  [1:0]  r_beats;            // beats still expected after the current one
    reg  [1:0]  r_len;

    // grant: prefer the requester not served last time
    wire r_pick_c = c_rd_valid && (!x_rd_valid || !r_last_grant);
    wire r_grant  = (r_state == R_IDLE) && (x_rd_valid || c_rd_valid);
    assign x_rd_ready = r_grant && !r_pick_c;
    assign c_rd_ready = r_grant &&  r_pick_c;

    // The address goes out in the grant cycle; if it is not taken then, R_ADDR holds the same
    // values from the registers (AR stays stable while ARVALID is high).
    wire [63:0] g_addr = r_pick_c ? {c_rd_addr[63:4], 4'b0} : {8'b0, x_rd_addr[55:3], 3'b0};
    wire [1:0]  g_len  = r_pick_c ? 2'd1 : 2'd0;
    // an aligned 8- or 16-byte access starting below 2^PAS ends below it; the datapath's
    // 56-bit addresses are never beyond PAS = 56 (no shift on its every address then)
    wire        x_oor  = (PAS < 56) ? (x_rd_addr >> PAS) != 56'd0 : 1'b0;
    wire        c_oor  = (c_rd_addr >> PAS) != 64'd0;
    wire        g_oor  = r_pick_c ? c_oor : x_oor;
    assign m_axi_arid    = {3'b0, r_grant ? r_pick_c : r_owner};
    assign m_axi_araddr  = r_grant ? g_addr : r_addr;
    assign m_axi_arlen   = {6'b0, r_grant ? g_len : r_len};
    assign m_axi_arsize  = SIZE_8B;
    assign m_axi_arburst = BURST_INCR;
    assign m_axi_arlock  = 1'b0;
    assign m_axi_arcache = CACHE;
    assign m_axi_arprot  = PROT;
    assign m_axi_arvalid = (r_state == R_ADDR) || (r_grant && !g_oor);
    assign m_axi_rready  = (r_state == R_DATA);

    wire r_local = r_state == R_LOCAL;                  // one error beat per cycle
    wire r_beat  = (m_axi_rvalid && m_axi_rready) || r_local;

    // Read data goes straight to its owner in the beat's cycle (both owners wait for it).
    assign x_rd_rsp_valid = r_beat && !r_owner;
    assign c_rd_rsp_valid = r_beat &&  r_owner;
    assign x_rd_rsp_data  = m_axi_rdata;
    assign c_rd_rsp_data  = m_axi_rdata;
    assign x_rd_rsp_err   = m_axi_rresp[1] || r_local;
    assign c_rd_rsp_err   = m_axi_rresp[1] || r_local;
    assign c_rd_rsp_last  = r_beats == 2'd0;

    wire r_run = `IOMMU_RUN(!rst_n | r_state != R_IDLE | r_grant);   // else nothing below changes
    always @(posedge clk) if (r_run) begin
        if (!rst_n) begin
            r_state        <= R_IDLE;
            r_owner        <= 1'b0;
            r_last_grant   <= 1'b0;
            r_addr         <= 64'b0;
            r_beats        <= 2'd0;
            r_len          <= 2'd0;
        end else begin
            case (r_state)
                R_IDLE: if (r_grant) begin
                    r_owner      <= r_pick_c;
                    r_last_grant <= r_pick_c;
                    r_addr       <= g_addr;
                    r_len        <= g_len;
                    r_beats      <= g_len;
                    r_state      <= g_oor ? R_LOCAL : m_axi_arready ? R_DATA : R_ADDR;
                end
                R_ADDR: if (m_axi_arready) r_state <= R_DATA;
                R_DATA, R_LOCAL: if (r_beat) begin
                    if (r_beats == 2'd0) r_state <= R_IDLE;
                    else                 r_beats <= r_beats - 2'd1;
                end
                default: r_state <= R_IDLE;
            endcase
        end
    end

    // ================================================================= writes
    localparam [1:0] W_IDLE = 2'd0, W_XFER = 2'd1, W_RESP = 2'd2,
                     W_LOCAL = 2'd3;   // beyond PAS: error response answered here
    reg  [1:0]   w_state;
    reg  [1:0]   w_owner;           // 0 fault queue, 1 IOFENCE.C, 2 translation (A/D)
    reg          w_last_grant;
    reg  [63:0]  w_addr;
    reg  [255:0] w_data;            // beats in order, beat 0 in [63:0]
    reg  [7:0]   w_strb;
    reg  [1:0]   w_len;
    reg  [1:0]   w_beat;
    reg          w_aw_done, w_w_done;

    // the walker waits on its A/D write: it goes first; the queues share round-robin
    wire w_pick_x = x_wr_valid;
    wire w_pick_c = !w_pick_x && c_wr_valid && (!f_wr_valid || !w_last_grant);
    wire w_grant  = (w_state == W_IDLE) && (f_wr_valid || c_wr_valid || x_wr_valid);
    // a 4- or 8-byte store or a 32-byte record, aligned: it ends below 2^PAS if it starts there
    wire [63:0] w_g_addr = w_pick_x ? {8'b0, x_wr_addr[55:3], 3'b0} :
                           w_pick_c ? {c_wr_addr[63:2], 2'b0} : {f_wr_addr[63:5], 5'b0};
    wire        w_g_oor  = (w_g_addr >> PAS) != 64'd0;
    wire        w_local  = w_state == W_LOCAL;
    assign f_wr_ready = w_grant && !w_pick_c && !w_pick_x;
    assign c_wr_ready = w_grant &&  w_pick_c;
    assign x_wr_ready = w_grant &&  w_pick_x;

    assign m_axi_awid    = (w_owner == 2'd2) ? 4'd4 : {3'b001, w_owner[0]};
    assign m_axi_awaddr  = w_addr;
    assign m_axi_awlen   = {6'b0, w_len};
    assign m_axi_awsize  = SIZE_8B;
    assign m_axi_awburst = BURST_INCR;
    assign m_axi_awlock  = 1'b0;
    assign m_axi_awcache = CACHE;
    assign m_axi_awprot  = PROT;
    assign m_axi_awvalid = (w_state == W_XFER) && !w_aw_done;
    assign m_axi_wvalid  = (w_state == W_XFER) && !w_w_done;
    assign m_axi_wdata   = w_data[63:0];
    assign m_axi_wstrb   = w_strb;
    assign m_axi_wlast   = (w_beat == w_len);
    assign m_axi_bready  = (w_state == W_RESP);

    wire w_aw_fire = m_axi_awvalid && m_axi_awready;
    wire w_w_fire  = m_axi_wvalid && m_axi_wready;
    wire w_aw_now  = w_aw_done || w_aw_fire;
    wire w_w_now   = w_w_done || (w_w_fire && m_axi_wlast);

    // the 4-byte IOFENCE.C store goes on the lanes its address selects
    wire [7:0] c_strb = c_wr_addr[2] ? 8'hF0 : 8'h0F;

    wire w_run = `IOMMU_RUN(!rst_n | f_wr_rsp_valid | c_wr_rsp_valid | x_wr_rsp_valid |
                            w_state != W_IDLE | w_grant);
    always @(posedge clk) if (w_run) begin
        if (!rst_n) begin
            w_state        <= W_IDLE;
            w_owner        <= 2'd0;
            w_last_grant   <= 1'b0;
            w_addr         <= 64'b0;
            w_data         <= 256'b0;
            w_strb         <= 8'b0;
            w_len          <= 2'd0;
            w_beat         <= 2'd0;
            w_aw_done      <= 1'b0;
            w_w_done       <= 1'b0;
            f_wr_rsp_valid <= 1'b0;
            f_wr_rsp_err   <= 1'b0;
            c_wr_rsp_valid <= 1'b0;
            c_wr_rsp_err   <= 1'b0;
            x_wr_rsp_valid <= 1'b0;
            x_wr_rsp_err   <= 1'b0;
        end else begin
            if (f_wr_rsp_valid) f_wr_rsp_valid <= 1'b0;
            if (c_wr_rsp_valid) c_wr_rsp_valid <= 1'b0;
            if (x_wr_rsp_valid) x_wr_rsp_valid <= 1'b0;
            case (w_state)
                W_IDLE: if (w_grant) begin
                    w_owner      <= w_pick_x ? 2'd2 : {1'b0, w_pick_c};
                    if (!w_pick_x) w_last_grant <= w_pick_c;
                    w_addr       <= w_g_addr;
                    w_data       <= w_pick_x ? {192'b0, x_wr_data} :
                                    w_pick_c ? {192'b0, c_wr_data, c_wr_data} : f_wr_data;
                    w_strb       <= w_pick_x ? x_wr_strb : w_pick_c ? c_strb : 8'hFF;
                    w_len        <= (w_pick_x || w_pick_c) ? 2'd0 : 2'd3;
                    w_beat       <= 2'd0;
                    w_aw_done    <= 1'b0;
                    w_w_done     <= 1'b0;
                    w_state      <= w_g_oor ? W_LOCAL : W_XFER;
                end
                W_XFER: begin
                    if (w_aw_fire) w_aw_done <= 1'b1;
                    if (w_w_fire) begin
                        w_data <= {64'b0, w_data[255:64]};
                        w_beat <= w_beat + 2'd1;
                        if (m_axi_wlast) w_w_done <= 1'b1;
                    end
                    if (w_aw_now && w_w_now) w_state <= W_RESP;
                end
                W_RESP, W_LOCAL: if (m_axi_bvalid || w_local) begin
                    if (w_owner == 2'd2) begin
                        x_wr_rsp_valid <= 1'b1;
                        x_wr_rsp_err   <= m_axi_bresp[1] || w_local;
                    end else if (w_owner == 2'd1) begin
                        c_wr_rsp_valid <= 1'b1;
                        c_wr_rsp_err   <= m_axi_bresp[1] || w_local;
                    end else begin
                        f_wr_rsp_valid <= 1'b1;
                        f_wr_rsp_err   <= m_axi_bresp[1] || w_local;
                    end
                    w_state <= W_IDLE;
                end
                default: w_state <= W_IDLE;
            endcase
        end
    end

    // one transaction outstanding per direction: IDs and RLAST carry no information we need
    wire unused_axi = ^{m_axi_bid, m_axi_rid, m_axi_rlast, m_axi_rresp[0], m_axi_bresp[0],
                        x_rd_addr[2:0], c_rd_addr[3:0], f_wr_addr[4:0], c_wr_addr[1:0],
                        x_wr_addr[2:0]};
endmodule
