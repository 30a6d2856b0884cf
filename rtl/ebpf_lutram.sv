// Single-port RAM of 64-bit words with byte enables and asynchronous read
// (the read data is the word at addr_i in the same cycle; a write takes
// effect at the clock edge), the shape distributed (LUT) RAM maps to.  The
// banks of ebpf_local_mem.
module ebpf_lutram #(
  parameter int unsigned DEPTH = 256,
  localparam int unsigned AW = $clog2(DEPTH)
) (
  input  logic          clk_i,
  input  logic [7:0]    we_i,
  input  logic [AW-1:0] addr_i,
  input  logic [63:0]   wdata_i,
  output logic [63:0]   rdata_o
);
  logic [63:0] mem_q [DEPTH] /* verilator public */;

  always_ff @(posedge clk_i) begin
    if (|we_i) begin
      for (int i = 0; i < 8; i++) begin
        if (we_i[i]) mem_q[addr_i][i*8 +: 8] <= wdata_i[i*8 +: 8];
      end
    end
  end

  assign rdata_o = mem_q[addr_i];
endmodule
