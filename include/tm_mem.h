/*
 * NAME
 *	tm_mem 3h - allocation wrappers
 * DESCRIPTION
 *	These never return NULL: running out of memory is fatal. Every
 *	returned pointer is owned by the caller and released with free().
 */
#ifndef TM_MEM_H
#define TM_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
