// Unit bench of ebpf_decoder (through tb_decoder_top, which only breaks the
// micro-op out into ports).  Every (opcode, src, dst) combination - all
// 65536 values of the low 16 bits - crossed with the key-field values that
// matter for that opcode: zero, a random value, and each row's key value
// and its neighbours (off for div/mod/mov/movsx, imm for byte swaps and
// atomics; src-keyed lddw forms are covered by the src sweep).  Expected:
// the C model's decoder (ebpf_decode) for the row or illegal, and the
// model's ISA table for the row's form, latency class, written register,
// ISA version, conformance group and access size.  Illegal encodings must
// clear every attribute.
#include "Vtb_decoder.h"
#include "bench.h"

using namespace unit;

namespace {
unsigned log2_size(unsigned n)
{
    return n == 8 ? 3 : n == 4 ? 2 : n == 2 ? 1 : 0;
}

void add_key(std::vector<int32_t> &v, int32_t k)
{
    for (int32_t d = -1; d <= 1; d++) {
        int32_t x = (int32_t)((uint32_t)k + (uint32_t)d);
        bool seen = false;
        for (int32_t y : v)
            seen |= y == x;
        if (!seen)
            v.push_back(x);
    }
}
}

int main(int argc, char **argv)
{
    Bench<Vtb_decoder> b("tb_decoder", argc, argv);
    Vtb_decoder &t = b.top();
    long legal = 0, illegal = 0;
    for (unsigned code = 0; code < 256; code++) {
        std::vector<int32_t> offs_key, imms_key;
        for (int r = 0; r < EBPF_ROW_COUNT; r++) {
            if (ebpf_isa[r].opcode != code)
                continue;
            if (ebpf_isa[r].key == EBPF_KEY_OFF)
                add_key(offs_key, ebpf_isa[r].keyval);
            if (ebpf_isa[r].key == EBPF_KEY_IMM)
                add_key(imms_key, ebpf_isa[r].keyval);
        }
        for (unsigned regs = 0; regs < 256; regs++) {
            std::vector<int32_t> offs = offs_key, imms = imms_key;
            offs.push_back(0);
            offs.push_back((int16_t)b.rng().next());
            imms.push_back(0);
            imms.push_back((int32_t)b.rng().next());
            for (int32_t off : offs) {
                for (int32_t imm : imms) {
                    ebpf_insn in{};
                    in.code = (uint8_t)code;
                    in.dst = regs & 15;
                    in.src = regs >> 4;
                    in.off = (int16_t)off;
                    in.imm = imm;
                    int row = ebpf_decode(&in);
                    t.insn_i = insn_word(in);
                    b.eval();
                    unsigned want_row = row < 0 ? 255u : (unsigned)row;
                    b.check(t.row_o == want_row && t.illegal_o == (row < 0),
                            "%s: expected row %s (%u), got %u%s", disasm(in).c_str(),
                            row < 0 ? "illegal" : ebpf_isa[row].id, want_row, t.row_o,
                            t.illegal_o ? " (illegal)" : "");
                    b.expect(t.dst_o == in.dst && t.src_o == in.src &&
                                t.off_o == (uint16_t)in.off && t.imm_o == (uint32_t)in.imm,
                            "%s: fields dst %u src %u off 0x%04x imm 0x%08x, expected %u %u "
                            "0x%04x 0x%08x",
                            disasm(in).c_str(), t.dst_o, t.src_o, t.off_o, t.imm_o, in.dst,
                            in.src, (uint16_t)in.off, (uint32_t)in.imm);
                    unsigned form = 0, tclass = 0, writes = 0, version = 0, group = 0, msize = 0;
                    if (row >= 0) {
                        const ebpf_isa_row &R = ebpf_isa[row];
                        form = R.form;
                        tclass = R.tclass;
                        writes = R.writes;
                        version = R.version;
                        group = R.group;
                        msize = log2_size(ebpf_row_mem_size(row));
                        legal++;
                    } else {
                        illegal++;
                    }
                    b.expect(t.form_o == form && t.tclass_o == tclass && t.writes_o == writes &&
                                t.version_o == version && t.group_o == group &&
                                t.msize_o == msize,
                            "%s (%s): form/tclass/writes/version/group/msize expected "
                            "%u/%u/%u/%u/%u/%u, got %u/%u/%u/%u/%u/%u",
                            disasm(in).c_str(), row < 0 ? "illegal" : ebpf_isa[row].id, form,
                            tclass, writes, version, group, msize, t.form_o, t.tclass_o,
                            t.writes_o, t.version_o, t.group_o, t.msize_o);
                }
            }
        }
    }
    char what[128];
    std::snprintf(what, sizeof(what),
                  "%ld legal and %ld illegal encodings of 65536 (opcode, src, dst) values",
                  legal, illegal);
    return b.finish(what);
}
