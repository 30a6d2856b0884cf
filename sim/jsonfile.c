/* Reading a JSON file (maps, routes, sweep plans, bench records). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonfile.h"

json_t *jsonfile_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadf(f, 0, &jerr);
    fclose(f);
    if (!root)
        snprintf(err, errlen, "%s: line %d: %s", path, jerr.line, jerr.text);
    return root;
}
