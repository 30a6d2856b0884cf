/* Run a command and capture what it prints: the one helper behind the
 * command-line tests of sim/ (test_cli.c, report_test.c) and driver/
 * (driver/tests/test_cli.c).  Include after <cmocka.h>. */
#ifndef CMDRUN_H
#define CMDRUN_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct cmd_output {
    int status; /* exit status, 128 + the signal's number when one ended it */
    char *out, *err; /* malloc'd, NUL-terminated */
};

/* Everything from fd's start to its end, NUL-terminated (malloc'd). */
static inline char *cmd_slurp_fd(int fd)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    ssize_t k;
    assert_non_null(buf);
    lseek(fd, 0, SEEK_SET);
    while ((k = read(fd, buf + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
        if (n + 1 == cap) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
    }
    buf[n] = 0;
    return buf;
}

static inline void cmd_output_free(struct cmd_output *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
}

/* Run argv (NULL-terminated; argv[0] is looked up in PATH when it holds no
 * '/') and wait for it. */
static inline void cmd_capture(struct cmd_output *o, const char *const *argv)
{
    char outp[] = "/tmp/cmdrun-out-XXXXXX", errp[] = "/tmp/cmdrun-err-XXXXXX";
    int ofd = mkstemp(outp), efd = mkstemp(errp);
    assert_true(ofd >= 0 && efd >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    o->out = cmd_slurp_fd(ofd);
    o->err = cmd_slurp_fd(efd);
    close(ofd);
    close(efd);
    unlink(outp);
    unlink(errp);
}

/* cmd_capture into fixed buffers (cut to their size), for tests that keep
 * one result per call on the stack. */
static inline void cmd_capture_into(int *status, char *out, size_t out_cap, char *err, size_t err_cap,
                                    const char *const *argv)
{
    struct cmd_output o;
    cmd_capture(&o, argv);
    *status = o.status;
    snprintf(out, out_cap, "%s", o.out);
    snprintf(err, err_cap, "%s", o.err);
    cmd_output_free(&o);
}

#endif
