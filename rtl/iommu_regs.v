// RISC-V IOMMU register file behind an AXI4-Lite slave (64-bit data, 12-bit address).
//
// Every 8-byte word of the 4 KiB page is decoded as two 32-bit halves; a half is written when
// any of its WSTRB bits is set (only 4- and 8-byte accesses are legal, so a half is always
// written whole). Reset values and WARL behaviour follow docs/design.md, which the golden model
// implements too. Absent registers (pq*, HPM without HPM, debug without DBG, msi_cfg_tbl,
// iommu_qosid without QOSID) read 0, ignore writes. The HPM registers live in iommu_hpm: writes go out on hpm_*, reads
// come back on hpm_rdata, an overflow sets ipsr.pmip (hpm_ovf).
// The queue engines own nothing architectural: they send one-cycle pulses (index increment,
// error set) and the indices and flags live here.
// Style: docs/design.md, "Simulation speed and the RTL's style" (one gated block).
module iommu_regs #(
    parameter SV48   = 1,           // capability bits of the optional features (riscv_iommu)
    parameter SV48X4 = 1,
    parameter SV57   = 0,           // capabilities.Sv57 [11] (iommu_walker)
    parameter SV57X4 = 0,           // capabilities.Sv57x4 [19] (iommu_walker)
    parameter PD17   = 1,
    parameter PD20   = 1,
    parameter SVPBMT = 0,           // capabilities.Svpbmt [15]
    parameter AMO_HWAD = 0,         // capabilities.AMO_HWAD [24]: DC.tc.SADE/GADE supported
    parameter DBG    = 0,           // capabilities.DBG [31]: tr_req_iova, tr_req_ctl, tr_response
    parameter NL     = 0,           // capabilities.NL [42]: IOTINVAL NL operand
    parameter S      = 0,           // capabilities.S [43]: IOTINVAL S operand (address range)
    parameter HPM    = 0,           // capabilities.HPM [30]: iocountovf..iohpmevt31 (iommu_hpm),
                                    // ipsr.pmip, one writable bit of icvec.pmiv
    parameter integer PAS = 56,     // capabilities.PAS (32..56)
    parameter MSI_FLAT = 0,         // capabilities.MSI_FLAT [22] (extended DCs: iommu_walker)
    parameter MSI_MRIF = 0,         // capabilities.MSI_MRIF [23] (MRIF-mode MSI PTEs: iommu_walker)
    parameter IGS    = 1,           // capabilities.IGS [29:28]: 1 WSI (wires only), 0 MSI,
                                    // 2 BOTH (fctl.WSI selects); with MSI: msi_cfg_tbl, 16 vectors
    parameter SVRSW60T59B = 0,      // capabilities.Svrsw60t59b [14] (iommu_walker)
    parameter QOSID  = 0,           // capabilities.QOSID [41]: iommu_qosid, with
    parameter QOSID_RCID_W = 4,     // this many writable bits of RCID [11:0] (1..12)
    parameter QOSID_MCID_W = 4,     // and of MCID [27:16]
    parameter ATS    = 0,           // capabilities.ATS [25]: pqb, pqh, pqt, pqcsr, icvec.piv
    parameter T2GPA  = 0,           // capabilities.T2GPA [26] (with ATS; iommu_walker)
    parameter END    = 0,           // capabilities.END [27]: fctl.BE writable (big-endian
                                    // structures: iommu_walker, riscv_iommu's queue ports)
    parameter SV32   = 0,           // capabilities.Sv32 [8] and Sv32x4 [16]: with either (and
    parameter SV32X4 = 0            // the 64-bit schemes always built) fctl.GXL is writable
) (
    input  wire        clk,
    input  wire        rst_n,

    // AXI4-Lite slave
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

    // configuration to the datapath
    output wire        fctl_gxl,        // fctl.GXL: G-stages are Sv32x4 (SV32 or SV32X4)
    output wire        fctl_be,         // fctl.BE: the byte order of DDT, G-stage and MSI
                                        // tables, queues, IOFENCE.C data, interrupt messages
    output reg  [3:0]  ddtp_mode,
    output reg  [43:0] ddtp_ppn,

    // command queue
    output reg  [43:0] cqb_ppn,
    output wire [31:0] cqh,
    output wire [31:0] cqt,
    output wire        cqon,
    output wire        cq_stall,        // an error bit stops command processing
    input  wire        cq_head_inc,
    input  wire        cq_set_cqmf,
    input  wire        cq_set_cmd_ill,
    input  wire        cq_set_cmd_to,       // ATS: an ATS.INVAL timed out (at an IOFENCE.C)
    // ATS: the page-request queue for iommu_walker (PRI) and its updates
    output wire [43:0] pq_ppn,
    output wire [31:0] pq_mask,
    output wire [31:0] pq_h,
    output wire [31:0] pq_t,
    output wire        pq_on,
    output wire        pq_mf,
    output wire        pq_of,
    input  wire        pq_tail_inc,
    input  wire        pq_set_mf,
    input  wire        pq_set_of,
    input  wire        cq_set_fence_w_ip,

    // fault queue
    output reg  [43:0] fqb_ppn,
    output wire [31:0] fqh,
    output wire [31:0] fqt,
    output wire [31:0] fq_mask,         // 2^LOG2SZ - 1
    output wire        fqon,
    output wire        fq_stall,        // fqmf or fqof: records are dropped
    input  wire        fq_tail_inc,     // a record was written
    input  wire        fq_set_fqmf,
    input  wire        fq_set_fqof,

    // debug translation-request interface (iommu_dbg); dbg_go stays 0 without DBG
    output wire        dbg_go,
    output wire [63:0] dbg_iova,
    output wire [23:0] dbg_did,
    output wire        dbg_pv,
    output wire [19:0] dbg_pid,
    output wire        dbg_priv,
    output wire [5:0]  dbg_ttyp,
    input  wire        dbg_done,
    input  wire [63:0] dbg_rsp,

    // performance monitor (iommu_hpm); the write strobes stay 0 without HPM
    output wire        hpm_we_lo,
    output wire        hpm_we_hi,
    output wire [8:0]  hpm_wword,
    output wire [63:0] hpm_wdata,
    output wire [8:0]  hpm_rword,
    input  wire [63:0] hpm_rdata,
    input  wire        hpm_ovf,

    // interrupts as MSIs (IGS 0 or 2, fctl.WSI = 0): one 4-byte write per message, to
    // riscv_iommu's 4-byte write port (shared with IOFENCE.C); msi_wr_* stay 0 with IGS = 1
    output wire        msi_wr_valid,
    input  wire        msi_wr_ready,
    output wire [63:0] msi_wr_addr,
    output wire [31:0] msi_wr_data,
    input  wire        msi_wr_rsp_valid,

    // wired interrupts (icvec vector 0 and 1)
    output wire        irq_cq,
    output wire        irq_fq
);
`include "iommu_defs.vh"
    // capabilities: version 1.0, Sv39, Sv39x4, IGS=WSI, PD8, PAS [37:32] from the parameter,
    // and by the parameters Sv48 [10], Sv48x4 [18], PD17 [39], PD20 [40], Svpbmt [15] (the
    // first four, PAS=56:
    // 64'h0000_01F8_1006_0610).
    localparam [63:0] CAPS_FIXED   = 64'h0000_0040_0002_0210;   // and IGS [29:28]
    localparam [63:0] PAS_FIELD    = {32'd0, PAS};
    localparam [63:0] IGS_FIELD    = {62'd0, IGS[1:0]};
    localparam [63:0] CAPABILITIES = CAPS_FIXED | ((PAS_FIELD & 64'h3F) << 32) | (IGS_FIELD << 28) |
                                     ((SV48   != 0) ? (64'd1 << 10) : 64'd0) |
                                     ((SV48X4 != 0) ? (64'd1 << 18) : 64'd0) |
                                     ((SV57   != 0) ? (64'd1 << 11) : 64'd0) |
                                     ((SV57X4 != 0) ? (64'd1 << 19) : 64'd0) |
                                     ((PD17   != 0) ? (64'd1 << 39) : 64'd0) |
                                     ((PD20   != 0) ? (64'd1 << 40) : 64'd0) |
                                     ((SVPBMT != 0) ? (64'd1 << 15) : 64'd0) |
                                     ((AMO_HWAD != 0) ? (64'd1 << 24) : 64'd0) |
                                     ((DBG    != 0) ? (64'd1 << 31) : 64'd0) |
                                     ((HPM    != 0) ? (64'd1 << 30) : 64'd0) |
                                     ((NL     != 0) ? (64'd1 << 42) : 64'd0) |
                                     ((S      != 0) ? (64'd1 << 43) : 64'd0) |
                                     ((MSI_FLAT != 0) ? (64'd1 << 22) : 64'd0) |
                                     ((MSI_MRIF != 0) ? (64'd1 << 23) : 64'd0) |
                                     ((SVRSW60T59B != 0) ? (64'd1 << 14) : 64'd0) |
                                     ((QOSID  != 0) ? (64'd1 << 41) : 64'd0) |
                                     ((ATS    != 0) ? (64'd1 << 25) : 64'd0) |
                                     ((ATS != 0 && T2GPA != 0) ? (64'd1 << 26) : 64'd0) |
                                     ((END    != 0) ? (64'd1 << 27) : 64'd0) |
                                     ((SV32   != 0) ? (64'd1 << 8)  : 64'd0) |
                                     ((SV32X4 != 0) ? (64'd1 << 16) : 64'd0);
    // fctl: GXL=0 fixed; WSI 1 with IGS=WSI, 0 with IGS=MSI, writable (reset 0) with BOTH;
    // BE 0 fixed without END, writable (reset 0) with it while ddtp.iommu_mode is Off and both
    // queues are off (a change at any other time is UNSPECIFIED: the write is ignored, as the
    // golden model does)
    localparam MSI_IRQ = IGS != 1;       // msi_cfg_tbl and 16 vectors
    // GXL: 0 fixed without a 32-bit scheme; with SV32 or SV32X4 writable (reset 0) on the same
    // terms as BE (the model's gxl_writable: a 32-bit and a 64-bit scheme)
    localparam  HAS32 = SV32 != 0 || SV32X4 != 0;
    reg         fctl_wsi_q, fctl_be_q, fctl_gxl_q;
    wire        fctl_wsi = (IGS == 1) ? 1'b1 : (IGS == 2) ? fctl_wsi_q : 1'b0;
    assign      fctl_be  = (END != 0) && fctl_be_q;
    assign      fctl_gxl = HAS32 && fctl_gxl_q;
    wire [31:0] FCTL = {29'b0, fctl_gxl, fctl_wsi, fctl_be};
    // PPN [53:10] of ddtp, cqb and fqb is WARL: only the bits of addresses below 2^PAS are
    // writable (PPN bit i is address bit i+12), the others read 0. PAS=56: all 44.
    localparam [43:0] PPN_W = {44{1'b1}} >> (56 - PAS);

    // word indices (byte offset >> 3)
    localparam [8:0] W_CAPS  = 9'h000;  // 0x000
    localparam [8:0] W_FCTL  = 9'h001;  // 0x008 fctl, 0x00C custom
    localparam [8:0] W_DDTP  = 9'h002;  // 0x010
    localparam [8:0] W_CQB   = 9'h003;  // 0x018
    localparam [8:0] W_CQHT  = 9'h004;  // 0x020 cqh, 0x024 cqt
    localparam [8:0] W_FQB   = 9'h005;  // 0x028
    localparam [8:0] W_FQHT  = 9'h006;  // 0x030 fqh, 0x034 fqt
    localparam [8:0] W_CSR   = 9'h009;  // 0x048 cqcsr, 0x04C fqcsr
    localparam [8:0] W_IPSR  = 9'h00A;  // 0x050 pqcsr (ATS), 0x054 ipsr
    localparam [8:0] W_PQB   = 9'h007;  // 0x038 pqb (ATS)
    localparam [8:0] W_PQHT  = 9'h008;  // 0x040 pqh, 0x044 pqt (ATS)
    localparam [8:0] W_ICVEC = 9'h05F;  // 0x2F8
    localparam [8:0] W_HPM0  = 9'h00B;  // 0x058 iocountovf/iocountinh .. 0x250 iohpmevt31
    localparam [8:0] W_HPM1  = 9'h04A;
    localparam [8:0] W_TRIOVA = 9'h04B; // 0x258 tr_req_iova
    localparam [8:0] W_TRCTL  = 9'h04C; // 0x260 tr_req_ctl
    localparam [8:0] W_TRRSP  = 9'h04D; // 0x268 tr_response
    localparam [8:0] W_QOSID  = 9'h04E; // 0x270 iommu_qosid (4 bytes), 0x274 reserved
    // 0x300..0x3FF msi_cfg_tbl: word 0x60 + 2x msi_addr_x, 0x61 + 2x {msi_vec_ctl_x, msi_data_x}

    // ---------------------------------------------------------------- state
    reg  [4:0]  cqb_log2szm1;
    reg  [31:0] cqh_q, cqt_q;
    reg         cqen, cie, cqmf, cmd_ill, fence_w_ip;
    reg         cmd_to_q;
    wire        cmd_to = (ATS != 0) && cmd_to_q;  // only ATS.INVAL can time out
    reg  [4:0]  fqb_log2szm1;
    reg  [31:0] fqh_q, fqt_q;
    reg         fqen, fie, fqmf, fqof;
    reg         cip, fip, pmip;
    reg         civ0, fiv0, pmiv0;      // the one writable bit of civ, fiv and pmiv (WSI only)
    reg  [2:0]  civ_hi, fiv_hi, pmiv_hi; // their upper bits with MSI (16 vectors), else 0
    wire [3:0]  civ = {civ_hi, civ0}, fiv = {fiv_hi, fiv0}, pmiv = {pmiv_hi, pmiv0};
    // msi_cfg_tbl (MSI_IRQ): ADDR [55:2], data, M; a message due per vector (pend); the
    // sender's one message in flight (msi_busy)
    /* verilator lint_off UNUSEDSIGNAL */
    /* verilator lint_off UNDRIVEN */
    reg  [53:0] mt_addr [0:15];
    reg  [31:0] mt_data [0:15];
    reg  [15:0] mt_m, pend;
    reg         msi_busy;
    integer     mt_r;                    // (reset loop)
    /* verilator lint_on UNDRIVEN */
    /* verilator lint_on UNUSEDSIGNAL */
    // tr_req_iova vpn, tr_req_ctl fields (reserved and custom read 0), tr_response
    reg  [51:0] tr_vpn;
    reg         tr_go, tr_priv, tr_exe, tr_nw, tr_pv;
    reg  [19:0] tr_pid;
    reg  [23:0] tr_did;
    reg  [63:0] tr_rsp;
    wire [63:0] tr_ctl = {tr_did, 4'b0, 3'b0, tr_pv, tr_pid, 8'b0, tr_nw, tr_exe, tr_priv, tr_go};
    assign dbg_go   = tr_go;
    assign dbg_iova = {tr_vpn, 12'b0};
    assign dbg_did  = tr_did;
    assign dbg_pv   = tr_pv;
    assign dbg_pid  = tr_pid;
    assign dbg_priv = tr_priv & tr_pv;     // privilege only with a process_id
    // NW=1: read; NW=0: read and write (a write); Exe=1 with NW=1: execute (Exe with NW=0 is
    // UNSPECIFIED: a write here, as the model)
    assign dbg_ttyp = !tr_nw ? TTYP_UNTRANSLATED_WRITE : tr_exe ? TTYP_UNTRANSLATED_EXEC
                                                        : TTYP_UNTRANSLATED_READ;

    // 2^LOG2SZ - 1, LOG2SZ = field + 1 (1..32)
    wire [31:0] cq_mask = ~(32'hFFFF_FFFE << cqb_log2szm1);
    assign      fq_mask = ~(32'hFFFF_FFFE << fqb_log2szm1);

    assign cqh      = cqh_q;
    assign cqt      = cqt_q;
    assign cqon     = cqen;             // no enable latency (matches the model)
    assign cq_stall = cqmf | cmd_ill | cmd_to;
    assign fqh      = fqh_q;
    assign fqt      = fqt_q;
    assign fqon     = fqen;
    assign fq_stall = fqmf | fqof;

    wire [31:0] cqcsr = {14'b0, 1'b0 /*busy*/, cqen /*cqon*/, 4'b0,
                         fence_w_ip, cmd_ill, cmd_to, cqmf, 6'b0, cie, cqen};
    wire [31:0] fqcsr = {14'b0, 1'b0 /*busy*/, fqen /*fqon*/, 6'b0,
                         fqof, fqmf, 6'b0, fie, fqen};
    wire        pip;                    // ATS: the page-request queue's interrupt pending
    wire        pip_rise;               // ... going 0 -> 1 (its vector's message is due)
    wire [31:0] ipsr  = {28'b0, pip, pmip, fip, cip};

    // ---------------------------------------------------------------- page-request queue
    // ATS: the queue's registers as the spec gives them (pqb frozen while pqen=1, a pqb write
    // zeroes pqh; pqon follows pqen at once; pqmf/pqof W1C, set by the walker's page requests,
    // which also move pqt; pqen 0 -> 1 zeroes pqt, pqmf, pqof). ipsr.pip is set while pie and
    // (pqmf or pqof or a record written) hold, W1C as fip; icvec.piv picks its wire (vector 0
    // irq_cq, 1 irq_fq; with MSIs no message is sent for it).
    wire [63:0] pqb_word;
    wire [31:0] pqh, pqcsr;
    wire [3:0]  piv;

    // ---------------------------------------------------------------- read side
    reg  [63:0] rd_word;
    always @(*) begin
        case (s_axil_araddr[11:3])
            W_CAPS:  rd_word = CAPABILITIES;
            W_FCTL:  rd_word = {32'b0, FCTL};
            W_DDTP:  rd_word = {10'b0, ddtp_ppn, 5'b0, 1'b0 /*busy*/, ddtp_mode};
            W_CQB:   rd_word = {10'b0, cqb_ppn, 5'b0, cqb_log2szm1};
            W_CQHT:  rd_word = {cqt_q, cqh_q};
            W_FQB:   rd_word = {10'b0, fqb_ppn, 5'b0, fqb_log2szm1};
            W_FQHT:  rd_word = {fqt_q, fqh_q};
            W_CSR:   rd_word = {fqcsr, cqcsr};
            W_IPSR:  rd_word = {ipsr, pqcsr};
            W_PQB:   rd_word = pqb_word;
            W_PQHT:  rd_word = {pq_t, pqh};
            W_ICVEC: rd_word = {48'b0, piv, pmiv, fiv, civ};
            W_TRIOVA: rd_word = (DBG != 0) ? {tr_vpn, 12'b0} : 64'b0;
            W_TRCTL:  rd_word = (DBG != 0) ? tr_ctl : 64'b0;
            W_TRRSP:  rd_word = (DBG != 0) ? tr_rsp : 64'b0;
            W_QOSID:  rd_word = {32'b0, qosid};
            default: rd_word = (HPM != 0 && s_axil_araddr[11:3] >= W_HPM0 &&
                                s_axil_araddr[11:3] <= W_HPM1) ? hpm_rdata :
                               (MSI_IRQ && s_axil_araddr[11:8] == 4'h3) ?
                               (s_axil_araddr[3] ? {31'b0, mt_m[s_axil_araddr[7:4]],
                                                    mt_data[s_axil_araddr[7:4]]}
                                                 : {8'b0, mt_addr[s_axil_araddr[7:4]], 2'b0}) :
                               64'b0;
        endcase
    end

    reg         rvalid_q;
    reg  [63:0] rdata_q;
    wire        rd_go = s_axil_arvalid && !rvalid_q;
    assign s_axil_arready = rd_go;
    assign s_axil_rvalid  = rvalid_q;
    assign s_axil_rdata   = rdata_q;
    assign s_axil_rresp   = 2'b00;

    // ---------------------------------------------------------------- write side
    // Address and data are taken together; one write at a time.
    reg         bvalid_q;
    wire        wr_go = s_axil_awvalid && s_axil_wvalid && !bvalid_q;
    assign s_axil_awready = wr_go;
    assign s_axil_wready  = wr_go;
    assign s_axil_bvalid  = bvalid_q;
    assign s_axil_bresp   = 2'b00;

    wire [8:0]  wword = s_axil_awaddr[11:3];
    wire        wlo   = wr_go && (|s_axil_wstrb[3:0]);
    wire        whi   = wr_go && (|s_axil_wstrb[7:4]);
    wire [31:0] dlo   = s_axil_wdata[31:0];
    wire [31:0] dhi   = s_axil_wdata[63:32];

    wire we_ddtp_lo  = wlo && wword == W_DDTP;
    wire we_ddtp_hi  = whi && wword == W_DDTP;
    // base registers are frozen while their queue is on
    wire we_cqb_lo   = wlo && wword == W_CQB && !cqen;
    wire we_cqb_hi   = whi && wword == W_CQB && !cqen;
    wire we_cqt      = whi && wword == W_CQHT;
    wire we_fqb_lo   = wlo && wword == W_FQB && !fqen;
    wire we_fqb_hi   = whi && wword == W_FQB && !fqen;
    wire we_fqh      = wlo && wword == W_FQHT;
    wire we_cqcsr    = wlo && wword == W_CSR;
    wire we_fqcsr    = whi && wword == W_CSR;
    wire we_ipsr     = whi && wword == W_IPSR;
    wire we_icvec    = wlo && wword == W_ICVEC;
    wire we_fctl     = (IGS == 2) && wlo && wword == W_FCTL;
    wire we_fctl_gxl = HAS32 && wlo && wword == W_FCTL && ddtp_mode == DDTP_OFF && !cqen && !fqen;
    wire we_fctl_be  = (END != 0) && wlo && wword == W_FCTL && ddtp_mode == DDTP_OFF &&
                       !cqen && !fqen;
    wire we_mt       = MSI_IRQ && wr_go && wword[8:5] == 4'b0011;   // 0x300..0x3FF
    wire [3:0] mt_i  = wword[4:1];
    assign hpm_we_lo  = (HPM != 0) && wlo;
    assign hpm_we_hi  = (HPM != 0) && whi;
    assign hpm_wword  = wword;
    assign hpm_wdata  = s_axil_wdata;
    assign hpm_rword  = s_axil_araddr[11:3];
    wire we_triova_lo = (DBG != 0) && wlo && wword == W_TRIOVA;
    wire we_triova_hi = (DBG != 0) && whi && wword == W_TRIOVA;
    wire we_trctl_lo  = (DBG != 0) && wlo && wword == W_TRCTL;
    wire we_trctl_hi  = (DBG != 0) && whi && wword == W_TRCTL;

    wire cq_enable   = we_cqcsr && dlo[0] && !cqen;  // cqen 0 -> 1
    wire fq_enable   = we_fqcsr && dhi[0] && !fqen;  // fqen 0 -> 1

    // command queue indices and cqcsr: active inputs
    wire cq_act = we_cqb_lo | we_cqb_hi | we_cqt | cq_head_inc | we_cqcsr |
                  cq_set_cqmf | cq_set_cmd_ill | cq_set_fence_w_ip | cq_set_cmd_to;

    // fault queue indices and fqcsr: active inputs
    wire fq_act = we_fqb_lo | we_fqb_hi | we_fqh | fq_tail_inc | we_fqcsr |
                  fq_set_fqmf | fq_set_fqof;

    // ipsr: a bit is set while its condition holds, so a W1C only clears it once the condition
    // is gone; fip is also set by each record written.
    wire cip_cond = cie & (cqmf | cmd_to | cmd_ill | fence_w_ip);
    wire fip_cond = fie & (fqof | fqmf | fq_tail_inc);
    // pmip: set by an HPM overflow (an OF bit going 0 -> 1), cleared by a W1C
    wire pm_set   = (HPM != 0) && hpm_ovf;
    wire ip_act   = we_ipsr | (cip_cond & ~cip) | (fip_cond & ~fip) | pm_set | pip_rise; // else keep
    // MSIs: an ipsr bit going 0 -> 1 makes its vector's message due (fctl.WSI = 0)
    wire msi_on   = MSI_IRQ && !fctl_wsi;
    wire cip_rise = cip_cond & ~cip;
    wire fip_rise = fip_cond & ~fip;
    wire pm_rise  = pm_set & ~pmip;
    // the lowest due, unmasked vector goes out first (the sender is built with MSIs only)
    wire [3:0]  mt_sel;
    generate if (MSI_IRQ) begin : g_msi_send
        wire [15:0] mt_ready = pend & ~mt_m;
        reg  [3:0]  mt_sel_c;
        integer     mq;
        always @(*) begin
            mt_sel_c = 4'd0;
            for (mq = 15; mq >= 0; mq = mq - 1)
                if (mt_ready[mq]) mt_sel_c = mq[3:0];
        end
        assign mt_sel       = mt_sel_c;
        assign msi_wr_valid = !msi_busy && mt_ready != 16'd0;
        assign msi_wr_addr  = {8'b0, mt_addr[mt_sel], 2'b0};
        assign msi_wr_data  = mt_data[mt_sel];
    end else begin : g_no_msi_send
        assign mt_sel       = 4'd0;
        assign msi_wr_valid = 1'b0;
        assign msi_wr_addr  = 64'b0;
        assign msi_wr_data  = 32'b0;
    end endgenerate
    wire msi_take = msi_wr_valid && msi_wr_ready;
    wire msi_act  = msi_take | (MSI_IRQ && msi_wr_rsp_valid);

    // the page-request queue's registers (ATS; declared above)
    generate if (ATS != 0) begin : g_pq
        reg [4:0]  pqb_log2szm1;
        reg [43:0] pqb_ppn;
        reg [31:0] pqh_q;
        reg        pqen, pie;
        reg [3:0]  piv_q;
        reg [31:0] pqt_q;
        reg        pqmf_q, pqof_q, pip_q;
        wire [31:0] pq_mask_w = ~(32'hFFFF_FFFE << pqb_log2szm1);
        assign pqb_word = {10'b0, pqb_ppn, 5'b0, pqb_log2szm1};
        assign pqh      = pqh_q;
        assign pqcsr    = {15'b0, pqen /*pqon*/, 6'b0, pqof_q, pqmf_q, 6'b0, pie, pqen};
        assign piv      = piv_q;
        assign pip      = pip_q;
        assign pq_ppn   = pqb_ppn;
        assign pq_mask  = pq_mask_w;
        assign pq_h     = pqh_q;
        assign pq_t     = pqt_q;
        assign pq_on    = pqen;
        assign pq_mf    = pqmf_q;
        assign pq_of    = pqof_q;
        wire we_pqcsr = wlo && wword == W_IPSR;
        wire pq_on_up = we_pqcsr && dlo[0] && !pqen;         // pqen 0 -> 1
        wire pip_cond = pie & (pqof_q | pqmf_q | pq_tail_inc);
        assign pip_rise = pip_cond & ~pip_q;
        wire pq_run = `IOMMU_RUN(!rst_n | wr_go | pq_tail_inc | pq_set_mf | pq_set_of |
                                 (pip_cond & ~pip_q));
        always @(posedge clk) if (pq_run) begin
            if (!rst_n) begin
                pqb_log2szm1 <= 5'b0; pqb_ppn <= 44'b0; pqh_q <= 32'b0;
                pqen <= 1'b0; pie <= 1'b0; piv_q <= 4'b0;
                pqt_q <= 32'b0; pqmf_q <= 1'b0; pqof_q <= 1'b0; pip_q <= 1'b0;
            end else begin
                // hardware sets win over a W1C in the same cycle
                if (pq_on_up) begin
                    pqt_q <= 32'b0; pqmf_q <= 1'b0; pqof_q <= 1'b0;
                end else begin
                    if (pq_tail_inc) pqt_q <= (pqt_q + 32'd1) & pq_mask_w;
                    pqmf_q <= pq_set_mf | (pqmf_q & ~(we_pqcsr & dlo[8]));
                    pqof_q <= pq_set_of | (pqof_q & ~(we_pqcsr & dlo[9]));
                end
                pip_q <= pip_cond | (pip_q & ~(whi && wword == W_IPSR && dhi[3]));
                if (wlo && wword == W_PQB && !pqen) begin
                    pqb_log2szm1  <= dlo[4:0];
                    pqb_ppn[21:0] <= dlo[31:10] & PPN_W[21:0];
                end
                if (whi && wword == W_PQB && !pqen) pqb_ppn[43:22] <= dhi[21:0] & PPN_W[43:22];
                if (wword == W_PQB && (wlo || whi) && !pqen) pqh_q <= 32'b0;
                else if (wlo && wword == W_PQHT) pqh_q <= dlo & pq_mask_w;
                if (wlo && wword == W_IPSR) begin pqen <= dlo[0]; pie <= dlo[1]; end
                if (we_icvec) piv_q <= MSI_IRQ ? dlo[15:12] : {3'b0, dlo[12]};
            end
        end
    end else begin : g_no_pq
        assign pqb_word = 64'b0;
        assign pqh      = 32'b0;
        assign pqcsr    = 32'b0;
        assign piv      = 4'b0;
        assign pip      = 1'b0;
        assign pip_rise = 1'b0;
        assign pq_ppn   = 44'b0;
        assign pq_mask  = 32'b0;
        assign pq_h     = 32'b0;
        assign pq_t     = 32'b0;
        assign pq_on    = 1'b0;
        assign pq_mf    = 1'b0;
        assign pq_of    = 1'b0;
        /* verilator lint_off UNUSEDSIGNAL */
        wire unused_pq = ^{pq_tail_inc, pq_set_mf, pq_set_of};
        /* verilator lint_on UNUSEDSIGNAL */
    end endgenerate

    // ---------------------------------------------------------------- all register updates
    // One clocked block that only runs when something is active (otherwise every assignment
    // below keeps its value): an idle cycle wakes one process and tests one wire.
    wire reg_run = `IOMMU_RUN(!rst_n | rd_go | rvalid_q | wr_go | bvalid_q | cq_act | fq_act |
                              ip_act | dbg_done | msi_act);
    always @(posedge clk) if (reg_run) begin
        if (!rst_n) begin
            rvalid_q     <= 1'b0;
            rdata_q      <= 64'b0;
            bvalid_q     <= 1'b0;
            ddtp_mode    <= DDTP_OFF;
            ddtp_ppn     <= 44'b0;
            cqb_log2szm1 <= 5'b0;
            cqb_ppn      <= 44'b0;
            fqb_log2szm1 <= 5'b0;
            fqb_ppn      <= 44'b0;
            civ0         <= 1'b0;
            fiv0         <= 1'b1;
            pmiv0        <= 1'b0;
            civ_hi <= 3'b0; fiv_hi <= 3'b0; pmiv_hi <= 3'b0;
            fctl_wsi_q   <= 1'b0;
            fctl_be_q    <= 1'b0;
            fctl_gxl_q   <= 1'b0;
            mt_m <= 16'b0; pend <= 16'b0; msi_busy <= 1'b0;
            // msi_cfg_tbl resets to 0, as the model has it (the spec leaves it UNSPECIFIED):
            // a message of a vector software never programmed goes to address 0, not to X
            for (mt_r = 0; mt_r < 16; mt_r = mt_r + 1) begin
                mt_addr[mt_r] <= 54'b0;
                mt_data[mt_r] <= 32'b0;
            end
            cqh_q <= 32'b0;
            cqt_q <= 32'b0;
            cqen <= 1'b0; cie <= 1'b0;
            cqmf <= 1'b0; cmd_ill <= 1'b0; fence_w_ip <= 1'b0; cmd_to_q <= 1'b0;
            fqh_q <= 32'b0;
            fqt_q <= 32'b0;
            fqen <= 1'b0; fie <= 1'b0;
            fqmf <= 1'b0; fqof <= 1'b0;
            cip <= 1'b0;
            fip <= 1'b0;
            pmip <= 1'b0;
            tr_vpn <= 52'b0;
            tr_go <= 1'b0; tr_priv <= 1'b0; tr_exe <= 1'b0; tr_nw <= 1'b0; tr_pv <= 1'b0;
            tr_pid <= 20'b0;
            tr_did <= 24'b0;
            tr_rsp <= 64'b0;
        end else begin
            // read side
            if (rd_go) begin
                rvalid_q <= 1'b1;
                rdata_q  <= rd_word;
            end else if (rvalid_q && s_axil_rready) begin
                rvalid_q <= 1'b0;
            end
            // write response
            if (wr_go)                               bvalid_q <= 1'b1;
            else if (bvalid_q && s_axil_bready)      bvalid_q <= 1'b0;
            // ddtp, base registers, icvec
            if (wr_go) begin
                if (we_ddtp_lo) begin
                    // WARL: Off..3LVL are taken, 5..15 keep the mode
                    if (dlo[3:0] <= DDTP_3LVL) ddtp_mode <= dlo[3:0];
                    ddtp_ppn[21:0] <= dlo[31:10] & PPN_W[21:0];
                end
                if (we_ddtp_hi) ddtp_ppn[43:22] <= dhi[21:0] & PPN_W[43:22];
                if (we_cqb_lo) begin
                    cqb_log2szm1   <= dlo[4:0];
                    cqb_ppn[21:0]  <= dlo[31:10] & PPN_W[21:0];
                end
                if (we_cqb_hi) cqb_ppn[43:22] <= dhi[21:0] & PPN_W[43:22];
                if (we_fqb_lo) begin
                    fqb_log2szm1   <= dlo[4:0];
                    fqb_ppn[21:0]  <= dlo[31:10] & PPN_W[21:0];
                end
                if (we_fqb_hi) fqb_ppn[43:22] <= dhi[21:0] & PPN_W[43:22];
                if (we_icvec) begin
                    civ0 <= dlo[0];
                    fiv0 <= dlo[4];
                    if (HPM != 0) pmiv0 <= dlo[8];
                    if (MSI_IRQ) begin
                        civ_hi <= dlo[3:1];
                        fiv_hi <= dlo[7:5];
                        if (HPM != 0) pmiv_hi <= dlo[11:9];
                    end
                end
                if (we_fctl) fctl_wsi_q <= dlo[1];
                if (we_fctl_be) fctl_be_q <= dlo[0];
                if (we_fctl_gxl) fctl_gxl_q <= dlo[2];
                if (we_mt) begin
                    if (!wword[0]) begin                       // msi_addr_x
                        if (wlo) mt_addr[mt_i][29:0]  <= dlo[31:2];
                        if (whi) mt_addr[mt_i][53:30] <= dhi[23:0];
                    end else begin                             // msi_data_x, msi_vec_ctl_x
                        if (wlo) mt_data[mt_i] <= dlo;
                        if (whi) mt_m[mt_i]    <= dhi[0];
                    end
                end
                if (we_triova_lo) tr_vpn[19:0]  <= dlo[31:12];
                if (we_triova_hi) tr_vpn[51:20] <= dhi;
                if (we_trctl_lo) begin
                    tr_priv <= dlo[1];
                    tr_exe  <= dlo[2];
                    tr_nw   <= dlo[3];
                    tr_pid  <= dlo[31:12];
                end
                if (we_trctl_hi) begin
                    tr_pv  <= dhi[0];
                    tr_did <= dhi[31:8];
                end
            end
            // Go/Busy: RW1S, cleared by the IOMMU when the translation is done
            if (dbg_done) begin
                tr_go  <= 1'b0;
                tr_rsp <= dbg_rsp;
            end else if (we_trctl_lo && dlo[0]) begin
                tr_go  <= 1'b1;
            end
            // command queue indices and cqcsr
            if (cq_act) begin
                if (we_cqb_lo || we_cqb_hi) cqt_q <= 32'b0;
                else if (we_cqt)            cqt_q <= dhi & cq_mask;
                if (cq_head_inc)            cqh_q <= (cqh_q + 32'd1) & cq_mask;
                // hardware sets win over a W1C in the same cycle
                if (we_cqcsr) begin
                    cqen <= dlo[0];
                    cie  <= dlo[1];
                end
                cqmf       <= cq_set_cqmf       | (cqmf       & ~(we_cqcsr & dlo[8]));
                cmd_ill    <= cq_set_cmd_ill    | (cmd_ill    & ~(we_cqcsr & dlo[10]));
                fence_w_ip <= cq_set_fence_w_ip | (fence_w_ip & ~(we_cqcsr & dlo[11]));
                if (ATS != 0) cmd_to_q <= cq_set_cmd_to | (cmd_to_q & ~(we_cqcsr & dlo[9]));
                if (cq_enable) begin
                    cqh_q <= 32'b0;
                    cqmf <= 1'b0; cmd_ill <= 1'b0; fence_w_ip <= 1'b0;
                    if (ATS != 0) cmd_to_q <= 1'b0;
                end
            end
            // fault queue indices and fqcsr
            if (fq_act) begin
                if (we_fqb_lo || we_fqb_hi) fqh_q <= 32'b0;
                else if (we_fqh)            fqh_q <= dlo & fq_mask;
                if (fq_tail_inc)            fqt_q <= (fqt_q + 32'd1) & fq_mask;
                if (we_fqcsr) begin
                    fqen <= dhi[0];
                    fie  <= dhi[1];
                end
                fqmf <= fq_set_fqmf | (fqmf & ~(we_fqcsr & dhi[8]));
                fqof <= fq_set_fqof | (fqof & ~(we_fqcsr & dhi[9]));
                if (fq_enable) begin
                    fqt_q <= 32'b0;
                    fqmf <= 1'b0; fqof <= 1'b0;
                end
            end
            // ipsr
            if (ip_act) begin
                cip <= cip_cond | (cip & ~(we_ipsr & dhi[0]));
                fip <= fip_cond | (fip & ~(we_ipsr & dhi[1]));
                pmip <= pm_set | (pmip & ~(we_ipsr & dhi[2]));
            end
            // MSIs: a due message waits while its vector is masked (one per vector); the
            // sender takes the lowest unmasked one, one at a time (a bus error on the write is
            // reported by riscv_iommu as a cause-273 record: docs/design.md "Interrupts as MSIs")
            if (MSI_IRQ && (msi_take || (ip_act && msi_on))) begin
                pend <= (pend & ~(msi_take ? (16'd1 << mt_sel) : 16'd0))
                        | ((msi_on && cip_rise) ? (16'd1 << civ)  : 16'd0)
                        | ((msi_on && fip_rise) ? (16'd1 << fiv)  : 16'd0)
                        | ((msi_on && pm_rise)  ? (16'd1 << pmiv) : 16'd0)
                        | ((msi_on && pip_rise) ? (16'd1 << piv)  : 16'd0);
            end
            if (MSI_IRQ) begin
                if (msi_take)              msi_busy <= 1'b1;
                else if (msi_wr_rsp_valid) msi_busy <= 1'b0;
            end
        end
    end

    // iommu_qosid (QOSID): RCID [11:0], MCID [27:16] WARL, only the low QOSID_*_W bits
    // writable (the others and [15:12], [31:28] read 0); reset 0. Without QOSID it reads 0
    // and no process is built.
    wire [31:0] qosid;
    generate if (QOSID != 0) begin : g_qosid
        localparam [11:0] RCID_MASK = ~(12'hFFF << QOSID_RCID_W);
        localparam [11:0] MCID_MASK = ~(12'hFFF << QOSID_MCID_W);
        reg [11:0] rcid, mcid;
        always @(posedge clk)
            if (!rst_n) begin
                rcid <= 12'd0;
                mcid <= 12'd0;
            end else if (wlo && wword == W_QOSID) begin
                rcid <= dlo[11:0] & RCID_MASK;
                mcid <= dlo[27:16] & MCID_MASK;
            end
        assign qosid = {4'b0, mcid, 4'b0, rcid};
    end else begin : g_no_qosid
        assign qosid = 32'd0;
    end endgenerate

    // wire k = OR of the ipsr bits whose vector is k (k = 0, 1; with 16 vectors (IGS=BOTH)
    // vectors 2..15 have no wire); both 0 while fctl.WSI = 0
    // (pip: ATS's page-request queue, 0 without it)
    assign irq_cq = fctl_wsi & ((cip & civ == 4'd0) | (fip & fiv == 4'd0) | (pmip & pmiv == 4'd0) | (pip & piv == 4'd0));
    assign irq_fq = fctl_wsi & ((cip & civ == 4'd1) | (fip & fiv == 4'd1) | (pmip & pmiv == 4'd1) | (pip & piv == 4'd1));

    wire unused_axil = ^{s_axil_awprot, s_axil_arprot, s_axil_awaddr[2:0], s_axil_araddr[2:0]};
endmodule
