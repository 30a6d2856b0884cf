// A core-local byte-addressed memory (packet buffer or stack frames): two
// banks of 64-bit words, even and odd, so an access of up to 8 bytes at any
// byte offset reads or writes its two neighbouring words in one cycle.
//
// Core port: the read data (the accessed bytes, zero-extended) is valid in
// the cycle of the address (asynchronous read, so EX can forward a loaded
// value like an ALU result); a write takes effect at the clock edge.
// Host port: word granular, registered read data (the word before a write
// in the same cycle); it takes the memory while host_en_i is high, which
// the host does only while the core is idle.
module ebpf_local_mem #(
  parameter int unsigned BYTES = 4096,
  localparam int unsigned AW = $clog2(BYTES),      // byte address bits
  localparam int unsigned WW = AW - 3,             // word address bits
  localparam int unsigned BW = WW - 1              // bank address bits
) (
  input  logic          clk_i,
  // core port
  input  logic          we_i,
  input  logic [AW-1:0] addr_i,
  input  logic [1:0]    size_i,    // log2 bytes
  input  logic [63:0]   wdata_i,   // value in the low bytes
  output logic [63:0]   rdata_o,   // accessed bytes, zero-extended
  // host port
  input  logic          host_en_i,
  input  logic [7:0]    host_we_i,
  input  logic [WW-1:0] host_addr_i,
  input  logic [63:0]   host_wdata_i,
  output logic [63:0]   host_rdata_o
);
  logic [WW-1:0] w;        // first word
  logic [2:0]    b;        // byte in the first word
  logic [BW-1:0] addr_even, addr_odd;
  logic [15:0]   be;       // byte enables over the two words
  logic [63:0]   wd_lo, wd_hi;  // write data over the two words
  logic [7:0]    we_even, we_odd;
  logic [63:0]   wd_even, wd_odd;
  logic [63:0]   rd_even, rd_odd;

  // addresses (the read path depends on these only, not on the write data)
  always_comb begin
    w = addr_i[AW-1:3];
    b = addr_i[2:0];
    if (host_en_i) begin
      // the host port: word address LSB picks the bank
      addr_even = host_addr_i[WW-1:1];
      addr_odd  = host_addr_i[WW-1:1];
    end else begin
      addr_odd  = w[WW-1:1];
      addr_even = w[WW-1:1] + {{(BW-1){1'b0}}, w[0]};   // the next even word
    end
  end

  // write enables and data
  always_comb begin
    case (size_i)
      2'd0:    be = 16'h0001 << b;
      2'd1:    be = 16'h0003 << b;
      2'd2:    be = 16'h000f << b;
      default: be = 16'h00ff << b;
    endcase
    // {wd_hi, wd_lo} = wdata_i << 8b, in 64-bit halves (no 128-bit value:
    // the same multiplexers, and cheaper to simulate)
    case (b)
      3'd0:    begin wd_lo = wdata_i;                 wd_hi = 64'd0;                   end
      3'd1:    begin wd_lo = {wdata_i[55:0], 8'd0};   wd_hi = {56'd0, wdata_i[63:56]}; end
      3'd2:    begin wd_lo = {wdata_i[47:0], 16'd0};  wd_hi = {48'd0, wdata_i[63:48]}; end
      3'd3:    begin wd_lo = {wdata_i[39:0], 24'd0};  wd_hi = {40'd0, wdata_i[63:40]}; end
      3'd4:    begin wd_lo = {wdata_i[31:0], 32'd0};  wd_hi = {32'd0, wdata_i[63:32]}; end
      3'd5:    begin wd_lo = {wdata_i[23:0], 40'd0};  wd_hi = {24'd0, wdata_i[63:24]}; end
      3'd6:    begin wd_lo = {wdata_i[15:0], 48'd0};  wd_hi = {16'd0, wdata_i[63:16]}; end
      default: begin wd_lo = {wdata_i[7:0], 56'd0};   wd_hi = {8'd0, wdata_i[63:8]};   end
    endcase
    if (w[0]) begin   // first word odd: low half to the odd bank
      we_odd  = be[7:0];   wd_odd  = wd_lo;
      we_even = be[15:8];  wd_even = wd_hi;
    end else begin
      we_even = be[7:0];   wd_even = wd_lo;
      we_odd  = be[15:8];  wd_odd  = wd_hi;
    end
    if (!we_i) begin
      we_even = 8'd0;
      we_odd  = 8'd0;
    end
    if (host_en_i) begin
      we_even = host_addr_i[0] ? 8'd0 : host_we_i;
      we_odd  = host_addr_i[0] ? host_we_i : 8'd0;
      wd_even = host_wdata_i;
      wd_odd  = host_wdata_i;
    end
  end

  ebpf_lutram #(.DEPTH(BYTES / 16)) u_even (
    .clk_i, .we_i(we_even), .addr_i(addr_even), .wdata_i(wd_even), .rdata_o(rd_even)
  );
  ebpf_lutram #(.DEPTH(BYTES / 16)) u_odd (
    .clk_i, .we_i(we_odd), .addr_i(addr_odd), .wdata_i(wd_odd), .rdata_o(rd_odd)
  );

  // read data alignment
  logic [63:0]  rd_first, rd;
  logic [55:0]  rd_second;   // the last byte of the second word is never reached
  always_comb begin
    rd_first  = w[0] ? rd_odd : rd_even;
    rd_second = w[0] ? rd_even[55:0] : rd_odd[55:0];
    // the 8 bytes from byte b of {second, first}
    case (b)
      3'd0:    rd = rd_first;
      3'd1:    rd = {rd_second[7:0], rd_first[63:8]};
      3'd2:    rd = {rd_second[15:0], rd_first[63:16]};
      3'd3:    rd = {rd_second[23:0], rd_first[63:24]};
      3'd4:    rd = {rd_second[31:0], rd_first[63:32]};
      3'd5:    rd = {rd_second[39:0], rd_first[63:40]};
      3'd6:    rd = {rd_second[47:0], rd_first[63:48]};
      default: rd = {rd_second[55:0], rd_first[63:56]};
    endcase
    case (size_i)
      2'd0:    rdata_o = {56'd0, rd[7:0]};
      2'd1:    rdata_o = {48'd0, rd[15:0]};
      2'd2:    rdata_o = {32'd0, rd[31:0]};
      default: rdata_o = rd;
    endcase
  end

  // host read data: registered
  always_ff @(posedge clk_i) begin
    if (host_en_i) host_rdata_o <= host_addr_i[0] ? rd_odd : rd_even;
  end
endmodule
