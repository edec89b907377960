// The bench top: iommu_fast_top (IOMMU + HDL memory) with its device port driven by
// dev_batch_driver (u_drv), so translations are issued and collected without Python on the
// clock, and its own clock (CLK_HALF_NS): no callback into the simulator's VPI per edge.
// Same parameters as iommu_fast_top; the register port, reset and interrupts stay ports.
module iommu_bench_top #(
    parameter IOTLB_ENTRIES = 16,
    parameter DDTC_ENTRIES  = 8,
    parameter PDTC_ENTRIES  = 8,
    parameter NEG_CACHE_DC  = 0,
    parameter MEM_AW        = 20,
    parameter CLK_HALF_NS   = 5
) (
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
    output wire        irq_cq,
    output wire        irq_fq
);
    reg clk = 1'b0;
    always #(CLK_HALF_NS) clk = ~clk;

    wire         dev_req_valid;
    wire         dev_req_ready;
    wire [23:0]  dev_req_did;
    wire         dev_req_pv;
    wire [19:0]  dev_req_pid;
    wire         dev_req_priv;
    wire [63:0]  dev_req_iova;
    wire [5:0]   dev_req_ttyp;
    wire [7:0]   dev_req_tag;
    wire         dev_rsp_valid;
    wire         dev_rsp_ready;
    wire [7:0]   dev_rsp_tag;
    wire         dev_rsp_fault;
    wire [11:0]  dev_rsp_cause;
    wire [55:0]  dev_rsp_pa;

    iommu_fast_top #(
        .IOTLB_ENTRIES(IOTLB_ENTRIES), .DDTC_ENTRIES(DDTC_ENTRIES), .PDTC_ENTRIES(PDTC_ENTRIES),
        .NEG_CACHE_DC(NEG_CACHE_DC), .MEM_AW(MEM_AW)
    ) u_top (
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
        .dev_rsp_valid(dev_rsp_valid),
        .dev_rsp_ready(dev_rsp_ready),
        .dev_rsp_tag(dev_rsp_tag),
        .dev_rsp_fault(dev_rsp_fault),
        .dev_rsp_cause(dev_rsp_cause),
        .dev_rsp_pa(dev_rsp_pa),
        .irq_cq(irq_cq),
        .irq_fq(irq_fq)
    );

    dev_batch_driver u_drv (
        .clk(clk),
        .rst_n(rst_n),
        .dev_req_valid(dev_req_valid),
        .dev_req_ready(dev_req_ready),
        .dev_req_did(dev_req_did),
        .dev_req_pv(dev_req_pv),
        .dev_req_pid(dev_req_pid),
        .dev_req_priv(dev_req_priv),
        .dev_req_iova(dev_req_iova),
        .dev_req_ttyp(dev_req_ttyp),
        .dev_req_tag(dev_req_tag),
        .dev_rsp_valid(dev_rsp_valid),
        .dev_rsp_ready(dev_rsp_ready),
        .dev_rsp_tag(dev_rsp_tag),
        .dev_rsp_fault(dev_rsp_fault),
        .dev_rsp_cause(dev_rsp_cause),
        .dev_rsp_pa(dev_rsp_pa)
    );
endmodule
