/* Objects (programs + maps) and cores (VMs sharing an object's maps). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_int.h"

ebpf_object *ebpf_object_alloc(const char *name, const struct ebpf_object_opts *opts)
{
    ebpf_object *obj = calloc(1, sizeof(*obj));
    if (!obj)
        return NULL;
    snprintf(obj->name, sizeof(obj->name), "%s", name);
    if (opts)
        obj->opts = *opts;
    if (!obj->opts.n_cpus)
        obj->opts.n_cpus = 1;
    obj->prandom_state = obj->opts.prandom_seed ? obj->opts.prandom_seed : 1;
    obj->time_ns = obj->opts.time_ns;
    struct ebpf_vm_config cfg;
    ebpf_vm_config_default(&cfg);
    obj->loader = ebpf_vm_create(&cfg);
    if (!obj->loader) {
        free(obj);
        return NULL;
    }
    ebpf_register_model_helpers(obj->loader);
    return obj;
}

void ebpf_object_close(ebpf_object *obj)
{
    if (!obj)
        return;
    for (unsigned i = 0; i < obj->n_progs; i++) {
        free(obj->progs[i].name);
        free(obj->progs[i].section);
        free(obj->progs[i].insns);
        ebpf_prog_destroy(obj->progs[i].loaded);
    }
    for (unsigned i = 0; i < obj->n_maps; i++)
        ebpf_map_destroy(obj->maps[i].map);
    free(obj->progs);
    free(obj->maps);
    free(obj->routes);
    ebpf_vm_destroy(obj->loader);
    free(obj);
}

const char *ebpf_object_name(const ebpf_object *obj) { return obj->name; }
unsigned ebpf_object_prog_count(const ebpf_object *obj) { return obj->n_progs; }
const char *ebpf_object_prog_name(const ebpf_object *obj, unsigned i) { return obj->progs[i].name; }
const char *ebpf_object_prog_section(const ebpf_object *obj, unsigned i)
{
    return obj->progs[i].section;
}
unsigned ebpf_object_map_count(const ebpf_object *obj) { return obj->n_maps; }
ebpf_map *ebpf_object_map(const ebpf_object *obj, unsigned i) { return obj->maps[i].map; }
const char *ebpf_object_map_name(const ebpf_object *obj, unsigned i) { return obj->maps[i].name; }
void ebpf_object_set_time(ebpf_object *obj, uint64_t ns) { obj->time_ns = ns; }
uint64_t ebpf_object_time(const ebpf_object *obj) { return obj->time_ns; }

const struct ebpf_insn *ebpf_object_prog_insns(const ebpf_object *obj, unsigned i, size_t *n)
{
    *n = obj->progs[i].n;
    return obj->progs[i].insns;
}

int ebpf_object_find_prog(const ebpf_object *obj, const char *name)
{
    for (unsigned i = 0; i < obj->n_progs; i++)
        if (!strcmp(obj->progs[i].name, name))
            return (int)i;
    return -ENOENT;
}

int ebpf_object_default_xdp_prog(const ebpf_object *obj)
{
    for (unsigned i = 0; i < obj->n_progs; i++) {
        const char *s = obj->progs[i].section;
        if (!strcmp(s, "xdp") || !strncmp(s, "xdp/", 4) || !strcmp(s, "xdp.frags") ||
            !strncmp(s, "xdp.frags/", 10))
            return (int)i;
    }
    return -ENOENT;
}

int ebpf_object_add_route(ebpf_object *obj, const struct ebpf_route *route)
{
    if ((route->family != 2 && route->family != 10) ||
        route->prefix_len > (route->family == 2 ? 32 : 128))
        return -EINVAL;
    struct ebpf_route *r = realloc(obj->routes, (obj->n_routes + 1) * sizeof(*r));
    if (!r)
        return -ENOMEM;
    obj->routes = r;
    obj->routes[obj->n_routes++] = *route;
    return 0;
}

int ebpf_object_find_map(const ebpf_object *obj, const char *name)
{
    for (unsigned i = 0; i < obj->n_maps; i++)
        if (!strcmp(obj->maps[i].name, name))
            return (int)i;
    return -ENOENT;
}

int ebpf_object_add_map(ebpf_object *obj, const char *name, const struct ebpf_map_spec *spec,
                        const void *initial, size_t initial_size, char *err, size_t errlen)
{
    struct obj_map *maps = realloc(obj->maps, (obj->n_maps + 1) * sizeof(*maps));
    if (!maps)
        return ebpf_errf(err, errlen, -ENOMEM, "out of memory");
    obj->maps = maps;
    char why[EBPF_ERR_LEN];
    ebpf_map *m = ebpf_map_create(spec, obj->opts.n_cpus, why, sizeof(why));
    if (!m)
        return ebpf_errf(err, errlen, -EINVAL, "%s", why);
    uint8_t *base;
    size_t size;
    ebpf_map_storage(m, &base, &size);
    if (size > UINT32_MAX) {
        ebpf_map_destroy(m);
        return ebpf_errf(err, errlen, -E2BIG,
                         "map '%s': %zu bytes of values do not fit the model's 4 GiB region", name,
                         size);
    }
    if (initial && initial_size) {
        uint32_t zero = 0;
        if (ebpf_map_sys_update(m, &zero, initial, BPF_ANY) < 0) {
            ebpf_map_destroy(m);
            return ebpf_errf(err, errlen, -EINVAL, "map '%s': cannot set its initial value", name);
        }
    }
    struct obj_map *om = &obj->maps[obj->n_maps];
    memset(om, 0, sizeof(*om));
    snprintf(om->name, sizeof(om->name), "%s", name);
    om->map = m;
    om->region = map_region(obj->n_maps);
    om->rdonly_prog = (spec->map_flags & BPF_F_RDONLY_PROG) != 0;
    obj->n_maps++;
    return 0;
}

int ebpf_object_add_prog(ebpf_object *obj, const char *name, const char *section,
                         struct ebpf_insn *insns, size_t n)
{
    struct obj_prog *progs = realloc(obj->progs, (obj->n_progs + 1) * sizeof(*progs));
    if (!progs)
        return -ENOMEM;
    obj->progs = progs;
    struct obj_prog *p = &obj->progs[obj->n_progs];
    memset(p, 0, sizeof(*p));
    p->name = strdup(name);
    p->section = strdup(section);
    if (!p->name || !p->section) {
        free(p->name);
        free(p->section);
        return -ENOMEM;
    }
    p->insns = insns;
    p->n = n;
    obj->n_progs++;
    return 0;
}

/* lddw pseudo sources: a map handle, or the address of a value of a
 * single-element array (global data). */
static int resolve_pseudo(void *user, int row, int32_t imm_lo, int32_t imm_hi, uint64_t *value,
                          char *err, size_t errlen)
{
    ebpf_object *obj = user;
    if (imm_lo < 0 || (unsigned)imm_lo >= obj->n_maps)
        return ebpf_errf(err, errlen, -EINVAL, "lddw refers to map %" PRId32 ", the object has %u",
                         imm_lo, obj->n_maps);
    const struct obj_map *m = &obj->maps[imm_lo];
    if (row == EBPF_ROW_LDDW_MAP_FD || row == EBPF_ROW_LDDW_MAP_IDX) {
        *value = ebpf_addr(EBPF_REGION_MAPS, (uint32_t)imm_lo);
        return 0;
    }
    const struct ebpf_map_spec *spec = ebpf_map_get_spec(m->map);
    if (spec->type != BPF_MAP_TYPE_ARRAY || imm_hi < 0 || (uint32_t)imm_hi >= spec->value_size)
        return ebpf_errf(err, errlen, -EINVAL,
                         "direct value access to map '%s' at offset %" PRId32
                         " needs an array map and an offset inside its value",
                         m->name, imm_hi);
    *value = ebpf_addr(m->region, (uint32_t)imm_hi);
    return 0;
}

/* Kernel helper names by id, from the uapi header's own list. */
#define HELPER_NAME_FN(x) "bpf_" #x
static const char *const kernel_helper_names[] = {__BPF_FUNC_MAPPER(HELPER_NAME_FN)};
#undef HELPER_NAME_FN

const char *ebpf_kernel_helper_name(uint32_t id)
{
    if (id < sizeof(kernel_helper_names) / sizeof(kernel_helper_names[0]))
        return kernel_helper_names[id];
    return NULL;
}

/* Name unsupported helpers before the generic load-time check does. */
static int check_helpers(const ebpf_object *obj, const struct obj_prog *p, char *err, size_t errlen)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct ebpf_insn *in = &p->insns[i];
        if (in->code == 0x18) {
            i++;
            continue;
        }
        if (in->code != 0x85 || in->src != 0 || ebpf_vm_helper_name(obj->loader, (uint32_t)in->imm))
            continue;
        const char *kname = in->imm >= 0 ? ebpf_kernel_helper_name((uint32_t)in->imm) : NULL;
        return ebpf_errf(err, errlen, -EOPNOTSUPP,
                         "program '%s' (section %s): insn %zu calls helper %s (id %" PRId32
                         "), which the model does not implement",
                         p->name, p->section, i, kname ? kname : "<unknown>", in->imm);
    }
    return 0;
}

int ebpf_object_finish(ebpf_object *obj, char *err, size_t errlen)
{
    ebpf_vm_set_pseudo_resolver(obj->loader, resolve_pseudo, obj);
    for (unsigned i = 0; i < obj->n_progs; i++) {
        struct obj_prog *p = &obj->progs[i];
        int hrc = check_helpers(obj, p, err, errlen);
        if (hrc < 0)
            return hrc;
        char why[EBPF_ERR_LEN];
        int rc = ebpf_prog_load(obj->loader, p->insns, p->n, &p->loaded, why, sizeof(why));
        if (rc < 0)
            return ebpf_errf(err, errlen, rc, "program '%s' (section %s): %s", p->name, p->section,
                             why);
    }
    return 0;
}

int ebpf_object_from_insns(const struct ebpf_insn *insns, size_t n,
                           const struct ebpf_map_spec *maps, size_t n_maps,
                           const struct ebpf_object_opts *opts, ebpf_object **out, char *err,
                           size_t errlen)
{
    *out = NULL;
    ebpf_object *obj = ebpf_object_alloc("prog", opts);
    if (!obj)
        return ebpf_errf(err, errlen, -ENOMEM, "out of memory");
    int rc;
    for (size_t i = 0; i < n_maps; i++)
        if ((rc = ebpf_object_add_map(obj, maps[i].name, &maps[i], NULL, 0, err, errlen)) < 0)
            goto fail;
    struct ebpf_insn *copy = malloc(n * sizeof(*copy));
    if (!copy) {
        rc = ebpf_errf(err, errlen, -ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(copy, insns, n * sizeof(*copy));
    if ((rc = ebpf_object_add_prog(obj, "prog", "xdp", copy, n)) < 0) {
        free(copy);
        ebpf_errf(err, errlen, rc, "out of memory");
        goto fail;
    }
    if ((rc = ebpf_object_finish(obj, err, errlen)) < 0)
        goto fail;
    *out = obj;
    return 0;
fail:
    ebpf_object_close(obj);
    return rc;
}

ebpf_core *ebpf_core_create(ebpf_object *obj, unsigned cpu, char *err, size_t errlen)
{
    if (cpu >= obj->opts.n_cpus) {
        ebpf_errf(err, errlen, -EINVAL, "core %u does not exist (object built for %u cores)", cpu,
                  obj->opts.n_cpus);
        return NULL;
    }
    ebpf_core *core = calloc(1, sizeof(*core));
    if (!core || !(core->vm = ebpf_vm_create(&obj->loader->cfg))) {
        free(core);
        ebpf_errf(err, errlen, -ENOMEM, "out of memory");
        return NULL;
    }
    core->obj = obj;
    core->cpu = cpu;
    ebpf_register_model_helpers(core->vm);
    ebpf_vm_set_user(core->vm, core);
    for (unsigned i = 0; i < obj->n_maps; i++) {
        uint8_t *base;
        size_t size;
        ebpf_map_storage(obj->maps[i].map, &base, &size);
        unsigned perm = EBPF_MEM_READ | (obj->maps[i].rdonly_prog ? 0 : EBPF_MEM_WRITE);
        if (size)
            ebpf_vm_map_region(core->vm, obj->maps[i].region, base, 0, (uint32_t)size, perm,
                               obj->maps[i].name);
    }
    return core;
}

void ebpf_core_destroy(ebpf_core *core)
{
    if (!core)
        return;
    ebpf_vm_destroy(core->vm);
    free(core);
}

ebpf_vm *ebpf_core_vm(ebpf_core *core) { return core->vm; }

int ebpf_core_run_xdp(ebpf_core *core, unsigned prog, struct ebpf_xdp_frame *frame,
                      struct ebpf_xdp_result *res)
{
    res->action = EBPF_XDP_ABORTED;
    res->retval = res->insns = 0;
    res->redirect_ifindex = 0;
    res->redirect_map = 0;
    res->tail_calls = 0;
    ebpf_fault_clear(&res->fault);
    if (prog >= core->obj->n_progs)
        return -ENOENT;
    core->frame = frame;
    core->redirect_set = false;
    core->redirect_map = -1;
    core->redirect_ifindex = 0;
    ebpf_xdp_attach(core->vm, frame);
    struct ebpf_run_result rr;
    int rc = ebpf_vm_run(core->vm, core->obj->progs[prog].loaded, ebpf_xdp_ctx_addr(), 0, &rr);
    res->retval = rr.r0;
    res->insns = rr.insns;
    if (rr.fault.kind)
        res->fault = rr.fault;
    res->tail_calls = core->vm->tail_calls;
    uint32_t act = (uint32_t)rr.r0;
    res->action = rc < 0 || act > EBPF_XDP_REDIRECT ? EBPF_XDP_ABORTED : act;
    if (res->action == EBPF_XDP_REDIRECT) {
        res->redirect_ifindex = core->redirect_ifindex;
        res->redirect_map = core->redirect_set ? core->redirect_map : -1;
    }
    core->frame = NULL;
    return rc;
}
