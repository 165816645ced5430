/*
 * util.h - allocation helpers that abort on out-of-memory, so call sites
 * stay short, and small string helpers.
 */
#ifndef VXMIRROR_UTIL_H
#define VXMIRROR_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* mkdir_p: create `path` and its missing parents (mode 0750); 0 when it
 * ends up a directory (ENOTDIR when something else has the name). */
int mkdir_p(const char *path);
/* mkdir_parent: mkdir_p of the directory part of `path` (nothing for a bare name). */
int mkdir_parent(const char *path);

/* strlcpy: BSD semantics, always NUL-terminates when size > 0. */
size_t vx_strlcpy(char *dst, const char *src, size_t size);

#endif
