#include "util/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool array_reserve_n(void *items_ptr, size_t *cap, size_t count, size_t n, size_t elem_size)
{
	void *items, *grown;
	size_t need, ncap;

	if (count > SIZE_MAX - n)
		return false;
	need = count + n;
	if (need <= *cap)
		return true;
	ncap = *cap > SIZE_MAX / 2 ? need : *cap ? *cap * 2 : 8;
	if (ncap < need)
		ncap = need;
	if (ncap > SIZE_MAX / elem_size)
		return false;
	/* items_ptr points at a typed pointer; copy it out and back so no
	 * pointer is read through the wrong type. */
	memcpy(&items, items_ptr, sizeof items);
	grown = realloc(items, ncap * elem_size);
	if (!grown)
		return false;
	memcpy(items_ptr, &grown, sizeof grown);
	*cap = ncap;
	/* The caller's pointer now owns grown (copied in above). */
	// cppcheck-suppress memleak
	return true;
}

bool array_reserve(void *items_ptr, size_t *cap, size_t count, size_t elem_size)
{
	return array_reserve_n(items_ptr, cap, count, 1, elem_size);
}
