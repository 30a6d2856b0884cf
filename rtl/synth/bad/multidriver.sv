// Synthesis self-test: two continuous assignments drive one net;
// `make check-synth` must reject this module.
module bad_multidriver (
  input  logic [7:0] a_i,
  input  logic [7:0] b_i,
  output logic [7:0] y_o
);
  assign y_o = a_i;
  assign y_o = b_i;
endmodule
