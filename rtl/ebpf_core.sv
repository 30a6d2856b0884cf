// eBPF offload core: a 4-stage in-order pipeline (IF, ID, EX, MEM) as
// docs/microarchitecture.md defines it.  Every stall freezes the stages
// ahead of it, so each instruction costs its class's cycles and the
// penalties add up; the per-packet counter (cycles_o) counts the
// "standalone packet cycles" of the document: 3 + issue cycles.
//
//   IF   fetch_pc_q addresses the instruction memory (registered output).
//   ID   decode (generated from isa.def), operand read with forwarding from
//        EX and MEM, load-use interlock, ja/ja32/call local/exit resolved
//        (redirect: one bubble), lddw takes its second slot (one cycle).
//   EX   ALU, 2-cycle multiplier, radix-4 divider, branch compare (taken:
//        two bubbles), address generation and the region/bounds check,
//        helper calls (EX waits for the helper unit), frame push/pop.
//        Local memories are addressed here (read data arrives in MEM).
//   MEM  load data alignment, atomics (second cycle), map memory port,
//        write-back; an instruction retires when it leaves MEM.
module ebpf_core #(
  parameter int unsigned IMEM_DEPTH = 4096,
  parameter int unsigned NMAPS      = 16,
  localparam int unsigned PCW = $clog2(IMEM_DEPTH),
  localparam int unsigned MIW = $clog2(NMAPS)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  // host: instruction memory
  input  logic                 imem_we_i,
  input  logic [PCW-1:0]       imem_waddr_i,
  input  logic [63:0]          imem_wdata_i,

  // host: packet buffer (4 KiB incl. 256 bytes of headroom), 8-byte words
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
  // retire port: one record per retired instruction (struct ebpf_retire)
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
  output ebpf_isa_pkg::fault_t rvfi_fault_o
`endif
);

  // ------------------------------------------------------------------ types
  localparam logic [2:0] MOP_NONE      = 3'd0;  // no memory work left in MEM
  localparam logic [2:0] MOP_LOAD      = 3'd1;  // local load (stack / packet / mem)
  localparam logic [2:0] MOP_LDPKT     = 3'd2;  // legacy packet load (network order)
  localparam logic [2:0] MOP_AMO       = 3'd3;  // local atomic
  localparam logic [2:0] MOP_MAP_LOAD  = 3'd4;
  localparam logic [2:0] MOP_MAP_STORE = 3'd5;
  localparam logic [2:0] MOP_MAP_AMO   = 3'd6;

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

  // write-back (MEM) for forwarding
  logic        wb_en;
  logic [3:0]  wb_reg;
  logic [63:0] wb_data;

  // register file
  logic [639:0] regs;
  logic         rf_restore;
  logic [255:0] rf_restore_data;

  // =================================================================== IF
  logic [PCW-1:0] fetch_pc_q, fetch_pc_d;
  logic           fetch_on_q, fetch_on_d;
  logic           id_valid_q, id_valid_d;
  logic [PCW-1:0] id_pc_q, id_pc_d;
  logic           imem_re;
  logic [63:0]    imem_rdata;

  ebpf_imem #(.DEPTH(IMEM_DEPTH)) u_imem (
    .clk_i,
    .we_i(imem_we_i), .waddr_i(imem_waddr_i), .wdata_i(imem_wdata_i),
    .re_i(imem_re), .raddr_i(fetch_pc_q), .rdata_o(imem_rdata)
  );

  // =================================================================== ID
  logic           lddw_hi_q, lddw_hi_d;     // holding the first slot of an lddw
  logic [63:0]    lddw_lo_q;
  logic [PCW-1:0] lddw_pc_q;

  logic [63:0]               id_word;
  logic [PCW-1:0]            id_pc;
  ebpf_isa_pkg::row_t        id_row;
  ebpf_isa_pkg::uop_t        id_uop;
  logic                      id_illegal;
  logic [3:0]                id_dst, id_src;
  logic [15:0]               id_off;
  logic [31:0]               id_imm;

  assign id_word = lddw_hi_q ? lddw_lo_q : imem_rdata;
  assign id_pc   = lddw_hi_q ? lddw_pc_q : id_pc_q;

  ebpf_decoder u_decoder (
    .insn_i(id_word), .row_o(id_row), .uop_o(id_uop), .illegal_o(id_illegal),
    .dst_o(id_dst), .src_o(id_src), .off_o(id_off), .imm_o(id_imm)
  );

  logic id_wide, id_lddw_first, id_ready, id_go, hazard;
  assign id_wide       = !id_illegal && id_uop.tclass == ebpf_isa_pkg::TCLASS_LDDW;
  assign id_lddw_first = id_valid_q && !lddw_hi_q && id_wide;
  assign id_ready      = id_valid_q && (lddw_hi_q || !id_wide);

  // EX-stage facts the interlock and forwarding need
  logic        ex_valid_q;
  ebpf_isa_pkg::uop_t ex_uop_q;
  logic [3:0]  ex_dst_q, ex_src_q;
  logic [63:0] ex_result;
  logic        ex_writes;
  logic [3:0]  ex_wreg;

  // load-use: the instruction in EX delivers its value in MEM
  logic ex_late;
  always_comb begin
    ex_late = ex_valid_q && (ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_LOAD ||
                             ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_LDPKT ||
                             (ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_ATOMIC &&
                              ex_uop_q.writes != ebpf_isa_pkg::WRITES_NONE));
    hazard = ex_late && id_ready && !id_illegal &&
             ((id_uop.rd_dst && id_dst == ex_wreg) ||
              (id_uop.rd_src && id_src == ex_wreg) ||
              (id_uop.rd_r0 && ex_wreg == 4'd0) ||
              (id_uop.rd_args && ex_wreg >= 4'd1 && ex_wreg <= 4'd5));
  end

  // operand read with forwarding (EX result, then MEM write-back)
  logic [63:0] fp_value;
  assign fp_value = {ebpf_isa_pkg::REGION_STACK, 19'd0, 4'd8 - {1'b0, depth_q}, 9'd0};

  // the register file as an array (r10..r15: zero; r10 reads as fp_value)
  logic [63:0] rf_r [16];
  always_comb begin
    for (int i = 0; i < 16; i++) rf_r[i] = i < 10 ? regs[i*64 +: 64] : 64'd0;
  end

  logic [63:0] id_a, id_b;
  always_comb begin
    if (id_dst == 4'd10)                     id_a = fp_value;
    else if (id_dst > 4'd10)                 id_a = 64'd0;
    else if (ex_writes && ex_wreg == id_dst) id_a = ex_result;
    else if (wb_en && wb_reg == id_dst)      id_a = wb_data;
    else                                     id_a = rf_r[id_dst];
    if (id_src == 4'd10)                     id_b = fp_value;
    else if (id_src > 4'd10)                 id_b = 64'd0;
    else if (ex_writes && ex_wreg == id_src) id_b = ex_result;
    else if (wb_en && wb_reg == id_src)      id_b = wb_data;
    else                                     id_b = rf_r[id_src];
  end

  // control transfers resolved in ID
  logic [PCW-1:0] ret_q [8];
  logic [PCW-1:0] id_seq_pc, id_jump_pc, id_br_pc, id_ret_pc;
  logic           id_redirect, id_stop, id_taken;
  logic [PCW-1:0] id_next_pc;
  fault_t         id_fault;
  logic           id_end;

  always_comb begin
    id_seq_pc  = id_pc + (id_wide ? PCW'(2) : PCW'(1));
    id_br_pc   = id_pc + PCW'(1) + PCW'($signed(id_off));
    id_jump_pc = id_pc + PCW'(1) + PCW'($signed(id_imm));
    id_ret_pc  = ret_q[depth_q - 3'd1];
    id_redirect = 1'b0;
    id_stop     = 1'b0;
    id_taken    = 1'b0;
    id_end      = 1'b0;
    id_next_pc  = id_seq_pc;
    id_fault    = ebpf_isa_pkg::FAULT_NONE;
    if (id_illegal) begin
      id_fault = ebpf_isa_pkg::FAULT_ILLEGAL;
      id_stop  = 1'b1;
      id_next_pc = id_pc;
    end else begin
      case (id_uop.form)
        ebpf_isa_pkg::FORM_JA: begin
          id_redirect = 1'b1; id_taken = 1'b1; id_next_pc = id_br_pc;
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

  assign id_go = id_ready && !freeze && !hazard && !ex_redirect && !kill;

  // =================================================================== EX
  logic [63:0]    ex_imm64_q, ex_a_q, ex_b_q;
  logic [PCW-1:0] ex_pc_q, ex_target_q;
  logic [15:0]    ex_off_q;
  logic [31:0]    ex_imm_q;
  fault_t         ex_id_fault_q;
  logic           ex_end_q;

  logic ex_work, ex_complete, ex_done;
  assign ex_work = ex_valid_q && !mem_busy;

  logic [63:0] ex_imm_sext, ex_opb;
  assign ex_imm_sext = {{32{ex_imm_q[31]}}, ex_imm_q};
  assign ex_opb      = ex_uop_q.use_imm ? ex_imm_sext : ex_b_q;

  logic is_mul, is_div, is_branch, is_helper, is_call, is_exit, is_lddw;
  logic is_ldx, is_st, is_stx, is_amo, is_ldpkt, is_mem;
  always_comb begin
    is_mul    = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_MUL;
    is_div    = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_DIV;
    is_branch = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_BRANCH;
    is_helper = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_HELPER;
    is_call   = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_CALL;
    is_exit   = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_EXIT;
    is_lddw   = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_LDDW;
    is_ldpkt  = ex_uop_q.tclass == ebpf_isa_pkg::TCLASS_LDPKT;
    is_ldx    = ex_uop_q.form == ebpf_isa_pkg::FORM_LDX;
    is_st     = ex_uop_q.form == ebpf_isa_pkg::FORM_ST;
    is_stx    = ex_uop_q.form == ebpf_isa_pkg::FORM_STX;
    is_amo    = ex_uop_q.form == ebpf_isa_pkg::FORM_ATOMIC;
    is_mem    = is_ldx || is_st || is_stx || is_amo;
  end

  // ALU, branch compare
  logic [63:0] alu_result;
  logic        br_taken;
  ebpf_alu u_alu (
    .op_i(ex_uop_q.alu_op), .is64_i(ex_uop_q.is64), .movsx_i(ex_uop_q.movsx),
    .ext_width_i(ex_uop_q.ext_width), .swap_i(ex_uop_q.swap),
    .a_i(ex_a_q), .b_i(ex_opb), .result_o(alu_result)
  );
  ebpf_branch u_branch (
    .op_i(ex_uop_q.br_op), .is64_i(ex_uop_q.is64), .a_i(ex_a_q), .b_i(ex_opb), .taken_o(br_taken)
  );

  // multiplier (2 cycles) and divider (17 / 33 cycles)
  logic        mul_second_q, div_started_q;
  logic        mul_start, div_start, div_done, two_start;
  logic [63:0] mul_result, div_result;
  assign mul_start = ex_work && is_mul && !mul_second_q;
  assign div_start = ex_work && is_div && !div_started_q;
  ebpf_mul u_mul (
    .clk_i, .start_i(mul_start), .is64_i(ex_uop_q.is64), .a_i(ex_a_q), .b_i(ex_opb),
    .result_o(mul_result)
  );
  ebpf_div u_div (
    .clk_i, .rst_ni, .start_i(div_start), .is64_i(ex_uop_q.is64),
    .signed_i(ex_uop_q.div_signed), .mod_i(ex_uop_q.alu_op == ebpf_isa_pkg::ALU_MOD),
    .a_i(ex_a_q), .b_i(ex_opb), .done_o(div_done), .result_o(div_result)
  );

  // EX-stage register reads (helper arguments, cmpxchg r0, callee-saved
  // registers): the register file plus the write-back leaving MEM now
  logic [319:0] ex_args;
  logic [255:0] ex_callee_saved;
  logic [63:0]  ex_r0;
  always_comb begin
    for (int i = 0; i < 5; i++)
      ex_args[i*64 +: 64] = (wb_en && wb_reg == 4'(i + 1)) ? wb_data : rf_r[i + 1];
    for (int i = 0; i < 4; i++)
      ex_callee_saved[i*64 +: 64] = (wb_en && wb_reg == 4'(i + 6)) ? wb_data : rf_r[i + 6];
    ex_r0 = (wb_en && wb_reg == 4'd0) ? wb_data : rf_r[0];
  end

  // address generation and check
  logic [63:0] ex_addr;
  logic [1:0]  ex_msize;
  logic        lsu_stack, lsu_pkt, lsu_ctx, lsu_map;
  fault_t      lsu_fault;
  assign ex_addr  = (is_ldx ? ex_b_q : ex_a_q) + {{48{ex_off_q[15]}}, ex_off_q};
  assign ex_msize = ex_uop_q.msize;

  ebpf_lsu #(.NMAPS(NMAPS)) u_lsu (
    .addr_i(ex_addr), .size_i(ex_msize), .read_i(is_ldx || is_amo), .write_i(is_st || is_stx || is_amo),
    .ctx_ok_i(is_ldx && ex_msize == 2'd2), .xdp_mode_i(xdp_mode_q), .mem_len_i(mem_len_q),
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
    if (ex_uop_q.form == ebpf_isa_pkg::FORM_LDABS) begin
      ldpkt_off = ex_imm_sext;
    end else begin
      ldpkt_off = 64'($signed(ex_b_q[31:0] + ex_imm_q));
    end
    ldpkt_last = ldpkt_off + (64'd1 << ex_msize);
    ldpkt_oob  = ldpkt_off[63] || ldpkt_last > {32'd0, pkt_hi - pkt_lo};
    ldpkt_phys = pkt_lo + ldpkt_off[31:0];
  end

  // helper calls
  logic   hlp_pending_q, hlp_fire, hlp_rsp;
  fault_t ex_fault;
  assign hlp_req_valid_o = ex_work && is_helper && !hlp_pending_q && !kill &&
                           ex_id_fault_q == ebpf_isa_pkg::FAULT_NONE;
  assign hlp_fire       = hlp_req_valid_o && hlp_req_ready_i;
  assign hlp_req_id_o   = ex_uop_q.form == ebpf_isa_pkg::FORM_CALLX ? ex_a_q : ex_imm_sext;
  assign hlp_req_args_o = ex_args;
  assign hlp_rsp        = hlp_rsp_valid_i && (hlp_pending_q || hlp_fire);

  always_comb begin
    ex_fault = ex_id_fault_q;
    if (ex_fault == ebpf_isa_pkg::FAULT_NONE) begin
      if (is_mem) ex_fault = lsu_fault;
      else if (is_helper && hlp_rsp) ex_fault = hlp_rsp_fault_i;
    end
  end

  always_comb begin
    ex_complete = 1'b1;
    if (ex_id_fault_q == ebpf_isa_pkg::FAULT_NONE) begin
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
                     (is_mul || (is_call && ex_id_fault_q != ebpf_isa_pkg::FAULT_NONE) ||
                      (is_amo && lsu_fault != ebpf_isa_pkg::FAULT_NONE));

  // results leaving EX
  always_comb begin
    case (1'b1)
      is_mul:    ex_result = mul_result;
      is_div:    ex_result = div_result;
      is_lddw:   ex_result = ex_imm64_q;
      is_helper: ex_result = hlp_rsp_r0_i;
      default:   ex_result = alu_result;
    endcase
    case (ex_uop_q.writes)
      ebpf_isa_pkg::WRITES_DST: begin ex_writes = ex_valid_q; ex_wreg = ex_dst_q; end
      ebpf_isa_pkg::WRITES_SRC: begin ex_writes = ex_valid_q; ex_wreg = ex_src_q; end
      ebpf_isa_pkg::WRITES_R0:  begin ex_writes = ex_valid_q; ex_wreg = 4'd0; end
      default:                  begin ex_writes = 1'b0; ex_wreg = 4'd0; end
    endcase
  end

  logic ex_ok;      // completes without a fault and is not squashed
  assign ex_ok = ex_done && !kill && ex_fault == ebpf_isa_pkg::FAULT_NONE;

  // redirects from EX: taken branch, tail call
  always_comb begin
    ex_redirect    = 1'b0;
    ex_redirect_pc = ex_target_q;
    if (ex_ok && is_branch && br_taken) begin
      ex_redirect = 1'b1;
    end else if (ex_ok && is_helper && hlp_rsp_tail_i) begin
      ex_redirect    = 1'b1;
      ex_redirect_pc = hlp_rsp_tail_pc_i;
    end
  end

  // callee-saved registers of each frame
  logic [255:0] saved_q [8];
  assign rf_restore      = ex_ok && is_exit && !ex_end_q;
  assign rf_restore_data = saved_q[depth_q - 3'd1];

  // ==================================================================== MEM
  logic           mem_valid_q;
  logic [2:0]     mem_op_q;
  logic [1:0]     mem_phase_q;
  logic [PCW-1:0] mem_pc_q;
  logic           mem_final_q;
  fault_t         mem_fault_q;
  logic           mem_wen_q;
  logic [3:0]     mem_wreg_q;
  logic [63:0]    mem_wdata_q;
  logic           mem_pkt_q;        // local access: packet (else stack)
  logic [11:0]    mem_phys_q;
  logic [1:0]     mem_size_q;
  logic           mem_sext_q;
  logic [3:0]     mem_amo_op_q;
  logic [63:0]    mem_sdata_q, mem_r0_q;
  logic [63:0]    mem_addr_q;       // model address of the access
  logic [63:0]    amo_old_q, amo_new_q;

  // local memories: EX addresses them as the access leaves EX; the second
  // cycle of a local atomic writes from MEM (the pipeline is frozen then)
  logic        pkt_en, pkt_we, stk_en, stk_we;
  logic [11:0] lm_addr;
  logic [1:0]  lm_size;
  logic [63:0] lm_wdata;
  logic [63:0] pkt_rdata, stk_rdata;
  logic        amo_wr_local;
  logic [63:0] ex_store_data;
  logic [63:0] amo_new;

  assign ex_store_data = is_st ? ex_imm_sext : ex_b_q;

  always_comb begin
    amo_wr_local = mem_valid_q && mem_op_q == MOP_AMO && mem_phase_q == 2'd0;
    pkt_en = 1'b0; pkt_we = 1'b0; stk_en = 1'b0; stk_we = 1'b0;
    lm_addr = 12'd0; lm_size = ex_msize; lm_wdata = ex_store_data;
    if (amo_wr_local) begin
      lm_addr  = mem_phys_q;
      lm_size  = mem_size_q;
      lm_wdata = amo_new;
      pkt_en = mem_pkt_q;  pkt_we = mem_pkt_q;
      stk_en = !mem_pkt_q; stk_we = !mem_pkt_q;
    end else if (ex_ok && is_ldpkt && !ldpkt_oob) begin
      lm_addr = ldpkt_phys[11:0];
      pkt_en  = 1'b1;
    end else if (ex_ok && is_mem && (lsu_pkt || lsu_stack)) begin
      lm_addr = ex_addr[11:0];
      pkt_en  = lsu_pkt;
      stk_en  = lsu_stack;
      pkt_we  = lsu_pkt && (is_st || is_stx);
      stk_we  = lsu_stack && (is_st || is_stx);
    end
  end

  ebpf_local_mem #(.BYTES(4096)) u_pkt_mem (
    .clk_i, .en_i(pkt_en), .we_i(pkt_we), .addr_i(lm_addr), .size_i(lm_size),
    .wdata_i(lm_wdata), .rdata_o(pkt_rdata),
    .host_en_i(pkt_host_en_i), .host_we_i(pkt_host_we_i), .host_addr_i(pkt_host_addr_i),
    .host_wdata_i(pkt_host_wdata_i), .host_rdata_o(pkt_host_rdata_o)
  );
  ebpf_local_mem #(.BYTES(4096)) u_stack_mem (
    .clk_i, .en_i(stk_en), .we_i(stk_we), .addr_i(lm_addr), .size_i(lm_size),
    .wdata_i(lm_wdata), .rdata_o(stk_rdata),
    .host_en_i(1'b0), .host_we_i(8'd0), .host_addr_i(9'd0), .host_wdata_i(64'd0),
    .host_rdata_o()
  );

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

  function automatic logic [63:0] sext_size(input logic [63:0] v, input logic [1:0] size);
    case (size)
      2'd0:    sext_size = {{56{v[7]}}, v[7:0]};
      2'd1:    sext_size = {{48{v[15]}}, v[15:0]};
      2'd2:    sext_size = {{32{v[31]}}, v[31:0]};
      default: sext_size = v;
    endcase
  endfunction

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
    if (mem_valid_q) begin
      case (mem_op_q)
        MOP_AMO: begin
          // cycle 1 writes the new value, cycle 2 retires
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
  assign mem_busy = mem_valid_q && !mem_complete;
  assign kill     = mem_valid_q && mem_final_q;

  // write-back value and the record's memory data
  logic [63:0] mem_value;
  logic [63:0] swapped;
  always_comb begin
    case (mem_size_q)
      2'd0:    swapped = raw;
      2'd1:    swapped = {48'd0, raw[7:0], raw[15:8]};
      default: swapped = {32'd0, raw[7:0], raw[15:8], raw[23:16], raw[31:24]};
    endcase
    case (mem_op_q)
      MOP_LOAD, MOP_MAP_LOAD: mem_value = mem_sext_q ? sext_size(raw, mem_size_q) : raw;
      MOP_LDPKT:              mem_value = swapped;
      MOP_AMO, MOP_MAP_AMO:   mem_value = amo_old_q;
      default:                mem_value = mem_wdata_q;
    endcase
  end

  assign wb_en   = mem_valid_q && mem_complete && mem_wen_q;
  assign wb_reg  = mem_wreg_q;
  assign wb_data = mem_value;

  // ============================================================ sequencing
  assign freeze = mem_busy || (ex_valid_q && !ex_complete);

  // IF / ID next state
  always_comb begin
    fetch_pc_d = fetch_pc_q;
    fetch_on_d = fetch_on_q;
    id_valid_d = id_valid_q;
    id_pc_d    = id_pc_q;
    lddw_hi_d  = lddw_hi_q;
    imem_re    = 1'b0;
    if (ex_redirect) begin
      fetch_pc_d = ex_redirect_pc;
      id_valid_d = 1'b0;
      lddw_hi_d  = 1'b0;
    end else if (!freeze) begin
      if (id_go && id_redirect) begin
        fetch_pc_d = id_next_pc;
        id_valid_d = 1'b0;
        lddw_hi_d  = 1'b0;
      end else if (id_go && id_stop) begin
        fetch_on_d = 1'b0;
        id_valid_d = 1'b0;
        lddw_hi_d  = 1'b0;
      end else if (id_go || id_lddw_first || !id_valid_q) begin
        imem_re    = fetch_on_q;
        id_valid_d = fetch_on_q;
        id_pc_d    = fetch_pc_q;
        fetch_pc_d = fetch_pc_q + PCW'(1);
        lddw_hi_d  = id_lddw_first;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      run_q <= 1'b0; done_q <= 1'b0;
      fetch_pc_q <= '0; fetch_on_q <= 1'b0; id_valid_q <= 1'b0; id_pc_q <= '0;
      lddw_hi_q <= 1'b0; lddw_lo_q <= '0; lddw_pc_q <= '0;
      ex_valid_q <= 1'b0; mem_valid_q <= 1'b0; mem_phase_q <= 2'd0;
      mul_second_q <= 1'b0; div_started_q <= 1'b0; hlp_pending_q <= 1'b0;
      prog_base_q <= '0; depth_q <= 3'd0;
      xdp_mode_q <= 1'b0; mem_len_q <= '0;
      data_q <= '0; data_end_q <= '0; data_meta_q <= '0;
      ingress_q <= '0; rxq_q <= '0; egress_q <= '0;
      cycles_q <= '0; insns_q <= '0; fault_q <= ebpf_isa_pkg::FAULT_NONE; fault_pc_q <= '0;
    end else begin
      done_q <= 1'b0;
      if (start) begin
        run_q       <= 1'b1;
        fetch_pc_q  <= entry_pc_i;
        fetch_on_q  <= 1'b1;
        id_valid_q  <= 1'b0;
        lddw_hi_q   <= 1'b0;
        ex_valid_q  <= 1'b0;
        mem_valid_q <= 1'b0;
        mem_phase_q <= 2'd0;
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
        fetch_pc_q <= fetch_pc_d;
        fetch_on_q <= fetch_on_d;
        id_valid_q <= id_valid_d;
        id_pc_q    <= id_pc_d;
        lddw_hi_q  <= lddw_hi_d;
        if (!freeze && id_lddw_first && !ex_redirect) begin
          lddw_lo_q <= imem_rdata;
          lddw_pc_q <= id_pc_q;
        end

        // ---- ID -> EX
        if (!freeze || ex_redirect) begin
          ex_valid_q <= id_go;
          mul_second_q <= 1'b0;
          div_started_q <= 1'b0;
          hlp_pending_q <= 1'b0;
        end else begin
          if (two_start) mul_second_q <= 1'b1;
          if (div_start) div_started_q <= 1'b1;
          if (hlp_fire) hlp_pending_q <= 1'b1;
        end
        if (id_go) begin
          ex_uop_q      <= id_uop;
          ex_imm64_q    <= {imem_rdata[63:32], id_word[63:32]};
          ex_pc_q       <= id_pc;
          ex_dst_q      <= id_dst;
          ex_src_q      <= id_src;
          ex_off_q      <= id_off;
          ex_imm_q      <= id_imm;
          ex_a_q        <= id_a;
          ex_b_q        <= id_b;
          ex_id_fault_q <= id_fault;
          ex_end_q      <= id_end;
          ex_target_q   <= id_br_pc;
        end

        // ---- EX side effects
        if (ex_ok) begin
          if (is_call) begin
            ret_q[depth_q]   <= ex_pc_q + PCW'(1);
            saved_q[depth_q] <= ex_callee_saved;
            depth_q          <= depth_q + 3'd1;
          end else if (is_exit && !ex_end_q) begin
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
          mem_valid_q <= ex_done && !kill;
          mem_phase_q <= 2'd0;
          if (ex_done) begin
            mem_pc_q     <= ex_pc_q - prog_base_q;
            mem_fault_q  <= ex_fault;
            mem_final_q  <= ex_fault != ebpf_isa_pkg::FAULT_NONE || ex_end_q ||
                            (is_ldpkt && ldpkt_oob);
            mem_wen_q    <= ex_writes && ex_fault == ebpf_isa_pkg::FAULT_NONE;
            mem_wreg_q   <= ex_wreg;
            mem_wdata_q  <= ex_result;
            mem_op_q     <= MOP_NONE;
            mem_pkt_q    <= lsu_pkt;
            mem_phys_q   <= ex_addr[11:0];
            mem_addr_q   <= ex_addr;
            mem_size_q   <= ex_msize;
            mem_sext_q   <= ex_uop_q.msext;
            mem_amo_op_q <= ex_uop_q.amo_op;
            mem_sdata_q  <= ex_msize == 2'd2 ? {32'd0, ex_b_q[31:0]} : ex_b_q;
            mem_r0_q     <= ex_r0;
            if (ex_fault != ebpf_isa_pkg::FAULT_NONE) begin
              // nothing more to do: the instruction retires with its fault
            end else if (is_ldpkt) begin
              if (ldpkt_oob) begin
                // out of the packet: the program ends with r0 = 0
                mem_wdata_q <= 64'd0;
              end else begin
                mem_op_q   <= MOP_LDPKT;
                mem_pkt_q  <= 1'b1;
                mem_phys_q <= ldpkt_phys[11:0];
                mem_addr_q <= {xdp_mode_q ? ebpf_isa_pkg::REGION_PACKET : ebpf_isa_pkg::REGION_MEM,
                               ldpkt_phys};
              end
            end else if (is_mem) begin
              if (is_ldx) begin
                if (lsu_ctx) begin
                  mem_wdata_q <= ctx_value;
                end else begin
                  mem_op_q <= lsu_map ? MOP_MAP_LOAD : MOP_LOAD;
                end
              end else if (is_amo) begin
                mem_op_q <= lsu_map ? MOP_MAP_AMO : MOP_AMO;
              end else begin
                mem_sdata_q <= ex_store_data;
                if (lsu_map) mem_op_q <= MOP_MAP_STORE;
              end
            end
          end
        end else begin
          mem_phase_q <= mem_phase_d;
        end

        // atomics: keep the old value and the new one
        if (mem_valid_q && (mem_op_q == MOP_AMO ? mem_phase_q == 2'd0 :
                            mem_op_q == MOP_MAP_AMO && mem_phase_q != 2'd2 && map_rsp_valid_i &&
                            (mem_phase_q == 2'd1 || map_req_ready_i))) begin
          amo_old_q <= raw;
          amo_new_q <= amo_new;
        end

        // ---- retire
        if (mem_valid_q && mem_complete) begin
          insns_q <= insns_q + 32'd1;
          if (mem_final_q) begin
            run_q       <= 1'b0;
            done_q      <= 1'b1;
            fault_q     <= mem_fault_q;
            fault_pc_q  <= 32'(mem_pc_q);
            ex_valid_q  <= 1'b0;
            mem_valid_q <= 1'b0;
            id_valid_q  <= 1'b0;
            fetch_on_q  <= 1'b0;
          end
        end
      end
    end
  end

  ebpf_regfile u_regfile (
    .clk_i, .rst_ni, .init_i(start), .init_r1_i(r1_i), .init_r2_i(r2_i),
    .we_i(wb_en && run_q), .waddr_i(wb_reg), .wdata_i(wb_data),
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
  logic [63:0]        ex_insn_q;
  ebpf_isa_pkg::row_t ex_row_q;
  logic [PCW-1:0]     ex_next_pc_q;
  logic               ex_taken_q;
  always_ff @(posedge clk_i) begin
    if (run_q && !start && id_go) begin
      ex_row_q     <= id_row;
      ex_insn_q    <= id_word;
      ex_taken_q   <= id_taken;
      ex_next_pc_q <= id_next_pc;
    end
  end
  logic [63:0]        mem_insn_q, mem_imm64_q;
  ebpf_isa_pkg::row_t mem_row_q;
  logic [PCW-1:0]     mem_next_pc_q;
  logic [2:0]         mem_frame_q;
  logic               mem_taken_q;
  logic [3:0]         rec_msize_q;      // access size in bytes, 0: none
  logic               rec_mwrite_q;
  logic [63:0]        rec_mdata_q;
  logic [63:0]        order_q;

  always_ff @(posedge clk_i) begin
    if (run_q && !start && !mem_busy && ex_done) begin
      mem_row_q     <= ex_row_q;
      mem_insn_q    <= ex_insn_q;
      mem_imm64_q   <= ex_imm64_q;
      mem_frame_q   <= depth_q;
      mem_taken_q   <= ex_taken_q;
      mem_next_pc_q <= ex_next_pc_q - prog_base_q;
      rec_msize_q   <= 4'd0;
      rec_mwrite_q  <= 1'b0;
      rec_mdata_q   <= 64'd0;
      if (is_branch && br_taken) begin
        mem_taken_q   <= 1'b1;
        mem_next_pc_q <= ex_target_q - prog_base_q;
      end
      if (is_helper && hlp_rsp_tail_i && ex_fault == ebpf_isa_pkg::FAULT_NONE) begin
        mem_taken_q   <= 1'b1;
        mem_next_pc_q <= '0;
      end
      if (ex_fault != ebpf_isa_pkg::FAULT_NONE) begin
        mem_next_pc_q <= ex_pc_q - prog_base_q;
        mem_taken_q   <= 1'b0;
      end else if (is_ldpkt) begin
        if (ldpkt_oob) begin
          mem_next_pc_q <= ex_pc_q - prog_base_q;
        end else begin
          rec_msize_q <= 4'd1 << ex_msize;
        end
      end else if (is_mem) begin
        rec_msize_q  <= 4'd1 << ex_msize;
        rec_mwrite_q <= !is_ldx;
        if (is_ldx && lsu_ctx) begin
          rec_mdata_q <= ctx_value;
        end else if (!is_ldx && !is_amo) begin
          rec_mdata_q <= ex_msize == 2'd0 ? {56'd0, ex_store_data[7:0]} :
                         ex_msize == 2'd1 ? {48'd0, ex_store_data[15:0]} :
                         ex_msize == 2'd2 ? {32'd0, ex_store_data[31:0]} : ex_store_data;
        end
      end
    end
  end

  logic [63:0] rec_mdata;
  always_comb begin
    case (mem_op_q)
      MOP_LOAD, MOP_MAP_LOAD: rec_mdata = mem_value;
      MOP_LDPKT:              rec_mdata = raw;
      MOP_AMO, MOP_MAP_AMO:   rec_mdata = amo_new_q;
      default:                rec_mdata = rec_mdata_q;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) order_q <= '0;
    else if (start) order_q <= '0;
    else if (mem_valid_q && mem_complete) order_q <= order_q + 64'd1;
  end
  assign rvfi_valid_o     = run_q && mem_valid_q && mem_complete;
  assign rvfi_order_o     = order_q;
  assign rvfi_pc_o        = 32'(mem_pc_q);
  assign rvfi_insn_o      = mem_insn_q;
  assign rvfi_imm64_o     = mem_imm64_q;
  assign rvfi_row_o       = mem_row_q;
  assign rvfi_frame_o     = mem_frame_q;
  assign rvfi_wvalid_o    = mem_wen_q;
  assign rvfi_wreg_o      = mem_wreg_q;
  assign rvfi_wdata_o     = mem_value;
  assign rvfi_mem_size_o  = rec_msize_q;
  assign rvfi_mem_write_o = rec_mwrite_q;
  assign rvfi_mem_addr_o  = mem_addr_q;
  assign rvfi_mem_data_o  = rec_mdata;
  assign rvfi_taken_o     = mem_taken_q;
  assign rvfi_next_pc_o   = 32'(mem_next_pc_q);
  assign rvfi_fault_o     = mem_fault_q;
`endif
endmodule
