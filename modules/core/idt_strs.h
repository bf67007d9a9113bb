/* Text built from pieces and joined once: an answer costs its own length, never the
 * square of it (re-copying a growing string per line would let a reader make a worker's
 * time and memory grow with the square of an answer). */
#ifndef IDT_STRS_H
#define IDT_STRS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* An empty list of pieces (const char *) in p. */
apr_array_header_t *idt_strs_make(apr_pool_t *p);

/* Appends the NUL-terminated pieces given, up to a NULL; a NULL piece ends the list, so
 * a missing value must be passed as "". The pieces are not copied: they must live as long
 * as the list's pool. */
void idt_strs_add(apr_array_header_t *strs, ...);

/* The pieces joined, with sep (NULL or "" for none) between each two; "" for none. One
 * allocation of the exact length in p. */
const char *idt_strs_join(apr_pool_t *p, const apr_array_header_t *strs, const char *sep);

#endif
