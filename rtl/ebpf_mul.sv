// Two-cycle multiplier: operands are registered in the first EX cycle, the
// product is ready in the second (a pipelined DSP multiply).  Low 64 bits
// for mul, low 32 bits zero-extended for mul32.
module ebpf_mul (
  input  logic        clk_i,
  input  logic        start_i,   // first EX cycle of a multiply
  input  logic        is64_i,
  input  logic [63:0] a_i,
  input  logic [63:0] b_i,
  output logic [63:0] result_o
);
  logic [63:0] a_q, b_q;
  logic        is64_q;

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      a_q    <= is64_i ? a_i : {32'd0, a_i[31:0]};
      b_q    <= is64_i ? b_i : {32'd0, b_i[31:0]};
      is64_q <= is64_i;
    end
  end

  logic [63:0] prod;
  assign prod     = a_q * b_q;
  assign result_o = is64_q ? prod : {32'd0, prod[31:0]};
endmodule
