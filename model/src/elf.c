/*
 * ELF loader for clang-compiled BPF objects.
 *
 * libbpf does the parsing nobody should redo: BTF-defined and legacy map
 * definitions, global data maps and their initial contents, the program list
 * and section names.  What libbpf only does while loading into a kernel (it
 * needs map fds) is done here against the model: map and global-data
 * relocations (R_BPF_64_64), bpf-to-bpf calls and function references into
 * .text (R_BPF_64_32), with .text appended to each program that uses it.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime_int.h"

#define INSN_SZ 8

struct elf_ctx {
    const char *path;
    Elf *elf;
    size_t shstrndx;
    Elf_Data *symtab;
    size_t n_syms;
    size_t sym_strndx;
    int maps_shndx;      /* ".maps" (BTF-defined) */
    int legacy_maps_shndx; /* "maps" */
    int text_shndx;
    struct ebpf_insn *text;
    size_t text_n;
    struct bpf_object *bobj;
    ebpf_object *obj;
    char *err;
    size_t errlen;
};

/* libbpf's messages: keep the last warning so a failed open can say why. */
static __thread char libbpf_last[512];

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
    size_t l = strlen(libbpf_last);
    while (l && libbpf_last[l - 1] == '\n')
        libbpf_last[--l] = 0;
    return 0;
}

static const char *sec_name(struct elf_ctx *c, int shndx)
{
    Elf_Scn *scn = elf_getscn(c->elf, (size_t)shndx);
    GElf_Shdr sh;
    if (!scn || !gelf_getshdr(scn, &sh))
        return NULL;
    return elf_strptr(c->elf, c->shstrndx, sh.sh_name);
}

static Elf_Data *sec_data(struct elf_ctx *c, int shndx)
{
    Elf_Scn *scn = elf_getscn(c->elf, (size_t)shndx);
    return scn ? elf_getdata(scn, NULL) : NULL;
}

static const char *sym_name(struct elf_ctx *c, const GElf_Sym *sym)
{
    const char *n = elf_strptr(c->elf, c->sym_strndx, sym->st_name);
    if ((!n || !*n) && GELF_ST_TYPE(sym->st_info) == STT_SECTION)
        n = sec_name(c, sym->st_shndx);
    return n ? n : "?";
}

static int find_section(struct elf_ctx *c, const char *name)
{
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(c->elf, scn));) {
        GElf_Shdr sh;
        const char *n;
        if (gelf_getshdr(scn, &sh) && (n = elf_strptr(c->elf, c->shstrndx, sh.sh_name)) &&
            !strcmp(n, name))
            return (int)elf_ndxscn(scn);
    }
    return -1;
}

static int open_elf(struct elf_ctx *c, int fd)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return ebpf_errf(c->err, c->errlen, -EINVAL, "%s: libelf is unusable", c->path);
    c->elf = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    if (!c->elf || !gelf_getehdr(c->elf, &eh) || elf_getshdrstrndx(c->elf, &c->shstrndx))
        return ebpf_errf(c->err, c->errlen, -EINVAL, "%s: not an ELF object: %s", c->path,
                         elf_errmsg(-1));
    if (eh.e_machine != EM_BPF)
        return ebpf_errf(c->err, c->errlen, -EINVAL, "%s: ELF machine %u is not BPF (247)", c->path,
                         eh.e_machine);
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(c->elf, scn));) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
            c->symtab = elf_getdata(scn, NULL);
            c->n_syms = sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : sizeof(Elf64_Sym));
            c->sym_strndx = sh.sh_link;
        }
    }
    if (!c->symtab)
        return ebpf_errf(c->err, c->errlen, -EINVAL, "%s: no symbol table (.symtab)", c->path);
    c->maps_shndx = find_section(c, ".maps");
    c->legacy_maps_shndx = find_section(c, "maps");
    c->text_shndx = find_section(c, ".text");
    if (c->text_shndx >= 0) {
        Elf_Data *d = sec_data(c, c->text_shndx);
        if (d && d->d_size) {
            if (d->d_size % INSN_SZ)
                return ebpf_errf(c->err, c->errlen, -EINVAL,
                                 "%s: section .text: size %zu is not a multiple of 8", c->path,
                                 d->d_size);
            c->text = d->d_buf;
            c->text_n = d->d_size / INSN_SZ;
        }
    }
    return 0;
}

/* libbpf's rule for global data map names: as much of the object name as
 * fits in 15 characters in front of the section name (at least 7 of it). */
static void internal_map_name(const char *obj_name, const char *sec, char out[16])
{
    size_t sfx = strlen(sec) > 7 ? strlen(sec) : 7;
    if (sfx > 15)
        sfx = 15;
    size_t pfx = 15 - sfx;
    if (pfx > strlen(obj_name))
        pfx = strlen(obj_name);
    snprintf(out, 16, "%.*s%.*s", (int)pfx, obj_name, (int)sfx, sec);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.'))
            *p = '_';
}

/* Map index that a symbol in section shndx refers to, or -1. */
static int map_for_symbol(struct elf_ctx *c, const GElf_Sym *sym)
{
    int shndx = sym->st_shndx;
    if (shndx == c->maps_shndx || shndx == c->legacy_maps_shndx)
        return ebpf_object_find_map(c->obj, sym_name(c, sym));
    const char *sec = sec_name(c, shndx);
    if (!sec)
        return -1;
    char want[16];
    internal_map_name(bpf_object__name(c->bobj), sec, want);
    return ebpf_object_find_map(c->obj, want);
}

static int load_maps(struct elf_ctx *c)
{
    struct bpf_map *m;
    bpf_object__for_each_map(m, c->bobj) {
        struct ebpf_map_spec spec = {
            .type = bpf_map__type(m),
            .key_size = bpf_map__key_size(m),
            .value_size = bpf_map__value_size(m),
            .max_entries = bpf_map__max_entries(m),
            .map_flags = bpf_map__map_flags(m),
        };
        snprintf(spec.name, sizeof(spec.name), "%s", bpf_map__name(m));
        size_t init_size = 0;
        const void *init = NULL;
        if (bpf_map__is_internal(m)) {
            init = bpf_map__initial_value(m, &init_size);
            /* libbpf marks .rodata read-only for programs; keep that. */
        }
        char why[EBPF_ERR_LEN];
        int rc = ebpf_object_add_map(c->obj, bpf_map__name(m), &spec, init, init_size, why,
                                     sizeof(why));
        if (rc < 0)
            return ebpf_errf(c->err, c->errlen, rc, "%s: %s", c->path, why);
    }
    return 0;
}

/* Apply the relocations of section shndx to insns[base .. base + n), which
 * hold that section's instructions [first, first + n); text_base is where
 * .text starts in insns (or SIZE_MAX if not appended).  Sets *uses_text if a
 * relocation refers into .text. */
static int apply_relocs(struct elf_ctx *c, int shndx, struct ebpf_insn *insns, size_t base,
                        size_t first, size_t n, size_t text_base, bool *uses_text)
{
    const char *secname = sec_name(c, shndx);
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(c->elf, scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || (int)sh.sh_info != shndx)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t nrel = sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : sizeof(Elf64_Rel));
        for (size_t r = 0; d && r < nrel; r++) {
            GElf_Rel rel;
            GElf_Sym sym;
            if (!gelf_getrel(d, (int)r, &rel) ||
                !gelf_getsym(c->symtab, (int)GELF_R_SYM(rel.r_info), &sym))
                return ebpf_errf(c->err, c->errlen, -EINVAL, "%s: section %s: relocation %zu is unreadable",
                                 c->path, secname, r);
            if (rel.r_offset % INSN_SZ)
                return ebpf_errf(c->err, c->errlen, -EINVAL,
                                 "%s: section %s: relocation %zu at offset %" PRIu64 " is not on an instruction",
                                 c->path, secname, r, (uint64_t)rel.r_offset);
            size_t idx = rel.r_offset / INSN_SZ;
            if (idx < first || idx >= first + n)
                continue; /* another program in the same section */
            struct ebpf_insn *in = &insns[base + idx - first];
            const char *sname = sym_name(c, &sym);
            size_t at = base + idx - first;
            if (sym.st_shndx == SHN_UNDEF)
                return ebpf_errf(c->err, c->errlen, -EINVAL,
                                 "%s: section %s: relocation %zu against unknown symbol '%s' "
                                 "(externs, ksyms and kconfig are not supported)",
                                 c->path, secname, r, sname);
            if (in->code == 0x85 && in->src == BPF_PSEUDO_CALL) {
                if ((int)sym.st_shndx != c->text_shndx)
                    return ebpf_errf(c->err, c->errlen, -EINVAL,
                                     "%s: section %s: call at insn %zu to '%s', which is not in .text",
                                     c->path, secname, idx, sname);
                *uses_text = true;
                if (text_base != SIZE_MAX) {
                    int64_t target = (int64_t)(sym.st_value / INSN_SZ) + in->imm + 1;
                    in->imm = (int32_t)((int64_t)text_base + target - (int64_t)at - 1);
                }
                continue;
            }
            if (in->code != 0x18)
                return ebpf_errf(c->err, c->errlen, -EINVAL,
                                 "%s: section %s: relocation %zu against '%s' at insn %zu, which is "
                                 "neither lddw nor a call",
                                 c->path, secname, r, sname, idx);
            if (idx + 1 >= first + n)
                return ebpf_errf(c->err, c->errlen, -EINVAL,
                                 "%s: section %s: relocated lddw at insn %zu has no second slot",
                                 c->path, secname, idx);
            if ((int)sym.st_shndx == c->text_shndx) {
                *uses_text = true;
                if (text_base != SIZE_MAX) {
                    int64_t target = ((int64_t)sym.st_value + in->imm) / INSN_SZ;
                    in->src = BPF_PSEUDO_FUNC;
                    in->imm = (int32_t)((int64_t)text_base + target - (int64_t)at - 1);
                }
                continue;
            }
            int map = map_for_symbol(c, &sym);
            if (map < 0)
                return ebpf_errf(c->err, c->errlen, -EINVAL,
                                 "%s: section %s: relocation %zu at insn %zu refers to '%s' in section "
                                 "%s, which is not a map or global data",
                                 c->path, secname, r, idx, sname,
                                 sec_name(c, sym.st_shndx) ? sec_name(c, sym.st_shndx) : "?");
            if (sym.st_shndx == c->maps_shndx || sym.st_shndx == c->legacy_maps_shndx) {
                in->src = BPF_PSEUDO_MAP_FD;
                in->imm = map;
            } else {
                in->src = BPF_PSEUDO_MAP_VALUE;
                in[1].imm = in->imm + (int32_t)sym.st_value;
                in->imm = map;
            }
        }
    }
    return 0;
}

/* The symbol of program prog: a function named like it in its section. */
static int find_prog_symbol(struct elf_ctx *c, const char *name, int shndx, GElf_Sym *out)
{
    for (size_t i = 0; i < c->n_syms; i++) {
        GElf_Sym s;
        if (!gelf_getsym(c->symtab, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
            (int)s.st_shndx != shndx)
            continue;
        const char *n = elf_strptr(c->elf, c->sym_strndx, s.st_name);
        if (n && !strcmp(n, name)) {
            *out = s;
            return 0;
        }
    }
    return -ENOENT;
}

static int load_prog(struct elf_ctx *c, struct bpf_program *p)
{
    const char *name = bpf_program__name(p);
    const char *secname = bpf_program__section_name(p);
    int shndx = find_section(c, secname);
    GElf_Sym sym;
    if (shndx < 0 || find_prog_symbol(c, name, shndx, &sym) < 0)
        return ebpf_errf(c->err, c->errlen, -EINVAL, "%s: program '%s': no function symbol in section %s",
                         c->path, name, secname);
    Elf_Data *d = sec_data(c, shndx);
    if (!d || sym.st_value % INSN_SZ || sym.st_size % INSN_SZ || sym.st_value + sym.st_size > d->d_size)
        return ebpf_errf(c->err, c->errlen, -EINVAL,
                         "%s: program '%s': symbol lies outside section %s", c->path, name, secname);
    size_t first = sym.st_value / INSN_SZ, n = sym.st_size / INSN_SZ;
    bool uses_text = false;
    /* First pass on a scratch copy only to learn whether .text is needed. */
    struct ebpf_insn *insns = malloc((n + c->text_n) * sizeof(*insns));
    if (!insns)
        return ebpf_errf(c->err, c->errlen, -ENOMEM, "out of memory");
    memcpy(insns, (const struct ebpf_insn *)d->d_buf + first, n * sizeof(*insns));
    int rc = apply_relocs(c, shndx, insns, 0, first, n, SIZE_MAX, &uses_text);
    if (rc == 0 && uses_text) {
        if (!c->text_n) {
            free(insns);
            return ebpf_errf(c->err, c->errlen, -EINVAL,
                             "%s: program '%s' calls into .text, which is empty", c->path, name);
        }
        memcpy(insns, (const struct ebpf_insn *)d->d_buf + first, n * sizeof(*insns));
        memcpy(insns + n, c->text, c->text_n * sizeof(*insns));
        bool dummy = false;
        rc = apply_relocs(c, shndx, insns, 0, first, n, n, &dummy);
        if (rc == 0)
            rc = apply_relocs(c, c->text_shndx, insns, n, 0, c->text_n, n, &dummy);
        n += c->text_n;
    }
    if (rc == 0 && (rc = ebpf_object_add_prog(c->obj, name, secname, insns, n)) < 0)
        ebpf_errf(c->err, c->errlen, rc, "out of memory");
    if (rc < 0)
        free(insns);
    return rc;
}

int ebpf_object_open(const char *path, const struct ebpf_object_opts *opts, ebpf_object **out,
                     char *err, size_t errlen)
{
    *out = NULL;
    struct elf_ctx c = {.path = path, .err = err, .errlen = errlen};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ebpf_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
    int rc = open_elf(&c, fd);
    if (rc < 0)
        goto out;
    libbpf_print_fn_t old = libbpf_set_print(capture_libbpf);
    libbpf_last[0] = 0;
    c.bobj = bpf_object__open_file(path, NULL);
    int open_errno = errno;
    libbpf_set_print(old);
    if (!c.bobj) {
        rc = ebpf_errf(err, errlen, -EINVAL, "%s: libbpf cannot open it: %s%s%s", path,
                       strerror(open_errno), libbpf_last[0] ? ": " : "", libbpf_last);
        goto out;
    }
    c.obj = ebpf_object_alloc(bpf_object__name(c.bobj), opts);
    if (!c.obj) {
        rc = ebpf_errf(err, errlen, -ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = load_maps(&c)) < 0)
        goto out;
    struct bpf_program *p;
    bpf_object__for_each_program(p, c.bobj) {
        if ((rc = load_prog(&c, p)) < 0)
            goto out;
    }
    if (ebpf_object_prog_count(c.obj) == 0) {
        rc = ebpf_errf(err, errlen, -ENOENT, "%s: no programs (no executable section besides .text)",
                       path);
        goto out;
    }
    char why[EBPF_ERR_LEN];
    if ((rc = ebpf_object_finish(c.obj, why, sizeof(why))) < 0) {
        ebpf_errf(err, errlen, rc, "%s: %s", path, why);
        goto out;
    }
    *out = c.obj;
    c.obj = NULL;
out:
    ebpf_object_close(c.obj);
    if (c.bobj)
        bpf_object__close(c.bobj);
    if (c.elf)
        elf_end(c.elf);
    close(fd);
    return rc;
}
