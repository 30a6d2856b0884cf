/*
 * drvsim.h - the driver shim inside ebpfsim: a simulated NIC over an
 * engine's model object (engines whose ops->object is not NULL), so that
 * --maps-in / --maps-out go through the driver's commands, and a
 * control-plane schedule (--schedule) runs while the trace is replayed.
 *
 * Time: t = 0 is the first packet; before it the driver loads and attaches
 * the engine's program and installs --maps-in (that takes simulated time
 * too, and is over when the first packet arrives).  A packet at time t
 * sees every command the device applied at or before t.
 */
#ifndef DRVSIM_H
#define DRVSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct engine_ops;
struct engine;
struct ebpf_hwconfig;
struct ebpf_object;
struct drvsim;

struct drvsim_opts {
    const struct ebpf_hwconfig *hw; /* link, ring, placements; NULL: defaults */
    unsigned n_cpus;                /* per-CPU copies for objects a schedule opens */
    const char *schedule;           /* schedule file, NULL: none */
    const char *faults;             /* driver fault injection "dma=R,drop=R,reset=R,seed=N" */
};

/* A NIC over ops->object(e): loads and attaches the engine's program
 * through the driver and reads the schedule (errors name FILE:LINE). */
int drvsim_open(struct drvsim **out, const struct engine_ops *ops, struct engine *e,
                const struct drvsim_opts *o, char *err, size_t errlen);
/* The same over an object alone (nicctl): program prog (index, < 0: none)
 * is loaded and attached. */
int drvsim_open_object(struct drvsim **out, struct ebpf_object *obj, int prog,
                       const struct drvsim_opts *o, char *err, size_t errlen);
void drvsim_close(struct drvsim *s);
/* The driver (nicdrv.h). */
struct nicdrv *drvsim_nic(struct drvsim *s);
/* Map contents (ebpfsim's JSON format) through the driver. */
int drvsim_maps_in(struct drvsim *s, const char *path, char *err, size_t errlen);
int drvsim_maps_out(struct drvsim *s, const char *path, char *err, size_t errlen);
/* Traffic starts now (schedule times count from here). */
void drvsim_start(struct drvsim *s);
/* Run the NIC up to t_ps after the start (never backwards). */
int drvsim_advance(struct drvsim *s, uint64_t t_ps, char *err, size_t errlen);
/* The program attached on the NIC (its id, 0 if none). */
uint32_t drvsim_program(struct drvsim *s, struct ebpf_object **obj, unsigned *prog_index);
/* Packet index runs at t_ps (after drvsim_advance to t_ps): record the
 * operations it is the first to see. */
void drvsim_note_packet(struct drvsim *s, uint64_t index, uint64_t t_ps);
/* Packet index runs at t_ps: advance, record which operations it is the
 * first to see, and make the engine run the attached program (set_prog)
 * if it changed. */
int drvsim_packet(struct drvsim *s, uint64_t index, uint64_t t_ps, char *err, size_t errlen);
/* After the last packet: the rest of the schedule. */
int drvsim_finish(struct drvsim *s, char *err, size_t errlen);
/* Operations of the schedule that failed (each printed by drvsim_summary). */
unsigned drvsim_failed(const struct drvsim *s);
/* "  control plane ..." lines for ebpfsim's summary. */
void drvsim_summary(const struct drvsim *s, FILE *out);
/* One JSON object per schedule operation (docs/driver.md). */
int drvsim_write_log(const struct drvsim *s, const char *path, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
