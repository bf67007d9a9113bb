/* JSON through jansson, with every json_t owned by an APR pool. */
#ifndef IDT_JSON_H
#define IDT_JSON_H

#include <apr_pools.h>
#include <jansson.h>

#include "idt_error.h"

/* Hands j to pool p: it is decref'd when p is cleared. Returns j. */
json_t *idt_json_own(apr_pool_t *p, json_t *j);

/* Parses untrusted text: IDT_E_BAD_REQUEST for malformed JSON (message gives line
 * and column, never the input), for nesting deeper than max_depth, and when the
 * root is not an object; IDT_E_PRIVATE_KEY when any string (member names included,
 * escapes decoded) holds private-key armour (idt_text_has_private_key), the message
 * naming at most the member. The result is owned by p. */
idt_error *idt_json_parse_object(apr_pool_t *p, const char *buf, apr_size_t len, int max_depth,
                                 json_t **out);

/* Options of idt_json_parse_object_opts. */
/* A comma before a closing ] or } (outside strings, white space between allowed) is
 * read as white space: the OWSM examples print "dn": [ "wls1", ]. Only for the APIs
 * whose documentation says so; positions in error messages stay those of the input. */
#define IDT_JSON_TRAILING_COMMAS 0x1

/* idt_json_parse_object with options (IDT_JSON_*). */
idt_error *idt_json_parse_object_opts(apr_pool_t *p, const char *buf, apr_size_t len,
                                      int max_depth, int opts, json_t **out);

/* A copy of buf[0..len) in p (NUL-terminated) where every comma that is followed,
 * after white space only, by ] or } outside a string is a space; one linear pass. */
char *idt_json_strip_trailing_commas(apr_pool_t *p, const char *buf, apr_size_t len);

/* Nesting depth of the JSON text (brackets outside strings), without parsing it. */
int idt_json_depth(const char *buf, apr_size_t len);

/* Compact serialisation into p (NULL only if j is NULL). */
const char *idt_json_dump(apr_pool_t *p, const json_t *j, size_t flags);

/* Reads member key of obj as a string: IDT_E_BAD_REQUEST naming the member when it
 * is missing (and required), not a string, empty, or longer than maxlen bytes. *out
 * is NULL when absent and not required. */
idt_error *idt_json_string(apr_pool_t *p, const json_t *obj, const char *key, int required,
                           apr_size_t maxlen, const char **out);

/* IDT_E_BAD_REQUEST naming the first member of obj not in the NULL-ended allowed list. */
idt_error *idt_json_only(apr_pool_t *p, const json_t *obj, const char *const *allowed);

#endif
