// Conditional branch comparator (JMP: 64-bit, JMP32: low halves).
module ebpf_branch (
  input  logic [3:0]  op_i,    // ebpf_isa_pkg::BR_*
  input  logic        is64_i,
  input  logic [63:0] a_i,     // dst
  input  logic [63:0] b_i,     // src or sign-extended immediate
  output logic        taken_o
);
  logic [63:0] a, b;
  logic eq, ltu, lts;

  always_comb begin
    a = is64_i ? a_i : {{32{a_i[31]}}, a_i[31:0]};
    b = is64_i ? b_i : {{32{b_i[31]}}, b_i[31:0]};
    eq  = is64_i ? (a_i == b_i) : (a_i[31:0] == b_i[31:0]);
    ltu = is64_i ? (a_i < b_i) : (a_i[31:0] < b_i[31:0]);
    lts = $signed(a) < $signed(b);
    case (op_i)
      ebpf_isa_pkg::BR_JEQ:  taken_o = eq;
      ebpf_isa_pkg::BR_JNE:  taken_o = !eq;
      ebpf_isa_pkg::BR_JGT:  taken_o = !ltu && !eq;
      ebpf_isa_pkg::BR_JGE:  taken_o = !ltu;
      ebpf_isa_pkg::BR_JLT:  taken_o = ltu;
      ebpf_isa_pkg::BR_JLE:  taken_o = ltu || eq;
      ebpf_isa_pkg::BR_JSGT: taken_o = !lts && !eq;
      ebpf_isa_pkg::BR_JSGE: taken_o = !lts;
      ebpf_isa_pkg::BR_JSLT: taken_o = lts;
      ebpf_isa_pkg::BR_JSLE: taken_o = lts || eq;
      ebpf_isa_pkg::BR_JSET: taken_o = is64_i ? |(a_i & b_i) : |(a_i[31:0] & b_i[31:0]);
      default:               taken_o = 1'b0;
    endcase
  end
endmodule
