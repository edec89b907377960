// riscv_iommu with its m_axi served by axi_mem_model (tb/hdl): the fast top of the bench.
// Same ports as riscv_iommu minus m_axi, same parameters; the memory is u_mem (backdoor).
module iommu_fast_top #(
    parameter IOTLB_ENTRIES = 16,
    parameter DDTC_ENTRIES  = 8,
    parameter PDTC_ENTRIES  = 8,
    parameter NEG_CACHE_DC  = 0,
    parameter MEM_AW        = 20           // log2 of the memory's 64-bit words (8 MiB)
) (
    input  wire        clk,
    input  wire        rst_n,
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
    output wire [7:0]  dev_rsp_tag,
    output wire        dev_rsp_fault,
    output wire [11:0] dev_rsp_cause,
    output wire [55:0] dev_rsp_pa,
    output wire        irq_cq,
    output wire        irq_fq
);
    wire [3:0]    m_axi_awid;
    wire [63:0]   m_axi_awaddr;
    wire [7:0]    m_axi_awlen;
    wire [2:0]    m_axi_awsize;
    wire [1:0]    m_axi_awburst;
    wire          m_axi_awlock;
    wire [3:0]    m_axi_awcache;
    wire [2:0]    m_axi_awprot;
    wire          m_axi_awvalid;
    wire          m_axi_awready;
    wire [63:0]   m_axi_wdata;
    wire [7:0]    m_axi_wstrb;
    wire          m_axi_wlast;
    wire          m_axi_wvalid;
    wire          m_axi_wready;
    wire [3:0]    m_axi_bid;
    wire [1:0]    m_axi_bresp;
    wire          m_axi_bvalid;
    wire          m_axi_bready;
    wire [3:0]    m_axi_arid;
    wire [63:0]   m_axi_araddr;
    wire [7:0]    m_axi_arlen;
    wire [2:0]    m_axi_arsize;
    wire [1:0]    m_axi_arburst;
    wire          m_axi_arlock;
    wire [3:0]    m_axi_arcache;
    wire [2:0]    m_axi_arprot;
    wire          m_axi_arvalid;
    wire          m_axi_arready;
    wire [3:0]    m_axi_rid;
    wire [63:0]   m_axi_rdata;
    wire [1:0]    m_axi_rresp;
    wire          m_axi_rlast;
    wire          m_axi_rvalid;
    wire          m_axi_rready;

    riscv_iommu #(
        .IOTLB_ENTRIES(IOTLB_ENTRIES), .DDTC_ENTRIES(DDTC_ENTRIES),
        .PDTC_ENTRIES(PDTC_ENTRIES), .NEG_CACHE_DC(NEG_CACHE_DC)
    ) u_iommu (
        .clk(clk),
        .rst_n(rst_n),
        .s_axil_awaddr(s_axil_awaddr),
        .s_axil_awprot(s_axil_awprot),
        .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata),
        .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid),
        .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp),
        .s_axil_bvalid(s_axil_bvalid),
        .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr),
        .s_axil_arprot(s_axil_arprot),
        .s_axil_arvalid(s_axil_arvalid),
        .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata),
        .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .dev_req_valid(dev_req_valid),
        .dev_req_ready(dev_req_ready),
        .dev_req_did(dev_req_did),
        .dev_req_pv(dev_req_pv),
        .dev_req_pid(dev_req_pid),
        .dev_req_priv(dev_req_priv),
        .dev_req_iova(dev_req_iova),
        .dev_req_ttyp(dev_req_ttyp),
        .dev_req_tag(dev_req_tag),
        .dev_req_ats_nw(1'b0),
        .dev_req_ats_exe(1'b0),
        .ats_msg_ready(1'b1),
        .ats_inv_cpl(1'b0),
        .dev_rsp_valid(dev_rsp_valid),
        .dev_rsp_ready(dev_rsp_ready),
        .dev_rsp_tag(dev_rsp_tag),
        .dev_rsp_fault(dev_rsp_fault),
        .dev_rsp_cause(dev_rsp_cause),
        .dev_rsp_pa(dev_rsp_pa),
        .irq_cq(irq_cq),
        .irq_fq(irq_fq),
        .m_axi_awid(m_axi_awid),
        .m_axi_awaddr(m_axi_awaddr),
        .m_axi_awlen(m_axi_awlen),
        .m_axi_awsize(m_axi_awsize),
        .m_axi_awburst(m_axi_awburst),
        .m_axi_awlock(m_axi_awlock),
        .m_axi_awcache(m_axi_awcache),
        .m_axi_awprot(m_axi_awprot),
        .m_axi_awvalid(m_axi_awvalid),
        .m_axi_awready(m_axi_awready),
        .m_axi_wdata(m_axi_wdata),
        .m_axi_wstrb(m_axi_wstrb),
        .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(m_axi_wvalid),
        .m_axi_wready(m_axi_wready),
        .m_axi_bid(m_axi_bid),
        .m_axi_bresp(m_axi_bresp),
        .m_axi_bvalid(m_axi_bvalid),
        .m_axi_bready(m_axi_bready),
        .m_axi_arid(m_axi_arid),
        .m_axi_araddr(m_axi_araddr),
        .m_axi_arlen(m_axi_arlen),
        .m_axi_arsize(m_axi_arsize),
        .m_axi_arburst(m_axi_arburst),
        .m_axi_arlock(m_axi_arlock),
        .m_axi_arcache(m_axi_arcache),
        .m_axi_arprot(m_axi_arprot),
        .m_axi_arvalid(m_axi_arvalid),
        .m_axi_arready(m_axi_arready),
        .m_axi_rid(m_axi_rid),
        .m_axi_rdata(m_axi_rdata),
        .m_axi_rresp(m_axi_rresp),
        .m_axi_rlast(m_axi_rlast),
        .m_axi_rvalid(m_axi_rvalid),
        .m_axi_rready(m_axi_rready)
    );

    axi_mem_model #(.AW(MEM_AW)) u_mem (
        .clk(clk), .rst_n(rst_n),
        .s_axi_awid(m_axi_awid),
        .s_axi_awaddr(m_axi_awaddr),
        .s_axi_awlen(m_axi_awlen),
        .s_axi_awsize(m_axi_awsize),
        .s_axi_awburst(m_axi_awburst),
        .s_axi_awvalid(m_axi_awvalid),
        .s_axi_awready(m_axi_awready),
        .s_axi_wdata(m_axi_wdata),
        .s_axi_wstrb(m_axi_wstrb),
        .s_axi_wlast(m_axi_wlast),
        .s_axi_wvalid(m_axi_wvalid),
        .s_axi_wready(m_axi_wready),
        .s_axi_bid(m_axi_bid),
        .s_axi_bresp(m_axi_bresp),
        .s_axi_bvalid(m_axi_bvalid),
        .s_axi_bready(m_axi_bready),
        .s_axi_arid(m_axi_arid),
        .s_axi_araddr(m_axi_araddr),
        .s_axi_arlen(m_axi_arlen),
        .s_axi_arsize(m_axi_arsize),
        .s_axi_arburst(m_axi_arburst),
        .s_axi_arvalid(m_axi_arvalid),
        .s_axi_arready(m_axi_arready),
        .s_axi_rid(m_axi_rid),
        .s_axi_rdata(m_axi_rdata),
        .s_axi_rresp(m_axi_rresp),
        .s_axi_rlast(m_axi_rlast),
        .s_axi_rvalid(m_axi_rvalid),
        .s_axi_rready(m_axi_rready)
    );

    // lock, cache and prot carry nothing this memory needs
    wire unused = ^{m_axi_awlock, m_axi_awcache, m_axi_awprot, m_axi_arlock, m_axi_arcache, m_axi_arprot};
endmodule
