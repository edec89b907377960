// Command-queue engine: fetches the command at cqh, decodes it, executes it, then advances cqh.
//
// One command at a time, in order. IOTINVAL and IODIR are handed to the translation datapath
// and cqh advances only once it acknowledges them, so when an IOFENCE.C is reached every earlier
// invalidation has taken effect. IOFENCE.C with PR or PW also waits until no translation is in
// flight. Its AV store and WSI flag happen on completion; a faulting store sets cqmf and leaves
// cqh on the fence. An illegal command sets cmd_ill and leaves cqh on it. Processing stops while
// any error bit is set. If cqen drops during a command, the command's architectural effects
// (cqh, error bits, the fence's store) are dropped; an invalidation already handed over still
// completes, which is always safe. With ATS, ATS.INVAL and ATS.PRGR send a message each (msg_*)
// and an IOFENCE.C first waits for the Invalidation Completions of the ATS.INVALs before it
// (inv_cpl), or sets cmd_to after ATS_TIMEOUT cycles (docs/design.md, "ATS in the RTL").
// Style: docs/design.md, "Simulation speed and the RTL's style" (one gated block).
module iommu_cq #(
    parameter NL = 0,                   // capabilities.NL: IOTINVAL bit 34 is the NL operand
    parameter S  = 0,                   // capabilities.S: IOTINVAL bit 73 is the S operand
    // capabilities.ATS: ATS.INVAL and ATS.PRGR are legal. Each sends one message on msg_*
    // (an Invalidation Request, a PRG Response) and completes once it is taken; every
    // Invalidation Request sent is outstanding until a completion arrives on inv_cpl (one
    // pulse each, in any order). An IOFENCE.C waits until none is outstanding; after
    // ATS_TIMEOUT cycles it sets cmd_to instead (cqh stays on the fence) and forgets them
    parameter ATS = 0,
    parameter ATS_TIMEOUT = 4096
) (
    input  wire         clk,
    input  wire         rst_n,

    // from / to the register file
    input  wire         cqon,
    input  wire         cq_stall,
    input  wire         fctl_wsi,
    input  wire [43:0]  cqb_ppn,
    input  wire [31:0]  cqh,
    input  wire [31:0]  cqt,
    output reg          head_inc,
    output reg          set_cqmf,
    output reg          set_cmd_ill,
    output reg          set_fence_w_ip,

    // command fetch (two beats: DW0 then DW1)
    output wire         rd_valid,
    input  wire         rd_ready,
    output wire [63:0]  rd_addr,        // the AXI master faults it if beyond PAS
    input  wire         rd_rsp_valid,
    input  wire [63:0]  rd_rsp_data,
    input  wire         rd_rsp_err,
    input  wire         rd_rsp_last,

    // IOFENCE.C store
    output wire         wr_valid,
    input  wire         wr_ready,
    output wire [63:0]  wr_addr,
    output wire [31:0]  wr_data,
    input  wire         wr_rsp_valid,
    input  wire         wr_rsp_err,

    // invalidations to the translation datapath
    output wire         inv_valid,
    input  wire         inv_ready,
    output wire [1:0]   inv_kind,
    output wire         inv_av,
    output wire         inv_pscv,
    output wire         inv_gv,
    output wire         inv_dv,
    output wire [19:0]  inv_pscid,
    output wire [15:0]  inv_gscid,
    output wire [51:0]  inv_addr,
    output wire [23:0]  inv_did,
    output wire [19:0]  inv_pid,
    output wire [51:0]  inv_amask,      // IOTINVAL S=1: ADDR bits outside the match (range)
    input  wire         xlate_idle,
    // IOFENCE.C PR/PW: while draining, no new device request is accepted, so the requests
    // processed before the fence finish and the fence completes under continuous traffic
    output wire         fence_drain,

    // ATS: messages to devices, and the completions of Invalidation Requests
    output reg          set_cmd_to,
    output wire         msg_valid,
    input  wire         msg_ready,
    output wire         msg_prgr,       // 0: Invalidation Request, 1: PRG Response
    output wire [23:0]  msg_did,        // DSV=1: {DSEG, RID}; else {0, RID}
    output wire         msg_pv,
    output wire [19:0]  msg_pid,
    output wire [63:0]  msg_payload,    // the command's PAYLOAD (DW1)
    input  wire         inv_cpl
);
`include "iommu_defs.vh"
    localparam [15:0] ATS_TIMER0 = ATS_TIMEOUT;
    localparam [6:0] OP_IOTINVAL = 7'd1, OP_IOFENCE = 7'd2, OP_IODIR = 7'd3, OP_ATS = 7'd4;

    localparam [3:0] S_IDLE   = 4'd0,   // wait for a command
                     S_FETCH  = 4'd1,   // read request
                     S_BEATS  = 4'd2,   // read data
                     S_DECODE = 4'd3,
                     S_INV    = 4'd4,   // invalidation handed over, wait for its ack
                     S_DRAIN  = 4'd5,   // IOFENCE.C PR/PW: wait for no translation in flight
                     S_STORE  = 4'd6,   // IOFENCE.C AV: store request
                     S_STRSP  = 4'd7,   // IOFENCE.C AV: store response
                     S_DONE   = 4'd8,   // command completed: apply its effects
                     S_SETTLE = 4'd9,   // let the register file take the pulses
                     S_MSG    = 4'd10,  // ATS.INVAL / ATS.PRGR: the message is offered
                     S_AWAIT  = 4'd11;  // IOFENCE.C: wait for the Invalidation Completions

    reg  [3:0]   state;
    reg  [127:0] cmd;
    reg          beat1;                 // the next beat is DW1
    reg          rd_err;
    reg          store_err;
    reg          abort;                 // cqen dropped during this command
    reg  [7:0]   ats_out;               // ATS: Invalidation Requests without a completion
    reg  [15:0]  ats_timer;             // ATS: cycles an IOFENCE.C still waits for them

    assign rd_valid = (state == S_FETCH);
    assign rd_addr  = {8'b0, cqb_ppn, 12'b0} + {28'b0, cqh, 4'b0};

    // ---------------------------------------------------------------- decode
    wire [6:0]  op    = cmd[6:0];
    wire [2:0]  func3 = cmd[9:7];

    // IOTINVAL.VMA / .GVMA: AV[10] rsvd[11] PSCID[31:12] PSCV[32] GV[33] NL[34] rsvd[43:35]
    // GSCID[59:44] rsvd[72:60] S[73] ADDR[63:12] at [125:74] rsvd[127:126]. NL and S are
    // reserved unless their capabilities (parameters NL, S) are 1.
    wire iotinval_ok = (func3 == 3'd0 || func3 == 3'd1) && !cmd[11] && (NL != 0 || !cmd[34]) &&
                       cmd[43:35] == 9'b0 && cmd[72:60] == 13'b0 && (S != 0 || !cmd[73]) &&
                       cmd[127:126] == 2'b0 && !(func3 == 3'd1 && cmd[32]);
    // IOFENCE.C: AV[10] WSI[11] PR[12] PW[13] rsvd[31:14] DATA[63:32] ADDR[63:2] at [125:64]
    wire iofence_ok  = func3 == 3'd0 && cmd[31:14] == 18'b0 && cmd[127:126] == 2'b0 &&
                       !(cmd[11] && !fctl_wsi);
    // IODIR.INVAL_DDT / _PDT: rsvd[11:10] PID[31:12] rsvd[32] DV[33] rsvd[39:34] DID[63:40]
    // rsvd[127:64]; PID is reserved in INVAL_DDT, INVAL_PDT needs DV=1.
    wire iodir_ok    = (func3 == 3'd0 || func3 == 3'd1) && cmd[11:10] == 2'b0 &&
                       (func3 == 3'd1 || cmd[31:12] == 20'b0) && !cmd[32] &&
                       cmd[39:34] == 6'b0 && cmd[127:64] == 64'b0 &&
                       !(func3 == 3'd1 && !cmd[33]);

    // ATS.INVAL / ATS.PRGR: PID[31:12] PV[32] DSV[33] RID[55:40] DSEG[63:56] PAYLOAD[127:64];
    // [11:10] and [39:34] reserved
    wire is_ats    = ATS != 0 && op == OP_ATS && (func3 == 3'd0 || func3 == 3'd1) &&
                     cmd[11:10] == 2'b0 && cmd[39:34] == 6'b0;
    wire is_inval  = (op == OP_IOTINVAL && iotinval_ok) || (op == OP_IODIR && iodir_ok);
    wire is_fence  = op == OP_IOFENCE && iofence_ok;

    wire fence_av  = cmd[10];
    wire fence_wsi = cmd[11];
    wire fence_pr  = cmd[12];
    wire fence_pw  = cmd[13];

    assign inv_valid   = (state == S_INV);
    assign fence_drain = (state == S_DRAIN);
    // INV_IOTINVAL_VMA/GVMA, INV_IODIR_DDT/PDT: [1] IODIR, [0] func3[0] (GVMA, INVAL_PDT)
    assign inv_kind  = (op == OP_IODIR) ? {1'b1, func3[0]} : {1'b0, func3[0]};
    assign inv_av    = (op == OP_IOTINVAL) & cmd[10];
    assign inv_pscv  = (op == OP_IOTINVAL) & cmd[32];
    assign inv_gv    = (op == OP_IOTINVAL) & cmd[33];
    assign inv_dv    = (op == OP_IODIR) & cmd[33];
    assign inv_pscid = cmd[31:12];
    assign inv_gscid = cmd[59:44];
    assign inv_addr  = cmd[125:74];
    assign inv_did   = cmd[63:40];
    assign inv_pid   = cmd[31:12];
    // S=1 (AV=1): ADDR is a NAPOT operand; with its lowest 0 bit at X the range is 2^(X+1)
    // pages, i.e. ADDR bits X..0 are left out of the match: ADDR ^ (ADDR + 1) sets exactly
    // bits X..0 (all ones, UNSPECIFIED by the spec, gives all bits: a global flush). NL needs
    // nothing here: the IOTLB holds leaves only.
    wire [51:0] addr_inc = cmd[125:74] + 52'd1;
    assign inv_amask = (S != 0 && cmd[73]) ? (cmd[125:74] ^ addr_inc) : 52'd0;

    assign wr_valid  = (state == S_STORE) && cqon && !abort;  // no store for an aborted fence
    assign wr_addr   = {cmd[125:64], 2'b00};
    assign msg_valid   = state == S_MSG && cqon && !abort;
    assign msg_prgr    = func3[0];
    assign msg_did     = {cmd[33] ? cmd[63:56] : 8'd0, cmd[55:40]};
    assign msg_pv      = cmd[32];
    assign msg_pid     = cmd[31:12];
    assign msg_payload = cmd[127:64];
    assign wr_data   = cmd[63:32];

    wire cq_run = `IOMMU_RUN(!rst_n | head_inc | set_cqmf | set_cmd_ill | set_fence_w_ip | abort |
                             set_cmd_to | (ATS != 0 && inv_cpl) |
                             state != S_IDLE | (cqon && !cq_stall && cqh != cqt));
    always @(posedge clk) if (cq_run) begin
        if (!rst_n) begin
            state          <= S_IDLE;
            cmd            <= 128'b0;
            beat1          <= 1'b0;
            rd_err         <= 1'b0;
            store_err      <= 1'b0;
            abort          <= 1'b0;
            head_inc       <= 1'b0;
            set_cqmf       <= 1'b0;
            set_cmd_ill    <= 1'b0;
            set_fence_w_ip <= 1'b0;
            set_cmd_to     <= 1'b0;
            ats_out        <= 8'd0;
            ats_timer      <= 16'd0;
        end else begin
            // one-cycle pulses, cleared only when set (an idle cycle assigns nothing)
            if (head_inc)       head_inc       <= 1'b0;
            if (set_cqmf)       set_cqmf       <= 1'b0;
            if (set_cmd_ill)    set_cmd_ill    <= 1'b0;
            if (set_fence_w_ip) set_fence_w_ip <= 1'b0;
            if (set_cmd_to)     set_cmd_to     <= 1'b0;
            // Invalidation Requests outstanding: +1 as one is sent, -1 per completion; a
            // timeout forgets them all (the fence runs again once software clears cmd_to)
            if (ATS != 0) begin
                if (set_cmd_to)
                    ats_out <= 8'd0;
                else if (msg_valid && msg_ready && !msg_prgr && !(inv_cpl && ats_out != 8'd0))
                    ats_out <= ats_out + 8'd1;
                else if (inv_cpl && ats_out != 8'd0 && !(msg_valid && msg_ready && !msg_prgr))
                    ats_out <= ats_out - 8'd1;
            end
            if (!cqon && state != S_IDLE) abort <= 1'b1;

            case (state)
                S_IDLE: begin
                    if (abort) abort <= 1'b0;
                    if (cqon && !cq_stall && cqh != cqt) state <= S_FETCH;
                end
                S_FETCH: if (rd_ready) begin
                    beat1  <= 1'b0;
                    rd_err <= 1'b0;
                    state  <= S_BEATS;
                end
                S_BEATS: if (rd_rsp_valid) begin
                    if (beat1) cmd[127:64] <= rd_rsp_data;
                    else       cmd[63:0]   <= rd_rsp_data;
                    beat1  <= 1'b1;
                    rd_err <= rd_err | rd_rsp_err;
                    if (rd_rsp_last) state <= S_DECODE;
                end
                S_DECODE: begin
                    if (abort || !cqon) begin
                        state <= S_SETTLE;
                    end else if (rd_err) begin
                        set_cqmf <= 1'b1;            // cqh stays on the command
                        state    <= S_SETTLE;
                    end else if (is_inval) begin
                        state <= S_INV;
                    end else if (is_ats) begin
                        state <= S_MSG;
                    end else if (is_fence) begin
                        state <= (ATS != 0 && ats_out != 8'd0) ? S_AWAIT
                               : (fence_pr || fence_pw) ? S_DRAIN
                               : fence_av ? S_STORE : S_DONE;
                        ats_timer <= ATS_TIMER0;
                    end else begin
                        set_cmd_ill <= 1'b1;         // cqh stays on the command
                        state       <= S_SETTLE;
                    end
                end
                S_INV: if (inv_ready) state <= S_DONE;
                S_MSG: begin
                    if (abort || !cqon)  state <= S_SETTLE;  // nothing sent
                    else if (msg_ready) state <= S_DONE;
                end
                S_AWAIT: begin
                    if (abort || !cqon) state <= S_SETTLE;
                    else if (ats_out == 8'd0)
                        state <= (fence_pr || fence_pw) ? S_DRAIN : fence_av ? S_STORE : S_DONE;
                    else if (ats_timer == 16'd0) begin
                        set_cmd_to <= 1'b1;              // cqh stays on the fence
                        state      <= S_SETTLE;
                    end else ats_timer <= ats_timer - 16'd1;
                end
                S_DRAIN: begin
                    if (abort || !cqon)  state <= S_SETTLE;
                    else if (xlate_idle) state <= fence_av ? S_STORE : S_DONE;
                end
                S_STORE: begin
                    if (abort || !cqon)  state <= S_SETTLE;  // nothing issued yet
                    else if (wr_ready) begin
                        store_err <= 1'b0;
                        state     <= S_STRSP;
                    end
                end
                S_STRSP: if (wr_rsp_valid) begin
                    store_err <= wr_rsp_err;
                    state     <= S_DONE;
                end
                S_DONE: begin
                    if (!(abort || !cqon)) begin
                        if (is_fence && fence_av && store_err) begin
                            set_cqmf <= 1'b1;        // the fence does not complete
                        end else begin
                            head_inc <= 1'b1;
                            if (is_fence && fence_wsi) set_fence_w_ip <= 1'b1;
                        end
                    end
                    state <= S_SETTLE;
                end
                S_SETTLE: state <= S_IDLE;
                default:  state <= S_IDLE;
            endcase
        end
    end
endmodule
