// Hardware performance monitor (capabilities.HPM; the spec's iocountovf, iocountinh,
// iohpmcycles, iohpmctr1-31 and iohpmevt1-31). Built by riscv_iommu when HPM_COUNTERS > 0.
//
// Shape (WARL, docs/design.md "HPM in the RTL"): HPM_COUNTERS programmable counters
// (iohpmctr1..HPM_COUNTERS with their iohpmevt), each HPM_WIDTH bits (32..64; a write keeps
// the low HPM_WIDTH bits, the counter wraps at 2^HPM_WIDTH); the others read 0 and ignore
// writes. iocountinh keeps bit 0 (CY) and one bit per built counter; iohpmevt keeps all 64
// bits (eventIDs other than 1..8 count nothing; 3 only with ATS); iohpmcycles is 63 bits + OF [63].
// Everything resets to 0 (the spec leaves it UNSPECIFIED; the model starts at 0).
//
// Events, from two one-cycle reports:
//   rq_*: a request entered the translation datapath (riscv_iommu: x_req_valid & ready):
//         event 1 (untranslated: ttyp 1..3), 2 (translated: ttyp 5..7) or, with ATS, 3
//         (an ATS translation request: ttyp 8);
//   wk_*: the walker finished a request (iommu_walker's hpm_* outputs): event 4 (it missed
//         the IOATC: it reached a device context), 5 (it read DDT entries), 6 (PDT entries),
//         7 (first-stage PTEs), 8 (wk_gwalks G-stage walks), with the GSCID/PSCID the walk
//         found for IDT=1 (events 4, 7, 8 only, as the spec's table).
// Both can arrive in one cycle; a counter adds both. A register write to a counter wins over
// its events of that cycle (software inhibits a counter while it programs it, as the spec
// recommends).
// Overflow (unsigned carry out of the counter) sets OF; when OF was 0 it also pulses
// ovf_irq, which sets ipsr.pmip in iommu_regs.
// Style: docs/design.md, "Simulation speed and the RTL's style": each counter is its own
// activity-gated block; iohpmcycles runs every cycle unless iocountinh.CY inhibits it.
module iommu_hpm #(
    parameter integer HPM_COUNTERS = 8,     // 1..31
    parameter integer HPM_WIDTH    = 64,    // 32..64
    parameter ATS                  = 0      // 1: event 3 counts ATS translation requests
) (
    input  wire        clk,
    input  wire        rst_n,
    // register writes (iommu_regs): a 32-bit half of word wword (byte offset >> 3)
    input  wire        we_lo,
    input  wire        we_hi,
    input  wire [8:0]  wword,
    input  wire [63:0] wdata,
    // register reads: the word at rword, combinational (iommu_regs latches it)
    input  wire [8:0]  rword,
    output reg  [63:0] rdata,
    output wire        ovf_irq,             // an OF bit went 0 -> 1: set ipsr.pmip
    // a request entered the datapath
    input  wire        rq_valid,
    input  wire [5:0]  rq_ttyp,
    input  wire [23:0] rq_did,
    input  wire        rq_pv,
    input  wire [19:0] rq_pid,
    // the walker finished a request
    input  wire        wk_valid,
    input  wire [23:0] wk_did,
    input  wire        wk_pv,
    input  wire [19:0] wk_pid,
    input  wire        wk_miss,
    input  wire        wk_ddt,
    input  wire        wk_pdt,
    input  wire        wk_fs,
    input  wire [3:0]  wk_gwalks,
    input  wire        wk_gscv,
    input  wire [15:0] wk_gscid,
    input  wire        wk_pscv,
    input  wire [19:0] wk_pscid
);
`include "iommu_defs.vh"
    // word indices: 0x058 iocountovf (lo) / iocountinh (hi), 0x060 iohpmcycles,
    // iohpmctrX at 0x060 + 8X (words 0x0D..0x2B), iohpmevtX at 0x158 + 8X (0x2C..0x4A)
    localparam [8:0] W_OVF  = 9'h00B;
    localparam [8:0] W_CYC  = 9'h00C;
    localparam [8:0] W_EVT0 = 9'h02B;       // iohpmevtX is word W_EVT0 + X
    localparam [31:0] N32   = HPM_COUNTERS;
    localparam [8:0] N9     = N32[8:0];
    localparam [31:0] INH_MASK = ~(32'hFFFF_FFFE << HPM_COUNTERS);   // CY and ctr1..N
    localparam [63:0] CMASK    = {64{1'b1}} >> (64 - HPM_WIDTH);     // a counter's bits

    wire is_untr = rq_ttyp == TTYP_UNTRANSLATED_EXEC || rq_ttyp == TTYP_UNTRANSLATED_READ ||
                   rq_ttyp == TTYP_UNTRANSLATED_WRITE;
    wire is_tr   = rq_ttyp == TTYP_TRANSLATED_EXEC || rq_ttyp == TTYP_TRANSLATED_READ ||
                   rq_ttyp == TTYP_TRANSLATED_WRITE;
    wire is_ats  = ATS != 0 && rq_ttyp == TTYP_PCIE_ATS;   // an ATS translation request

    // ---------------------------------------------------------------- iocountinh
    reg  [31:0] inh;
    wire        we_inh = we_hi && wword == W_OVF;
    always @(posedge clk) if (`IOMMU_RUN(!rst_n | we_inh)) begin
        if (!rst_n)      inh <= 32'd0;
        else if (we_inh) inh <= wdata[63:32] & INH_MASK;
    end

    // ---------------------------------------------------------------- iohpmcycles
    reg  [62:0] cyc;
    reg         cyc_of;
    wire        we_cyc_lo = we_lo && wword == W_CYC;
    wire        we_cyc_hi = we_hi && wword == W_CYC;
    wire [63:0] cyc_sum   = {1'b0, cyc} + 64'd1;
    wire        cyc_count = !inh[0] && !we_cyc_lo && !we_cyc_hi;
    wire        cyc_ovf   = cyc_count && cyc_sum[63] && !cyc_of;
    always @(posedge clk) if (`IOMMU_RUN(!rst_n | !inh[0] | we_cyc_lo | we_cyc_hi)) begin
        if (!rst_n) begin
            cyc    <= 63'd0;
            cyc_of <= 1'b0;
        end else if (we_cyc_lo || we_cyc_hi) begin
            if (we_cyc_lo) cyc[31:0] <= wdata[31:0];
            if (we_cyc_hi) {cyc_of, cyc[62:32]} <= wdata[63:32];
        end else if (cyc_count) begin
            cyc <= cyc_sum[62:0];
            if (cyc_sum[63]) cyc_of <= 1'b1;
        end
    end

    // ---------------------------------------------------------------- counters 1..N
    // index 0 and counters beyond N read 0
    wire [64*32-1:0] ctr_flat;
    wire [64*32-1:0] evt_flat;
    wire [31:0]      ctr_ovf;
    assign ctr_flat[63:0] = 64'd0;
    assign evt_flat[63:0] = 64'd0;
    assign ctr_ovf[0]     = 1'b0;

    genvar x;
    generate for (x = 1; x < 32; x = x + 1) begin : g_ctr
        if (x <= HPM_COUNTERS) begin : g_on
            reg  [63:0] ctr;            // bits at and above HPM_WIDTH stay 0
            reg  [63:0] evt;
            wire [14:0] eid   = evt[14:0];
            wire        dmask = evt[15];
            wire [19:0] fpid  = evt[35:16];
            wire [23:0] fdid  = evt[59:36];
            wire        fpv   = evt[60];
            wire        fdv   = evt[61];
            wire        idt   = evt[62];
            // DMASK: the bits of DID_GSCID up to and including its lowest 0 are ignored
            wire [23:0] ign   = dmask ? (fdid ^ (fdid + 24'd1)) : 24'd0;
            // IDT=0: device_id and process_id of the request
            wire rq_ok  = !idt && (!fdv || ((rq_did ^ fdid) & ~ign) == 24'd0) &&
                          (!fpv || (rq_pv && rq_pid == fpid));
            wire wk_ok0 = !idt && (!fdv || ((wk_did ^ fdid) & ~ign) == 24'd0) &&
                          (!fpv || (wk_pv && wk_pid == fpid));
            // IDT=1: the GSCID and PSCID the walk found (valid only when that stage is on)
            wire wk_ok1 = idt && (!fdv || (wk_gscv && (({8'd0, wk_gscid} ^ fdid) & ~ign) == 24'd0)) &&
                          (!fpv || (wk_pscv && wk_pscid == fpid));
            wire wk_ok  = wk_ok0 || wk_ok1;
            wire        inc_rq = rq_valid && rq_ok &&
                                 ((eid == 15'd1 && is_untr) || (eid == 15'd2 && is_tr) ||
                                  (eid == 15'd3 && is_ats));
            wire [3:0]  inc_wk = !wk_valid ? 4'd0 :
                                 (eid == 15'd4 && wk_miss && wk_ok)  ? 4'd1 :
                                 (eid == 15'd5 && wk_ddt  && wk_ok0) ? 4'd1 :
                                 (eid == 15'd6 && wk_pdt  && wk_ok0) ? 4'd1 :
                                 (eid == 15'd7 && wk_fs   && wk_ok)  ? 4'd1 :
                                 (eid == 15'd8 && wk_ok) ? wk_gwalks : 4'd0;
            wire [4:0]  inc    = {4'd0, inc_rq} + {1'b0, inc_wk};
            wire        count  = !inh[x] && inc != 5'd0;
            wire [64:0] sum    = {1'b0, ctr} + {60'd0, inc};
            wire        wraps  = |(sum & ~{1'b0, CMASK});
            wire we_ctr_lo = we_lo && wword == W_CYC + x;
            wire we_ctr_hi = we_hi && wword == W_CYC + x;
            wire we_evt_lo = we_lo && wword == W_EVT0 + x;
            wire we_evt_hi = we_hi && wword == W_EVT0 + x;
            wire we_ctr    = we_ctr_lo || we_ctr_hi;
            wire [63:0] ctr_w = {we_ctr_hi ? wdata[63:32] : ctr[63:32],
                                 we_ctr_lo ? wdata[31:0]  : ctr[31:0]};
            assign ctr_ovf[x] = count && !we_ctr && wraps && !evt[63] && !we_evt_hi;
            always @(posedge clk)
                if (`IOMMU_RUN(!rst_n | count | we_ctr | we_evt_lo | we_evt_hi)) begin
                    if (!rst_n) begin
                        ctr <= 64'd0;
                        evt <= 64'd0;
                    end else begin
                        if (we_ctr)     ctr <= ctr_w & CMASK;
                        else if (count) ctr <= sum[63:0] & CMASK;
                        if (we_evt_lo) evt[31:0] <= wdata[31:0];
                        if (we_evt_hi) evt[63:32] <= wdata[63:32];
                        else if (count && !we_ctr && wraps) evt[63] <= 1'b1;
                    end
                end
            assign ctr_flat[64*x +: 64] = ctr;
            assign evt_flat[64*x +: 64] = evt;
        end else begin : g_off
            assign ctr_flat[64*x +: 64] = 64'd0;
            assign evt_flat[64*x +: 64] = 64'd0;
            assign ctr_ovf[x] = 1'b0;
        end
    end endgenerate

    // iocountovf: the OF shadows (bit 0 iohpmcycles, bit X iohpmevtX)
    wire [31:0] ovf;
    generate for (x = 1; x < 32; x = x + 1) begin : g_ovf
        assign ovf[x] = evt_flat[64*x + 63];
    end endgenerate
    assign ovf[0] = cyc_of;

    assign ovf_irq = cyc_ovf || (|ctr_ovf);

    // ---------------------------------------------------------------- read side
    wire [8:0] ci = rword - W_CYC;          // counter index of a counter word
    wire [8:0] ei = rword - W_EVT0;         // counter index of an event word
    always @(*) begin
        if (rword == W_OVF)
            rdata = {inh, ovf};
        else if (rword == W_CYC)
            rdata = {cyc_of, cyc};
        else if (rword > W_CYC && rword <= W_CYC + N9)
            rdata = ctr_flat[64*ci[4:0] +: 64];
        else if (rword > W_EVT0 && rword <= W_EVT0 + N9)
            rdata = evt_flat[64*ei[4:0] +: 64];
        else
            rdata = 64'd0;
    end

    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, ci[8:5], ei[8:5]};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule
