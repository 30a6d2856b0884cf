// Synthesis self-test: an incomplete combinational assignment infers a
// latch; `make check-synth` must reject this module.
module bad_latch (
  input  logic       en_i,
  input  logic [7:0] d_i,
  output logic [7:0] q_o
);
  always @(*) begin
    if (en_i) q_o = d_i;
  end
endmodule
