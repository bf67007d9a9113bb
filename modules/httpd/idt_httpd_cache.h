/* A read cache of rendered responses, safe across processes and nodes.
 *
 * Every entry is tagged with the generation it was read under; a generation counter
 * in shared memory is bumped by every committed write of this httpd (all its child
 * processes see it at once) and by the change listener (idt_httpd_listen) when
 * another node writes. An entry is served only when its generation is the current
 * one and the listener is connected; otherwise the cache is bypassed. */
#ifndef IDT_HTTPD_CACHE_H
#define IDT_HTTPD_CACHE_H

#include <httpd.h>

typedef struct idt_cache idt_cache;

/* In post_config: the shared generation counter, in anonymous shared memory that
 * the child processes inherit. NULL (with a log line) when it cannot be made. */
idt_cache *idt_cache_create(apr_pool_t *pconf, server_rec *s, int max_entries);

/* In child_init: the process's own table. */
void idt_cache_child_init(idt_cache *c, apr_pool_t *pchild);

/* Whether entries may be served: the change listener says so (per process). */
void idt_cache_set_usable(idt_cache *c, int usable);

/* The generation to tag a fresh read with; take it BEFORE reading the repository. */
apr_uint32_t idt_cache_generation(idt_cache *c);

/* The body cached under key for the current generation, copied into p, or NULL. */
const char *idt_cache_get(idt_cache *c, const char *key, apr_pool_t *p);

/* Remembers body under key, as read at generation gen. */
void idt_cache_put(idt_cache *c, const char *key, apr_uint32_t gen, const char *body);

/* Every entry of every process becomes stale. Call after a write commits. */
void idt_cache_invalidate(idt_cache *c);

#endif
