/* Route tables for bpf_fib_lookup (model engine). */
#ifndef EBPFSIM_ROUTES_H
#define EBPFSIM_ROUTES_H

#include <stddef.h>

struct ebpf_object;
int routes_load(struct ebpf_object *obj, const char *path, char *err, size_t errlen);

#endif
