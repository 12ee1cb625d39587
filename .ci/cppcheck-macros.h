/* cppcheck reads no system headers; these are the library macros our code
 * uses as statements, so it can parse the loops they open. */
#define cJSON_ArrayForEach(element, array) \
	for (element = (array != NULL) ? (array)->child : NULL; element != NULL; element = element->next)
