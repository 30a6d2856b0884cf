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
  logic [127:0]  wd;       // write data over the two words
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
    wd = {64'd0, wdata_i} << {b, 3'b000};
    if (w[0]) begin   // first word odd: low half to the odd bank
      we_odd  = be[7:0];   wd_odd  = wd[63:0];
      we_even = be[15:8];  wd_even = wd[127:64];
    end else begin
      we_even = be[7:0];   wd_even = wd[63:0];
      we_odd  = be[15:8];  wd_odd  = wd[127:64];
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
  logic [119:0] rd2;     // the last byte of the second word is never reached
  logic [63:0]  rd;
  always_comb begin
    rd2 = w[0] ? {rd_even[55:0], rd_odd} : {rd_odd[55:0], rd_even};
    case (b)
      3'd0: rd = rd2[63:0];
      3'd1: rd = rd2[71:8];
      3'd2: rd = rd2[79:16];
      3'd3: rd = rd2[87:24];
      3'd4: rd = rd2[95:32];
      3'd5: rd = rd2[103:40];
      3'd6: rd = rd2[111:48];
      default: rd = rd2[119:56];
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
