/* Hardware configuration: one INI file (parsed with inih), a table of keys
 * with their ranges, strict validation. */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_hwconfig.h"
#include "vm_int.h"

enum key_type { K_U16, K_UINT, K_U32, K_DOUBLE, K_ENUM, K_POW2 };

struct key_def {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    double min, max;
    const char *const *names; /* K_ENUM: value names, NULL-terminated */
};

static const char *const placement_names[] = {"sram", "dram", "host", NULL};
static const char *const dispatch_names[] = {"round_robin", "flow_hash", NULL};
static const char *const pacing_names[] = {"line_rate", "capture", NULL};

#define OFF(field) offsetof(struct ebpf_hwconfig, field)
#define T(field) offsetof(struct ebpf_hwconfig, timing.field)

static const struct key_def keys[] = {
    {"core", "clock_mhz", K_DOUBLE, OFF(clock_mhz), 1, 5000, NULL},
    {"core", "cores", K_UINT, OFF(cores), 1, 64, NULL},
    {"core", "pipeline_fill", K_U16, T(pipeline_fill), 0, 16, NULL},
    {"core", "issue_width", K_U16, T(issue_width), 1, 2, NULL},
    {"core", "load_use_penalty", K_U16, T(load_use_penalty), 0, 16, NULL},
    {"core", "local_load_use_penalty", K_U16, T(local_load_use_penalty), 0, 16, NULL},
    {"core", "taken_branch_penalty", K_U16, T(taken_branch_penalty), 0, 16, NULL},
    {"core", "subprog_exit_penalty", K_U16, T(subprog_exit_penalty), 0, 16, NULL},
    {"core", "exit_gap", K_U16, T(exit_gap), 0, 16, NULL},
    {"core", "cycles.alu", K_U16, T(base[EBPF_TCLASS_ALU]), 1, 255, NULL},
    {"core", "cycles.mul", K_U16, T(base[EBPF_TCLASS_MUL]), 1, 255, NULL},
    {"core", "cycles.div32", K_U16, T(base[EBPF_TCLASS_DIV]), 1, 255, NULL},
    {"core", "cycles.div64", K_U16, T(div64_base), 1, 255, NULL},
    {"core", "cycles.load", K_U16, T(base[EBPF_TCLASS_LOAD]), 1, 255, NULL},
    {"core", "cycles.store", K_U16, T(base[EBPF_TCLASS_STORE]), 1, 255, NULL},
    {"core", "cycles.atomic", K_U16, T(base[EBPF_TCLASS_ATOMIC]), 1, 255, NULL},
    {"core", "cycles.branch", K_U16, T(base[EBPF_TCLASS_BRANCH]), 1, 255, NULL},
    {"core", "cycles.jump", K_U16, T(base[EBPF_TCLASS_JUMP]), 1, 255, NULL},
    {"core", "cycles.helper", K_U16, T(base[EBPF_TCLASS_HELPER]), 1, 255, NULL},
    {"core", "cycles.call", K_U16, T(base[EBPF_TCLASS_CALL]), 1, 255, NULL},
    {"core", "cycles.exit", K_U16, T(base[EBPF_TCLASS_EXIT]), 1, 255, NULL},
    {"core", "cycles.lddw", K_U16, T(base[EBPF_TCLASS_LDDW]), 1, 255, NULL},
    {"core", "cycles.ldpkt", K_U16, T(base[EBPF_TCLASS_LDPKT]), 1, 255, NULL},
    {"helpers", "default", K_U16, T(helper_default.fixed), 0, 10000, NULL},
    {"helpers", "array_fixed", K_U16, T(map_helper[0].fixed), 0, 10000, NULL},
    {"helpers", "array_accesses", K_U16, T(map_helper[0].accesses), 0, 64, NULL},
    {"helpers", "hash_fixed", K_U16, T(map_helper[1].fixed), 0, 10000, NULL},
    {"helpers", "hash_accesses", K_U16, T(map_helper[1].accesses), 0, 64, NULL},
    {"helpers", "lpm_fixed", K_U16, T(map_helper[2].fixed), 0, 10000, NULL},
    {"helpers", "lpm_accesses", K_U16, T(map_helper[2].accesses), 0, 64, NULL},
    {"helpers", "other_fixed", K_U16, T(map_helper_other.fixed), 0, 10000, NULL},
    {"helpers", "other_accesses", K_U16, T(map_helper_other.accesses), 0, 64, NULL},
    {"memory", "placement", K_ENUM, T(default_placement), 0, 0, placement_names},
    {"memory", "sram_latency", K_U16, T(mem_latency[EBPF_PLACE_SRAM]), 1, 10000, NULL},
    {"memory", "dram_latency", K_U16, T(mem_latency[EBPF_PLACE_DRAM]), 1, 10000, NULL},
    {"memory", "host_latency", K_U16, T(mem_latency[EBPF_PLACE_HOST]), 1, 10000, NULL},
    {"memory", "sram_ports", K_UINT, OFF(mem_ports[EBPF_PLACE_SRAM]), 1, 64, NULL},
    {"memory", "dram_ports", K_UINT, OFF(mem_ports[EBPF_PLACE_DRAM]), 1, 64, NULL},
    {"memory", "host_ports", K_UINT, OFF(mem_ports[EBPF_PLACE_HOST]), 1, 64, NULL},
    {"nic", "line_rate_gbps", K_DOUBLE, OFF(line_rate_gbps), 0.001, 1600, NULL},
    {"nic", "pacing", K_ENUM, OFF(pacing), 0, 0, pacing_names},
    {"nic", "rx_buffer_bytes", K_U32, OFF(rx_buffer_bytes), 2048, 1u << 30, NULL},
    {"nic", "early_start_bytes", K_U32, OFF(early_start_bytes), 0, 65536, NULL},
    {"nic", "dispatch", K_ENUM, OFF(dispatch), 0, 0, dispatch_names},
    {"nic", "tx_queue_frames", K_U32, OFF(tx_queue_frames), 1, 1u << 20, NULL},
    {"pcie", "generation", K_UINT, OFF(pcie_gen), 1, 5, NULL},
    {"pcie", "lanes", K_POW2, OFF(pcie_lanes), 1, 16, NULL},
    {"pcie", "max_payload", K_POW2, OFF(pcie_max_payload), 128, 4096, NULL},
    {"pcie", "max_read_request", K_POW2, OFF(pcie_max_read_request), 128, 4096, NULL},
    {"pcie", "tlp_overhead", K_UINT, OFF(pcie_tlp_overhead), 0, 64, NULL},
    {"pcie", "latency_ns", K_DOUBLE, OFF(pcie_latency_ns), 0, 100000, NULL},
    {"rings", "host_rx_ring", K_POW2, OFF(host_rx_ring), 1, 65536, NULL},
    {"rings", "cmd_ring", K_POW2, OFF(cmd_ring), 1, 65536, NULL},
};

void ebpf_hwconfig_default(struct ebpf_hwconfig *c)
{
    memset(c, 0, sizeof(*c));
    c->clock_mhz = 250;
    c->cores = 2;
    ebpf_core_timing_default(&c->timing);
    c->mem_ports[EBPF_PLACE_SRAM] = 2;
    c->mem_ports[EBPF_PLACE_DRAM] = 1;
    c->mem_ports[EBPF_PLACE_HOST] = 1;
    c->line_rate_gbps = 100;
    c->pacing = EBPF_PACE_LINE_RATE;
    c->rx_buffer_bytes = 256 * 1024;
    c->early_start_bytes = 64;
    c->dispatch = EBPF_DISPATCH_ROUND_ROBIN;
    c->tx_queue_frames = 1024;
    c->pcie_gen = 3;
    c->pcie_lanes = 8;
    c->pcie_max_payload = 256;
    c->pcie_max_read_request = 512;
    c->pcie_tlp_overhead = 24;
    c->pcie_latency_ns = 500;
    c->host_rx_ring = 1024;
    c->cmd_ring = 256;
}

static int set_key(struct ebpf_hwconfig *c, const char *section, const char *name,
                   const char *value, char *err, size_t errlen)
{
    if (!strcmp(section, "memory") && !strncmp(name, "map.", 4)) {
        for (int p = 0; placement_names[p]; p++) {
            if (strcmp(value, placement_names[p]))
                continue;
            unsigned i;
            for (i = 0; i < c->n_map_placements; i++)
                if (!strcmp(c->map_placement[i].map, name + 4))
                    break;
            if (i == EBPF_HW_MAX_PLACEMENTS)
                return ebpf_errf(err, errlen, -E2BIG, "more than %d map placements",
                                 EBPF_HW_MAX_PLACEMENTS);
            if (strlen(name + 4) >= sizeof(c->map_placement[i].map) || !name[4])
                return ebpf_errf(err, errlen, -EINVAL, "bad map name in '%s'", name);
            snprintf(c->map_placement[i].map, sizeof(c->map_placement[i].map), "%s", name + 4);
            c->map_placement[i].placement = (uint8_t)p;
            if (i == c->n_map_placements)
                c->n_map_placements++;
            return 0;
        }
        return ebpf_errf(err, errlen, -EINVAL, "memory.%s = '%s': expected sram, dram or host",
                         name, value);
    }
    const struct key_def *k = NULL;
    bool section_known = false;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].section, section))
            continue;
        section_known = true;
        if (!strcmp(keys[i].name, name))
            k = &keys[i];
    }
    if (!section_known)
        return ebpf_errf(err, errlen, -EINVAL,
                         "unknown section [%s] (core, helpers, memory, nic, pcie, rings)", section);
    if (!k)
        return ebpf_errf(err, errlen, -EINVAL, "unknown key '%s' in [%s]", name, section);
    char *p = (char *)c + k->offset;
    if (k->type == K_ENUM) {
        for (int i = 0; k->names[i]; i++)
            if (!strcmp(value, k->names[i])) {
                *(uint8_t *)p = (uint8_t)i;
                return 0;
            }
        char opts[128] = "";
        for (int i = 0; k->names[i]; i++)
            snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%s%s", i ? ", " : "",
                     k->names[i]);
        return ebpf_errf(err, errlen, -EINVAL, "%s.%s = '%s': expected one of %s", section, name,
                         value, opts);
    }
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno || end == value || *end || !isfinite(v))
        return ebpf_errf(err, errlen, -EINVAL, "%s.%s = '%s' is not a number", section, name, value);
    if (k->type != K_DOUBLE && v != floor(v))
        return ebpf_errf(err, errlen, -EINVAL, "%s.%s = '%s' must be a whole number", section, name,
                         value);
    if (v < k->min || v > k->max)
        return ebpf_errf(err, errlen, -ERANGE, "%s.%s = %s is out of range (%g..%g)", section, name,
                         value, k->min, k->max);
    if (k->type == K_POW2 && ((uint64_t)v & ((uint64_t)v - 1)))
        return ebpf_errf(err, errlen, -EINVAL, "%s.%s = %s must be a power of two", section, name,
                         value);
    switch (k->type) {
    case K_U16: *(uint16_t *)p = (uint16_t)v; break;
    case K_UINT:
    case K_POW2: *(unsigned *)p = (unsigned)v; break;
    case K_U32: *(uint32_t *)p = (uint32_t)v; break;
    case K_DOUBLE: *(double *)p = v; break;
    default: break;
    }
    return 0;
}

struct parse_state {
    struct ebpf_hwconfig *c;
    char msg[256];
    int failed;
};

static int config_key_handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse_state *st = user;
    if (st->failed)
        return 0;
    if (set_key(st->c, section, name, value, st->msg, sizeof(st->msg)) < 0) {
        st->failed = 1;
        return 0;
    }
    return 1;
}

int ebpf_hwconfig_load(struct ebpf_hwconfig *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ebpf_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
    struct parse_state st = {.c = c};
    int line = ini_parse_file(f, config_key_handler, &st);
    fclose(f);
    if (line != 0)
        return ebpf_errf(err, errlen, -EINVAL, "%s:%d: %s", path, line,
                         st.failed ? st.msg : "syntax error (expected [section] or key = value)");
    return 0;
}

int ebpf_hwconfig_load_args(struct ebpf_hwconfig *c, int argc, char *const argv[], char *err,
                            size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9))
            path = argv[i] + 9;
        int rc = path ? ebpf_hwconfig_load(c, path, err, errlen) : 0;
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ebpf_hwconfig_set(struct ebpf_hwconfig *c, const char *assignment, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", assignment);
    char *eq = strchr(buf, '='), *dot = strchr(buf, '.');
    if (!eq || !dot || dot > eq)
        return ebpf_errf(err, errlen, -EINVAL, "'%s': expected section.key=value", assignment);
    *eq = 0;
    *dot = 0;
    char msg[256];
    int rc = set_key(c, buf, dot + 1, eq + 1, msg, sizeof(msg));
    if (rc < 0)
        return ebpf_errf(err, errlen, rc, "--set %s: %s", assignment, msg);
    return 0;
}

void ebpf_hwconfig_write(const struct ebpf_hwconfig *c, FILE *out)
{
    const char *section = "";
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct key_def *k = &keys[i];
        if (strcmp(section, k->section))
            fprintf(out, "%s[%s]\n", i ? "\n" : "", section = k->section);
        const char *p = (const char *)c + k->offset;
        switch (k->type) {
        case K_U16: fprintf(out, "%s = %u\n", k->name, *(const uint16_t *)p); break;
        case K_UINT:
        case K_POW2: fprintf(out, "%s = %u\n", k->name, *(const unsigned *)p); break;
        case K_U32: fprintf(out, "%s = %u\n", k->name, *(const uint32_t *)p); break;
        case K_DOUBLE: fprintf(out, "%s = %g\n", k->name, *(const double *)p); break;
        case K_ENUM: fprintf(out, "%s = %s\n", k->name, k->names[*(const uint8_t *)p]); break;
        }
        if (!strcmp(k->name, "host_ports"))
            for (unsigned m = 0; m < c->n_map_placements; m++)
                fprintf(out, "map.%s = %s\n", c->map_placement[m].map,
                        placement_names[c->map_placement[m].placement]);
    }
}

enum ebpf_placement ebpf_hwconfig_placement(const struct ebpf_hwconfig *c, const char *map)
{
    for (unsigned i = 0; i < c->n_map_placements; i++)
        if (!strcmp(c->map_placement[i].map, map))
            return (enum ebpf_placement)c->map_placement[i].placement;
    return (enum ebpf_placement)c->timing.default_placement;
}

double ebpf_hwconfig_pcie_bytes_per_s(const struct ebpf_hwconfig *c)
{
    /* GT/s per lane and line-code efficiency, generations 1..5 */
    static const double gts[] = {0, 2.5, 5.0, 8.0, 16.0, 32.0};
    double eff = c->pcie_gen <= 2 ? 8.0 / 10.0 : 128.0 / 130.0;
    return gts[c->pcie_gen] * 1e9 * eff * c->pcie_lanes / 8.0;
}
