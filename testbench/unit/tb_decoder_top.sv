// Bench top of the decoder: the row, the illegal flag, the fields and the
// micro-op attributes the C model's ISA table also holds, as separate ports.
module tb_decoder_top (
  input  logic [63:0] insn_i,
  output logic [7:0]  row_o,
  output logic        illegal_o,
  output logic [3:0]  dst_o,
  output logic [3:0]  src_o,
  output logic [15:0] off_o,
  output logic [31:0] imm_o,
  output logic [4:0]  form_o,
  output logic [3:0]  tclass_o,
  output logic [1:0]  writes_o,
  output logic [2:0]  version_o,
  output logic [2:0]  group_o,
  output logic [1:0]  msize_o
);
  ebpf_isa_pkg::uop_t uop;
  ebpf_decoder u_dut (
    .insn_i, .row_o, .uop_o(uop), .illegal_o, .dst_o, .src_o, .off_o, .imm_o
  );
  assign form_o    = uop.form;
  assign tclass_o  = uop.tclass;
  assign writes_o  = uop.writes;
  assign version_o = uop.version;
  assign group_o   = uop.group;
  assign msize_o   = uop.msize;
endmodule
