/* Route tables for bpf_fib_lookup, as JSON:
 *   [{"prefix": "10.0.0.0/8", "dev": 3, "via": "10.0.0.1", "mtu": 1500,
 *     "smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02"},
 *    {"prefix": "192.168.0.0/16", "type": "blackhole"}]
 * "type" is unicast (default), blackhole, unreachable or prohibit; without
 * both MACs the neighbour is unknown (BPF_FIB_LKUP_RET_NO_NEIGH). */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_runtime.h"
#include "jsonfile.h"
#include "routes.h"

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

static int parse_addr(const char *s, uint8_t family, uint8_t out[16])
{
    return inet_pton(family == 2 ? AF_INET : AF_INET6, s, out) == 1 ? 0 : -1;
}

int routes_load(ebpf_object *obj, const char *path, char *err, size_t errlen)
{
    json_t *root = jsonfile_load(path, err, errlen);
    if (!root)
        return -EINVAL;
    int rc = 0;
    if (!json_is_array(root)) {
        snprintf(err, errlen, "%s: expected a list of routes", path);
        rc = -EINVAL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e) {
        if (rc)
            break;
        struct ebpf_route r = {0};
        const char *prefix = json_string_value(json_object_get(e, "prefix"));
        char addr[64];
        unsigned len = 0;
        if (!prefix || sscanf(prefix, "%63[^/]/%u", addr, &len) != 2) {
            snprintf(err, errlen, "%s: route %zu: \"prefix\" must be ADDRESS/LENGTH", path, i);
            rc = -EINVAL;
            break;
        }
        r.family = strchr(addr, ':') ? 10 : 2;
        r.prefix_len = (uint8_t)len;
        if (parse_addr(addr, r.family, r.addr) < 0 || len > (r.family == 2 ? 32u : 128u)) {
            snprintf(err, errlen, "%s: route %zu: bad prefix '%s'", path, i, prefix);
            rc = -EINVAL;
            break;
        }
        const char *type = json_string_value(json_object_get(e, "type"));
        static const char *const types[] = {"unicast", "blackhole", "unreachable", "prohibit"};
        if (type) {
            int t;
            for (t = 0; t < 4 && strcmp(type, types[t]); t++)
                ;
            if (t == 4) {
                snprintf(err, errlen, "%s: route %zu: unknown type '%s'", path, i, type);
                rc = -EINVAL;
                break;
            }
            r.type = (uint8_t)t;
        }
        r.ifindex = (uint32_t)json_integer_value(json_object_get(e, "dev"));
        r.mtu = (uint16_t)json_integer_value(json_object_get(e, "mtu"));
        const char *via = json_string_value(json_object_get(e, "via"));
        if (via) {
            if (parse_addr(via, r.family, r.gateway) < 0) {
                snprintf(err, errlen, "%s: route %zu: bad gateway '%s'", path, i, via);
                rc = -EINVAL;
                break;
            }
            r.has_gateway = 1;
        }
        const char *smac = json_string_value(json_object_get(e, "smac"));
        const char *dmac = json_string_value(json_object_get(e, "dmac"));
        if (smac || dmac) {
            if (parse_mac(smac, r.smac) < 0 || parse_mac(dmac, r.dmac) < 0) {
                snprintf(err, errlen, "%s: route %zu: \"smac\" and \"dmac\" must both be MAC addresses",
                         path, i);
                rc = -EINVAL;
                break;
            }
            r.has_neigh = 1;
        }
        if (ebpf_object_add_route(obj, &r) < 0) {
            snprintf(err, errlen, "%s: route %zu: cannot add it", path, i);
            rc = -EINVAL;
        }
    }
    json_decref(root);
    return rc;
}
