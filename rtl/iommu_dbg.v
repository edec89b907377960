// Debug translation-request interface (capabilities.DBG): runs the translation that
// tr_req_iova/tr_req_ctl ask for through the normal translation datapath, as an Untranslated
// request, and hands the result to tr_response (iommu_regs).
//
// It sits between the device port and iommu_xlate. Idle, it passes both directions through.
// When Go/Busy is set it stops taking device requests, waits until the datapath is empty
// (responses already on their way still go out), sends the debug request, takes its response
// (never shown on the device port) and reports it with one dbg_done pulse. So the debug
// request is the only one in flight: any tag will do, and no device response is held up.
// Faults are reported to the fault queue by the datapath as for any request.
// tr_response: fault=1 alone on a fault; else PPN = pa[55:12], S=0 (4 KiB: the spec lets an
// IOMMU report a smaller range than the page), PBMT the response's memory type.
module iommu_dbg (
    input  wire        clk,
    input  wire        rst_n,

    // from iommu_regs
    input  wire        dbg_go,
    input  wire [63:0] dbg_iova,
    input  wire [23:0] dbg_did,
    input  wire        dbg_pv,
    input  wire [19:0] dbg_pid,
    input  wire        dbg_priv,
    input  wire [5:0]  dbg_ttyp,
    output reg         dbg_done,
    output reg  [63:0] dbg_rsp,

    // the device port (outside)
    input  wire        dev_req_valid,
    output wire        dev_req_ready,
    input  wire [23:0] dev_req_did,
    input  wire        dev_req_pv,
    input  wire [19:0] dev_req_pid,
    input  wire        dev_req_priv,
    input  wire [63:0] dev_req_iova,
    input  wire [5:0]  dev_req_ttyp,
    input  wire [7:0]  dev_req_tag,
    output wire        dev_rsp_valid,
    input  wire        dev_rsp_ready,

    // to iommu_xlate
    output wire        x_req_valid,
    input  wire        x_req_ready,
    output wire [23:0] x_req_did,
    output wire        x_req_pv,
    output wire [19:0] x_req_pid,
    output wire        x_req_priv,
    output wire [63:0] x_req_iova,
    output wire [5:0]  x_req_ttyp,
    output wire [7:0]  x_req_tag,
    output wire        x_req_dbg,        // the request is the debug one (MRIF pages: 260)
    input  wire        x_rsp_valid,
    output wire        x_rsp_ready,
    input  wire        x_rsp_fault,
    input  wire [55:0] x_rsp_pa,
    input  wire [1:0]  x_rsp_pbmt,
    input  wire        xlate_idle
);
`include "iommu_defs.vh"
    localparam [1:0] S_IDLE = 2'd0, S_DRAIN = 2'd1, S_ISSUE = 2'd2, S_WAIT = 2'd3;
    reg [1:0] state;

    wire idle = state == S_IDLE;
    wire dbg  = state == S_ISSUE;

    assign dev_req_ready = idle && x_req_ready;
    assign x_req_valid   = idle ? dev_req_valid : dbg;
    assign x_req_did     = idle ? dev_req_did   : dbg_did;
    assign x_req_pv      = idle ? dev_req_pv    : dbg_pv;
    assign x_req_pid     = idle ? dev_req_pid   : dbg_pid;
    assign x_req_priv    = idle ? dev_req_priv  : dbg_priv;
    assign x_req_iova    = idle ? dev_req_iova  : dbg_iova;
    assign x_req_ttyp    = idle ? dev_req_ttyp  : dbg_ttyp;
    assign x_req_tag     = idle ? dev_req_tag   : 8'd0;
    assign x_req_dbg     = dbg;
    // the debug response goes to tr_response only
    assign dev_rsp_valid = x_rsp_valid && state != S_WAIT;
    assign x_rsp_ready   = state == S_WAIT ? 1'b1 : dev_rsp_ready;

    wire d_run = `IOMMU_RUN(!rst_n | dbg_go | !idle | dbg_done);
    always @(posedge clk) if (d_run) begin
        if (!rst_n) begin
            state    <= S_IDLE;
            dbg_done <= 1'b0;
            dbg_rsp  <= 64'b0;
        end else begin
            dbg_done <= 1'b0;
            case (state)
                S_IDLE:  if (dbg_go && !dbg_done) state <= S_DRAIN;
                S_DRAIN: if (xlate_idle) state <= S_ISSUE;
                S_ISSUE: if (x_req_ready) state <= S_WAIT;
                default: if (x_rsp_valid) begin             // S_WAIT
                    state    <= S_IDLE;
                    dbg_done <= 1'b1;
                    dbg_rsp  <= x_rsp_fault ? 64'd1
                                            : {10'b0, x_rsp_pa[55:12], 1'b0, x_rsp_pbmt, 7'b0};
                end
            endcase
        end
    end

    wire unused_offset = ^x_rsp_pa[11:0];      // tr_response reports the page only
endmodule
