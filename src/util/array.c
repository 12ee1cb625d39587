#include "util/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool array_reserve(void *items_ptr, size_t *cap, size_t count, size_t elem_size)
{
	void *items, *grown;
	size_t ncap;

	if (count < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap <= count)
		ncap = count + 1;
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
