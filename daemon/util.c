/*
 * util.c - allocation helpers that abort on out-of-memory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
