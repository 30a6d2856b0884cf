// Iterative radix-4 divider (two quotient bits per cycle, restoring).
//
// Latency: the start cycle performs the first iteration, so a 32-bit
// operation (16 iterations) is done in its 17th cycle and a 64-bit one (32
// iterations) in its 33rd: 1 + 16 / 1 + 32 cycles in EX, as
// docs/microarchitecture.md charges.  The kernel's semantics: x / 0 = 0,
// x % 0 = x, and signed INT_MIN / -1 wraps (its remainder is 0), all with
// the same fixed latency.  32-bit forms zero-extend their result.
module ebpf_div (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        start_i,    // first EX cycle of a div/mod
  input  logic        is64_i,
  input  logic        signed_i,
  input  logic        mod_i,
  input  logic [63:0] a_i,        // dividend (dst)
  input  logic [63:0] b_i,        // divisor (src / imm)
  output logic        done_o,     // result_o valid this cycle
  output logic [63:0] result_o
);
  // Iteration state: rem is the partial remainder, quo shifts the dividend
  // out at the top and the quotient in at the bottom.
  typedef struct packed {
    logic [65:0] rem;
    logic [63:0] quo;
  } state_t;

  state_t      state_q, cur, nxt;
  logic [65:0] d1_q, d3_q, d1, d3;
  logic [5:0]  cnt_q;
  logic        busy_q, is64_q, mod_q, neg_q_q, neg_r_q, zero_q;
  logic [63:0] a_keep_q;

  // operand preparation (start cycle)
  logic        a_neg, b_neg, b_zero;
  logic [63:0] a_abs, b_abs;
  always_comb begin
    a_neg  = signed_i && (is64_i ? a_i[63] : a_i[31]);
    b_neg  = signed_i && (is64_i ? b_i[63] : b_i[31]);
    if (is64_i) begin
      a_abs = a_neg ? -a_i : a_i;
      b_abs = b_neg ? -b_i : b_i;
    end else begin
      a_abs = {32'd0, a_neg ? -a_i[31:0] : a_i[31:0]};
      b_abs = {32'd0, b_neg ? -b_i[31:0] : b_i[31:0]};
    end
    b_zero = is64_i ? (b_i == 64'd0) : (b_i[31:0] == 32'd0);
  end

  // one radix-4 step
  logic [65:0] r4;
  logic [65:0] d2;
  always_comb begin
    d1 = start_i ? {2'b00, b_abs} : d1_q;
    d3 = start_i ? ({2'b00, b_abs} + {1'b0, b_abs, 1'b0}) : d3_q;
    d2 = {d1[64:0], 1'b0};
    if (start_i) begin
      cur.rem = 66'd0;
      // 32-bit operands start at the top so 16 steps consume them
      cur.quo = is64_i ? a_abs : {a_abs[31:0], 32'd0};
    end else begin
      cur = state_q;
    end
    r4 = {cur.rem[63:0], cur.quo[63:62]};
    nxt.quo = {cur.quo[61:0], 2'b00};
    if (r4 >= d3) begin
      nxt.rem = r4 - d3;
      nxt.quo[1:0] = 2'd3;
    end else if (r4 >= d2) begin
      nxt.rem = r4 - d2;
      nxt.quo[1:0] = 2'd2;
    end else if (r4 >= d1) begin
      nxt.rem = r4 - d1;
      nxt.quo[1:0] = 2'd1;
    end else begin
      nxt.rem = r4;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      cnt_q  <= 6'd0;
    end else if (start_i) begin
      busy_q <= 1'b1;
      cnt_q  <= 6'd1;
    end else if (busy_q) begin
      if (done_o) begin
        busy_q <= 1'b0;
      end else begin
        cnt_q <= cnt_q + 6'd1;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      d1_q     <= {2'b00, b_abs};
      d3_q     <= d3;
      is64_q   <= is64_i;
      mod_q    <= mod_i;
      neg_q_q  <= a_neg ^ b_neg;
      neg_r_q  <= a_neg;
      zero_q   <= b_zero;
      a_keep_q <= is64_i ? a_i : {32'd0, a_i[31:0]};
    end
    if (start_i || (busy_q && !done_o)) begin
      state_q <= nxt;
    end
  end

  // done once all steps are in the state register
  assign done_o = busy_q && !start_i && (is64_q ? (cnt_q == 6'd32) : (cnt_q == 6'd16));

  logic [63:0] q, r;
  always_comb begin
    q = is64_q ? state_q.quo : {32'd0, state_q.quo[31:0]};
    r = state_q.rem[63:0];
    if (is64_q) begin
      q = neg_q_q ? -q : q;
      r = neg_r_q ? -r : r;
    end else begin
      q = {32'd0, neg_q_q ? -q[31:0] : q[31:0]};
      r = {32'd0, neg_r_q ? -r[31:0] : r[31:0]};
    end
    if (zero_q) begin
      result_o = mod_q ? a_keep_q : 64'd0;
    end else begin
      result_o = mod_q ? r : q;
    end
  end
endmodule
