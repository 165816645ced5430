/*
 * util.c - allocation helpers that abort on out-of-memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vxmirror/log.h"
#include "vxmirror/util.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("calloc %zu x %zu", nmemb, size);
	return p;
}

void *xreallocarray(void *old, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("reallocarray: %zu x %zu overflows", nmemb, size);
	p = realloc(old, nmemb * size == 0 ? 1 : nmemb * size);
	if (p == NULL)
		fatal("realloc %zu x %zu", nmemb, size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("asprintf");
	return p;
}

size_t vx_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n >= size ? size - 1 : n;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	struct stat sb;

	if (vx_strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0750) == -1 && errno != EEXIST)
		return -1;
	if (stat(buf, &sb) == -1)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int mkdir_parent(const char *path)
{
	char buf[PATH_MAX], *slash;

	if (vx_strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(buf, '/')) == NULL || slash == buf)
		return 0;
	*slash = '\0';
	return mkdir_p(buf);
}
