// eBPF offload core: an in-order dual-issue pipeline (IF, ID, EX, MEM) as
// docs/microarchitecture.md defines it.  Every stall freezes the stages
// ahead of it, so each issue group costs one cycle plus the penalties of its
// instructions; the per-packet counter (cycles_o) counts the "standalone
// packet cycles" of the document: 3 + issue cycles.
//
//   IF   two instruction-memory banks (even and odd slots) read the two
//        consecutive slots ID needs next, every cycle (registered output).
//   ID   decodes both slots (generated from isa.def), pairs them as the
//        timing model's pairs_with() does, reads four operands with
//        forwarding from both lanes of EX and MEM, applies the load-use
//        rule per issue group (a late load not yet delivered by a bubble
//        or overwritten in its pair), resolves ja/ja32/call local/exit (redirect:
//        one bubble); lddw takes its second cycle here.
//   EX   two ALUs, one branch comparator and one load/store unit (each
//        steered to the lane that needs it), multiplier, divider, helper
//        calls, frame push/pop.  Loads from the local memories (packet
//        buffer, stack, context) read them here and forward like an ALU
//        result; local stores write here too.  A taken branch (two
//        bubbles) or a fault in lane 0 squashes lane 1.
//   MEM  map memory port (reads after the placement's latency, posted
//        writes), atomics (read-modify-write, a second cycle), write-back of
//        both lanes; the instructions of a group retire together as they
//        leave MEM, in program order on the two retire channels.
module ebpf_core #(
  parameter int unsigned IMEM_DEPTH = 4096,
  parameter int unsigned NMAPS      = 16,
  localparam int unsigned PCW = $clog2(IMEM_DEPTH),
  localparam int unsigned MIW = $clog2(NMAPS)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  // host: instruction memory (while the core is idle)
  input  logic                 imem_we_i,
  input  logic [PCW-1:0]       imem_waddr_i,
  input  logic [63:0]          imem_wdata_i,

  // host: packet buffer (4 KiB incl. 256 bytes of headroom), 8-byte words,
  // while the core is idle
  input  logic                 pkt_host_en_i,
  input  logic [7:0]           pkt_host_we_i,
  input  logic [8:0]           pkt_host_addr_i,
  input  logic [63:0]          pkt_host_wdata_i,
  output logic [63:0]          pkt_host_rdata_o,

  // host: map region table (region 8 + i: size in bytes, {write, read})
  input  logic                 maptab_we_i,
  input  logic [MIW-1:0]       maptab_idx_i,
  input  logic [31:0]          maptab_size_i,
  input  logic [1:0]           maptab_perm_i,

  // host: start a program; the next frame's context is sampled at start
  input  logic                 start_i,
  input  logic [PCW-1:0]       entry_pc_i,
  input  logic [63:0]          r1_i,
  input  logic [63:0]          r2_i,
  input  logic                 xdp_mode_i,       // packet + ctx regions (else the mem region)
  input  logic [12:0]          mem_len_i,
  input  logic [15:0]          ctx_data_i,
  input  logic [15:0]          ctx_data_end_i,
  input  logic [15:0]          ctx_data_meta_i,
  input  logic [31:0]          ctx_ingress_ifindex_i,
  input  logic [31:0]          ctx_rx_queue_index_i,
  input  logic [31:0]          ctx_egress_ifindex_i,

  // status
  output logic                 busy_o,
  output logic                 done_o,           // one cycle after the last retire
  output logic [63:0]          r0_o,
  output ebpf_isa_pkg::fault_t fault_o,
  output logic [31:0]          fault_pc_o,
  output logic [31:0]          cycles_o,         // standalone packet cycles
  output logic [31:0]          insns_o,
  output logic [15:0]          data_o,
  output logic [15:0]          data_end_o,
  output logic [15:0]          data_meta_o,
  output logic [2:0]           frame_o,          // call depth (helpers check stack arguments)

  // map memory (regions >= 8): request, read data after the latency
  output logic                 map_req_valid_o,
  input  logic                 map_req_ready_i,
  output logic                 map_req_we_o,
  output logic [63:0]          map_req_addr_o,
  output logic [1:0]           map_req_size_o,   // log2 bytes
  output logic [63:0]          map_req_wdata_o,
  input  logic                 map_rsp_valid_i,
  input  logic [63:0]          map_rsp_rdata_i,

  // helper unit: EX waits for the response
  output logic                 hlp_req_valid_o,
  input  logic                 hlp_req_ready_i,
  output logic [63:0]          hlp_req_id_o,
  output logic [319:0]         hlp_req_args_o,   // {r5, r4, r3, r2, r1}
  input  logic                 hlp_rsp_valid_i,
  input  logic [63:0]          hlp_rsp_r0_i,
  input  ebpf_isa_pkg::fault_t hlp_rsp_fault_i,
  input  logic                 hlp_rsp_ctx_we_i, // adjust_head/tail/meta moved the frame
  input  logic [15:0]          hlp_rsp_data_i,
  input  logic [15:0]          hlp_rsp_data_end_i,
  input  logic [15:0]          hlp_rsp_data_meta_i,
  input  logic                 hlp_rsp_tail_i,   // tail call: continue at tail_pc
  input  logic [PCW-1:0]       hlp_rsp_tail_pc_i
`ifdef EBPF_RVFI
  ,
  // retire port (struct ebpf_retire), two channels: rvfi_* is the older
  // instruction leaving MEM, rvfi1_* the younger of a pair (valid only
  // together with rvfi_valid_o; its order is rvfi_order_o + 1)
  output logic                 rvfi_valid_o,
  output logic [63:0]          rvfi_order_o,
  output logic [31:0]          rvfi_pc_o,
  output logic [63:0]          rvfi_insn_o,
  output logic [63:0]          rvfi_imm64_o,
  output logic [7:0]           rvfi_row_o,
  output logic [2:0]           rvfi_frame_o,
  output logic                 rvfi_wvalid_o,
  output logic [3:0]           rvfi_wreg_o,
  output logic [63:0]          rvfi_wdata_o,
  output logic [3:0]           rvfi_mem_size_o,  // bytes, 0: no access
  output logic                 rvfi_mem_write_o,
  output logic [63:0]          rvfi_mem_addr_o,
  output logic [63:0]          rvfi_mem_data_o,
  output logic                 rvfi_taken_o,
  output logic [31:0]          rvfi_next_pc_o,
  output ebpf_isa_pkg::fault_t rvfi_fault_o,
  output logic                 rvfi1_valid_o,
  output logic [31:0]          rvfi1_pc_o,
  output logic [63:0]          rvfi1_insn_o,
  output logic [7:0]           rvfi1_row_o,
  output logic                 rvfi1_wvalid_o,
  output logic [3:0]           rvfi1_wreg_o,
  output logic [63:0]          rvfi1_wdata_o,
  output logic [3:0]           rvfi1_mem_size_o,
  output logic                 rvfi1_mem_write_o,
  output logic [63:0]          rvfi1_mem_addr_o,
  output logic [63:0]          rvfi1_mem_data_o,
  output logic                 rvfi1_taken_o,
  output logic [31:0]          rvfi1_next_pc_o,
  output ebpf_isa_pkg::fault_t rvfi1_fault_o
`endif
);

  // ------------------------------------------------------------------ types
  // memory work left for MEM (local loads and stores are done in EX)
  localparam logic [2:0] MOP_NONE      = 3'd0;
  localparam logic [2:0] MOP_AMO       = 3'd1;  // local atomic
  localparam logic [2:0] MOP_MAP_LOAD  = 3'd2;
  localparam logic [2:0] MOP_MAP_STORE = 3'd3;
  localparam logic [2:0] MOP_MAP_AMO   = 3'd4;

  // the load of the last issue group, for the load-use rule
  localparam logic [1:0] LG_NONE = 2'd0;  // none, or one that delivers in EX
  localparam logic [1:0] LG_LATE = 2'd1;  // delivers in MEM (map memory, atomic fetch)
  localparam logic [1:0] LG_EX   = 2'd2;  // an ldx in EX: its region decides

  // Micro-ops are declared as ebpf_isa_pkg::uop_t, not through a local
  // typedef: Yosys 0.23 cannot select struct members through such an alias.
  typedef ebpf_isa_pkg::fault_t fault_t;

  // ------------------------------------------------------------ run control
  logic           run_q, done_q;
  logic [PCW-1:0] prog_base_q;
  logic [2:0]     depth_q;
  logic           xdp_mode_q;
  logic [12:0]    mem_len_q;
  logic [15:0]    data_q, data_end_q, data_meta_q;
  logic [31:0]    ingress_q, rxq_q, egress_q;
  logic [31:0]    cycles_q, insns_q;
  fault_t         fault_q;
  logic [31:0]    fault_pc_q;
  logic           start;

  assign start = start_i && !run_q;

  // map region table
  logic [NMAPS*32-1:0] map_size_q;
  logic [NMAPS*2-1:0]  map_perm_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      map_size_q <= '0;
      map_perm_q <= '0;
    end else if (maptab_we_i) begin
      map_size_q[maptab_idx_i*32 +: 32] <= maptab_size_i;
      map_perm_q[maptab_idx_i*2 +: 2]   <= maptab_perm_i;
    end
  end

  // ------------------------------------------------------- pipeline signals
  logic freeze;       // EX or MEM cannot advance: IF, ID (and EX) hold
  logic mem_busy;     // MEM needs more cycles
  logic kill;         // MEM retires the program's last instruction
  logic ex_redirect;  // taken branch / tail call leaves EX
  logic [PCW-1:0] ex_redirect_pc;

  // write-back (MEM), both lanes, for forwarding
  logic        wb0_en, wb1_en;
  logic [3:0]  wb0_reg, wb1_reg;
  logic [63:0] wb0_data, wb1_data;

  // register file
  logic [639:0] regs;
  logic         rf_restore;
  logic [255:0] rf_restore_data;

  // =================================================================== IF
  // The window: the two slots at win_pc_q, read in the previous cycle.
  logic [PCW-1:0] fetch_pc_q;               // refetch address (start, redirect)
  logic           fetch_pend_q;
  logic           fetch_on_q;
  logic           win_valid_q;
  logic [PCW-1:0] win_pc_q;
  logic           imem_re;
  logic [PCW-1:0] imem_raddr;
  logic [PCW-2:0] raddr_even, raddr_odd;
  logic [63:0]    even_rdata, odd_rdata;

  // slot p and p + 1: the odd bank reads word p >> 1, the even bank the
  // next even slot
  assign raddr_odd  = imem_raddr[PCW-1:1];
  assign raddr_even = imem_raddr[PCW-1:1] + {{(PCW-2){1'b0}}, imem_raddr[0]};

  ebpf_imem #(.DEPTH(IMEM_DEPTH / 2)) u_imem_even (
    .clk_i,
    .we_i(imem_we_i && !imem_waddr_i[0]), .waddr_i(imem_waddr_i[PCW-1:1]), .wdata_i(imem_wdata_i),
    .re_i(imem_re), .raddr_i(raddr_even), .rdata_o(even_rdata)
  );
  ebpf_imem #(.DEPTH(IMEM_DEPTH / 2)) u_imem_odd (
    .clk_i,
    .we_i(imem_we_i && imem_waddr_i[0]), .waddr_i(imem_waddr_i[PCW-1:1]), .wdata_i(imem_wdata_i),
    .re_i(imem_re), .raddr_i(raddr_odd), .rdata_o(odd_rdata)
  );

  logic [63:0] slot0_word, slot1_word;
  assign slot0_word = win_pc_q[0] ? odd_rdata : even_rdata;
  assign slot1_word = win_pc_q[0] ? even_rdata : odd_rdata;

  // =================================================================== ID
  logic       lddw_wait_q;                // the lddw in slot 0 spent its first cycle
  logic       second_q;                   // slot 0 is the second half of a pair whose
                                          // first half issued alone (load-use split)
  logic       lu_waited_q;                // the group in ID took its load-use cycle
  logic [1:0] lg_kind_q;                  // load of the last issued group (LG_*)
  logic [3:0] lg_reg_q;
  logic       lg_lane1_q;                 // ... in lane 1

  ebpf_isa_pkg::row_t id0_row, id1_row;
  ebpf_isa_pkg::uop_t id0_uop, id1_uop;
  logic               id0_illegal, id1_illegal;
  logic [3:0]         id0_dst, id0_src, id1_dst, id1_src;
  logic [15:0]        id0_off, id1_off;
  logic [31:0]        id0_imm, id1_imm;

  ebpf_decoder u_decoder0 (
    .insn_i(slot0_word), .row_o(id0_row), .uop_o(id0_uop), .illegal_o(id0_illegal),
    .dst_o(id0_dst), .src_o(id0_src), .off_o(id0_off), .imm_o(id0_imm)
  );
  ebpf_decoder u_decoder1 (
    .insn_i(slot1_word), .row_o(id1_row), .uop_o(id1_uop), .illegal_o(id1_illegal),
    .dst_o(id1_dst), .src_o(id1_src), .off_o(id1_off), .imm_o(id1_imm)
  );

  // the register an instruction writes (when its writes field is not NONE),
  // for ID's pairing and load-use checks and EX's forwarding alike
  function automatic logic [3:0] wreg_of(input ebpf_isa_pkg::writes_t w, input logic [3:0] dst,
                                         input logic [3:0] src);
    case (w)
      ebpf_isa_pkg::WRITES_SRC: wreg_of = src;
      ebpf_isa_pkg::WRITES_R0:  wreg_of = 4'd0;
      default:                  wreg_of = dst;
    endcase
  endfunction

  // what pairing and the load-use rule need of each slot
  logic       id0_simple, id1_simple, id0_mem, id1_mem, id0_br, id1_br;
  logic       id0_wen, id1_wen;
  logic [3:0] id0_wreg, id1_wreg;
  logic [1:0] id0_lkind, id1_lkind;
  always_comb begin
    id0_simple = !id0_illegal && (id0_uop.tclass == ebpf_isa_pkg::TCLASS_ALU ||
                                  id0_uop.tclass == ebpf_isa_pkg::TCLASS_LOAD ||
                                  id0_uop.tclass == ebpf_isa_pkg::TCLASS_STORE ||
                                  id0_uop.tclass == ebpf_isa_pkg::TCLASS_BRANCH);
    id1_simple = !id1_illegal && (id1_uop.tclass == ebpf_isa_pkg::TCLASS_ALU ||
                                  id1_uop.tclass == ebpf_isa_pkg::TCLASS_LOAD ||
                                  id1_uop.tclass == ebpf_isa_pkg::TCLASS_STORE ||
                                  id1_uop.tclass == ebpf_isa_pkg::TCLASS_BRANCH);
    id0_mem = id0_uop.tclass == ebpf_isa_pkg::TCLASS_LOAD || id0_uop.tclass == ebpf_isa_pkg::TCLASS_STORE;
    id1_mem = id1_uop.tclass == ebpf_isa_pkg::TCLASS_LOAD || id1_uop.tclass == ebpf_isa_pkg::TCLASS_STORE;
    id0_br  = id0_uop.tclass == ebpf_isa_pkg::TCLASS_BRANCH;
    id1_br  = id1_uop.tclass == ebpf_isa_pkg::TCLASS_BRANCH;
    id0_wen = !id0_illegal && id0_uop.writes != ebpf_isa_pkg::WRITES_NONE;
    id1_wen = !id1_illegal && id1_uop.writes != ebpf_isa_pkg::WRITES_NONE;
    id0_wreg = wreg_of(id0_uop.writes, id0_dst, id0_src);
    id1_wreg = wreg_of(id1_uop.writes, id1_dst, id1_src);
    // load-use kind: ldx decides in EX (map memory or local), a fetching
    // atomic always delivers in MEM, legacy packet loads in EX
    id0_lkind = id0_illegal ? LG_NONE :
                id0_uop.tclass == ebpf_isa_pkg::TCLASS_LOAD ? LG_EX :
                (id0_uop.tclass == ebpf_isa_pkg::TCLASS_ATOMIC &&
                 id0_uop.writes != ebpf_isa_pkg::WRITES_NONE) ? LG_LATE : LG_NONE;
    id1_lkind = id1_uop.tclass == ebpf_isa_pkg::TCLASS_LOAD ? LG_EX : LG_NONE;
  end

  // registers a slot reads (the load-use rule's set)
  // (rd: {rd_dst, rd_src, rd_r0, rd_args} of the micro-op)
  function automatic logic reads_reg(input logic [3:0] rd, input logic [3:0] dst,
                                     input logic [3:0] src, input logic [3:0] r);
    reads_reg = (rd[3] && dst == r) || (rd[2] && src == r) || (rd[1] && r == 4'd0) ||
                (rd[0] && r >= 4'd1 && r <= 4'd5);
  endfunction
  logic [3:0] id0_rd, id1_rd;
  assign id0_rd = {id0_uop.rd_dst, id0_uop.rd_src, id0_uop.rd_r0, id0_uop.rd_args};
  assign id1_rd = {id1_uop.rd_dst, id1_uop.rd_src, id1_uop.rd_r0, id1_uop.rd_args};

  // Pairing (the timing model's pairs_with): both single-cycle alu, load,
  // store or branch, at most one memory access and one branch, slot 1 does
  // not read what slot 0 writes.  A taken branch in slot 0 squashes slot 1
  // in EX, which costs what issuing the branch alone would.
  logic id_pair;
  assign id_pair = !second_q && id0_simple && id1_simple && !(id0_mem && id1_mem) &&
                   !(id0_br && id1_br) && !(id0_wen && reads_reg(id1_rd, id1_dst, id1_src, id0_wreg));

  // Load-use: a group waits one cycle (once) when it reads the register a
  // load of the previous group delivers in MEM and nothing has delivered it
  // yet.  lg_* describe that load; while it is still in EX its region
  // decides.  A bubble behind the load delivers it (the next group is then
  // in ID during the load's last MEM cycle and takes the value from the
  // write-back), and so does a write of its register by the pair's second
  // instruction (the younger value wins): see the sequencing below.
  logic lg_late, hz0, hz1, lsu_map;
  assign lg_late = lg_kind_q == LG_LATE || (lg_kind_q == LG_EX && lsu_map);
  assign hz0 = lg_late && !lu_waited_q && !id0_illegal && reads_reg(id0_rd, id0_dst, id0_src, lg_reg_q);
  assign hz1 = lg_late && !lu_waited_q && reads_reg(id1_rd, id1_dst, id1_src, lg_reg_q);

  logic id_wide, id_avail, id_lddw_first, id_ready, id_adv, id_go, id_issue1, id_split, id_lu_stall;
  assign id_wide       = !id0_illegal && id0_uop.tclass == ebpf_isa_pkg::TCLASS_LDDW;
  assign id_avail      = win_valid_q;
  assign id_lddw_first = id_avail && id_wide && !lddw_wait_q;
  assign id_ready      = id_avail && (!id_wide || lddw_wait_q);
  assign id_adv        = !freeze && !ex_redirect && !kill;
  assign id_go         = id_ready && id_adv && !hz0;
  // only slot 1 waits: slot 0 issues now, slot 1 in the next cycle (the
  // group's load-use cycle) without pairing again
  assign id_issue1     = id_go && id_pair && !hz1;
  assign id_split      = id_go && id_pair && hz1;
  assign id_lu_stall   = id_ready && id_adv && hz0;

  // operand read with forwarding: EX lane 1, EX lane 0, MEM lane 1, MEM
  // lane 0 (youngest first), then the register file
  logic [63:0] fp_value;
  assign fp_value = {ebpf_isa_pkg::REGION_STACK, 19'd0, 4'd8 - {1'b0, depth_q}, 9'd0};

  logic [63:0] rf_r [16];
  always_comb begin
    for (int i = 0; i < 16; i++) rf_r[i] = i < 10 ? regs[i*64 +: 64] : 64'd0;
  end

  logic        ex0_fwd, ex1_fwd;
  logic [3:0]  ex0_wreg, ex1_wreg;
  logic [63:0] ex0_result, ex1_result;

  function automatic logic [63:0] operand(input logic [3:0] r, input logic [63:0] fp,
      input logic e1, input logic [3:0] e1r, input logic [63:0] e1d,
      input logic e0, input logic [3:0] e0r, input logic [63:0] e0d,
      input logic w1, input logic [3:0] w1r, input logic [63:0] w1d,
      input logic w0, input logic [3:0] w0r, input logic [63:0] w0d, input logic [63:0] rf);
    if (r == 4'd10)               operand = fp;
    else if (r > 4'd10)           operand = 64'd0;
    else if (e1 && e1r == r)      operand = e1d;
    else if (e0 && e0r == r)      operand = e0d;
    else if (w1 && w1r == r)      operand = w1d;
    else if (w0 && w0r == r)      operand = w0d;
    else                          operand = rf;
  endfunction

  logic [63:0] id0_a, id0_b, id1_a, id1_b;
  always_comb begin
    id0_a = operand(id0_dst, fp_value, ex1_fwd, ex1_wreg, ex1_result, ex0_fwd, ex0_wreg, ex0_result,
                    wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data, rf_r[id0_dst]);
    id0_b = operand(id0_src, fp_value, ex1_fwd, ex1_wreg, ex1_result, ex0_fwd, ex0_wreg, ex0_result,
                    wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data, rf_r[id0_src]);
    id1_a = operand(id1_dst, fp_value, ex1_fwd, ex1_wreg, ex1_result, ex0_fwd, ex0_wreg, ex0_result,
                    wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data, rf_r[id1_dst]);
    id1_b = operand(id1_src, fp_value, ex1_fwd, ex1_wreg, ex1_result, ex0_fwd, ex0_wreg, ex0_result,
                    wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data, rf_r[id1_src]);
  end

  // control transfers resolved in ID (slot 0)
  logic [PCW-1:0] ret_q [8];
  logic [PCW-1:0] id_pc, id_seq_pc, id_jump_pc, id0_br_pc, id1_br_pc, id_ret_pc;
  logic           id_redirect, id_stop, id_taken;
  logic [PCW-1:0] id_next_pc;
  fault_t         id_fault;
  logic           id_end;

  always_comb begin
    id_pc      = win_pc_q;
    id_seq_pc  = id_pc + (id_wide ? PCW'(2) : PCW'(1));
    id0_br_pc  = id_pc + PCW'(1) + PCW'($signed(id0_off));
    id1_br_pc  = id_pc + PCW'(2) + PCW'($signed(id1_off));
    id_jump_pc = id_pc + PCW'(1) + PCW'($signed(id0_imm));
    id_ret_pc  = ret_q[depth_q - 3'd1];
    id_redirect = 1'b0;
    id_stop     = 1'b0;
    id_taken    = 1'b0;
    id_end      = 1'b0;
    id_next_pc  = id_seq_pc;
    id_fault    = ebpf_isa_pkg::FAULT_NONE;
    if (id0_illegal) begin
      id_fault = ebpf_isa_pkg::FAULT_ILLEGAL;
      id_stop  = 1'b1;
      id_next_pc = id_pc;
    end else begin
      case (id0_uop.form)
        ebpf_isa_pkg::FORM_JA: begin
          id_redirect = 1'b1; id_taken = 1'b1; id_next_pc = id0_br_pc;
        end
        ebpf_isa_pkg::FORM_JA32: begin
          id_redirect = 1'b1; id_taken = 1'b1; id_next_pc = id_jump_pc;
        end
        ebpf_isa_pkg::FORM_CALL_LOCAL: begin
          if (depth_q == 3'(ebpf_isa_pkg::MAX_FRAMES - 1)) begin
            id_fault = ebpf_isa_pkg::FAULT_CALL_DEPTH;
            id_stop  = 1'b1;
            id_next_pc = id_pc;
          end else begin
            id_redirect = 1'b1; id_taken = 1'b1; id_next_pc = id_jump_pc;
          end
        end
        ebpf_isa_pkg::FORM_EXIT: begin
          if (depth_q == 3'd0) begin
            id_stop = 1'b1; id_end = 1'b1; id_next_pc = id_pc;
          end else begin
            id_redirect = 1'b1; id_taken = 1'b1; id_next_pc = id_ret_pc;
          end
        end
        default: ;
      endcase
    end
  end

  // =================================================================== EX
  // lane 0: any instruction; lane 1: the second of a pair (alu, load,
  // store, branch).  ex_msel_q / ex_bsel_q: the memory access / the branch
  // of the group is in lane 1.
  logic               ex0_valid_q, ex1_valid_q, ex_msel_q, ex_bsel_q;
  ebpf_isa_pkg::uop_t ex0_uop_q, ex1_uop_q;
  logic [3:0]         ex0_dst_q, ex0_src_q, ex1_dst_q, ex1_src_q;
  logic [15:0]        ex0_off_q, ex1_off_q;
  logic [31:0]        ex0_imm_q, ex1_imm_q;
  logic [63:0]        ex0_a_q, ex0_b_q, ex1_a_q, ex1_b_q, ex0_imm64_q;
  logic [PCW-1:0]     ex0_pc_q, ex1_pc_q, ex0_target_q, ex1_target_q;
  fault_t             ex0_id_fault_q;
  logic               ex0_end_q;

  logic ex_work, ex_complete, ex_done;
  assign ex_work = ex0_valid_q && !mem_busy;

  logic [63:0] ex0_imm_sext, ex1_imm_sext, ex0_opb, ex1_opb;
  assign ex0_imm_sext = {{32{ex0_imm_q[31]}}, ex0_imm_q};
  assign ex1_imm_sext = {{32{ex1_imm_q[31]}}, ex1_imm_q};
  assign ex0_opb      = ex0_uop_q.use_imm ? ex0_imm_sext : ex0_b_q;
  assign ex1_opb      = ex1_uop_q.use_imm ? ex1_imm_sext : ex1_b_q;

  logic is_mul, is_div, is_branch0, is_helper, is_call, is_exit, is_lddw, is_ldpkt, is_amo;
  logic is_branch1, ex1_ldx;
  always_comb begin
    is_mul     = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_MUL;
    is_div     = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_DIV;
    is_branch0 = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_BRANCH;
    is_helper  = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_HELPER;
    is_call    = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_CALL;
    is_exit    = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_EXIT;
    is_lddw    = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_LDDW;
    is_ldpkt   = ex0_uop_q.tclass == ebpf_isa_pkg::TCLASS_LDPKT;
    is_amo     = ex0_uop_q.form == ebpf_isa_pkg::FORM_ATOMIC;
    is_branch1 = ex1_uop_q.tclass == ebpf_isa_pkg::TCLASS_BRANCH;
    ex1_ldx    = ex1_uop_q.form == ebpf_isa_pkg::FORM_LDX;
  end

  // the memory access of the group (lane ex_msel_q)
  logic [4:0]  m_form;
  logic [1:0]  m_msize;
  logic        m_msext;
  logic [63:0] m_a, m_b, m_imm_sext;
  logic [15:0] m_off;
  logic        is_ldx, is_st, is_stx, is_mem;
  always_comb begin
    m_form    = ex_msel_q ? ex1_uop_q.form : ex0_uop_q.form;
    m_msize   = ex_msel_q ? ex1_uop_q.msize : ex0_uop_q.msize;
    m_msext   = ex_msel_q ? ex1_uop_q.msext : ex0_uop_q.msext;
    m_a       = ex_msel_q ? ex1_a_q : ex0_a_q;
    m_b       = ex_msel_q ? ex1_b_q : ex0_b_q;
    m_off     = ex_msel_q ? ex1_off_q : ex0_off_q;
    m_imm_sext = ex_msel_q ? ex1_imm_sext : ex0_imm_sext;
    is_ldx    = m_form == ebpf_isa_pkg::FORM_LDX;
    is_st     = m_form == ebpf_isa_pkg::FORM_ST;
    is_stx    = m_form == ebpf_isa_pkg::FORM_STX;
    is_mem    = is_ldx || is_st || is_stx || (!ex_msel_q && is_amo);
  end

  // ALUs; the branch comparator serves the lane holding the branch
  logic [63:0] alu0_result, alu1_result;
  logic        br_taken, ex0_taken, ex1_taken;
  ebpf_alu u_alu0 (
    .op_i(ex0_uop_q.alu_op), .is64_i(ex0_uop_q.is64), .movsx_i(ex0_uop_q.movsx),
    .ext_width_i(ex0_uop_q.ext_width), .swap_i(ex0_uop_q.swap),
    .a_i(ex0_a_q), .b_i(ex0_opb), .result_o(alu0_result)
  );
  ebpf_alu u_alu1 (
    .op_i(ex1_uop_q.alu_op), .is64_i(ex1_uop_q.is64), .movsx_i(ex1_uop_q.movsx),
    .ext_width_i(ex1_uop_q.ext_width), .swap_i(ex1_uop_q.swap),
    .a_i(ex1_a_q), .b_i(ex1_opb), .result_o(alu1_result)
  );
  ebpf_branch u_branch (
    .op_i(ex_bsel_q ? ex1_uop_q.br_op : ex0_uop_q.br_op),
    .is64_i(ex_bsel_q ? ex1_uop_q.is64 : ex0_uop_q.is64),
    .a_i(ex_bsel_q ? ex1_a_q : ex0_a_q), .b_i(ex_bsel_q ? ex1_opb : ex0_opb), .taken_o(br_taken)
  );
  assign ex0_taken = !ex_bsel_q && is_branch0 && br_taken;
  assign ex1_taken = ex_bsel_q && is_branch1 && br_taken;

  // multiplier (2 cycles) and divider (17 / 33 cycles), lane 0
  logic        mul_second_q, div_started_q;
  logic        mul_start, div_start, div_done, two_start;
  logic [63:0] mul_result, div_result;
  assign mul_start = ex_work && is_mul && !mul_second_q;
  assign div_start = ex_work && is_div && !div_started_q;
  ebpf_mul u_mul (
    .clk_i, .start_i(mul_start), .is64_i(ex0_uop_q.is64), .a_i(ex0_a_q), .b_i(ex0_opb),
    .result_o(mul_result)
  );
  ebpf_div u_div (
    .clk_i, .rst_ni, .start_i(div_start), .is64_i(ex0_uop_q.is64),
    .signed_i(ex0_uop_q.div_signed), .mod_i(ex0_uop_q.alu_op == ebpf_isa_pkg::ALU_MOD),
    .a_i(ex0_a_q), .b_i(ex0_opb), .done_o(div_done), .result_o(div_result)
  );

  // EX-stage register reads (helper arguments, cmpxchg r0, callee-saved
  // registers): the register file plus the write-back leaving MEM now
  function automatic logic [63:0] rf_fwd(input logic [3:0] r, input logic w1, input logic [3:0] w1r,
      input logic [63:0] w1d, input logic w0, input logic [3:0] w0r, input logic [63:0] w0d,
      input logic [63:0] rf);
    if (w1 && w1r == r)      rf_fwd = w1d;
    else if (w0 && w0r == r) rf_fwd = w0d;
    else                     rf_fwd = rf;
  endfunction

  logic [319:0] ex_args;
  always_comb begin
    for (int i = 0; i < 5; i++)
      ex_args[i*64 +: 64] = rf_fwd(4'(i + 1), wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data,
                                   rf_r[i + 1]);
  end
  // (the callee-saved registers a call saves and the r0 a cmpxchg compares
  // are read the same way where the flip-flops take them)
  function automatic logic [255:0] callee_saved(input logic w1, input logic [3:0] w1r,
      input logic [63:0] w1d, input logic w0, input logic [3:0] w0r, input logic [63:0] w0d,
      input logic [255:0] rf);  // {r9, r8, r7, r6}
    for (int i = 0; i < 4; i++)
      callee_saved[i*64 +: 64] = rf_fwd(4'(i + 6), w1, w1r, w1d, w0, w0r, w0d, rf[i*64 +: 64]);
  endfunction

  // address generation and check
  logic [63:0] ex_addr;
  logic        lsu_stack, lsu_pkt, lsu_ctx;
  fault_t      lsu_fault;
  assign ex_addr = (is_ldx ? m_b : m_a) + {{48{m_off[15]}}, m_off};

  ebpf_lsu #(.NMAPS(NMAPS)) u_lsu (
    .addr_i(ex_addr), .size_i(m_msize), .read_i(is_ldx || is_amo),
    .write_i(is_st || is_stx || is_amo),
    .ctx_ok_i(is_ldx && m_msize == 2'd2), .xdp_mode_i(xdp_mode_q), .mem_len_i(mem_len_q),
    .depth_i(depth_q), .data_meta_i(data_meta_q), .data_end_i(data_end_q),
    .map_size_i(map_size_q), .map_perm_i(map_perm_q),
    .stack_o(lsu_stack), .pkt_o(lsu_pkt), .ctx_o(lsu_ctx), .map_o(lsu_map), .fault_o(lsu_fault)
  );

  // context field values (pointers read as model addresses)
  logic [63:0] ctx_value;
  always_comb begin
    case (ex_addr[4:2])
      3'd0:    ctx_value = {ebpf_isa_pkg::REGION_PACKET, 16'd0, data_q};
      3'd1:    ctx_value = {ebpf_isa_pkg::REGION_PACKET, 16'd0, data_end_q};
      3'd2:    ctx_value = {ebpf_isa_pkg::REGION_PACKET, 16'd0, data_meta_q};
      3'd3:    ctx_value = {32'd0, ingress_q};
      3'd4:    ctx_value = {32'd0, rxq_q};
      default: ctx_value = {32'd0, egress_q};
    endcase
  end

  // legacy packet loads: offsets from the start of the packet region
  logic [31:0] pkt_lo, pkt_hi;
  logic [63:0] ldpkt_off;
  logic [63:0] ldpkt_last;
  logic        ldpkt_oob;
  logic [31:0] ldpkt_phys;
  always_comb begin
    pkt_lo = xdp_mode_q ? {16'd0, data_meta_q} : 32'd0;
    pkt_hi = xdp_mode_q ? {16'd0, data_end_q} : {19'd0, mem_len_q};
    if (ex0_uop_q.form == ebpf_isa_pkg::FORM_LDABS) begin
      ldpkt_off = ex0_imm_sext;
    end else begin
      ldpkt_off = 64'($signed(ex0_b_q[31:0] + ex0_imm_q));
    end
    ldpkt_last = ldpkt_off + (64'd1 << ex0_uop_q.msize);
    ldpkt_oob  = ldpkt_off[63] || ldpkt_last > {32'd0, pkt_hi - pkt_lo};
    ldpkt_phys = pkt_lo + ldpkt_off[31:0];
  end

  // helper calls
  logic   hlp_pending_q, hlp_fire, hlp_rsp;
  fault_t ex0_fault, ex1_fault;
  assign hlp_req_valid_o = ex_work && is_helper && !hlp_pending_q && !kill &&
                           ex0_id_fault_q == ebpf_isa_pkg::FAULT_NONE;
  assign hlp_fire       = hlp_req_valid_o && hlp_req_ready_i;
  assign hlp_req_id_o   = ex0_uop_q.form == ebpf_isa_pkg::FORM_CALLX ? ex0_a_q : ex0_imm_sext;
  assign hlp_req_args_o = ex_args;
  assign hlp_rsp        = hlp_rsp_valid_i && (hlp_pending_q || hlp_fire);

  always_comb begin
    ex0_fault = ex0_id_fault_q;
    if (ex0_fault == ebpf_isa_pkg::FAULT_NONE) begin
      if (is_mem && !ex_msel_q) ex0_fault = lsu_fault;
      else if (is_helper && hlp_rsp) ex0_fault = hlp_rsp_fault_i;
    end
    ex1_fault = ex_msel_q ? lsu_fault : ebpf_isa_pkg::FAULT_NONE;
  end

  always_comb begin
    ex_complete = 1'b1;
    if (ex0_id_fault_q == ebpf_isa_pkg::FAULT_NONE) begin
      if (is_mul)         ex_complete = mul_second_q;
      else if (is_div)    ex_complete = div_started_q && div_done;
      else if (is_helper) ex_complete = hlp_rsp;
      else if (is_amo && lsu_fault != ebpf_isa_pkg::FAULT_NONE) ex_complete = mul_second_q;
    end else if (is_call) begin
      ex_complete = mul_second_q;
    end
  end
  assign ex_done = ex_work && ex_complete;

  // two-cycle EX ops: mul, and the instructions that fault but still cost
  // their class's two cycles: a call local past the last frame, an atomic
  // whose address check fails (it never reaches MEM's second cycle)
  assign two_start = ex_work && !mul_second_q &&
                     (is_mul || (is_call && ex0_id_fault_q != ebpf_isa_pkg::FAULT_NONE) ||
                      (is_amo && lsu_fault != ebpf_isa_pkg::FAULT_NONE));

  // lane 1 survives lane 0: not after a taken branch or a fault
  logic ex0_ok, ex1_live, ex1_ok, m_ok;
  assign ex0_ok   = ex_done && !kill && ex0_fault == ebpf_isa_pkg::FAULT_NONE;
  assign ex1_live = ex1_valid_q && !ex0_taken && ex0_fault == ebpf_isa_pkg::FAULT_NONE;
  assign ex1_ok   = ex_done && !kill && ex1_live && ex1_fault == ebpf_isa_pkg::FAULT_NONE;
  assign m_ok     = ex_msel_q ? ex1_ok : ex0_ok;

  // local memories: loads read them in EX (asynchronous read), stores write
  // at the end of EX; a local atomic reads and writes in its first MEM
  // cycle (the pipeline is frozen then)
  logic           mem0_valid_q;
  logic [2:0]     mem_op_q;
  logic [1:0]     mem_phase_q;
  logic           mem_pkt_q;        // local access: packet (else stack)
  logic [11:0]    mem_phys_q;
  logic [1:0]     mem_size_q;
  logic           pkt_we, stk_we;
  logic [11:0]    lm_addr;
  logic [1:0]     lm_size;
  logic [63:0]    lm_wdata;
  logic [63:0]    pkt_rdata, stk_rdata;
  logic           amo_wr_local;
  logic [63:0]    ex_store_data;
  logic [63:0]    amo_new;

  assign ex_store_data = is_st ? m_imm_sext : m_b;

  // the port's address: a local atomic in MEM, a legacy packet load, or
  // the group's load or store (the read path does not depend on write data)
  assign amo_wr_local = mem0_valid_q && mem_op_q == MOP_AMO && mem_phase_q == 2'd0;
  always_comb begin
    if (amo_wr_local) begin
      lm_addr = mem_phys_q;
      lm_size = mem_size_q;
    end else if (is_ldpkt) begin
      lm_addr = ldpkt_phys[11:0];
      lm_size = ex0_uop_q.msize;
    end else begin
      lm_addr = ex_addr[11:0];
      lm_size = m_msize;
    end
  end
  always_comb begin
    pkt_we = 1'b0; stk_we = 1'b0;
    lm_wdata = ex_store_data;
    if (amo_wr_local) begin
      lm_wdata = amo_new;
      pkt_we = mem_pkt_q;
      stk_we = !mem_pkt_q;
    end else if (!is_ldpkt && m_ok && (is_st || is_stx)) begin
      pkt_we = lsu_pkt;
      stk_we = lsu_stack;
    end
  end

  ebpf_local_mem #(.BYTES(4096)) u_pkt_mem (
    .clk_i, .we_i(pkt_we), .addr_i(lm_addr), .size_i(lm_size),
    .wdata_i(lm_wdata), .rdata_o(pkt_rdata),
    .host_en_i(pkt_host_en_i), .host_we_i(pkt_host_we_i), .host_addr_i(pkt_host_addr_i),
    .host_wdata_i(pkt_host_wdata_i), .host_rdata_o(pkt_host_rdata_o)
  );
  ebpf_local_mem #(.BYTES(4096)) u_stack_mem (
    .clk_i, .we_i(stk_we), .addr_i(lm_addr), .size_i(lm_size),
    .wdata_i(lm_wdata), .rdata_o(stk_rdata),
    .host_en_i(1'b0), .host_we_i(8'd0), .host_addr_i(9'd0), .host_wdata_i(64'd0),
    .host_rdata_o()
  );

  function automatic logic [63:0] sext_size(input logic [63:0] v, input logic [1:0] size);
    case (size)
      2'd0:    sext_size = {{56{v[7]}}, v[7:0]};
      2'd1:    sext_size = {{48{v[15]}}, v[15:0]};
      2'd2:    sext_size = {{32{v[31]}}, v[31:0]};
      default: sext_size = v;
    endcase
  endfunction

  // the value of a local load (also its retire record's data), and of a
  // legacy packet load (network byte order)
  logic [63:0] lm_rdata, ld_value, ldpkt_value;
  always_comb begin
    lm_rdata = lsu_pkt ? pkt_rdata : stk_rdata;
    if (lsu_ctx)      ld_value = ctx_value;
    else if (m_msext) ld_value = sext_size(lm_rdata, m_msize);
    else              ld_value = lm_rdata;
    case (ex0_uop_q.msize)
      2'd0:    ldpkt_value = pkt_rdata;
      2'd1:    ldpkt_value = {48'd0, pkt_rdata[7:0], pkt_rdata[15:8]};
      default: ldpkt_value = {32'd0, pkt_rdata[7:0], pkt_rdata[15:8], pkt_rdata[23:16], pkt_rdata[31:24]};
    endcase
  end

  // results leaving EX
  logic ex0_writes, ex1_writes;
  always_comb begin
    case (1'b1)
      is_mul:                 ex0_result = mul_result;
      is_div:                 ex0_result = div_result;
      is_lddw:                ex0_result = ex0_imm64_q;
      is_helper:              ex0_result = hlp_rsp_r0_i;
      is_ldpkt:               ex0_result = ldpkt_oob ? 64'd0 : ldpkt_value;
      (is_ldx && !ex_msel_q): ex0_result = ld_value;
      default:                ex0_result = alu0_result;
    endcase
    ex1_result = ex1_ldx ? ld_value : alu1_result;
    ex0_writes = ex0_uop_q.writes != ebpf_isa_pkg::WRITES_NONE;
    ex1_writes = ex1_uop_q.writes != ebpf_isa_pkg::WRITES_NONE;
    ex0_wreg = wreg_of(ex0_uop_q.writes, ex0_dst_q, ex0_src_q);
    ex1_wreg = wreg_of(ex1_uop_q.writes, ex1_dst_q, ex1_src_q);
  end
  assign ex0_fwd = ex0_valid_q && ex0_writes;
  assign ex1_fwd = ex1_valid_q && ex1_writes;

  // redirects from EX: taken branch (either lane), tail call
  always_comb begin
    ex_redirect    = 1'b0;
    ex_redirect_pc = ex0_target_q;
    if (ex0_ok && ex0_taken) begin
      ex_redirect = 1'b1;
    end else if (ex0_ok && is_helper && hlp_rsp_tail_i) begin
      ex_redirect    = 1'b1;
      ex_redirect_pc = hlp_rsp_tail_pc_i;
    end else if (ex1_ok && ex1_taken) begin
      ex_redirect    = 1'b1;
      ex_redirect_pc = ex1_target_q;
    end
  end

  // Return address and callee-saved registers of each frame: written by a
  // call, read by the exit that returns to it.  A memory of eight entries
  // with one write port and asynchronous reads, outside the reset process
  // so that synthesis maps it to distributed RAM rather than flip-flops.
  logic [255:0] saved_q [8];
  always_ff @(posedge clk_i) begin
    if (run_q && ex0_ok && is_call) begin
      ret_q[depth_q]   <= ex0_pc_q + PCW'(1);
      saved_q[depth_q] <= callee_saved(wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data,
                                       regs[639:384]);
    end
  end
  assign rf_restore      = ex0_ok && is_exit && !ex0_end_q;
  assign rf_restore_data = saved_q[depth_q - 3'd1];

  // ==================================================================== MEM
  logic           mem1_valid_q;
  logic [PCW-1:0] mem0_pc_q, mem1_pc_q;
  logic           mem0_final_q, mem1_final_q;
  fault_t         mem0_fault_q, mem1_fault_q;
  logic           mem0_wen_q, mem1_wen_q;
  logic [3:0]     mem0_wreg_q, mem1_wreg_q;
  logic [63:0]    mem0_wdata_q, mem1_wdata_q;
  logic           mem_lane_q;       // the lane of the memory work
  logic           mem_sext_q;
  logic [3:0]     mem_amo_op_q;
  logic [63:0]    mem_sdata_q, mem_r0_q;
  logic [63:0]    mem_addr_q;       // model address of the access
  logic [63:0]    amo_old_q, amo_new_q;

  // raw bytes of the access (zero-extended)
  logic [63:0] raw;
  always_comb begin
    if (mem_op_q == MOP_MAP_LOAD || mem_op_q == MOP_MAP_AMO) begin
      case (mem_size_q)
        2'd0:    raw = {56'd0, map_rsp_rdata_i[7:0]};
        2'd1:    raw = {48'd0, map_rsp_rdata_i[15:0]};
        2'd2:    raw = {32'd0, map_rsp_rdata_i[31:0]};
        default: raw = map_rsp_rdata_i;
      endcase
    end else begin
      raw = mem_pkt_q ? pkt_rdata : stk_rdata;
    end
  end

  // atomic operation on the old value (32-bit forms work on 32 bits)
  logic [63:0] amo_old;
  always_comb begin
    amo_old = raw;
    case (mem_amo_op_q)
      ebpf_isa_pkg::AMO_ADD:     amo_new = amo_old + mem_sdata_q;
      ebpf_isa_pkg::AMO_OR:      amo_new = amo_old | mem_sdata_q;
      ebpf_isa_pkg::AMO_AND:     amo_new = amo_old & mem_sdata_q;
      ebpf_isa_pkg::AMO_XOR:     amo_new = amo_old ^ mem_sdata_q;
      ebpf_isa_pkg::AMO_XCHG:    amo_new = mem_sdata_q;
      ebpf_isa_pkg::AMO_CMPXCHG: amo_new = ((mem_size_q == 2'd2 ? {32'd0, amo_old[31:0]} : amo_old) ==
                                            (mem_size_q == 2'd2 ? {32'd0, mem_r0_q[31:0]} : mem_r0_q))
                                           ? mem_sdata_q : amo_old;
      default:                   amo_new = amo_old;
    endcase
    if (mem_size_q == 2'd2) amo_new = {32'd0, amo_new[31:0]};
  end

  // MEM sequencing
  logic        mem_complete;
  logic [1:0]  mem_phase_d;
  always_comb begin
    map_req_valid_o = 1'b0;
    map_req_we_o    = 1'b0;
    map_req_addr_o  = mem_addr_q;
    map_req_size_o  = mem_size_q;
    map_req_wdata_o = mem_sdata_q;
    mem_complete    = 1'b1;
    mem_phase_d     = 2'd0;
    if (mem0_valid_q) begin
      case (mem_op_q)
        MOP_AMO: begin
          // cycle 1 reads and writes, cycle 2 retires
          mem_complete = mem_phase_q == 2'd1;
          mem_phase_d  = 2'd1;
        end
        MOP_MAP_LOAD: begin
          map_req_valid_o = mem_phase_q == 2'd0;
          mem_complete    = map_rsp_valid_i && (mem_phase_q == 2'd1 || map_req_ready_i);
          mem_phase_d     = (mem_phase_q == 2'd1 || map_req_ready_i) ? 2'd1 : 2'd0;
        end
        MOP_MAP_STORE: begin
          map_req_valid_o = 1'b1;
          map_req_we_o    = 1'b1;
          mem_complete    = map_req_ready_i;
        end
        MOP_MAP_AMO: begin
          // read (memory latency), then a posted write
          map_req_valid_o = mem_phase_q != 2'd1;
          map_req_we_o    = mem_phase_q == 2'd2;
          map_req_wdata_o = amo_new_q;
          mem_complete    = mem_phase_q == 2'd2 && map_req_ready_i;
          if (mem_phase_q == 2'd0) begin
            mem_phase_d = !map_req_ready_i ? 2'd0 : map_rsp_valid_i ? 2'd2 : 2'd1;
          end else if (mem_phase_q == 2'd1) begin
            mem_phase_d = map_rsp_valid_i ? 2'd2 : 2'd1;
          end else begin
            mem_phase_d = 2'd2;
          end
        end
        default: ;
      endcase
    end
  end
  assign mem_busy = mem0_valid_q && !mem_complete;
  assign kill     = mem0_valid_q && (mem0_final_q || (mem1_valid_q && mem1_final_q));

  // write-back values (also the retire records' register data)
  logic [63:0] map_value, mem0_value, mem1_value;
  always_comb begin
    map_value  = mem_sext_q ? sext_size(raw, mem_size_q) : raw;
    mem0_value = mem0_wdata_q;
    mem1_value = mem1_wdata_q;
    if (mem_op_q == MOP_MAP_LOAD) begin
      if (mem_lane_q) mem1_value = map_value;
      else            mem0_value = map_value;
    end else if (mem_op_q == MOP_AMO || mem_op_q == MOP_MAP_AMO) begin
      mem0_value = amo_old_q;
    end
  end

  assign wb0_en   = mem0_valid_q && mem_complete && mem0_wen_q;
  assign wb0_reg  = mem0_wreg_q;
  assign wb0_data = mem0_value;
  assign wb1_en   = mem1_valid_q && mem_complete && mem1_wen_q;
  assign wb1_reg  = mem1_wreg_q;
  assign wb1_data = mem1_value;

  // ============================================================ sequencing
  assign freeze = mem_busy || (ex0_valid_q && !ex_complete);

  // IF: the banks read where the window goes next (a refetch after start or
  // a redirect, or the slots after what issued); otherwise they hold
  always_comb begin
    imem_re    = 1'b0;
    imem_raddr = fetch_pc_q;
    if (!ex_redirect && !freeze) begin
      if (fetch_pend_q) begin
        imem_re = fetch_on_q;
      end else if (id_go && !id_redirect && !id_stop) begin
        imem_re    = 1'b1;
        imem_raddr = win_pc_q + ((id_wide || id_issue1) ? PCW'(2) : PCW'(1));
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      run_q <= 1'b0; done_q <= 1'b0;
      fetch_pc_q <= '0; fetch_pend_q <= 1'b0; fetch_on_q <= 1'b0;
      win_valid_q <= 1'b0; win_pc_q <= '0;
      lddw_wait_q <= 1'b0; second_q <= 1'b0; lu_waited_q <= 1'b0;
      lg_kind_q <= LG_NONE; lg_reg_q <= '0; lg_lane1_q <= 1'b0;
      ex0_valid_q <= 1'b0; ex1_valid_q <= 1'b0; ex_msel_q <= 1'b0; ex_bsel_q <= 1'b0;
      mem0_valid_q <= 1'b0; mem1_valid_q <= 1'b0; mem_phase_q <= 2'd0; mem_op_q <= MOP_NONE;
      mul_second_q <= 1'b0; div_started_q <= 1'b0; hlp_pending_q <= 1'b0;
      prog_base_q <= '0; depth_q <= 3'd0;
      xdp_mode_q <= 1'b0; mem_len_q <= '0;
      data_q <= '0; data_end_q <= '0; data_meta_q <= '0;
      ingress_q <= '0; rxq_q <= '0; egress_q <= '0;
      cycles_q <= '0; insns_q <= '0; fault_q <= ebpf_isa_pkg::FAULT_NONE; fault_pc_q <= '0;
    end else begin
      done_q <= 1'b0;
      if (start) begin
        run_q        <= 1'b1;
        fetch_pc_q   <= entry_pc_i;
        fetch_pend_q <= 1'b1;
        fetch_on_q   <= 1'b1;
        win_valid_q  <= 1'b0;
        lddw_wait_q  <= 1'b0;
        second_q     <= 1'b0;
        lu_waited_q  <= 1'b0;
        lg_kind_q    <= LG_NONE;
        ex0_valid_q  <= 1'b0;
        ex1_valid_q  <= 1'b0;
        mem0_valid_q <= 1'b0;
        mem1_valid_q <= 1'b0;
        mem_phase_q  <= 2'd0;
        mem_op_q     <= MOP_NONE;
        mul_second_q <= 1'b0; div_started_q <= 1'b0; hlp_pending_q <= 1'b0;
        prog_base_q <= entry_pc_i;
        depth_q     <= 3'd0;
        xdp_mode_q  <= xdp_mode_i;
        mem_len_q   <= mem_len_i;
        data_q      <= ctx_data_i;
        data_end_q  <= ctx_data_end_i;
        data_meta_q <= ctx_data_meta_i;
        ingress_q   <= ctx_ingress_ifindex_i;
        rxq_q       <= ctx_rx_queue_index_i;
        egress_q    <= ctx_egress_ifindex_i;
        cycles_q    <= '0;
        insns_q     <= '0;
        fault_q     <= ebpf_isa_pkg::FAULT_NONE;
        fault_pc_q  <= '0;
      end else if (run_q) begin
        cycles_q <= cycles_q + 32'd1;

        // ---- IF / ID
        if (ex_redirect) begin
          fetch_pc_q   <= ex_redirect_pc;
          fetch_pend_q <= 1'b1;
          win_valid_q  <= 1'b0;
          lddw_wait_q  <= 1'b0;
          second_q     <= 1'b0;
          lu_waited_q  <= 1'b0;
        end else if (!freeze) begin
          if (fetch_pend_q) begin
            // the first fetch at a new address: both slots arrive together
            win_pc_q     <= fetch_pc_q;
            win_valid_q  <= fetch_on_q;
            fetch_pend_q <= 1'b0;
          end else if (id_go && id_redirect) begin
            fetch_pc_q   <= id_next_pc;
            fetch_pend_q <= 1'b1;
            win_valid_q  <= 1'b0;
            lddw_wait_q  <= 1'b0;
            second_q     <= 1'b0;
            lu_waited_q  <= 1'b0;
          end else if (id_go && id_stop) begin
            fetch_on_q  <= 1'b0;
            win_valid_q <= 1'b0;
            lddw_wait_q <= 1'b0;
            second_q    <= 1'b0;
            lu_waited_q <= 1'b0;
          end else if (id_go) begin
            // the next two slots after what issued
            win_pc_q    <= imem_raddr;
            lddw_wait_q <= 1'b0;
            lu_waited_q <= 1'b0;
            second_q    <= id_split;
          end else if (id_lddw_first && !kill) begin
            lddw_wait_q <= 1'b1;
          end else if (id_lu_stall) begin
            lu_waited_q <= 1'b1;
          end
        end
        // the load of the last issued group (load-use rule): an ldx
        // leaving EX settles (map memory delivers late; squashed: none),
        // an issuing group brings its own - none when the pair's second
        // instruction writes the same register.  The second half of a split
        // pair brings none either: the cycle it waited was a bubble behind
        // the first half's load.  A taken branch or tail call leaving EX
        // delivers the group's load: its two bubbles pass while the load is
        // in MEM.
        if (lg_kind_q == LG_EX && ex_done)
          lg_kind_q <= (lg_lane1_q && !ex1_live) ? LG_NONE : lsu_map ? LG_LATE : LG_NONE;
        if (id_go) begin
          if (id0_lkind != LG_NONE) begin
            lg_kind_q  <= (id_issue1 && id1_wen && id1_wreg == id0_wreg) ? LG_NONE : id0_lkind;
            lg_reg_q   <= id0_wreg;
            lg_lane1_q <= 1'b0;
          end else if (id_issue1 && id1_lkind != LG_NONE) begin
            lg_kind_q  <= id1_lkind;
            lg_reg_q   <= id1_wreg;
            lg_lane1_q <= 1'b1;
          end else begin
            lg_kind_q  <= LG_NONE;
          end
        end
        if (ex_redirect)
          lg_kind_q <= LG_NONE;

        // ---- ID -> EX
        if (!freeze || ex_redirect) begin
          ex0_valid_q   <= id_go;
          ex1_valid_q   <= id_issue1;
          mul_second_q  <= 1'b0;
          div_started_q <= 1'b0;
          hlp_pending_q <= 1'b0;
        end else begin
          if (two_start) mul_second_q <= 1'b1;
          if (div_start) div_started_q <= 1'b1;
          if (hlp_fire) hlp_pending_q <= 1'b1;
        end
        if (id_go) begin
          ex0_uop_q      <= id0_uop;
          ex0_imm64_q    <= {slot1_word[63:32], slot0_word[63:32]};
          ex0_pc_q       <= id_pc;
          ex0_dst_q      <= id0_dst;
          ex0_src_q      <= id0_src;
          ex0_off_q      <= id0_off;
          ex0_imm_q      <= id0_imm;
          ex0_a_q        <= id0_a;
          ex0_b_q        <= id0_b;
          ex0_id_fault_q <= id_fault;
          ex0_end_q      <= id_end;
          ex0_target_q   <= id0_br_pc;
          ex1_uop_q      <= id1_uop;
          ex1_pc_q       <= id_pc + PCW'(1);
          ex1_dst_q      <= id1_dst;
          ex1_src_q      <= id1_src;
          ex1_off_q      <= id1_off;
          ex1_imm_q      <= id1_imm;
          ex1_a_q        <= id1_a;
          ex1_b_q        <= id1_b;
          ex1_target_q   <= id1_br_pc;
          ex_msel_q      <= id_issue1 && id1_mem;
          ex_bsel_q      <= id_issue1 && id1_br;
        end

        // ---- EX side effects
        if (ex0_ok) begin
          if (is_call) begin
            depth_q          <= depth_q + 3'd1;
          end else if (is_exit && !ex0_end_q) begin
            depth_q <= depth_q - 3'd1;
          end else if (is_helper) begin
            if (hlp_rsp_ctx_we_i) begin
              data_q      <= hlp_rsp_data_i;
              data_end_q  <= hlp_rsp_data_end_i;
              data_meta_q <= hlp_rsp_data_meta_i;
            end
            if (hlp_rsp_tail_i) begin
              prog_base_q <= hlp_rsp_tail_pc_i;
              depth_q     <= 3'd0;
            end
          end
        end

        // ---- EX -> MEM
        if (!mem_busy) begin
          mem0_valid_q <= ex_done && !kill;
          mem1_valid_q <= ex_done && !kill && ex1_live;
          mem_phase_q  <= 2'd0;
          mem_op_q     <= MOP_NONE;
          if (ex_done) begin
            mem0_pc_q    <= ex0_pc_q - prog_base_q;
            mem1_pc_q    <= ex1_pc_q - prog_base_q;
            mem0_fault_q <= ex0_fault;
            mem1_fault_q <= ex1_fault;
            mem0_final_q <= ex0_fault != ebpf_isa_pkg::FAULT_NONE || ex0_end_q ||
                            (is_ldpkt && ldpkt_oob);
            mem1_final_q <= ex1_fault != ebpf_isa_pkg::FAULT_NONE;
            mem0_wen_q   <= ex0_writes && ex0_fault == ebpf_isa_pkg::FAULT_NONE;
            mem1_wen_q   <= ex1_writes && ex1_fault == ebpf_isa_pkg::FAULT_NONE;
            mem0_wreg_q  <= ex0_wreg;
            mem1_wreg_q  <= ex1_wreg;
            mem0_wdata_q <= ex0_result;
            mem1_wdata_q <= ex1_result;
            mem_lane_q   <= ex_msel_q;
            mem_pkt_q    <= lsu_pkt;
            mem_phys_q   <= ex_addr[11:0];
            mem_addr_q   <= ex_addr;
            mem_size_q   <= m_msize;
            mem_sext_q   <= m_msext;
            mem_amo_op_q <= ex0_uop_q.amo_op;
            mem_sdata_q  <= m_msize == 2'd2 ? {32'd0, m_b[31:0]} : m_b;
            mem_r0_q     <= rf_fwd(4'd0, wb1_en, wb1_reg, wb1_data, wb0_en, wb0_reg, wb0_data,
                                   rf_r[0]);
            if (is_ldpkt) begin
              mem_addr_q <= {xdp_mode_q ? ebpf_isa_pkg::REGION_PACKET : ebpf_isa_pkg::REGION_MEM,
                             ldpkt_phys};
            end else if (is_mem && (ex_msel_q ? ex1_live && ex1_fault == ebpf_isa_pkg::FAULT_NONE
                                              : ex0_fault == ebpf_isa_pkg::FAULT_NONE)) begin
              if (is_ldx) begin
                if (lsu_map) mem_op_q <= MOP_MAP_LOAD;
              end else if (is_amo && !ex_msel_q) begin
                mem_op_q <= lsu_map ? MOP_MAP_AMO : MOP_AMO;
              end else if (lsu_map) begin
                mem_sdata_q <= ex_store_data;
                mem_op_q    <= MOP_MAP_STORE;
              end
            end
          end
        end else begin
          mem_phase_q <= mem_phase_d;
        end

        // atomics: keep the old value and the new one
        if (mem0_valid_q && (mem_op_q == MOP_AMO ? mem_phase_q == 2'd0 :
                             mem_op_q == MOP_MAP_AMO && mem_phase_q != 2'd2 && map_rsp_valid_i &&
                             (mem_phase_q == 2'd1 || map_req_ready_i))) begin
          amo_old_q <= raw;
          amo_new_q <= amo_new;
        end

        // ---- retire
        if (mem0_valid_q && mem_complete) begin
          insns_q <= insns_q + (mem1_valid_q ? 32'd2 : 32'd1);
          if (mem0_final_q || (mem1_valid_q && mem1_final_q)) begin
            run_q        <= 1'b0;
            done_q       <= 1'b1;
            fault_q      <= mem0_final_q ? mem0_fault_q : mem1_fault_q;
            fault_pc_q   <= mem0_final_q ? 32'(mem0_pc_q) : 32'(mem1_pc_q);
            ex0_valid_q  <= 1'b0;
            ex1_valid_q  <= 1'b0;
            mem0_valid_q <= 1'b0;
            mem1_valid_q <= 1'b0;
            win_valid_q  <= 1'b0;
            fetch_pend_q <= 1'b0;
            fetch_on_q   <= 1'b0;
          end
        end
      end
    end
  end

  ebpf_regfile u_regfile (
    .clk_i, .rst_ni, .init_i(start), .init_r1_i(r1_i), .init_r2_i(r2_i),
    .we_i(wb0_en && run_q), .waddr_i(wb0_reg), .wdata_i(wb0_data),
    .we1_i(wb1_en && run_q), .waddr1_i(wb1_reg), .wdata1_i(wb1_data),
    .restore_i(rf_restore), .restore_data_i(rf_restore_data), .regs_o(regs)
  );

  // status
  assign busy_o      = run_q;
  assign done_o      = done_q;
  assign r0_o        = regs[63:0];
  assign fault_o     = fault_q;
  assign fault_pc_o  = fault_pc_q;
  assign cycles_o    = cycles_q;
  assign insns_o     = insns_q;
  assign data_o      = data_q;
  assign data_end_o  = data_end_q;
  assign data_meta_o = data_meta_q;
  assign frame_o     = depth_q;

`ifdef EBPF_RVFI
  // retire-record fields that only the retire port needs
  logic [63:0]        ex0_insn_q, ex1_insn_q;
  ebpf_isa_pkg::row_t ex0_row_q, ex1_row_q;
  logic [PCW-1:0]     ex0_next_pc_q;
  logic               ex0_rtaken_q;
  always_ff @(posedge clk_i) begin
    if (run_q && !start && id_go) begin
      ex0_row_q     <= id0_row;
      ex0_insn_q    <= slot0_word;
      ex0_rtaken_q  <= id_taken;
      ex0_next_pc_q <= id_next_pc;
      ex1_row_q     <= id1_row;
      ex1_insn_q    <= slot1_word;
    end
  end

  // the data of the group's memory access, as its record shows it
  // (computed where the record's flip-flops take it)
  function automatic logic [63:0] rec_mdata_of(input logic ldx, input logic amo,
      input logic [1:0] msize, input logic [63:0] ld, input logic [63:0] st);
    if (ldx)          rec_mdata_of = ld;
    else if (amo)     rec_mdata_of = 64'd0;
    else              rec_mdata_of = msize == 2'd0 ? {56'd0, st[7:0]} :
                                     msize == 2'd1 ? {48'd0, st[15:0]} :
                                     msize == 2'd2 ? {32'd0, st[31:0]} : st;
  endfunction

  logic [63:0]        mem0_insn_q, mem1_insn_q, mem0_imm64_q;
  ebpf_isa_pkg::row_t mem0_row_q, mem1_row_q;
  logic [PCW-1:0]     mem0_next_pc_q, mem1_next_pc_q;
  logic [2:0]         mem_frame_q;
  logic               mem0_taken_q, mem1_taken_q;
  logic [3:0]         rec0_msize_q, rec1_msize_q;  // access size in bytes, 0: none
  logic               rec0_mwrite_q, rec1_mwrite_q;
  logic [63:0]        rec0_mdata_q, rec1_mdata_q;
  logic [63:0]        order_q;

  always_ff @(posedge clk_i) begin
    if (run_q && !start && !mem_busy && ex_done) begin
      mem0_row_q     <= ex0_row_q;
      mem0_insn_q    <= ex0_insn_q;
      mem0_imm64_q   <= ex0_imm64_q;
      mem_frame_q    <= depth_q;
      mem0_taken_q   <= ex0_rtaken_q;
      mem0_next_pc_q <= ex0_next_pc_q - prog_base_q;
      rec0_msize_q   <= 4'd0;
      rec0_mwrite_q  <= 1'b0;
      rec0_mdata_q   <= 64'd0;
      mem1_row_q     <= ex1_row_q;
      mem1_insn_q    <= ex1_insn_q;
      mem1_taken_q   <= ex1_taken;
      mem1_next_pc_q <= (ex1_taken ? ex1_target_q : ex1_pc_q + PCW'(1)) - prog_base_q;
      rec1_msize_q   <= 4'd0;
      rec1_mwrite_q  <= 1'b0;
      rec1_mdata_q   <= 64'd0;
      if (ex0_taken) begin
        mem0_taken_q   <= 1'b1;
        mem0_next_pc_q <= ex0_target_q - prog_base_q;
      end
      if (is_helper && hlp_rsp_tail_i && ex0_fault == ebpf_isa_pkg::FAULT_NONE) begin
        mem0_taken_q   <= 1'b1;
        mem0_next_pc_q <= '0;
      end
      if (ex0_fault != ebpf_isa_pkg::FAULT_NONE) begin
        mem0_next_pc_q <= ex0_pc_q - prog_base_q;
        mem0_taken_q   <= 1'b0;
      end else if (is_ldpkt) begin
        if (ldpkt_oob) begin
          mem0_next_pc_q <= ex0_pc_q - prog_base_q;
        end else begin
          rec0_msize_q <= 4'd1 << ex0_uop_q.msize;
          rec0_mdata_q <= pkt_rdata;
        end
      end else if (is_mem && !ex_msel_q) begin
        rec0_msize_q  <= 4'd1 << m_msize;
        rec0_mwrite_q <= !is_ldx;
        rec0_mdata_q  <= rec_mdata_of(is_ldx, is_amo, m_msize, ld_value, ex_store_data);
      end
      if (ex1_fault != ebpf_isa_pkg::FAULT_NONE) begin
        mem1_next_pc_q <= ex1_pc_q - prog_base_q;
        mem1_taken_q   <= 1'b0;
      end else if (ex_msel_q) begin
        rec1_msize_q  <= 4'd1 << m_msize;
        rec1_mwrite_q <= !is_ldx;
        rec1_mdata_q  <= rec_mdata_of(is_ldx, 1'b0, m_msize, ld_value, ex_store_data);
      end
    end
  end

  // map loads and atomics record what MEM read or wrote
  logic [63:0] rec0_mdata, rec1_mdata;
  always_comb begin
    rec0_mdata = rec0_mdata_q;
    rec1_mdata = rec1_mdata_q;
    if (mem_op_q == MOP_MAP_LOAD) begin
      if (mem_lane_q) rec1_mdata = map_value;
      else            rec0_mdata = map_value;
    end else if (mem_op_q == MOP_AMO || mem_op_q == MOP_MAP_AMO) begin
      rec0_mdata = amo_new_q;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) order_q <= '0;
    else if (start) order_q <= '0;
    else if (mem0_valid_q && mem_complete) order_q <= order_q + (mem1_valid_q ? 64'd2 : 64'd1);
  end
  assign rvfi_valid_o      = run_q && mem0_valid_q && mem_complete;
  assign rvfi_order_o      = order_q;
  assign rvfi_pc_o         = 32'(mem0_pc_q);
  assign rvfi_insn_o       = mem0_insn_q;
  assign rvfi_imm64_o      = mem0_imm64_q;
  assign rvfi_row_o        = mem0_row_q;
  assign rvfi_frame_o      = mem_frame_q;
  assign rvfi_wvalid_o     = mem0_wen_q;
  assign rvfi_wreg_o       = mem0_wreg_q;
  assign rvfi_wdata_o      = mem0_value;
  assign rvfi_mem_size_o   = rec0_msize_q;
  assign rvfi_mem_write_o  = rec0_mwrite_q;
  assign rvfi_mem_addr_o   = mem_addr_q;
  assign rvfi_mem_data_o   = rec0_mdata;
  assign rvfi_taken_o      = mem0_taken_q;
  assign rvfi_next_pc_o    = 32'(mem0_next_pc_q);
  assign rvfi_fault_o      = mem0_fault_q;
  assign rvfi1_valid_o     = run_q && mem0_valid_q && mem1_valid_q && mem_complete;
  assign rvfi1_pc_o        = 32'(mem1_pc_q);
  assign rvfi1_insn_o      = mem1_insn_q;
  assign rvfi1_row_o       = mem1_row_q;
  assign rvfi1_wvalid_o    = mem1_wen_q;
  assign rvfi1_wreg_o      = mem1_wreg_q;
  assign rvfi1_wdata_o     = mem1_value;
  assign rvfi1_mem_size_o  = rec1_msize_q;
  assign rvfi1_mem_write_o = rec1_mwrite_q;
  assign rvfi1_mem_addr_o  = mem_addr_q;
  assign rvfi1_mem_data_o  = rec1_mdata;
  assign rvfi1_taken_o     = mem1_taken_q;
  assign rvfi1_next_pc_o   = 32'(mem1_next_pc_q);
  assign rvfi1_fault_o     = mem1_fault_q;
`endif
endmodule
