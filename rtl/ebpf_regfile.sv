// Register file r0..r9 (r10, the frame pointer, is derived from the call
// depth and never written).  Two write ports, one per lane of the MEM
// write-back: port 1 holds the younger instruction of a pair and wins when
// both write one register; the callee-saved r6..r9 can be loaded at once
// when a subprogram returns; program start clears the file and sets r1, r2.
module ebpf_regfile (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         init_i,
  input  logic [63:0]  init_r1_i,
  input  logic [63:0]  init_r2_i,
  input  logic         we_i,
  input  logic [3:0]   waddr_i,
  input  logic [63:0]  wdata_i,
  input  logic         we1_i,
  input  logic [3:0]   waddr1_i,
  input  logic [63:0]  wdata1_i,
  input  logic         restore_i,      // exit from a subprogram: r6..r9 <= saved
  input  logic [255:0] restore_data_i, // {r9, r8, r7, r6}
  output logic [639:0] regs_o          // {r9, ..., r0}
);
  logic [63:0] rf_q [10];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < 10; i++) rf_q[i] <= 64'd0;
    end else if (init_i) begin
      for (int i = 0; i < 10; i++) rf_q[i] <= 64'd0;
      rf_q[1] <= init_r1_i;
      rf_q[2] <= init_r2_i;
    end else begin
      if (we_i && waddr_i < 4'd10) rf_q[waddr_i] <= wdata_i;
      if (we1_i && waddr1_i < 4'd10) rf_q[waddr1_i] <= wdata1_i;
      // the return is younger than the write-back in MEM: it wins
      if (restore_i) begin
        for (int i = 0; i < 4; i++) rf_q[6 + i] <= restore_data_i[i*64 +: 64];
      end
    end
  end

  always_comb begin
    for (int i = 0; i < 10; i++) regs_o[i*64 +: 64] = rf_q[i];
  end
endmodule
