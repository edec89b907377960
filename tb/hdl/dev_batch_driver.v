// Device-port batch driver for the bench (simulation only): translation requests are issued and
// their responses collected in HDL, so Python touches the port once per request in bulk instead
// of waking on clock edges.
//
// Protocol with the testbench (all through the backdoor, no ports):
// - the testbench writes up to DEPTH requests at once into req_bulk (request i in word i), sets
//   count and max_out, and toggles go_gen;
// - the driver issues request i on dev_req with tag i (DEPTH = 256: tags are indices), never
//   more than max_out in flight, and stores each response in word [tag] of rsp_bulk;
// - when every response of the batch is back, done_gen takes the value of go_gen (the
//   testbench waits for its change).
// - a response whose tag is not in flight sets the sticky bad_rsp (bad_tag holds the first).
// - back-pressure: each cycle dev_rsp_ready is low when a 16-bit LFSR value is below
//   rsp_stall_thresh (0: always ready; the LFSR only runs when it is set).
//
// The batches are two wide vectors, not arrays: one VPI access moves a whole batch each way.
// request word (RQW bits):  [115:110] ttyp, [109] priv, [108:89] pid, [88] pv, [87:64] did,
//                           [63:0] iova
// response word (RSW bits): [68] fault, [67:56] cause, [55:0] pa
module dev_batch_driver #(
    parameter DEPTH = 256              // = the number of tags; fixed
) (
    input  wire        clk,
    input  wire        rst_n,
    output wire        dev_req_valid,
    input  wire        dev_req_ready,
    output wire [23:0] dev_req_did,
    output wire        dev_req_pv,
    output wire [19:0] dev_req_pid,
    output wire        dev_req_priv,
    output wire [63:0] dev_req_iova,
    output wire [5:0]  dev_req_ttyp,
    output wire [7:0]  dev_req_tag,
    input  wire        dev_rsp_valid,
    output wire        dev_rsp_ready,
    input  wire [7:0]  dev_rsp_tag,
    input  wire        dev_rsp_fault,
    input  wire [11:0] dev_rsp_cause,
    input  wire [55:0] dev_rsp_pa
);
    localparam RQW = 116, RSW = 69;
    // Backdoor, written by the testbench only.
    reg  [DEPTH*RQW-1:0] req_bulk;
    reg  [8:0]   count;
    reg  [8:0]   max_out;
    reg          go_gen;
    reg  [15:0]  rsp_stall_thresh;
    // Read by the testbench.
    reg  [DEPTH*RSW-1:0] rsp_bulk;
    reg          done_gen;
    reg          bad_rsp;
    reg  [7:0]   bad_tag;

    reg          go_seen;
    reg          running;
    reg  [8:0]   idx;                  // next request to issue
    reg  [8:0]   inflight;
    reg  [8:0]   received;
    reg  [DEPTH-1:0] busy;             // tag in flight

    wire [RQW-1:0] head = req_bulk[idx[7:0] * RQW +: RQW];
    wire issue   = dev_req_valid && dev_req_ready;
    reg  [15:0]  lfsr;
    initial lfsr = 16'h1D0F;
    wire lfsr_on = rsp_stall_thresh != 16'd0;
    wire accept  = dev_rsp_valid && dev_rsp_ready;
    wire rsp_ok  = busy[dev_rsp_tag];

    assign dev_req_valid = running && idx < count && inflight < max_out;
    assign dev_req_iova  = head[63:0];
    assign dev_req_did   = head[87:64];
    assign dev_req_pv    = head[88];
    assign dev_req_pid   = head[108:89];
    assign dev_req_priv  = head[109];
    assign dev_req_ttyp  = head[115:110];
    assign dev_req_tag   = idx[7:0];
    assign dev_rsp_ready = !(lfsr < rsp_stall_thresh);

    // The block runs in a cycle with something to do: a new batch, an issue, a response, or
    // an LFSR step (one process for all, so an idle cycle wakes one).
    wire last = received + {8'd0, accept && rsp_ok} == count && idx + {8'd0, issue} == count;
    wire run  = (running ? (issue | accept) : (go_gen != go_seen)) | lfsr_on;
    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            go_seen <= go_gen;
            done_gen <= go_gen;
            running <= 1'b0;
            idx <= 9'd0;
            inflight <= 9'd0;
            received <= 9'd0;
            busy <= {DEPTH{1'b0}};
            rsp_bulk <= {(DEPTH * RSW){1'b0}};
            bad_rsp <= 1'b0;
            bad_tag <= 8'd0;
        end else if (run) begin
            if (lfsr_on) lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
            if (!running) begin
                if (go_gen != go_seen) begin       // a new batch (an empty one is done at once)
                    go_seen <= go_gen;
                    running <= count != 9'd0;
                    if (count == 9'd0) done_gen <= go_gen;
                    idx <= 9'd0;
                    inflight <= 9'd0;
                    received <= 9'd0;
                end
            end else begin
                if (issue) begin
                    idx <= idx + 9'd1;
                    busy[idx[7:0]] <= 1'b1;
                end
                if (accept) begin
                    if (rsp_ok) begin
                        rsp_bulk[dev_rsp_tag * RSW +: RSW] <= {dev_rsp_fault, dev_rsp_cause, dev_rsp_pa};
                        busy[dev_rsp_tag] <= 1'b0;
                    end else if (!bad_rsp) begin
                        bad_rsp <= 1'b1;
                        bad_tag <= dev_rsp_tag;
                    end
                end
                inflight <= inflight + {8'd0, issue} - {8'd0, accept && rsp_ok};
                received <= received + {8'd0, accept && rsp_ok};
                if (last) begin
                    running <= 1'b0;
                    done_gen <= go_seen;
                end
            end
        end
    end
endmodule
