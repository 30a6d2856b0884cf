// Bench top of the branch comparator, driven by a decoded instruction as EX
// drives it (see tb_alu_top.sv).
module tb_branch_top (
  input  logic [63:0] insn_i,
  input  logic [63:0] a_i,       // dst register value
  input  logic [63:0] b_i,       // src register value
  output logic        illegal_o,
  output logic        taken_o
);
  ebpf_isa_pkg::uop_t uop;
  logic [31:0] imm;
  logic [63:0] opb;
  ebpf_decoder u_dec (
    .insn_i, .row_o(), .uop_o(uop), .illegal_o, .dst_o(), .src_o(), .off_o(), .imm_o(imm)
  );
  assign opb = uop.use_imm ? {{32{imm[31]}}, imm} : b_i;
  ebpf_branch u_dut (.op_i(uop.br_op), .is64_i(uop.is64), .a_i, .b_i(opb), .taken_o);
endmodule
