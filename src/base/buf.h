/*
 * buf.h - a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * The buffer is caller-owned (buf_init/buf_release).  Its contents are
 * always NUL-terminated so they can be used as a C string, but may hold NULs
 * themselves.  Growing past `cap` bytes fails with KT_ETOOBIG and leaves the
 * buffer unchanged; running out of memory fails with KT_ENOMEM.
 */
#ifndef KT_BASE_BUF_H
#define KT_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* owned; NULL until the first append */
	size_t len;   /* bytes used, excluding the terminating NUL */
	size_t alloc; /* bytes allocated */
	size_t cap;   /* hard limit on len */
};

void buf_init(struct buf *b, size_t cap);
void buf_release(struct buf *b);
/* Forget the contents, keep the memory. */
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Give the contents away: returns owned memory (never NULL on success, an
 * empty string for an empty buffer) and resets the buffer to empty. */
char *buf_detach(struct buf *b, size_t *len);
/* The contents as a C string ("" when empty); borrowed. */
const char *buf_str(const struct buf *b);

#endif
