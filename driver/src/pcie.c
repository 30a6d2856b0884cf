/* The PCIe link: per-lane rates and line encoding by generation, TLPs with a
 * fixed overhead, writes split at the max payload size, reads split into
 * read requests at the max read request size whose completions are split at
 * the max payload size.  Read requests are pipelined (enough tags), so a
 * read costs one round trip plus the serialisation of its completions.
 * Flow-control credits, DLLP traffic and link sharing between transfers are
 * not modelled. */
#include "nicdrv_int.h"

static const double gt_per_lane[6] = {0, 2.5, 5.0, 8.0, 16.0, 32.0};

double nicdrv_pcie_bytes_per_ns(const struct nicdrv_pcie *p)
{
    if (p->gen < 1 || p->gen > 5)
        return 0;
    double encoding = p->gen <= 2 ? 8.0 / 10.0 : 128.0 / 130.0;
    return gt_per_lane[p->gen] * p->lanes * encoding / 8.0;
}

void pcie_model_init(struct pcie_model *m, const struct nicdrv_pcie *p)
{
    m->bytes_per_ps = nicdrv_pcie_bytes_per_ns(p) / PS_PER_NS;
    m->latency_ps = ns_to_ps(p->latency_ns);
    m->host_mem_ps = ns_to_ps(p->host_mem_ns);
    m->mps = p->max_payload;
    m->mrrs = p->max_read_request;
    m->tlp_overhead = p->tlp_overhead;
}

uint64_t pcie_ser_ps(const struct pcie_model *m, uint64_t wire_bytes)
{
    return (uint64_t)((double)wire_bytes / m->bytes_per_ps + 0.5);
}

static uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

void pcie_write(const struct pcie_model *m, uint32_t bytes, bool to_host, struct pcie_xfer *x)
{
    memset(x, 0, sizeof(*x));
    if (!bytes)
        return;
    uint32_t tlps = div_up(bytes, m->mps);
    uint64_t wire = bytes + (uint64_t)tlps * m->tlp_overhead;
    x->ser_ps = pcie_ser_ps(m, wire);
    x->done_ps = x->ser_ps + m->latency_ps;
    if (to_host) {
        x->wire_up = wire;
        x->tlps_up = tlps;
    } else {
        x->wire_down = wire;
        x->tlps_down = tlps;
    }
}

void pcie_read(const struct pcie_model *m, uint32_t bytes, bool by_device, uint64_t completer_ps,
               struct pcie_xfer *x)
{
    memset(x, 0, sizeof(*x));
    if (!bytes)
        return;
    uint32_t requests = div_up(bytes, m->mrrs);
    uint32_t completions = 0;
    for (uint32_t left = bytes; left;) {
        uint32_t r = left < m->mrrs ? left : m->mrrs;
        completions += div_up(r, m->mps);
        left -= r;
    }
    uint64_t req_wire = (uint64_t)requests * m->tlp_overhead;
    uint64_t cpl_wire = bytes + (uint64_t)completions * m->tlp_overhead;
    x->ser_ps = pcie_ser_ps(m, cpl_wire);
    x->done_ps = pcie_ser_ps(m, m->tlp_overhead) + m->latency_ps + completer_ps + x->ser_ps +
                 m->latency_ps;
    if (by_device) {
        x->wire_up = req_wire;
        x->tlps_up = requests;
        x->wire_down = cpl_wire;
        x->tlps_down = completions;
    } else {
        x->wire_down = req_wire;
        x->tlps_down = requests;
        x->wire_up = cpl_wire;
        x->tlps_up = completions;
    }
}
