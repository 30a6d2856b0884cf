// Single-cycle ALU: add/sub/logic/shifts/neg/mov/movsx and the byte-order
// operations.  Multiply and divide live in ebpf_mul / ebpf_div.  32-bit
// operations work on the low halves and zero-extend their result.
module ebpf_alu (
  input  logic [3:0]  op_i,         // ebpf_isa_pkg::ALU_*
  input  logic        is64_i,
  input  logic        movsx_i,
  input  logic [1:0]  ext_width_i,  // movsx / endian width: log2(bits) - 3
  input  logic        swap_i,       // endian: swap bytes (be / bswap)
  input  logic [63:0] a_i,          // dst
  input  logic [63:0] b_i,          // src or sign-extended immediate
  output logic [63:0] result_o
);
  logic [63:0] res64;
  logic [31:0] res32;
  logic [63:0] sext_b;
  logic [63:0] endian;

  // movsx: sign-extend the low 8/16/32 bits of the source
  always_comb begin
    case (ext_width_i)
      2'd0:    sext_b = {{56{b_i[7]}}, b_i[7:0]};
      2'd1:    sext_b = {{48{b_i[15]}}, b_i[15:0]};
      2'd2:    sext_b = {{32{b_i[31]}}, b_i[31:0]};
      default: sext_b = b_i;
    endcase
  end

  // le16/32/64 truncate; be16/32/64 and bswap also swap the bytes
  always_comb begin
    case (ext_width_i)
      2'd1:    endian = swap_i ? {48'd0, a_i[7:0], a_i[15:8]} : {48'd0, a_i[15:0]};
      2'd2:    endian = swap_i ? {32'd0, a_i[7:0], a_i[15:8], a_i[23:16], a_i[31:24]}
                               : {32'd0, a_i[31:0]};
      default: endian = swap_i ? {a_i[7:0], a_i[15:8], a_i[23:16], a_i[31:24],
                                  a_i[39:32], a_i[47:40], a_i[55:48], a_i[63:56]} : a_i;
    endcase
  end

  always_comb begin
    res64 = 64'd0;
    case (op_i)
      ebpf_isa_pkg::ALU_ADD:  res64 = a_i + b_i;
      ebpf_isa_pkg::ALU_SUB:  res64 = a_i - b_i;
      ebpf_isa_pkg::ALU_OR:   res64 = a_i | b_i;
      ebpf_isa_pkg::ALU_AND:  res64 = a_i & b_i;
      ebpf_isa_pkg::ALU_XOR:  res64 = a_i ^ b_i;
      ebpf_isa_pkg::ALU_LSH:  res64 = a_i << b_i[5:0];
      ebpf_isa_pkg::ALU_RSH:  res64 = a_i >> b_i[5:0];
      ebpf_isa_pkg::ALU_ARSH: res64 = $unsigned($signed(a_i) >>> b_i[5:0]);
      ebpf_isa_pkg::ALU_NEG:  res64 = -a_i;
      ebpf_isa_pkg::ALU_MOV:  res64 = movsx_i ? sext_b : b_i;
      ebpf_isa_pkg::ALU_END:  res64 = endian;
      default:                res64 = 64'd0;
    endcase
  end

  always_comb begin
    res32 = 32'd0;
    case (op_i)
      ebpf_isa_pkg::ALU_ADD:  res32 = a_i[31:0] + b_i[31:0];
      ebpf_isa_pkg::ALU_SUB:  res32 = a_i[31:0] - b_i[31:0];
      ebpf_isa_pkg::ALU_OR:   res32 = a_i[31:0] | b_i[31:0];
      ebpf_isa_pkg::ALU_AND:  res32 = a_i[31:0] & b_i[31:0];
      ebpf_isa_pkg::ALU_XOR:  res32 = a_i[31:0] ^ b_i[31:0];
      ebpf_isa_pkg::ALU_LSH:  res32 = a_i[31:0] << b_i[4:0];
      ebpf_isa_pkg::ALU_RSH:  res32 = a_i[31:0] >> b_i[4:0];
      ebpf_isa_pkg::ALU_ARSH: res32 = $unsigned($signed(a_i[31:0]) >>> b_i[4:0]);
      ebpf_isa_pkg::ALU_NEG:  res32 = -a_i[31:0];
      ebpf_isa_pkg::ALU_MOV:  res32 = movsx_i ? sext_b[31:0] : b_i[31:0];
      default:                res32 = 32'd0;
    endcase
  end

  // Endian rows are encoded in the ALU class but always take their width
  // from the immediate, so they use the 64-bit path.
  assign result_o = (is64_i || op_i == ebpf_isa_pkg::ALU_END) ? res64 : {32'd0, res32};
endmodule
