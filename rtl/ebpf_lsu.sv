// Address check of a load, store or atomic (EX stage): decodes the region
// of a model address (region << 32 | offset) and checks the access against
// that region's window in hardware, as the model's translation does:
//   stack   [(7 - depth) * 512, 4096)   (the frame and its callers)
//   packet  [data_meta, data_end)        (XDP mode)
//   mem     [0, mem_len)                 (plain-buffer mode, aliases the packet buffer)
//   ctx     4-byte loads of the six struct xdp_md fields (XDP mode)
//   maps    [0, size) of region 8 + i, with read/write permissions
// Anything else is unmapped.  Fault kinds follow ebpf_vm_mem_fault().
module ebpf_lsu #(
  parameter int unsigned NMAPS = 16
) (
  input  logic [63:0]          addr_i,
  input  logic [1:0]           size_i,      // log2 bytes
  input  logic                 read_i,      // load or atomic
  input  logic                 write_i,     // store or atomic
  input  logic                 ctx_ok_i,    // the access is a 4-byte load (ctx rule)
  input  logic                 xdp_mode_i,
  input  logic [12:0]          mem_len_i,
  input  logic [2:0]           depth_i,
  input  logic [15:0]          data_meta_i,
  input  logic [15:0]          data_end_i,
  input  logic [NMAPS*32-1:0]  map_size_i,
  input  logic [NMAPS*2-1:0]   map_perm_i,  // {write, read} per map
  output logic                 stack_o,     // hits the stack memory
  output logic                 pkt_o,       // hits the packet memory (packet or mem region)
  output logic                 ctx_o,       // context field load
  output logic                 map_o,       // goes to the map memory port
  output ebpf_isa_pkg::fault_t fault_o
);
  logic [31:0] region, off;
  logic [32:0] last;    // one past the last byte
  logic [32:0] lo, hi;
  logic        mapped, can_read, can_write, is_map;
  logic [31:0] map_idx;

  always_comb begin
    region  = addr_i[63:32];
    off     = addr_i[31:0];
    last    = {1'b0, off} + (33'd1 << size_i);
    map_idx = region - ebpf_isa_pkg::REGION_FIRST_DYNAMIC;
    is_map  = region >= ebpf_isa_pkg::REGION_FIRST_DYNAMIC && map_idx < NMAPS;
    mapped    = 1'b0;
    can_read  = 1'b1;
    can_write = 1'b1;
    lo = 33'd0;
    hi = 33'd0;
    stack_o = 1'b0;
    pkt_o   = 1'b0;
    ctx_o   = 1'b0;
    map_o   = 1'b0;
    fault_o = ebpf_isa_pkg::FAULT_NONE;
    if (region == ebpf_isa_pkg::REGION_STACK) begin
      mapped  = 1'b1;
      lo      = {21'd0, 3'd7 - depth_i, 9'd0};
      hi      = 33'(ebpf_isa_pkg::MAX_FRAMES * ebpf_isa_pkg::STACK_SIZE);
      stack_o = 1'b1;
    end else if (region == ebpf_isa_pkg::REGION_PACKET && xdp_mode_i) begin
      mapped = 1'b1;
      lo     = {17'd0, data_meta_i};
      hi     = {17'd0, data_end_i};
      pkt_o  = 1'b1;
    end else if (region == ebpf_isa_pkg::REGION_MEM && !xdp_mode_i && mem_len_i != 13'd0) begin
      mapped = 1'b1;
      hi     = {20'd0, mem_len_i};
      pkt_o  = 1'b1;
    end else if (is_map) begin
      mapped    = map_perm_i[map_idx[$clog2(NMAPS)-1:0]*2 +: 2] != 2'b00;
      can_read  = map_perm_i[map_idx[$clog2(NMAPS)-1:0]*2];
      can_write = map_perm_i[map_idx[$clog2(NMAPS)-1:0]*2 + 1];
      hi        = {1'b0, map_size_i[map_idx[$clog2(NMAPS)-1:0]*32 +: 32]};
      map_o     = 1'b1;
    end

    if (region == ebpf_isa_pkg::REGION_CTX) begin
      // the context is not memory: only whole-field loads are served
      if (xdp_mode_i && ctx_ok_i && off[1:0] == 2'd0 && off < 32'd24) begin
        ctx_o = 1'b1;
      end else begin
        fault_o = xdp_mode_i ? ebpf_isa_pkg::FAULT_MEM_PERM : ebpf_isa_pkg::FAULT_MEM_UNMAPPED;
      end
    end else if (!mapped) begin
      fault_o = ebpf_isa_pkg::FAULT_MEM_UNMAPPED;
    end else if ((read_i && !can_read) || (write_i && !can_write)) begin
      fault_o = ebpf_isa_pkg::FAULT_MEM_PERM;
    end else if ({1'b0, off} < lo || last > hi) begin
      fault_o = ebpf_isa_pkg::FAULT_MEM_BOUNDS;
    end
    if (fault_o != ebpf_isa_pkg::FAULT_NONE) begin
      stack_o = 1'b0;
      pkt_o   = 1'b0;
      map_o   = 1'b0;
    end
  end
endmodule
