/* Configuration defaults and checks, names of statuses, opcodes and
 * placements, and the descriptor wire format. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicdrv_int.h"

void nicdrv_config_default(struct nicdrv_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    /* What the hardware config does not say: the host side and the
     * command engine's firmware. */
    cfg->pcie.host_mem_ns = 100;
    cfg->cmd_buffer = 32768;
    cfg->cmd_cycles = 32;
    cfg->elem_cycles = 4;
    cfg->reset_recovery_ns = 10000;
    cfg->n_cpus = 1;
    cfg->notify = NICDRV_NOTIFY_IRQ;
    cfg->irq_ns = 1500;
    cfg->poll_ns = 100;
    cfg->timeout_ns = 1000000;
    cfg->max_retries = 16;
    cfg->faults.seed = 1;
    /* The rest from the hardware config's defaults (docs/configuration.md). */
    struct ebpf_hwconfig hw;
    ebpf_hwconfig_default(&hw);
    char err[256];
    nicdrv_config_from_hw(cfg, &hw, err, sizeof(err));
}

int nicdrv_config_from_hw(struct nicdrv_config *cfg, const struct ebpf_hwconfig *hw, char *err,
                          size_t errlen)
{
    struct nicdrv_config c = *cfg;
    c.pcie.gen = hw->pcie_gen;
    c.pcie.lanes = hw->pcie_lanes;
    c.pcie.max_payload = hw->pcie_max_payload;
    c.pcie.max_read_request = hw->pcie_max_read_request;
    c.pcie.tlp_overhead = hw->pcie_tlp_overhead;
    c.pcie.latency_ns = hw->pcie_latency_ns;
    if (hw->cmd_ring < 2 || hw->cmd_ring > 4096) {
        snprintf(err, errlen, "rings.cmd_ring = %u: the driver's rings hold 2..4096 descriptors",
                 hw->cmd_ring);
        return -EINVAL;
    }
    c.ring_size = hw->cmd_ring;
    c.core_mhz = hw->clock_mhz;
    c.core = hw->timing;
    c.default_placement = hw->timing.default_placement;
    c.n_map_placements = 0;
    for (unsigned i = 0; i < hw->n_map_placements && i < NICDRV_MAX_PLACEMENTS; i++) {
        snprintf(c.map_placement[i].map, sizeof(c.map_placement[i].map), "%s", hw->map_placement[i].map);
        c.map_placement[i].placement = hw->map_placement[i].placement;
        c.n_map_placements++;
    }
    int rc = nicdrv_config_check(&c, err, errlen);
    if (rc == 0)
        *cfg = c;
    return rc;
}

const char *nicdrv_placement_name(unsigned p)
{
    return p < EBPF_PLACE_COUNT ? ebpf_placement_names[p] : "?";
}

int nicdrv_placement_parse(const char *name)
{
    for (int p = 0; p < EBPF_PLACE_COUNT; p++)
        if (!strcmp(name, ebpf_placement_names[p]))
            return p;
    return -EINVAL;
}

int nicdrv_config_set_link(struct nicdrv_config *cfg, const char *spec, char *err, size_t errlen)
{
    unsigned gen, lanes;
    char tail;
    if (sscanf(spec, "gen%ux%u%c", &gen, &lanes, &tail) != 2) {
        snprintf(err, errlen, "link '%s': expected genGxL, e.g. gen3x8 or gen4x16", spec);
        return -EINVAL;
    }
    struct nicdrv_pcie p = cfg->pcie;
    p.gen = gen;
    p.lanes = lanes;
    struct nicdrv_config probe = *cfg;
    probe.pcie = p;
    int rc = nicdrv_config_check(&probe, err, errlen);
    if (rc == 0)
        cfg->pcie = p;
    return rc;
}

int nicdrv_config_set_placement(struct nicdrv_config *cfg, const char *map, enum ebpf_placement p,
                                char *err, size_t errlen)
{
    if ((unsigned)p >= EBPF_PLACE_COUNT) {
        snprintf(err, errlen, "map '%s': placement %u is not sram, dram or host", map, (unsigned)p);
        return -EINVAL;
    }
    if (strlen(map) >= sizeof(cfg->map_placement[0].map)) {
        snprintf(err, errlen, "map name '%.40s...' is longer than 63 characters", map);
        return -ENAMETOOLONG;
    }
    for (unsigned i = 0; i < cfg->n_map_placements; i++)
        if (!strcmp(cfg->map_placement[i].map, map)) {
            cfg->map_placement[i].placement = (uint8_t)p;
            return 0;
        }
    if (cfg->n_map_placements == NICDRV_MAX_PLACEMENTS) {
        snprintf(err, errlen, "map '%s': the placement table holds %d maps", map,
                 NICDRV_MAX_PLACEMENTS);
        return -ENOSPC;
    }
    snprintf(cfg->map_placement[cfg->n_map_placements].map, sizeof(cfg->map_placement[0].map),
             "%s", map);
    cfg->map_placement[cfg->n_map_placements++].placement = (uint8_t)p;
    return 0;
}

int nicdrv_config_set_faults(struct nicdrv_config *cfg, const char *spec, char *err, size_t errlen)
{
    struct nicdrv_faults f = cfg->faults;
    char *copy = strdup(spec);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        char *end = NULL;
        if (!eq) {
            snprintf(err, errlen, "faults '%s': '%s' is not key=value", spec, tok);
            rc = -EINVAL;
            break;
        }
        *eq = 0;
        const char *val = eq + 1;
        if (!strcmp(tok, "seed")) {
            f.seed = strtoull(val, &end, 0);
        } else {
            double r = strtod(val, &end);
            if (end != val && *end == 0 && (!(r >= 0) || r > 1)) {
                snprintf(err, errlen, "faults '%s': %s=%s is not a rate in [0, 1]", spec, tok, val);
                rc = -EINVAL;
                break;
            }
            if (!strcmp(tok, "dma"))
                f.dma_error_rate = r;
            else if (!strcmp(tok, "drop"))
                f.drop_completion_rate = r;
            else if (!strcmp(tok, "reset"))
                f.reset_rate = r;
            else {
                snprintf(err, errlen, "faults '%s': unknown key '%s' (dma, drop, reset, seed)",
                         spec, tok);
                rc = -EINVAL;
                break;
            }
        }
        if (end == val || *end) {
            snprintf(err, errlen, "faults '%s': %s=%s is not a number", spec, tok, val);
            rc = -EINVAL;
        }
    }
    free(copy);
    if (rc == 0)
        cfg->faults = f;
    return rc;
}

static bool pow2_in(unsigned v, unsigned lo, unsigned hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

int nicdrv_config_check(const struct nicdrv_config *cfg, char *err, size_t errlen)
{
    const struct nicdrv_pcie *p = &cfg->pcie;
    const char *why = NULL;
    char buf[160];
    if (p->gen < 1 || p->gen > 5)
        snprintf(buf, sizeof(buf), "pcie gen %u is not 1..5", p->gen), why = buf;
    else if (!pow2_in(p->lanes, 1, 16))
        snprintf(buf, sizeof(buf), "pcie lanes %u is not 1, 2, 4, 8 or 16", p->lanes), why = buf;
    else if (!pow2_in(p->max_payload, 128, 4096))
        snprintf(buf, sizeof(buf), "pcie max payload %u is not a power of 2 in 128..4096",
                 p->max_payload), why = buf;
    else if (!pow2_in(p->max_read_request, 128, 4096))
        snprintf(buf, sizeof(buf), "pcie max read request %u is not a power of 2 in 128..4096",
                 p->max_read_request), why = buf;
    else if (p->tlp_overhead > 64)
        snprintf(buf, sizeof(buf), "pcie TLP overhead %u is not 0..64 bytes", p->tlp_overhead),
            why = buf;
    else if (!(p->latency_ns >= 0) || !(p->host_mem_ns >= 0))
        why = "pcie latencies must be >= 0";
    else if (!pow2_in(cfg->ring_size, 2, 4096))
        snprintf(buf, sizeof(buf), "ring size %u is not a power of 2 in 2..4096", cfg->ring_size),
            why = buf;
    else if (cfg->cmd_buffer < 256 || cfg->cmd_buffer > DEV_MAX_PAYLOAD || cfg->cmd_buffer % 64)
        snprintf(buf, sizeof(buf), "command buffer %u is not a multiple of 64 in 256..%u",
                 cfg->cmd_buffer, DEV_MAX_PAYLOAD), why = buf;
    else if (!(cfg->core_mhz > 0))
        why = "core clock must be > 0 MHz";
    else if (cfg->default_placement >= EBPF_PLACE_COUNT)
        why = "default placement is not sram, dram or host";
    else if (cfg->n_cpus < 1 || cfg->n_cpus > 1024)
        why = "n_cpus must be 1..1024";
    else if (cfg->notify > NICDRV_NOTIFY_POLL)
        why = "notify must be irq or poll";
    else if (!(cfg->irq_ns >= 0) || !(cfg->poll_ns > 0))
        why = "irq_ns must be >= 0 and poll_ns > 0";
    else if (!(cfg->timeout_ns >= 1000))
        why = "timeout must be at least 1000 ns";
    else if (cfg->max_retries < 1 || cfg->max_retries > 1000)
        why = "max_retries must be 1..1000";
    else if (!(cfg->faults.dma_error_rate >= 0 && cfg->faults.dma_error_rate < 1) ||
             !(cfg->faults.drop_completion_rate >= 0 && cfg->faults.drop_completion_rate < 1) ||
             !(cfg->faults.reset_rate >= 0 && cfg->faults.reset_rate < 1))
        why = "fault rates must be in [0, 1)";
    for (unsigned i = 0; !why && i < cfg->n_map_placements; i++)
        if (cfg->map_placement[i].placement >= EBPF_PLACE_COUNT)
            snprintf(buf, sizeof(buf), "map '%.64s': placement is not sram, dram or host",
                     cfg->map_placement[i].map), why = buf;
    if (why) {
        snprintf(err, errlen, "config: %s", why);
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------ */

static const char *const status_names[NICDRV_ST_COUNT] = {
    [NICDRV_ST_OK] = "OK",
    [NICDRV_ST_NOENT] = "NOENT",
    [NICDRV_ST_EXIST] = "EXIST",
    [NICDRV_ST_E2BIG] = "E2BIG",
    [NICDRV_ST_MAP_ERROR] = "MAP_ERROR",
    [NICDRV_ST_BAD_OPCODE] = "BAD_OPCODE",
    [NICDRV_ST_BAD_DESC] = "BAD_DESC",
    [NICDRV_ST_BAD_ADDR] = "BAD_ADDR",
    [NICDRV_ST_UNKNOWN_MAP] = "UNKNOWN_MAP",
    [NICDRV_ST_BAD_KEY_SIZE] = "BAD_KEY_SIZE",
    [NICDRV_ST_BAD_VALUE_SIZE] = "BAD_VALUE_SIZE",
    [NICDRV_ST_BAD_FLAGS] = "BAD_FLAGS",
    [NICDRV_ST_OUT_TOO_SMALL] = "OUT_TOO_SMALL",
    [NICDRV_ST_UNKNOWN_PROG] = "UNKNOWN_PROG",
    [NICDRV_ST_BAD_PROG] = "BAD_PROG",
    [NICDRV_ST_PROG_MISMATCH] = "PROG_MISMATCH",
    [NICDRV_ST_PROG_BUSY] = "PROG_BUSY",
    [NICDRV_ST_NO_SPACE] = "NO_SPACE",
    [NICDRV_ST_DMA_ERROR] = "DMA_ERROR",
    [NICDRV_ST_SEQ_GAP] = "SEQ_GAP",
    [NICDRV_ST_STALE_SEQ] = "STALE_SEQ",
};

const char *nicdrv_status_name(unsigned status)
{
    return status < NICDRV_ST_COUNT ? status_names[status] : "UNKNOWN_STATUS";
}

int nicdrv_status_errno(unsigned status, uint32_t detail)
{
    switch (status) {
    case NICDRV_ST_OK: return 0;
    case NICDRV_ST_NOENT: return -ENOENT;
    case NICDRV_ST_EXIST: return -EEXIST;
    case NICDRV_ST_E2BIG: return -E2BIG;
    case NICDRV_ST_MAP_ERROR: return detail > 0 && detail < 4096 ? -(int)detail : -EIO;
    case NICDRV_ST_BAD_OPCODE: return -EOPNOTSUPP;
    case NICDRV_ST_BAD_DESC: return -EPROTO;
    case NICDRV_ST_BAD_ADDR: return -EFAULT;
    case NICDRV_ST_UNKNOWN_MAP: return -EBADF;
    case NICDRV_ST_BAD_KEY_SIZE:
    case NICDRV_ST_BAD_VALUE_SIZE:
    case NICDRV_ST_BAD_FLAGS:
    case NICDRV_ST_BAD_PROG: return -EINVAL;
    case NICDRV_ST_OUT_TOO_SMALL: return -ENOSPC;
    case NICDRV_ST_UNKNOWN_PROG: return -EBADF;
    case NICDRV_ST_PROG_MISMATCH: return -EPERM;
    case NICDRV_ST_PROG_BUSY: return -EBUSY;
    case NICDRV_ST_NO_SPACE: return -ENOSPC;
    case NICDRV_ST_DMA_ERROR: return -EIO;
    case NICDRV_ST_SEQ_GAP: return -EPROTO;
    case NICDRV_ST_STALE_SEQ: return -ESTALE;
    default: return -EIO;
    }
}

static const char *const op_names[NICDRV_OP_COUNT] = {
    [NICDRV_OP_NOP] = "nop",
    [NICDRV_OP_DEV_INFO] = "dev_info",
    [NICDRV_OP_MAP_INFO] = "map_info",
    [NICDRV_OP_MAP_LOOKUP] = "map_lookup",
    [NICDRV_OP_MAP_UPDATE] = "map_update",
    [NICDRV_OP_MAP_DELETE] = "map_delete",
    [NICDRV_OP_MAP_GET_NEXT] = "map_get_next_key",
    [NICDRV_OP_MAP_LOOKUP_BATCH] = "map_lookup_batch",
    [NICDRV_OP_MAP_UPDATE_BATCH] = "map_update_batch",
    [NICDRV_OP_MAP_DELETE_BATCH] = "map_delete_batch",
    [NICDRV_OP_PROG_LOAD] = "prog_load",
    [NICDRV_OP_PROG_ATTACH] = "prog_attach",
    [NICDRV_OP_PROG_UNLOAD] = "prog_unload",
    [NICDRV_OP_PROG_INFO] = "prog_info",
    [NICDRV_OP_STATS] = "stats",
};

const char *nicdrv_op_name(unsigned op) { return op < NICDRV_OP_COUNT ? op_names[op] : "?"; }

/* ------------------------------------------------------------------ */

void desc_encode(uint8_t *b, const struct desc *d)
{
    memset(b, 0, NICDRV_DESC_SIZE);
    b[D_OPCODE] = d->opcode;
    b[D_VERSION] = d->version;
    put16(b + D_RSVD0, d->rsvd0);
    put32(b + D_SEQ, d->seq);
    put32(b + D_TARGET, d->target);
    put32(b + D_KEY_SIZE, d->key_size);
    put32(b + D_VALUE_SIZE, d->value_size);
    put32(b + D_COUNT, d->count);
    put64(b + D_FLAGS, d->flags);
    put64(b + D_IN_ADDR, d->in_addr);
    put32(b + D_IN_LEN, d->in_len);
    put32(b + D_OUT_LEN, d->out_len);
    put64(b + D_OUT_ADDR, d->out_addr);
    put32(b + D_AUX, d->aux);
    put32(b + D_RSVD1, d->rsvd1);
}

void desc_decode(const uint8_t *b, struct desc *d)
{
    d->opcode = b[D_OPCODE];
    d->version = b[D_VERSION];
    d->rsvd0 = get16(b + D_RSVD0);
    d->seq = get32(b + D_SEQ);
    d->target = get32(b + D_TARGET);
    d->key_size = get32(b + D_KEY_SIZE);
    d->value_size = get32(b + D_VALUE_SIZE);
    d->count = get32(b + D_COUNT);
    d->flags = get64(b + D_FLAGS);
    d->in_addr = get64(b + D_IN_ADDR);
    d->in_len = get32(b + D_IN_LEN);
    d->out_len = get32(b + D_OUT_LEN);
    d->out_addr = get64(b + D_OUT_ADDR);
    d->aux = get32(b + D_AUX);
    d->rsvd1 = get32(b + D_RSVD1);
}
