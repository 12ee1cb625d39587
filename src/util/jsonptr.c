#include "util/jsonptr.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* Decodes the next token of pointer (which starts at '/') into tok and
 * returns the position after it. */
static const char *jsonptr_next(const char *p, Buf *tok)
{
	buf_reset(tok);
	buf_append(tok, "", 0);
	for (p++; *p && *p != '/'; p++) {
		if (p[0] == '~' && p[1] == '1') {
			buf_putc(tok, '/');
			p++;
		} else if (p[0] == '~' && p[1] == '0') {
			buf_putc(tok, '~');
			p++;
		} else {
			buf_putc(tok, *p);
		}
	}
	return p;
}

static bool jsonptr_index(const char *tok, const cJSON *arr, long *out)
{
	char *end;
	long i;

	if (!tok[0] || (tok[0] == '0' && tok[1]) || tok[0] == '-' || tok[0] == '+')
		return false;
	i = strtol(tok, &end, 10);
	if (*end || i < 0 || i >= cJSON_GetArraySize(arr))
		return false;
	*out = i;
	return true;
}

static cJSON *jsonptr_child(const cJSON *node, const char *tok)
{
	long i;

	if (cJSON_IsObject(node))
		return cJSON_GetObjectItemCaseSensitive(node, tok);
	if (cJSON_IsArray(node) && jsonptr_index(tok, node, &i))
		return cJSON_GetArrayItem(node, (int)i);
	return NULL;
}

cJSON *jsonptr_get(const cJSON *root, const char *pointer)
{
	Buf tok = BUF_INIT;
	const cJSON *node = root;
	const char *p = pointer;

	if (!pointer || (pointer[0] && pointer[0] != '/'))
		return NULL;
	while (node && *p) {
		p = jsonptr_next(p, &tok);
		node = jsonptr_child(node, tok.data);
	}
	buf_clear(&tok);
	return (cJSON *)node;
}

Status jsonptr_set(cJSON *root, const char *pointer, cJSON *value, Error *err)
{
	Buf tok = BUF_INIT;
	cJSON *node = root;
	const char *p = pointer;
	Status st = ST_OK;

	if (!value)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (!pointer || pointer[0] != '/') {
		cJSON_Delete(value);
		return error_set(err, ST_E_INVALID, "\"%s\" is not a JSON Pointer to a field",
				 pointer ? pointer : "");
	}
	while (*p) {
		bool last;
		cJSON *child;

		p = jsonptr_next(p, &tok);
		last = *p == '\0';
		if (cJSON_IsArray(node)) {
			long i;

			if (last && strcmp(tok.data, "-") == 0) {
				cJSON_AddItemToArray(node, value);
				value = NULL;
				break;
			}
			if (!jsonptr_index(tok.data, node, &i)) {
				st = error_set(err, ST_E_INVALID, "%s: no array element \"%s\"",
					       pointer, tok.data);
				break;
			}
			if (last) {
				cJSON_ReplaceItemInArray(node, (int)i, value);
				value = NULL;
				break;
			}
			node = cJSON_GetArrayItem(node, (int)i);
			continue;
		}
		if (!cJSON_IsObject(node)) {
			st = error_set(err, ST_E_INVALID, "%s: \"%s\" is inside a value that is not an object",
				       pointer, tok.data);
			break;
		}
		child = cJSON_GetObjectItemCaseSensitive(node, tok.data);
		if (last) {
			if (child)
				cJSON_ReplaceItemInObjectCaseSensitive(node, tok.data, value);
			else
				cJSON_AddItemToObject(node, tok.data, value);
			value = NULL;
			break;
		}
		if (!child) {
			child = cJSON_CreateObject();
			if (!child || !cJSON_AddItemToObject(node, tok.data, child)) {
				cJSON_Delete(child);
				st = error_set(err, ST_E_NOMEM, "out of memory");
				break;
			}
		}
		node = child;
	}
	cJSON_Delete(value);
	buf_clear(&tok);
	return st;
}

Status jsonptr_remove(cJSON *root, const char *pointer)
{
	const char *slash;
	char *parent_ptr;
	cJSON *parent, *child;
	Buf tok = BUF_INIT;

	if (!pointer || pointer[0] != '/')
		return ST_E_INVALID;
	slash = strrchr(pointer, '/');
	parent_ptr = strndup(pointer, (size_t)(slash - pointer));
	if (!parent_ptr)
		return ST_E_NOMEM;
	parent = jsonptr_get(root, parent_ptr);
	free(parent_ptr);
	jsonptr_next(slash, &tok);
	child = parent ? jsonptr_child(parent, tok.data) : NULL;
	buf_clear(&tok);
	if (!child)
		return ST_E_NOT_FOUND;
	cJSON_Delete(cJSON_DetachItemViaPointer(parent, child));
	return ST_OK;
}

char *jsonptr_append(const char *pointer, const char *token)
{
	Buf b = BUF_INIT;

	if (!buf_puts(&b, pointer ? pointer : "") || !buf_putc(&b, '/'))
		goto fail;
	for (const char *t = token; *t; t++) {
		bool ok = *t == '~' ? buf_puts(&b, "~0") : *t == '/' ? buf_puts(&b, "~1")
								     : buf_putc(&b, *t);
		if (!ok)
			goto fail;
	}
	return buf_take(&b);
fail:
	buf_clear(&b);
	return NULL;
}
