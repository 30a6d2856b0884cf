// timing_ref.h - the C timing model as the reference of a unit's latency:
// the cycles it charges one retired instruction on its own (no penalties
// from neighbours), i.e. the instruction's base cycles in EX for the
// multi-cycle units.
#ifndef UNIT_TIMING_REF_H
#define UNIT_TIMING_REF_H

#include "bench.h"
#include "ebpf_timing.h"

namespace unit {

class Timing {
  public:
    Timing()
    {
        ebpf_core_timing cfg;
        ebpf_core_timing_default(&cfg);
        t_ = ebpf_timing_create(&cfg, nullptr);
    }
    ~Timing() { ebpf_timing_destroy(t_); }
    Timing(const Timing &) = delete;
    Timing &operator=(const Timing &) = delete;
    bool ok() const { return t_ != nullptr; }

    uint64_t issue_cycles(const ebpf_retire &rec)
    {
        ebpf_packet_timing out;
        ebpf_timing_begin(t_);
        ebpf_timing_retire(t_, &rec);
        ebpf_timing_end(t_, &out);
        return out.issue_cycles;
    }

  private:
    ebpf_timing *t_;
};

} // namespace unit

#endif
