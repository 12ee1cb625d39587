/* Growable arrays: the one place that doubles a capacity. */
#ifndef ENVCTL_UTIL_ARRAY_H
#define ENVCTL_UTIL_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room for element number `count` in the array whose pointer is at
 * items_ptr (a T **, passed as void *) with capacity *cap, doubling as
 * needed. On failure the array is unchanged and false is returned. */
bool array_reserve(void *items_ptr, size_t *cap, size_t count, size_t elem_size);
/* The same for n elements after the first `count` (a whole set pushed at
 * once): afterwards *cap >= count + n. n == 0 asks for nothing. */
bool array_reserve_n(void *items_ptr, size_t *cap, size_t count, size_t n, size_t elem_size);

#endif
