// Bench top of the ALU: an instruction word is decoded by the generated
// decoder and its micro-op drives the ALU as EX does (the second operand is
// the sign-extended immediate or the source register), so the bench checks
// the ALU together with the control the core gives it.
module tb_alu_top (
  input  logic [63:0] insn_i,
  input  logic [63:0] a_i,       // dst register value
  input  logic [63:0] b_i,       // src register value
  output logic        illegal_o,
  output logic [63:0] result_o
);
  ebpf_isa_pkg::uop_t uop;
  logic [31:0] imm;
  logic [63:0] opb;
  ebpf_decoder u_dec (
    .insn_i, .row_o(), .uop_o(uop), .illegal_o, .dst_o(), .src_o(), .off_o(), .imm_o(imm)
  );
  assign opb = uop.use_imm ? {{32{imm[31]}}, imm} : b_i;
  ebpf_alu u_dut (
    .op_i(uop.alu_op), .is64_i(uop.is64), .movsx_i(uop.movsx), .ext_width_i(uop.ext_width),
    .swap_i(uop.swap), .a_i, .b_i(opb), .result_o
  );
endmodule
