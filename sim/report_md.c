/* report.md: the report's tables as Markdown. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

void report_md_table(FILE *f, const struct rep_table *t);
void report_md_table(FILE *f, const struct rep_table *t)
{
    if (strcmp(t->title, rep_section_titles[t->section]))
        fprintf(f, "### %s\n\n", t->title);
    for (unsigned i = 0; i < t->n; i++) {
        unsigned col = i % t->cols;
        fputs(col ? " | " : "| ", f);
        md_cell(f, t->cell[i]);
        if (col == t->cols - 1) {
            fputs(" |\n", f);
            if (i == t->cols - 1) {
                for (unsigned k = 0; k < t->cols; k++)
                    fputs(k ? "|---" : "|---", f);
                fputs("|\n", f);
            }
        }
    }
    if (t->n % t->cols)
        fputs(" |\n", f);
    if (t->note)
        fprintf(f, "\n%s\n", t->note);
    fputc('\n', f);
}

int report_write_md(const struct report *r, const char *path, const struct json_t *driver)
{
    struct rep_tables tt;
    report_tables(r, driver, &tt);
    FILE *f = fopen(path, "w");
    if (!f) {
        report_tables_free(&tt);
        return -errno;
    }
    fprintf(f, "# Throughput report\n\n"
               "Merged by `ebpfsim report merge` from the %u points of the sweep in `%s` (plan: "
               "`sweep.json`, job list: `jobs.txt`). Every figure is a point's own `ebpfsim nic "
               "--json` output, a cosim job's `cosim.json` or a kernel job's `kbench.json`; docs/report.md explains them.\n\n",
            r->n_points, r->dir);
    int sec = -1;
    for (unsigned i = 0; i < tt.n; i++) {
        if ((int)tt.t[i].section != sec) {
            sec = (int)tt.t[i].section;
            fprintf(f, "## %s\n\n", rep_section_titles[sec]);
        }
        report_md_table(f, &tt.t[i]);
    }
    fprintf(f, "## Reproducing\n\n"
               "```sh\n"
               "ebpfsim report run %s -j 2      # the points not run yet, then the kernel jobs\n"
               "ebpfsim report merge %s\n"
               "```\n\n"
               "Point N is line N of `jobs.txt`; each line is a complete shell command writing "
               "`points/NNNN/`. The first one:\n\n```sh\n%s\n```\n",
            r->dir, r->dir, r->n_points ? r->points[0].command : "");
    report_tables_free(&tt);
    return fclose(f) ? -errno : 0;
}
