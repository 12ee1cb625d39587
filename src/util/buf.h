/* A growable byte buffer, always NUL-terminated. */
#ifndef ENVCTL_UTIL_BUF_H
#define ENVCTL_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct Buf {
	char *data;
	size_t len;
	size_t cap;
} Buf;

#define BUF_INIT { NULL, 0, 0 }

bool buf_reserve(Buf *b, size_t extra);
bool buf_append(Buf *b, const void *data, size_t len);
bool buf_puts(Buf *b, const char *s);
bool buf_putc(Buf *b, char c);
bool buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (never NULL on success; "" when empty). */
char *buf_take(Buf *b);
void buf_reset(Buf *b);
void buf_clear(Buf *b);
/* For buffers that held a secret: zeroes the whole capacity, then frees. */
void buf_wipe(Buf *b);

#endif
