// Fault-queue writer: turns fault reports from the translation datapath into 32-byte records at
// fqb.PPN*4096 + fqt*32, then advances fqt once the write has completed.
//
// A report is dropped (and acknowledged at once) when the queue is off or fqmf/fqof is set. A
// report that finds the queue full (fqt+1 == fqh modulo the size) sets fqof and is dropped. A bus
// error on the record write sets fqmf and fqt stays. One record at a time; the datapath waits on
// flt_ready meanwhile.
//   DW0 = cause | pid<<12 | pv<<32 | priv<<33 | ttyp<<34 | did<<40 (pid, priv 0 when pv=0)
//   DW1 = 0, DW2 = iotval, DW3 = iotval2
// Style: docs/design.md, "Simulation speed and the RTL's style" (one gated block).
module iommu_fq (
    input  wire         clk,
    input  wire         rst_n,

    // from / to the register file
    input  wire         fqon,
    input  wire         fq_stall,
    input  wire [43:0]  fqb_ppn,
    input  wire [31:0]  fqh,
    input  wire [31:0]  fqt,
    input  wire [31:0]  fq_mask,
    output reg          tail_inc,
    output reg          set_fqmf,
    output reg          set_fqof,

    // fault reports
    input  wire         flt_valid,
    output wire         flt_ready,
    input  wire [11:0]  flt_cause,
    input  wire [23:0]  flt_did,
    input  wire         flt_pv,
    input  wire [19:0]  flt_pid,
    input  wire         flt_priv,
    input  wire [5:0]   flt_ttyp,
    input  wire [63:0]  flt_iotval,
    input  wire [63:0]  flt_iotval2,

    // record write (burst of four beats)
    output wire         wr_valid,
    input  wire         wr_ready,
    output wire [63:0]  wr_addr,        // the AXI master faults it if beyond PAS
    output wire [255:0] wr_data,
    input  wire         wr_rsp_valid,
    input  wire         wr_rsp_err
);
`include "iommu_defs.vh"
    localparam [1:0] S_IDLE = 2'd0, S_WRITE = 2'd1, S_RESP = 2'd2, S_SETTLE = 2'd3;
    reg  [1:0]   state;
    reg  [255:0] record;
    reg  [63:0]  addr;
    reg          abort;                 // fqen dropped while the record was being written

    wire full = ((fqt + 32'd1) & fq_mask) == fqh;

    wire [63:0] dw0 = {flt_did, flt_ttyp, flt_pv & flt_priv, flt_pv,
                       flt_pv ? flt_pid : 20'b0, flt_cause};

    assign flt_ready = (state == S_IDLE);
    assign wr_valid  = (state == S_WRITE);
    assign wr_addr   = addr;
    assign wr_data   = record;

    wire fq_run = `IOMMU_RUN(!rst_n | tail_inc | set_fqmf | set_fqof | abort | state != S_IDLE |
                             (flt_valid && fqon && !fq_stall));
    always @(posedge clk) if (fq_run) begin
        if (!rst_n) begin
            state    <= S_IDLE;
            record   <= 256'b0;
            addr     <= 64'b0;
            abort    <= 1'b0;
            tail_inc <= 1'b0;
            set_fqmf <= 1'b0;
            set_fqof <= 1'b0;
        end else begin
            // one-cycle pulses, cleared only when set (an idle cycle assigns nothing)
            if (tail_inc) tail_inc <= 1'b0;
            if (set_fqmf) set_fqmf <= 1'b0;
            if (set_fqof) set_fqof <= 1'b0;
            if (!fqon && state != S_IDLE) abort <= 1'b1;
            case (state)
                S_IDLE: begin
                    if (abort) abort <= 1'b0;
                    if (flt_valid && fqon && !fq_stall) begin
                        if (full) begin
                            set_fqof <= 1'b1;
                            state    <= S_SETTLE;
                        end else begin
                            record <= {flt_iotval2, flt_iotval, 64'b0, dw0};
                            addr   <= {8'b0, fqb_ppn, 12'b0} + {27'b0, fqt, 5'b0};
                            state  <= S_WRITE;
                        end
                    end
                end
                S_WRITE: if (wr_ready) state <= S_RESP;
                S_RESP: if (wr_rsp_valid) begin
                    if (!(abort || !fqon)) begin
                        if (wr_rsp_err) set_fqmf <= 1'b1;
                        else            tail_inc <= 1'b1;
                    end
                    state <= S_SETTLE;
                end
                S_SETTLE: state <= S_IDLE;
                default:  state <= S_IDLE;
            endcase
        end
    end
endmodule
