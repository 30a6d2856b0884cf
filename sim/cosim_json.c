/* ebpfsim run --engine cosim --cosim-json FILE: what the co-simulation
 * compared, as JSON (docs/rtl.md; ebpfsim report reads it back). */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine.h"

int cosim_json_write(const char *path, const char *object, const char *prog, const char *pcap,
                     int exit_status, const struct engine_cosim_stats *s, char *err, size_t errlen)
{
    const char *status = s->divergences || s->cycle_mismatches ? "mismatch"
                         : s->failed || exit_status           ? "failed"
                                                              : "agrees";
    json_t *o = json_object();
    json_object_set_new(o, "format", json_string("ebpfsim-cosim/1"));
    json_object_set_new(o, "object", json_string(object));
    json_object_set_new(o, "program", json_string(prog ? prog : ""));
    json_object_set_new(o, "trace", json_string(pcap));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "frames", json_integer((json_int_t)s->frames));
    json_object_set_new(o, "refused", json_integer((json_int_t)s->refused));
    json_object_set_new(o, "packets", json_integer((json_int_t)s->runs));
    json_object_set_new(o, "instructions", json_integer((json_int_t)s->insns));
    json_object_set_new(o, "cycle_counts", json_integer((json_int_t)s->cycle_counts));
    json_object_set_new(o, "divergences", json_integer((json_int_t)s->divergences));
    json_object_set_new(o, "cycle_mismatches", json_integer((json_int_t)s->cycle_mismatches));
    json_object_set_new(o, "model_cycles", json_integer((json_int_t)s->model_cycles));
    json_object_set_new(o, "rtl_cycles", json_integer((json_int_t)s->rtl_cycles));
    json_t *first = json_null();
    if (s->failed) {
        first = json_object();
        json_object_set_new(first, "packet", json_integer((json_int_t)s->fail_packet));
        json_object_set_new(first, "kind", json_string(s->fail_kind));
        bool cycles = !strcmp(s->fail_kind, "cycles");
        json_object_set_new(first, "model_cycles",
                            cycles ? json_integer((json_int_t)s->fail_model_cycles) : json_null());
        json_object_set_new(first, "rtl_cycles",
                            cycles ? json_integer((json_int_t)s->fail_rtl_cycles) : json_null());
        json_object_set_new(first, "message", json_string(s->fail_message));
    } else if (exit_status) {
        first = json_object();
        json_object_set_new(first, "kind", json_string("error"));
        json_object_set_new(first, "message",
                            json_string("ebpfsim run failed outside the packets' runs (the reason is "
                                        "on its standard error)"));
    }
    json_object_set_new(o, "first_failure", first);
    int rc = json_dump_file(o, path, JSON_INDENT(1));
    json_decref(o);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
        return -EIO;
    }
    return 0;
}
