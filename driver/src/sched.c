/* Control-plane schedules: timed map operations and program replacements,
 * submitted through the driver while traffic is replayed (the caller
 * advances time packet by packet). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicdrv_int.h"

struct nicdrv_sched {
    char *path;
    struct nicdrv_sched_entry *e;
    unsigned n;
    /* per entry: the raw words of the line (bound later) */
    char (*words)[6][256];
    nicdrv *nic;
    uint64_t base;
    unsigned next;          /* next entry to submit */
    unsigned failed;
    ebpf_object **owned;    /* objects opened for replace ... object FILE */
    char **owned_path;
    unsigned n_owned;
};

static const char *const op_words[] = {"update", "delete", "lookup", "replace"};

static int parse_time(const char *w, uint64_t *ps)
{
    char *end;
    double v = strtod(w, &end);
    if (end == w || !(v >= 0))
        return -EINVAL;
    double mult;
    if (!strcmp(end, "ns"))
        mult = 1e3;
    else if (!strcmp(end, "us"))
        mult = 1e6;
    else if (!strcmp(end, "ms"))
        mult = 1e9;
    else if (!strcmp(end, "s"))
        mult = 1e12;
    else
        return -EINVAL;
    if (v * mult > 1.8e19)
        return -ERANGE;
    *ps = (uint64_t)(v * mult + 0.5);
    return 0;
}

static int hex_bytes(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;
    size_t l = strlen(hex);
    if (l % 2 || l / 2 > cap)
        return -EINVAL;
    for (size_t i = 0; i < l / 2; i++) {
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]))
            return -EINVAL;
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    *n = l / 2;
    return 0;
}

void nicdrv_sched_free(nicdrv_sched *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->n; i++)
        free(s->e[i].in);
    for (unsigned i = 0; i < s->n_owned; i++) {
        ebpf_object_close(s->owned[i]);
        free(s->owned_path[i]);
    }
    free(s->owned);
    free(s->owned_path);
    free(s->e);
    free(s->words);
    free(s->path);
    free(s);
}

static int cmp_time(const void *a, const void *b)
{
    const struct nicdrv_sched_entry *x = a, *y = b;
    if (x->at_ps != y->at_ps)
        return x->at_ps < y->at_ps ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int nicdrv_sched_load(const char *path, nicdrv_sched **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    nicdrv_sched *s = calloc(1, sizeof(*s));
    s->path = strdup(path);
    char line[1024];
    unsigned lineno = 0, cap = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *w[8];
        int nw = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r\n", &save); t && nw < 8; t = strtok_r(NULL, " \t\r\n", &save))
            w[nw++] = t;
        if (!nw)
            continue;
        if (s->n == cap) {
            cap = cap ? 2 * cap : 16;
            s->e = realloc(s->e, cap * sizeof(*s->e));
            s->words = realloc(s->words, cap * sizeof(*s->words));
        }
        struct nicdrv_sched_entry *e = &s->e[s->n];
        memset(e, 0, sizeof(*e));
        memset(s->words[s->n], 0, sizeof(s->words[0]));
        e->line = lineno;
        e->first_packet = -1;
        e->obj_tag = -1;
        int tl = 0;
        for (int i = 0; i < nw; i++)
            tl += snprintf(e->text + tl, sizeof(e->text) - (size_t)(tl < (int)sizeof(e->text) ? tl : (int)sizeof(e->text) - 1),
                           "%s%s", i ? " " : "", w[i]);
        if (parse_time(w[0], &e->at_ps) < 0) {
            snprintf(err, errlen, "%s:%u: time '%s' is not a number with a unit (ns, us, ms, s)",
                     path, lineno, w[0]);
            rc = -EINVAL;
            break;
        }
        int op = -1;
        for (int i = 0; nw > 1 && i < 4; i++)
            if (!strcmp(w[1], op_words[i]))
                op = i;
        if (op < 0) {
            snprintf(err, errlen, "%s:%u: unknown operation '%s' (update, delete, lookup, replace)",
                     path, lineno, nw > 1 ? w[1] : "");
            rc = -EINVAL;
            break;
        }
        e->op = (uint8_t)op;
        const char *want = NULL;
        switch (op) {
        case NICDRV_SCHED_UPDATE:
            if (!(nw == 7 || nw == 8) || strcmp(w[3], "key") || strcmp(w[5], "value"))
                want = "TIME update MAP key HEX value HEX [any|noexist|exist]";
            else if (nw == 8 && strcmp(w[7], "any") && strcmp(w[7], "noexist") && strcmp(w[7], "exist"))
                want = "the flag: any, noexist or exist";
            else
                e->flags = nw < 8 || !strcmp(w[7], "any") ? BPF_ANY
                           : !strcmp(w[7], "noexist")     ? BPF_NOEXIST
                                                          : BPF_EXIST;
            break;
        case NICDRV_SCHED_DELETE:
        case NICDRV_SCHED_LOOKUP:
            if (nw != 5 || strcmp(w[3], "key"))
                want = op == NICDRV_SCHED_DELETE ? "TIME delete MAP key HEX" : "TIME lookup MAP key HEX";
            break;
        case NICDRV_SCHED_REPLACE:
            if (!(nw == 3 || (nw == 5 && !strcmp(w[3], "object"))))
                want = "TIME replace PROG [object FILE]";
            break;
        }
        if (want) {
            snprintf(err, errlen, "%s:%u: expected %s", path, lineno, want);
            rc = -EINVAL;
            break;
        }
        for (int i = 2; i < nw && i < 8; i++) {
            if (strlen(w[i]) >= 256) {
                snprintf(err, errlen, "%s:%u: '%.40s...' is longer than 255 characters", path, lineno, w[i]);
                rc = -EINVAL;
                break;
            }
            if (i - 2 < 6)
                snprintf(s->words[s->n][i - 2], 256, "%s", w[i]);
        }
        s->n++;
    }
    fclose(f);
    if (rc < 0) {
        nicdrv_sched_free(s);
        return rc;
    }
    /* words travel with their entries through the sort */
    for (unsigned i = 0; i < s->n; i++)
        s->e[i].seq = i;
    qsort(s->e, s->n, sizeof(*s->e), cmp_time);
    char (*words)[6][256] = malloc((s->n ? s->n : 1) * sizeof(*words));
    for (unsigned i = 0; i < s->n; i++) {
        memcpy(words[i], s->words[s->e[i].seq], sizeof(words[i]));
        s->e[i].seq = 0;
    }
    free(s->words);
    s->words = words;
    *out = s;
    return 0;
}

static ebpf_object *open_object(nicdrv_sched *s, const char *path, const struct ebpf_object_opts *oo,
                                char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->n_owned; i++)
        if (!strcmp(s->owned_path[i], path))
            return s->owned[i];
    ebpf_object *obj;
    if (ebpf_object_open(path, oo, &obj, err, errlen) < 0)
        return NULL;
    s->owned = realloc(s->owned, (s->n_owned + 1) * sizeof(*s->owned));
    s->owned_path = realloc(s->owned_path, (s->n_owned + 1) * sizeof(*s->owned_path));
    s->owned[s->n_owned] = obj;
    s->owned_path[s->n_owned++] = strdup(path);
    return obj;
}

int nicdrv_sched_bind(nicdrv_sched *s, nicdrv *nic, ebpf_object *obj,
                      const struct ebpf_object_opts *oo, char *err, size_t errlen)
{
    s->nic = nic;
    bool added = false;
    for (unsigned i = 0; i < s->n; i++) {
        struct nicdrv_sched_entry *e = &s->e[i];
        char (*w)[256] = s->words[i];
        if (e->op == NICDRV_SCHED_REPLACE) {
            ebpf_object *o = obj;
            if (w[1][0]) {
                char oerr[NICDRV_ERR_LEN];
                if (!(o = open_object(s, w[2], oo, oerr, sizeof(oerr)))) {
                    snprintf(err, errlen, "%s:%u: %s", s->path, e->line, oerr);
                    return -EINVAL;
                }
            }
            int p = ebpf_object_find_prog(o, w[0]);
            if (p < 0) {
                snprintf(err, errlen, "%s:%u: %s has no program named '%s'", s->path, e->line,
                         ebpf_object_name(o), w[0]);
                return -ENOENT;
            }
            unsigned before = nic->dev->n_objs;
            char derr[NICDRV_ERR_LEN];
            int tag = nicdrv_dev_add_object(nic->dev, o, derr, sizeof(derr));
            if (tag < 0) {
                snprintf(err, errlen, "%s:%u: %s", s->path, e->line, derr);
                return tag;
            }
            added |= nic->dev->n_objs != before;
            e->obj = o;
            e->obj_tag = tag;
            e->prog_index = (unsigned)p;
            continue;
        }
        int id = -1;
        for (unsigned m = 0; m < nic->n_maps && id < 0; m++)
            if (!strcmp(nic->maps[m].name, w[0]))
                id = (int)m;
        if (id < 0) {
            snprintf(err, errlen, "%s:%u: no map named '%s' on the device", s->path, e->line, w[0]);
            return -ENOENT;
        }
        const struct nicdrv_map_info *mi = &nic->maps[id];
        e->map_id = (uint32_t)id;
        e->key_size = mi->key_size;
        e->value_size = e->op == NICDRV_SCHED_DELETE ? 0 : mi->value_size;
        e->in = calloc(1, mi->key_size + (e->op == NICDRV_SCHED_UPDATE ? mi->value_size : 0) + 1);
        size_t n;
        if (hex_bytes(w[2], e->in, mi->key_size, &n) < 0 || n != mi->key_size) {
            snprintf(err, errlen, "%s:%u: key '%s' is not %u bytes of hex (map '%s')", s->path,
                     e->line, w[2], mi->key_size, mi->name);
            return -EINVAL;
        }
        e->in_len = mi->key_size;
        if (e->op == NICDRV_SCHED_UPDATE) {
            uint8_t *v = e->in + mi->key_size;
            uint32_t stride = mi->n_cpus > 1 ? mi->value_size / mi->n_cpus : mi->value_size;
            bool ok = hex_bytes(w[4], v, mi->value_size, &n) == 0 &&
                      (n == mi->value_size || (mi->n_cpus > 1 && n <= stride));
            if (!ok) {
                snprintf(err, errlen, "%s:%u: value '%.64s' is not %u bytes of hex (map '%s')",
                         s->path, e->line, w[4], mi->n_cpus > 1 ? stride : mi->value_size, mi->name);
                return -EINVAL;
            }
            if (n != mi->value_size) /* one value for every CPU of a per-CPU map */
                for (unsigned c = 1; c < mi->n_cpus; c++)
                    memcpy(v + c * stride, v, stride);
            e->in_len += mi->value_size;
        }
    }
    if (added) {
        int rc = host_refresh_maps(nic);
        if (rc < 0) {
            snprintf(err, errlen, "%s", nic->err);
            return rc;
        }
    }
    return 0;
}

void nicdrv_sched_start(nicdrv_sched *s, uint64_t base_ps)
{
    s->base = base_ps;
    s->next = 0;
}

unsigned nicdrv_sched_count(const nicdrv_sched *s) { return s->n; }
unsigned nicdrv_sched_failed(const nicdrv_sched *s) { return s->failed; }
const struct nicdrv_sched_entry *nicdrv_sched_entry(const nicdrv_sched *s, unsigned i)
{
    return i < s->n ? &s->e[i] : NULL;
}

static struct nicdrv_cmd entry_cmd(const struct nicdrv_sched_entry *e, uint8_t *out)
{
    struct nicdrv_cmd c = {.target = e->map_id, .key_size = e->key_size, .in = e->in,
                           .in_len = e->in_len};
    switch (e->op) {
    case NICDRV_SCHED_UPDATE:
        c.op = NICDRV_OP_MAP_UPDATE;
        c.value_size = e->value_size;
        c.flags = e->flags;
        break;
    case NICDRV_SCHED_DELETE: c.op = NICDRV_OP_MAP_DELETE; break;
    case NICDRV_SCHED_LOOKUP:
        c.op = NICDRV_OP_MAP_LOOKUP;
        c.value_size = e->value_size;
        c.out = out;
        c.out_len = e->value_size;
        break;
    case NICDRV_SCHED_REPLACE:
        if (e->phase < 2) { /* the load; phases 2, 3: the attach */
            size_t n = 0;
            const struct ebpf_insn *insns = ebpf_object_prog_insns(e->obj, e->prog_index, &n);
            c = (struct nicdrv_cmd){.op = NICDRV_OP_PROG_LOAD, .target = (uint32_t)e->obj_tag,
                                    .aux = e->prog_index, .in = insns,
                                    .in_len = (uint32_t)(n * sizeof(*insns))};
        } else {
            c = (struct nicdrv_cmd){.op = NICDRV_OP_PROG_ATTACH, .target = e->prog_id};
        }
        break;
    }
    return c;
}

static void fail(nicdrv_sched *s, struct nicdrv_sched_entry *e, int rc, const char *msg)
{
    e->rc = rc;
    e->done = true;
    e->done_ps = nicdrv_now_ps(s->nic);
    snprintf(e->msg, sizeof(e->msg), "%s:%u: %s", s->path, e->line, msg);
    s->failed++;
}

/* Submit e (or the attach of a replace); false if the ring is full. */
static bool submit(nicdrv_sched *s, struct nicdrv_sched_entry *e)
{
    struct nicdrv_cmd c = entry_cmd(e, NULL);
    c.user = (uint64_t)(e - s->e);
    /* the lookup's result lands in the driver's command buffer and is
     * copied at completion into a buffer the entry owns */
    uint8_t *out = NULL;
    if (c.out_len) {
        out = malloc(c.out_len);
        c.out = out;
    }
    uint32_t seq;
    int rc = nicdrv_submit(s->nic, &c, &seq);
    if (rc == -EAGAIN) {
        free(out);
        return false;
    }
    if (rc < 0) {
        free(out);
        fail(s, e, rc, nicdrv_errmsg(s->nic));
        return true;
    }
    if (out) {
        /* the key was copied into the command buffer: the entry keeps the
         * result buffer instead */
        free(e->in);
        e->in = out;
    }
    if (!e->submit_ps)
        e->submit_ps = nicdrv_now_ps(s->nic);
    e->seq = seq;
    e->phase = e->phase == 3 ? 2 : 1;
    return true;
}

static void complete(nicdrv_sched *s)
{
    struct nicdrv_completion c[32];
    int n;
    while ((n = nicdrv_poll(s->nic, c, 32)) > 0)
        for (int i = 0; i < n; i++) {
            if (c[i].user >= s->n)
                continue;
            struct nicdrv_sched_entry *e = &s->e[c[i].user];
            e->attempts += c[i].attempts;
            if (c[i].rc < 0) {
                struct nicdrv_cmd cmd = entry_cmd(e, NULL);
                char what[256];
                snprintf(what, sizeof(what), "%s", e->text);
                host_fail(s->nic, &cmd, &c[i], what);
                fail(s, e, c[i].rc, nicdrv_errmsg(s->nic));
                continue;
            }
            if (e->op == NICDRV_SCHED_REPLACE && e->phase == 1) {
                /* loaded: attach it now */
                e->prog_id = c[i].aux;
                e->phase = 3; /* attach due */
                continue;
            }
            if (e->op == NICDRV_SCHED_LOOKUP) {
                e->value_len = c[i].out_len < sizeof(e->value) ? c[i].out_len : sizeof(e->value);
                memcpy(e->value, e->in, e->value_len);
            }
            e->apply_ps = c[i].apply_ps;
            e->done_ps = c[i].done_ps;
            e->rc = 0;
            e->done = true;
        }
}

/* Submit what is due at the current time; false if the ring is full. */
static bool submit_due(nicdrv_sched *s)
{
    uint64_t now = nicdrv_now_ps(s->nic);
    for (unsigned i = 0; i < s->next; i++)
        if (s->e[i].phase == 3 && !s->e[i].done && !submit(s, &s->e[i]))
            return false;
    while (s->next < s->n && s->base + s->e[s->next].at_ps <= now) {
        if (!submit(s, &s->e[s->next]))
            return false;
        s->next++;
    }
    return true;
}

int nicdrv_sched_advance(nicdrv_sched *s, uint64_t t)
{
    nicdrv *nic = s->nic;
    bool was_nonblocking = nic->cfg.nonblocking;
    nic->cfg.nonblocking = true;
    for (;;) {
        complete(s);
        bool room = submit_due(s);
        uint64_t now = nicdrv_now_ps(nic);
        if (now >= t)
            break;
        uint64_t tn = t;
        if (room && s->next < s->n && s->base + s->e[s->next].at_ps < tn)
            tn = s->base + s->e[s->next].at_ps;
        uint64_t ev = nicdrv_next_event_ps(nic);
        if (ev < tn)
            tn = ev;
        nicdrv_advance_ps(nic, tn);
    }
    nic->cfg.nonblocking = was_nonblocking;
    return 0;
}

void nicdrv_sched_packet(nicdrv_sched *s, uint64_t index, uint64_t t)
{
    /* The host learns the apply time only with the completion, later than
     * the packets that already see the change: read it from the device's
     * replay log (simulation only). */
    for (unsigned i = 0; i < s->next; i++) {
        struct nicdrv_sched_entry *e = &s->e[i];
        if (e->first_packet >= 0 || e->rc < 0 || e->phase == 0 || e->op == NICDRV_SCHED_LOOKUP)
            continue;
        if (e->op == NICDRV_SCHED_REPLACE && e->phase != 2)
            continue;
        uint64_t apply = e->apply_ps;
        if (!apply) {
            const struct log_entry *le = &s->nic->dev->log[e->seq % s->nic->dev->log_size];
            if (!le->valid || le->seq != e->seq || le->status != NICDRV_ST_OK)
                continue;
            apply = le->apply_ps;
        }
        if (apply <= t)
            e->first_packet = (int64_t)index;
    }
}

static bool all_done(const nicdrv_sched *s)
{
    for (unsigned i = 0; i < s->n; i++)
        if (!s->e[i].done)
            return false;
    return true;
}

int nicdrv_sched_finish(nicdrv_sched *s)
{
    while (!all_done(s)) {
        uint64_t now = nicdrv_now_ps(s->nic), t = nicdrv_next_event_ps(s->nic);
        if (s->next < s->n && s->base + s->e[s->next].at_ps < t)
            t = s->base + s->e[s->next].at_ps;
        if (t == UINT64_MAX)
            return host_set_err(s->nic, -EIO, "%s: the schedule cannot progress", s->path);
        nicdrv_sched_advance(s, t > now ? t : now + 1);
    }
    return 0;
}
