// riscv_iommu behind an AXI4 DMA front: the shape a RISC-V IOMMU has in a real SoC.
//
//   s_dma (AXI4 slave, device DMA) --> translate (riscv_iommu dev_req/dev_rsp) --> m_dma (AXI4 master)
//   s_axil, m_axi, irq_cq, irq_fq: riscv_iommu's own ports, wired straight through.
//
// Port contract of s_dma (64-bit data, 64-bit address, DMA_ID_W-bit IDs):
// - AR and AW carry sideband: stream_id = device_id (24 bits), ss_id_valid and
//   substream_id = process_id (20 bits). AxPROT[0]=1: privileged (supervisor) request, passed
//   as dev_req_priv (the IOMMU ignores it without a process_id); AxPROT[2]=1 on AR: instruction
//   fetch. So AR with arprot[2] is an untranslated EXEC (ttyp 1), any other AR an untranslated
//   read (ttyp 2), AW an untranslated write (ttyp 3).
// - One translation per transaction, for AxADDR: AXI4 bursts do not cross a 4 KiB boundary, so
//   the whole burst lies in the page of its first byte.
// - Translated: the transaction leaves on m_dma with AxADDR = the 56-bit PA zero-extended,
//   AxID/LEN/SIZE/BURST/PROT copied and AxCACHE from the memory type (PMA: the device's
//   AxCACHE; NC: 0011; IO: 0000; see fwd_cache); W beats go down, R beats and B come back with the
//   target's ID and RESP.
// - Faulted: nothing goes down. A read is answered with arlen+1 R beats, RRESP=SLVERR, data 0,
//   rlast on the last; a write has its W beats consumed and gets BRESP=SLVERR. The cause is not
//   on this port: it is in the fault-queue record the IOMMU writes (if the queue takes it).
// - MAX_INFLIGHT=1 (the only value built): after one AR or AW is accepted, the next is accepted
//   only once its last R beat or its B has been handed upstream. AR and AW take turns when both
//   wait (round-robin).
// - While a translated transaction is in its data phase, W, R and B pass combinationally
//   between s_dma and m_dma (a register slice can go on either side if timing needs it).
// - W beats are accepted only after their AW (AXI allows a slave to wait for AWVALID), so a
//   master that sends W before AW just waits.
module riscv_iommu_axi #(
    parameter IOTLB_ENTRIES = 16,
    parameter DDTC_ENTRIES  = 8,
    parameter PDTC_ENTRIES  = 8,
    parameter NEG_CACHE_DC  = 0,
    parameter SV48          = 1,    // the feature parameters of riscv_iommu, passed through
    parameter SV48X4        = 1,
    parameter PD17          = 1,
    parameter PD20          = 1,
    parameter SVNAPOT       = 1,
    parameter SVPBMT        = 0,
    parameter AMO_HWAD      = 0,
    parameter DBG           = 0,
    parameter HPM_COUNTERS  = 0,
    parameter HPM_WIDTH     = 64,
    parameter NL            = 0,
    parameter S             = 0,
    parameter PAS           = 56,   // physical address size (riscv_iommu)
    parameter MSI_FLAT      = 0,
    parameter IGS           = 1,    // same defaults as riscv_iommu: every profile builds here too
    parameter SVRSW60T59B   = 0,
    parameter QOSID         = 0,
    parameter QOSID_RCID_W  = 4,
    parameter QOSID_MCID_W  = 4,
    parameter END           = 0,    // big-endian structures (no port of their own)
    parameter SV32          = 0,    // Sv32 / Sv32x4 (no port of their own)
    parameter SV32X4        = 0,
    parameter SV57          = 0,    // Sv57 / Sv57x4 (no port of their own)
    parameter SV57X4        = 0,
    parameter DMA_ID_W      = 4,
    parameter MAX_INFLIGHT  = 1
) (
    input  wire        clk,
    input  wire        rst_n,

    // AXI4-Lite slave: the register page (riscv_iommu's)
    input  wire [11:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [63:0] s_axil_wdata,
    input  wire [7:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [11:0] s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [63:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,

    // AXI4 master: the IOMMU's implicit accesses (riscv_iommu's)
    output wire [3:0]  m_axi_awid,
    output wire [63:0] m_axi_awaddr,
    output wire [7:0]  m_axi_awlen,
    output wire [2:0]  m_axi_awsize,
    output wire [1:0]  m_axi_awburst,
    output wire        m_axi_awlock,
    output wire [3:0]  m_axi_awcache,
    output wire [2:0]  m_axi_awprot,
    output wire        m_axi_awvalid,
    input  wire        m_axi_awready,
    output wire [63:0] m_axi_wdata,
    output wire [7:0]  m_axi_wstrb,
    output wire        m_axi_wlast,
    output wire        m_axi_wvalid,
    input  wire        m_axi_wready,
    input  wire [3:0]  m_axi_bid,
    input  wire [1:0]  m_axi_bresp,
    input  wire        m_axi_bvalid,
    output wire        m_axi_bready,
    output wire [3:0]  m_axi_arid,
    output wire [63:0] m_axi_araddr,
    output wire [7:0]  m_axi_arlen,
    output wire [2:0]  m_axi_arsize,
    output wire [1:0]  m_axi_arburst,
    output wire        m_axi_arlock,
    output wire [3:0]  m_axi_arcache,
    output wire [2:0]  m_axi_arprot,
    output wire        m_axi_arvalid,
    input  wire        m_axi_arready,
    input  wire [3:0]  m_axi_rid,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0]  m_axi_rresp,
    input  wire        m_axi_rlast,
    input  wire        m_axi_rvalid,
    output wire        m_axi_rready,

    // AXI4 slave: device DMA, untranslated
    input  wire [DMA_ID_W-1:0] s_dma_awid,
    input  wire [63:0]         s_dma_awaddr,
    input  wire [7:0]          s_dma_awlen,
    input  wire [2:0]          s_dma_awsize,
    input  wire [1:0]          s_dma_awburst,
    input  wire [2:0]          s_dma_awprot,
    input  wire [3:0]          s_dma_awcache,
    input  wire [23:0]         s_dma_aw_stream_id,
    input  wire                s_dma_aw_ss_id_valid,
    input  wire [19:0]         s_dma_aw_substream_id,
    input  wire                s_dma_awvalid,
    output wire                s_dma_awready,
    input  wire [63:0]         s_dma_wdata,
    input  wire [7:0]          s_dma_wstrb,
    input  wire                s_dma_wlast,
    input  wire                s_dma_wvalid,
    output wire                s_dma_wready,
    output wire [DMA_ID_W-1:0] s_dma_bid,
    output wire [1:0]          s_dma_bresp,
    output wire                s_dma_bvalid,
    input  wire                s_dma_bready,
    input  wire [DMA_ID_W-1:0] s_dma_arid,
    input  wire [63:0]         s_dma_araddr,
    input  wire [7:0]          s_dma_arlen,
    input  wire [2:0]          s_dma_arsize,
    input  wire [1:0]          s_dma_arburst,
    input  wire [2:0]          s_dma_arprot,
    input  wire [3:0]          s_dma_arcache,
    input  wire [23:0]         s_dma_ar_stream_id,
    input  wire                s_dma_ar_ss_id_valid,
    input  wire [19:0]         s_dma_ar_substream_id,
    input  wire                s_dma_arvalid,
    output wire                s_dma_arready,
    output wire [DMA_ID_W-1:0] s_dma_rid,
    output wire [63:0]         s_dma_rdata,
    output wire [1:0]          s_dma_rresp,
    output wire                s_dma_rlast,
    output wire                s_dma_rvalid,
    input  wire                s_dma_rready,

    // AXI4 master: device DMA, translated
    output wire [DMA_ID_W-1:0] m_dma_awid,
    output wire [63:0]         m_dma_awaddr,
    output wire [7:0]          m_dma_awlen,
    output wire [2:0]          m_dma_awsize,
    output wire [1:0]          m_dma_awburst,
    output wire [2:0]          m_dma_awprot,
    output wire [3:0]          m_dma_awcache,
    output wire                m_dma_awvalid,
    input  wire                m_dma_awready,
    output wire [63:0]         m_dma_wdata,
    output wire [7:0]          m_dma_wstrb,
    output wire                m_dma_wlast,
    output wire                m_dma_wvalid,
    input  wire                m_dma_wready,
    input  wire [DMA_ID_W-1:0] m_dma_bid,
    input  wire [1:0]          m_dma_bresp,
    input  wire                m_dma_bvalid,
    output wire                m_dma_bready,
    output wire [DMA_ID_W-1:0] m_dma_arid,
    output wire [63:0]         m_dma_araddr,
    output wire [7:0]          m_dma_arlen,
    output wire [2:0]          m_dma_arsize,
    output wire [1:0]          m_dma_arburst,
    output wire [2:0]          m_dma_arprot,
    output wire [3:0]          m_dma_arcache,
    output wire                m_dma_arvalid,
    input  wire                m_dma_arready,
    input  wire [DMA_ID_W-1:0] m_dma_rid,
    input  wire [63:0]         m_dma_rdata,
    input  wire [1:0]          m_dma_rresp,
    input  wire                m_dma_rlast,
    input  wire                m_dma_rvalid,
    output wire                m_dma_rready,

    // wired interrupts (riscv_iommu's)
    output wire        irq_cq,
    output wire        irq_fq
);
    // Only one transaction at a time is built; any other value stops elaboration here (the
    // module below does not exist) rather than silently behaving as 1.
    generate if (MAX_INFLIGHT != 1) begin : g_bad_param
        riscv_iommu_axi_supports_only_MAX_INFLIGHT_1 u_bad ();
    end endgenerate

    localparam [1:0] RESP_SLVERR = 2'b10;

    // S_XREQ: the translation request is offered; S_XRSP: waiting for its answer;
    // S_ADDR: the translated AR/AW is offered on m_dma; S_WDATA / S_RDATA / S_BRESP: data and
    // response phases, forwarded (err=0) or answered here with SLVERR (err=1).
    localparam [2:0] S_IDLE = 3'd0, S_XREQ = 3'd1, S_XRSP = 3'd2, S_ADDR = 3'd3,
                     S_WDATA = 3'd4, S_RDATA = 3'd5, S_BRESP = 3'd6;
    reg  [2:0]          state;
    reg                 is_wr;          // the transaction is a write (AW)
    reg                 err;            // the IOMMU faulted it: answer SLVERR, forward nothing
    reg                 prio_w;         // round-robin: AW wins the next tie
    reg  [DMA_ID_W-1:0] t_id;
    reg  [63:0]         t_iova;
    reg  [7:0]          t_len;
    reg  [2:0]          t_size;
    reg  [1:0]          t_burst;
    reg  [2:0]          t_prot;
    reg  [3:0]          t_cache;        // the device's AxCACHE
    reg  [1:0]          t_pbmt;         // the translation's memory type (Svpbmt)
    reg  [23:0]         t_did;
    reg                 t_pv;
    reg  [19:0]         t_pid;
    reg  [55:0]         t_pa;
    reg  [7:0]          beats_left;     // SLVERR read beats still to send after this one

    wire        dev_req_ready, dev_rsp_valid, dev_rsp_fault;
    wire [7:0]  dev_rsp_tag;
    wire [11:0] dev_rsp_cause;
    wire [55:0] dev_rsp_pa;
    wire [1:0]  dev_rsp_pbmt;
    wire        dev_rsp_mrif;
    wire [2:0]  dev_rsp_ats_cpl;        // no ATS requests on AXI: always 0
    wire [7:0]  dev_rsp_ats_attr;
    wire        ats_msg_valid, ats_msg_prgr, ats_msg_pv;     // ATS is not passed through
    wire [23:0] ats_msg_did;
    wire [19:0] ats_msg_pid;
    wire [63:0] ats_msg_payload;

    // ---------------------------------------------------------------- address acceptance
    wire idle     = (state == S_IDLE);
    wire grant_ar = idle && s_dma_arvalid && (!s_dma_awvalid || !prio_w);
    wire grant_aw = idle && s_dma_awvalid && (!s_dma_arvalid || prio_w);
    assign s_dma_arready = grant_ar;
    assign s_dma_awready = grant_aw;

    // ---------------------------------------------------------------- translation request
    wire x_req_go = (state == S_XREQ) && dev_req_ready;
    wire x_rsp_go = (state == S_XRSP) && dev_rsp_valid;

    // ---------------------------------------------------------------- forwarded address
    assign m_dma_arvalid = (state == S_ADDR) && !is_wr;
    assign m_dma_awvalid = (state == S_ADDR) && is_wr;
    assign m_dma_arid    = t_id;
    assign m_dma_araddr  = {8'd0, t_pa};
    assign m_dma_arlen   = t_len;
    assign m_dma_arsize  = t_size;
    assign m_dma_arburst = t_burst;
    assign m_dma_arprot  = t_prot;
    assign m_dma_awid    = t_id;
    assign m_dma_awaddr  = {8'd0, t_pa};
    assign m_dma_awlen   = t_len;
    assign m_dma_awsize  = t_size;
    assign m_dma_awburst = t_burst;
    assign m_dma_awprot  = t_prot;
    // The memory type (Svpbmt) on the forwarded access: PMA keeps the device's AxCACHE (the
    // platform's PMAs decide, as without Svpbmt); NC is Normal Non-cacheable Bufferable
    // (0011: no allocation, merging and early write response allowed, as for idempotent
    // weakly-ordered main memory); IO is Device Non-bufferable (0000: the endpoint answers,
    // no merging or prefetch, as for non-idempotent strongly-ordered I/O).
    // docs/dut-interface.md, "Memory types on the AXI front".
    wire [3:0] fwd_cache = (t_pbmt == 2'd1) ? 4'b0011 : (t_pbmt == 2'd2) ? 4'b0000 : t_cache;
    assign m_dma_arcache = fwd_cache;
    assign m_dma_awcache = fwd_cache;
    wire a_go = (state == S_ADDR) && (is_wr ? m_dma_awready : m_dma_arready);

    // ---------------------------------------------------------------- W: forwarded or drained
    wire in_w = (state == S_WDATA);
    assign m_dma_wvalid  = in_w && !err && s_dma_wvalid;
    assign m_dma_wdata   = s_dma_wdata;
    assign m_dma_wstrb   = s_dma_wstrb;
    assign m_dma_wlast   = s_dma_wlast;
    assign s_dma_wready  = in_w && (err || m_dma_wready);
    wire w_last_go = s_dma_wvalid && s_dma_wready && s_dma_wlast;

    // ---------------------------------------------------------------- R: forwarded or SLVERR
    wire in_r = (state == S_RDATA);
    assign s_dma_rvalid  = in_r && (err || m_dma_rvalid);
    assign s_dma_rid     = err ? t_id : m_dma_rid;
    assign s_dma_rdata   = err ? 64'd0 : m_dma_rdata;
    assign s_dma_rresp   = err ? RESP_SLVERR : m_dma_rresp;
    assign s_dma_rlast   = err ? (beats_left == 8'd0) : m_dma_rlast;
    assign m_dma_rready  = in_r && !err && s_dma_rready;
    wire r_go      = s_dma_rvalid && s_dma_rready;
    wire r_last_go = r_go && s_dma_rlast;

    // ---------------------------------------------------------------- B: forwarded or SLVERR
    wire in_b = (state == S_BRESP);
    assign s_dma_bvalid  = in_b && (err || m_dma_bvalid);
    assign s_dma_bid     = err ? t_id : m_dma_bid;
    assign s_dma_bresp   = err ? RESP_SLVERR : m_dma_bresp;
    assign m_dma_bready  = in_b && !err && s_dma_bready;
    wire b_go = s_dma_bvalid && s_dma_bready;

    // ---------------------------------------------------------------- sequencing
    // One gated block (docs/design.md, simulation speed): an idle front with no AR/AW
    // waiting changes nothing.
    wire f_run = !rst_n | !idle | s_dma_arvalid | s_dma_awvalid;
    always @(posedge clk) if (f_run) begin
        if (!rst_n) begin
            state      <= S_IDLE;
            is_wr      <= 1'b0;
            err        <= 1'b0;
            prio_w     <= 1'b0;
            beats_left <= 8'd0;
        end else begin
            case (state)
                S_IDLE: begin
                    if (grant_ar) begin
                        state <= S_XREQ; is_wr <= 1'b0; prio_w <= 1'b1;
                        t_id <= s_dma_arid; t_iova <= s_dma_araddr; t_len <= s_dma_arlen;
                        t_size <= s_dma_arsize; t_burst <= s_dma_arburst; t_prot <= s_dma_arprot;
                        t_cache <= s_dma_arcache;
                        t_did <= s_dma_ar_stream_id; t_pv <= s_dma_ar_ss_id_valid;
                        t_pid <= s_dma_ar_substream_id;
                    end else if (grant_aw) begin
                        state <= S_XREQ; is_wr <= 1'b1; prio_w <= 1'b0;
                        t_id <= s_dma_awid; t_iova <= s_dma_awaddr; t_len <= s_dma_awlen;
                        t_size <= s_dma_awsize; t_burst <= s_dma_awburst; t_prot <= s_dma_awprot;
                        t_cache <= s_dma_awcache;
                        t_did <= s_dma_aw_stream_id; t_pv <= s_dma_aw_ss_id_valid;
                        t_pid <= s_dma_aw_substream_id;
                    end
                end
                S_XREQ: if (x_req_go) state <= S_XRSP;
                S_XRSP: if (x_rsp_go) begin
                    err        <= dev_rsp_fault;
                    t_pa       <= dev_rsp_pa;
                    t_pbmt     <= dev_rsp_pbmt;
                    beats_left <= t_len;
                    // a fault skips the address phase: the data phase is answered here
                    state <= !dev_rsp_fault ? S_ADDR : is_wr ? S_WDATA : S_RDATA;
                end
                S_ADDR: if (a_go) state <= is_wr ? S_WDATA : S_RDATA;
                S_WDATA: if (w_last_go) state <= S_BRESP;
                S_RDATA: begin
                    if (r_go && err) beats_left <= beats_left - 8'd1;
                    if (r_last_go) state <= S_IDLE;
                end
                S_BRESP: if (b_go) state <= S_IDLE;
                default: state <= S_IDLE;
            endcase
        end
    end

    // ---------------------------------------------------------------- the IOMMU
    riscv_iommu #(
        .IOTLB_ENTRIES(IOTLB_ENTRIES), .DDTC_ENTRIES(DDTC_ENTRIES),
        .PDTC_ENTRIES(PDTC_ENTRIES), .NEG_CACHE_DC(NEG_CACHE_DC),
        .SV48(SV48), .SV48X4(SV48X4), .PD17(PD17), .PD20(PD20), .SVNAPOT(SVNAPOT),
        .SVPBMT(SVPBMT), .AMO_HWAD(AMO_HWAD), .DBG(DBG),
        .HPM_COUNTERS(HPM_COUNTERS), .HPM_WIDTH(HPM_WIDTH), .NL(NL), .S(S), .PAS(PAS),
        .MSI_FLAT(MSI_FLAT), .IGS(IGS), .SVRSW60T59B(SVRSW60T59B), .QOSID(QOSID),
        .QOSID_RCID_W(QOSID_RCID_W), .QOSID_MCID_W(QOSID_MCID_W),
        .END(END), .SV32(SV32), .SV32X4(SV32X4), .SV57(SV57), .SV57X4(SV57X4)
    ) u_iommu (
        .clk(clk), .rst_n(rst_n),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
        .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
        .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
        .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen),
        .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst), .m_axi_awlock(m_axi_awlock),
        .m_axi_awcache(m_axi_awcache), .m_axi_awprot(m_axi_awprot),
        .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
        .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
        .m_axi_bid(m_axi_bid), .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid),
        .m_axi_bready(m_axi_bready),
        .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
        .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst), .m_axi_arlock(m_axi_arlock),
        .m_axi_arcache(m_axi_arcache), .m_axi_arprot(m_axi_arprot),
        .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
        .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp),
        .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready),
        .dev_req_valid(state == S_XREQ), .dev_req_ready(dev_req_ready),
        .dev_req_did(t_did), .dev_req_pv(t_pv), .dev_req_pid(t_pv ? t_pid : 20'd0),
        .dev_req_priv(t_prot[0]), .dev_req_iova(t_iova),
        // AR with AxPROT[2] (instruction) is EXEC, other ARs READ, AWs WRITE
        .dev_req_ttyp(is_wr ? 6'd3 : t_prot[2] ? 6'd1 : 6'd2),
        .dev_req_tag(8'd0),                  // one request at a time: the tag is not needed
        .dev_req_data(32'd0), .dev_rsp_mrif(dev_rsp_mrif),   // MRIF mode is not built here
        .dev_req_ats_nw(1'b0), .dev_req_ats_exe(1'b0),   // no ATS requests on AXI
        .dev_rsp_valid(dev_rsp_valid), .dev_rsp_ready(state == S_XRSP),
        .dev_rsp_tag(dev_rsp_tag), .dev_rsp_fault(dev_rsp_fault), .dev_rsp_cause(dev_rsp_cause),
        .dev_rsp_pa(dev_rsp_pa), .dev_rsp_pbmt(dev_rsp_pbmt),
        .dev_rsp_ats_cpl(dev_rsp_ats_cpl), .dev_rsp_ats_attr(dev_rsp_ats_attr),
        .ats_msg_valid(ats_msg_valid), .ats_msg_ready(1'b1), .ats_msg_prgr(ats_msg_prgr),
        .ats_msg_did(ats_msg_did), .ats_msg_pv(ats_msg_pv), .ats_msg_pid(ats_msg_pid),
        .ats_msg_payload(ats_msg_payload), .ats_inv_cpl(1'b0),
        .irq_cq(irq_cq), .irq_fq(irq_fq)
    );

    // The tag is constant and the cause has no place on an AXI response (it is in the record).
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, dev_rsp_tag, dev_rsp_cause, dev_rsp_mrif, dev_rsp_ats_cpl, dev_rsp_ats_attr,
                      ats_msg_valid, ats_msg_prgr, ats_msg_did, ats_msg_pv, ats_msg_pid,
                      ats_msg_payload};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule
