/* ISA-level subcommands: asm, disasm, plugin, conformance. */
#include <dirent.h>
#include <errno.h>
#include <gelf.h>
#include <getopt.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "sim.h"

/* ------------------------------------------------------------------ asm */

int cmd_asm(int argc, char **argv)
{
    const char *out_path = NULL, *format = "hex";
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"format", required_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'f': format = optarg; break;
        case 'h':
            printf("usage: ebpfsim asm [-f hex|bytes|bin] [-o OUT] FILE|-\n"
                   "  hex    one 8-byte slot per line, bytes in memory order (default)\n"
                   "  bytes  all bytes space-separated on one line (plugin input)\n"
                   "  bin    raw bytecode (needs -o)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        errmsg("asm", "expected one input file (or -)");
        return 2;
    }
    if (strcmp(format, "hex") && strcmp(format, "bytes") && strcmp(format, "bin")) {
        errmsg("asm", "unknown format '%s' (hex, bytes, bin)", format);
        return 2;
    }
    char *text = read_file(argv[optind], NULL);
    if (!text) {
        errmsg("asm", "%s: %s", argv[optind], strerror(errno));
        return 1;
    }
    struct ebpf_insn *insns;
    size_t n;
    char err[EBPF_ERR_LEN];
    int rc = ebpf_asm(text, &insns, &n, err, sizeof(err));
    free(text);
    if (rc < 0) {
        errmsg("asm", "%s: %s", argv[optind], err);
        return 1;
    }
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "wb"))) {
        errmsg("asm", "%s: %s", out_path, strerror(errno));
        free(insns);
        return 1;
    }
    if (!strcmp(format, "bin")) {
        fwrite(insns, sizeof(*insns), n, out);
    } else {
        const uint8_t *b = (const uint8_t *)insns;
        for (size_t i = 0; i < n * 8; i++) {
            bool bytes = !strcmp(format, "bytes");
            fprintf(out, bytes ? "%s%02x" : "%s%02x", (bytes && i) ? " " : "", b[i]);
            if (!bytes && i % 8 == 7)
                fputc('\n', out);
        }
        if (!strcmp(format, "bytes"))
            fputc('\n', out);
    }
    if (out != stdout)
        fclose(out);
    free(insns);
    return 0;
}

/* --------------------------------------------------------------- disasm */

static void disasm_range(const struct ebpf_insn *insns, size_t n, FILE *out)
{
    char line[128];
    for (size_t i = 0; i < n;) {
        int used = ebpf_disasm_insn(insns, n, i, line, sizeof(line));
        fprintf(out, "%6zu: %s\n", i, line);
        i += used == 2 ? 2 : 1;
    }
}

static int disasm_elf(const char *path, FILE *out)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        errmsg("disasm", "%s: %s", path, strerror(errno));
        return 1;
    }
    Elf *elf = elf_begin(fileno(f), ELF_C_READ, NULL);
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
        errmsg("disasm", "%s: not a readable ELF object: %s", path, elf_errmsg(-1));
        if (elf)
            elf_end(elf);
        fclose(f);
        return 1;
    }
    int shown = 0;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR))
            continue;
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !d->d_size)
            continue;
        if (d->d_size % sizeof(struct ebpf_insn)) {
            errmsg("disasm", "%s: section %s: size %zu is not a multiple of 8", path,
                   name ? name : "?", d->d_size);
            elf_end(elf);
            fclose(f);
            return 1;
        }
        fprintf(out, "section %s:\n", name ? name : "?");
        disasm_range(d->d_buf, d->d_size / sizeof(struct ebpf_insn), out);
        shown++;
    }
    elf_end(elf);
    fclose(f);
    if (!shown) {
        errmsg("disasm", "%s: no executable sections", path);
        return 1;
    }
    return 0;
}

int cmd_disasm(int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: ebpfsim disasm FILE|-\n"
                "  FILE is a BPF ELF object, raw bytecode, or hex text (as 'ebpfsim asm' writes)\n");
        return argc == 2 ? 0 : 2;
    }
    size_t len;
    char *data = read_file(argv[1], &len);
    if (!data) {
        errmsg("disasm", "%s: %s", argv[1], strerror(errno));
        return 1;
    }
    if (len >= 4 && !memcmp(data, "\177ELF", 4)) {
        free(data);
        return disasm_elf(argv[1], stdout);
    }
    uint8_t *bytes = (uint8_t *)data;
    size_t nbytes = len;
    bool is_text = true;
    for (size_t i = 0; i < len; i++)
        if (!(data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r' ||
              (data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'f') ||
              (data[i] >= 'A' && data[i] <= 'F') || data[i] == 'x'))
            is_text = false;
    uint8_t *parsed = NULL;
    if (is_text) {
        char err[EBPF_ERR_LEN];
        if (ebpf_parse_hex_bytes(data, &parsed, &nbytes, err, sizeof(err)) < 0) {
            errmsg("disasm", "%s: %s", argv[1], err);
            free(data);
            return 1;
        }
        bytes = parsed;
    }
    int rc = 0;
    if (nbytes % 8 || nbytes == 0) {
        errmsg("disasm", "%s: %zu bytes is not a whole number of 8-byte instructions", argv[1],
               nbytes);
        rc = 1;
    } else {
        struct ebpf_insn *insns = malloc(nbytes);
        if (insns) {
            memcpy(insns, bytes, nbytes);
            disasm_range(insns, nbytes / 8, stdout);
            free(insns);
        }
    }
    free(parsed);
    free(data);
    return rc;
}

/* --------------------------------------------------------------- plugin */

/* Load and run one program on a copy of mem; fills r0 or an error.  With
 * rtl, the RTL runs it (alone, or in lockstep with the model: cosim). */
static int run_program_on(struct rtl_plain *rtl, const char *label, const struct ebpf_insn *insns,
                          size_t n, const uint8_t *mem, size_t mem_len, uint64_t budget,
                          uint64_t *r0, char *err, size_t errlen)
{
    struct ebpf_vm_config cfg;
    ebpf_vm_config_default(&cfg);
    if (budget)
        cfg.insn_budget = budget;
    ebpf_vm *vm = ebpf_vm_create(&cfg);
    if (!vm)
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    ebpf_vm_register_conformance_helpers(vm);
    ebpf_prog *prog;
    int rc = ebpf_prog_load(vm, insns, n, &prog, err, errlen);
    if (rc == 0) {
        uint8_t *copy = mem_len ? malloc(mem_len) : NULL;
        if (mem_len && !copy) {
            rc = -ENOMEM;
            snprintf(err, errlen, "out of memory");
        } else {
            if (mem_len)
                memcpy(copy, mem, mem_len);
            struct ebpf_run_result res;
            if (rtl) {
                rc = rtl_plain_run_mem(rtl, vm, prog, copy, mem_len, label, &res, err, errlen);
                if (rc == -EFAULT)
                    ebpf_fault_format(&res.fault, err, errlen);
            } else {
                rc = ebpf_vm_run_mem(vm, prog, copy, mem_len, &res);
                if (rc < 0)
                    ebpf_fault_format(&res.fault, err, errlen);
            }
            *r0 = res.r0;
            free(copy);
        }
        ebpf_prog_destroy(prog);
    }
    ebpf_vm_destroy(vm);
    return rc;
}

static int run_program(const struct ebpf_insn *insns, size_t n, const uint8_t *mem, size_t mem_len,
                       uint64_t budget, uint64_t *r0, char *err, size_t errlen)
{
    return run_program_on(NULL, NULL, insns, n, mem, mem_len, budget, r0, err, errlen);
}

int cmd_plugin(int argc, char **argv)
{
    /* The suite passes memory as hex in the positional arguments and may add
     * its own options; we accept and ignore unknown "--opt value" pairs except
     * --elf, which we do not support here. */
    size_t mem_cap = 1;
    for (int i = 1; i < argc; i++)
        mem_cap += strlen(argv[i]) + 1;
    char *memtext = calloc(1, mem_cap);
    uint64_t budget = UINT64_MAX;
    for (int i = 1; i < argc && memtext; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ebpfsim plugin [MEM-HEX...] [--budget N] < program-hex\n"
                   "  bpf_conformance plugin protocol: the program arrives on stdin as hex bytes,\n"
                   "  r1 points at MEM (r2 = its length), r0 is printed in hex.\n");
            free(memtext);
            return 0;
        }
        if (!strcmp(argv[i], "--elf")) {
            fprintf(stderr, "ebpfsim plugin: --elf input is not supported; pass bytecode\n");
            free(memtext);
            return 1;
        }
        if (!strcmp(argv[i], "--budget") && i + 1 < argc) {
            budget = strtoull(argv[++i], NULL, 0);
            continue;
        }
        if (!strncmp(argv[i], "--", 2)) {
            if (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
                i++;
            continue;
        }
        strcat(memtext, argv[i]);
        strcat(memtext, " ");
    }
    if (!memtext) {
        fprintf(stderr, "ebpfsim plugin: out of memory\n");
        return 1;
    }
    char err[EBPF_ERR_LEN];
    uint8_t *mem = NULL, *prog = NULL;
    size_t mem_len = 0, prog_len = 0;
    int status = 1;
    char *text = read_file("-", NULL);
    if (!text) {
        fprintf(stderr, "ebpfsim plugin: reading stdin: %s\n", strerror(errno));
        goto out;
    }
    if (ebpf_parse_hex_bytes(memtext, &mem, &mem_len, err, sizeof(err)) < 0) {
        fprintf(stderr, "ebpfsim plugin: memory argument: %s\n", err);
        goto out;
    }
    if (ebpf_parse_hex_bytes(text, &prog, &prog_len, err, sizeof(err)) < 0) {
        fprintf(stderr, "ebpfsim plugin: program on stdin: %s\n", err);
        goto out;
    }
    if (prog_len == 0 || prog_len % 8) {
        fprintf(stderr, "ebpfsim plugin: program is %zu bytes, not a whole number of instructions\n",
                prog_len);
        goto out;
    }
    struct ebpf_insn *insns = malloc(prog_len);
    if (!insns)
        goto out;
    memcpy(insns, prog, prog_len);
    uint64_t r0 = 0;
    int rc = run_program(insns, prog_len / 8, mem, mem_len, budget, &r0, err, sizeof(err));
    free(insns);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    printf("%" PRIx64 "\n", r0);
    status = 0;
out:
    free(text);
    free(memtext);
    free(mem);
    free(prog);
    return status;
}

/* ---------------------------------------------------------- conformance */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run one test through a child "ebpfsim plugin" process. */
static int run_via_plugin(const char *self, const struct ebpf_insn *insns, size_t n,
                          const uint8_t *mem, size_t mem_len, uint64_t *r0, char *err,
                          size_t errlen)
{
    char *memarg = malloc(mem_len * 3 + 1);
    if (!memarg)
        return -ENOMEM;
    memarg[0] = 0;
    for (size_t i = 0; i < mem_len; i++)
        sprintf(memarg + i * 3, "%02x%s", mem[i], i + 1 < mem_len ? " " : "");
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe(in_pipe) || pipe(out_pipe) || pipe(err_pipe)) {
        free(memarg);
        return -errno;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(err_pipe[0]);
        if (mem_len)
            execl(self, self, "plugin", memarg, (char *)NULL);
        else
            execl(self, self, "plugin", (char *)NULL);
        _exit(127);
    }
    free(memarg);
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    FILE *w = fdopen(in_pipe[1], "w");
    const uint8_t *b = (const uint8_t *)insns;
    for (size_t i = 0; i < n * 8; i++)
        fprintf(w, i ? " %02x" : "%02x", b[i]);
    fputc('\n', w);
    fclose(w);
    char outbuf[128] = "", errbuf[512] = "";
    ssize_t k = read(out_pipe[0], outbuf, sizeof(outbuf) - 1);
    outbuf[k > 0 ? k : 0] = 0;
    k = read(err_pipe[0], errbuf, sizeof(errbuf) - 1);
    errbuf[k > 0 ? k : 0] = 0;
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        size_t l = strlen(errbuf);
        while (l && (errbuf[l - 1] == '\n' || errbuf[l - 1] == ' '))
            errbuf[--l] = 0;
        snprintf(err, errlen, "%.250s", errbuf);
        return -EINVAL;
    }
    char *end;
    *r0 = strtoull(outbuf, &end, 16);
    if (end == outbuf) {
        snprintf(err, errlen, "plugin printed '%s'", outbuf);
        return -EINVAL;
    }
    return 0;
}

int cmd_conformance(int argc, char **argv)
{
    bool verbose = false, via_plugin = false;
    int cpu = 4;
    const char *engine = "model", *wave = NULL;
    static const struct option opts[] = {
        {"verbose", no_argument, 0, 'v'},
        {"via-plugin", no_argument, 0, 'p'},
        {"cpu", required_argument, 0, 'c'},
        {"engine", required_argument, 0, 'e'},
        {"wave", required_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "vpc:e:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'v': verbose = true; break;
        case 'p': via_plugin = true; break;
        case 'e':
            engine = optarg;
            if (strcmp(engine, "model") && strcmp(engine, "rtl") && strcmp(engine, "cosim")) {
                errmsg("conformance", "unknown engine '%s' (model, rtl, cosim)", engine);
                return 2;
            }
            break;
        case 'w': wave = optarg; break;
        case 'c':
            cpu = atoi(optarg + (optarg[0] == 'v'));
            if (cpu < 1 || cpu > 4) {
                errmsg("conformance", "--cpu must be v1..v4");
                return 2;
            }
            break;
        case 'h':
            printf("usage: ebpfsim conformance [--verbose] [--via-plugin] [--cpu vN]\n"
                   "                           [--engine model|rtl|cosim] [--wave F.fst] DIR|FILE...\n"
                   "  Runs bpf_conformance .data files; ends with 'N passed, N failed'.\n"
                   "  Tests needing more than --cpu (default v4) are skipped and counted.\n"
                   "  --engine rtl runs them on the RTL core, cosim on the RTL and the model in\n"
                   "  lockstep (every retired instruction and every run's cycles compared).\n");
            return 0;
        default: return 2;
        }
    }
    if (optind >= argc) {
        errmsg("conformance", "expected a directory or .data files");
        return 2;
    }
    struct rtl_plain *rtl = NULL;
    if (strcmp(engine, "model")) {
        char rerr[256];
        if (via_plugin) {
            errmsg("conformance", "--via-plugin runs the model; drop it for --engine %s", engine);
            return 2;
        }
        if (!(rtl = rtl_plain_create(!strcmp(engine, "cosim"), wave, rerr, sizeof(rerr)))) {
            errmsg("conformance", "%s", rerr);
            return 1;
        }
    }
    char **files = NULL;
    size_t nfiles = 0, cap = 0;
    for (int a = optind; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) {
            if (errno != ENOTDIR) {
                errmsg("conformance", "%s: %s", argv[a], strerror(errno));
                return 1;
            }
            if (nfiles == cap)
                files = realloc(files, (cap = cap ? cap * 2 : 64) * sizeof(*files));
            files[nfiles++] = strdup(argv[a]);
            continue;
        }
        for (struct dirent *e; (e = readdir(d));) {
            size_t l = strlen(e->d_name);
            if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
                continue;
            if (nfiles == cap)
                files = realloc(files, (cap = cap ? cap * 2 : 64) * sizeof(*files));
            size_t pl = strlen(argv[a]) + l + 2;
            files[nfiles] = malloc(pl);
            snprintf(files[nfiles++], pl, "%s/%s", argv[a], e->d_name);
        }
        closedir(d);
    }
    if (!nfiles) {
        errmsg("conformance", "no .data files found");
        return 1;
    }
    qsort(files, nfiles, sizeof(*files), cmp_names);
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[sl > 0 ? sl : 0] = 0;

    unsigned passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const char *name = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
        char err[EBPF_ERR_LEN] = "";
        struct ebpf_testcase tc;
        struct ebpf_insn *insns = NULL;
        size_t n = 0;
        char *text = read_file(files[i], NULL);
        bool ok = false;
        char why[2 * EBPF_ERR_LEN] = "";
        if (!text) {
            snprintf(why, sizeof(why), "%s", strerror(errno));
        } else if (ebpf_testcase_parse(text, &tc, err, sizeof(err)) < 0) {
            snprintf(why, sizeof(why), "parse: %s", err);
        } else {
            if (ebpf_testcase_program(&tc, &insns, &n, err, sizeof(err)) < 0) {
                snprintf(why, sizeof(why), "assemble: %s", err);
            } else {
                /* Gate on the highest version the program needs. */
                unsigned need = 1;
                for (size_t k = 0; k < n; k++) {
                    int row = ebpf_decode(&insns[k]);
                    if (row >= 0 && ebpf_isa[row].version > need)
                        need = ebpf_isa[row].version;
                    if (row >= 0 && ebpf_row_is_wide(row))
                        k++;
                }
                if ((int)need > cpu) {
                    skipped++;
                    if (verbose)
                        printf("SKIP %s (needs v%u)\n", name, need);
                    free(insns);
                    ebpf_testcase_free(&tc);
                    free(text);
                    continue;
                }
                uint64_t r0 = 0;
                int rc = via_plugin
                             ? run_via_plugin(self, insns, n, tc.mem, tc.mem_len, &r0, err, sizeof(err))
                             : run_program_on(rtl, name, insns, n, tc.mem, tc.mem_len, 0, &r0, err,
                                              sizeof(err));
                if (tc.error) {
                    ok = rc < 0 && !strcmp(err, tc.error);
                    if (!ok)
                        snprintf(why, sizeof(why), "expected error '%s', got %s '%s'", tc.error,
                                 rc < 0 ? "error" : "success", rc < 0 ? err : "");
                } else if (rc < 0) {
                    snprintf(why, sizeof(why), "%s", err);
                } else if (!tc.has_result) {
                    snprintf(why, sizeof(why), "test has no '-- result'");
                } else if (r0 != tc.result) {
                    snprintf(why, sizeof(why), "r0 = 0x%" PRIx64 ", expected 0x%" PRIx64, r0,
                             tc.result);
                } else {
                    ok = true;
                }
                free(insns);
            }
            ebpf_testcase_free(&tc);
        }
        free(text);
        if (ok) {
            passed++;
            if (verbose)
                printf("PASS %s\n", name);
        } else {
            failed++;
            printf("FAIL %s: %s\n", name, why);
        }
    }
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    if (skipped)
        printf("%u skipped (need more than ISA v%d)\n", skipped, cpu);
    if (rtl) {
        rtl_plain_summary(rtl, "conformance", stdout);
        if (rtl_plain_failures(rtl) && !failed)
            failed = 1;
        rtl_plain_destroy(rtl);
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
