// Bench top of the divider, driven by a decoded instruction as EX drives it
// (see tb_alu_top.sv): start_i is the first EX cycle, mod_i the mod rows.
module tb_div_top (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        start_i,
  input  logic [63:0] insn_i,
  input  logic [63:0] a_i,
  input  logic [63:0] b_i,
  output logic        illegal_o,
  output logic        done_o,
  output logic [63:0] result_o
);
  ebpf_isa_pkg::uop_t uop;
  logic [31:0] imm;
  logic [63:0] opb;
  ebpf_decoder u_dec (
    .insn_i, .row_o(), .uop_o(uop), .illegal_o, .dst_o(), .src_o(), .off_o(), .imm_o(imm)
  );
  assign opb = uop.use_imm ? {{32{imm[31]}}, imm} : b_i;
  ebpf_div u_dut (
    .clk_i, .rst_ni, .start_i, .is64_i(uop.is64), .signed_i(uop.div_signed),
    .mod_i(uop.alu_op == ebpf_isa_pkg::ALU_MOD), .a_i, .b_i(opb), .done_o, .result_o
  );
endmodule
