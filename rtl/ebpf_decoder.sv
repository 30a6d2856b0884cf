// Instruction decoder: the row of an encoding and its micro-op attributes,
// both from the package generated out of model/isa.def.  An encoding no row
// matches decodes to ROW_ILLEGAL with all attributes cleared and illegal_o.
module ebpf_decoder (
  input  logic [63:0]           insn_i,    // {imm, off, src, dst, code}
  output ebpf_isa_pkg::row_t    row_o,
  output ebpf_isa_pkg::uop_t    uop_o,
  output logic                  illegal_o,
  output logic [3:0]            dst_o,
  output logic [3:0]            src_o,
  output logic [15:0]           off_o,
  output logic [31:0]           imm_o
);
  always_comb begin
    dst_o = insn_i[11:8];
    src_o = insn_i[15:12];
    off_o = insn_i[31:16];
    imm_o = insn_i[63:32];
    row_o = ebpf_isa_pkg::decode_row(insn_i[7:0], src_o, off_o, imm_o);
    illegal_o = row_o == ebpf_isa_pkg::ROW_ILLEGAL;
    uop_o = illegal_o ? '0 : ebpf_isa_pkg::row_uop(row_o);
  end
endmodule
