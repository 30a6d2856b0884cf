/* Reading a JSON file with an error that names the file and the line. */
#ifndef EBPFSIM_JSONFILE_H
#define EBPFSIM_JSONFILE_H

#include <jansson.h>
#include <stddef.h>

/* The document of path, or NULL with "PATH: line N: why" (or "PATH: why"
 * when it cannot be opened) in err. */
json_t *jsonfile_load(const char *path, char *err, size_t errlen);

#endif
