// Dual-port RAM of 64-bit words with byte enables and registered read data
// (read-first), the shape block RAM maps to.  Port A serves the core, port B
// the host (frame load / read-back).
module ebpf_dpram #(
  parameter int unsigned DEPTH = 256,
  localparam int unsigned AW = $clog2(DEPTH)
) (
  input  logic          clk_i,
  input  logic          a_en_i,
  input  logic [7:0]    a_we_i,
  input  logic [AW-1:0] a_addr_i,
  input  logic [63:0]   a_wdata_i,
  output logic [63:0]   a_rdata_o,
  input  logic          b_en_i,
  input  logic [7:0]    b_we_i,
  input  logic [AW-1:0] b_addr_i,
  input  logic [63:0]   b_wdata_i,
  output logic [63:0]   b_rdata_o
);
  logic [63:0] mem_q [DEPTH] /* verilator public */;

  always_ff @(posedge clk_i) begin
    if (a_en_i) begin
      for (int i = 0; i < 8; i++) begin
        if (a_we_i[i]) mem_q[a_addr_i][i*8 +: 8] <= a_wdata_i[i*8 +: 8];
      end
      a_rdata_o <= mem_q[a_addr_i];
    end
  end

  always_ff @(posedge clk_i) begin
    if (b_en_i) begin
      for (int i = 0; i < 8; i++) begin
        if (b_we_i[i]) mem_q[b_addr_i][i*8 +: 8] <= b_wdata_i[i*8 +: 8];
      end
      b_rdata_o <= mem_q[b_addr_i];
    end
  end
endmodule
