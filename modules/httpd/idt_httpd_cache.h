/* A read cache of rendered responses, safe across processes and nodes.
 *
 * Every entry is stamped with the generations it was read under: a global one and
 * the one of its scope (an identity store, say), counters in shared memory that
 * every child process sees at once. A committed write of this httpd bumps the
 * scope it touched (and the unscoped lists); the change listener (idt_httpd_listen)
 * does the same for a scope another node or a DBA changed, named by the NOTIFY
 * payload, and bumps the global generation for an empty payload or when it
 * reconnects. An entry is served only while both of its generations are current and
 * the listener is connected; otherwise the cache is bypassed. Scopes share a fixed
 * number of counters, so two scopes may share one: that only costs a re-read. */
#ifndef IDT_HTTPD_CACHE_H
#define IDT_HTTPD_CACHE_H

#include <httpd.h>

typedef struct idt_cache idt_cache;

/* What a read was stamped with; take it BEFORE reading the repository. */
typedef struct idt_cache_stamp {
    apr_uint32_t global, scoped;
    unsigned slot;
} idt_cache_stamp;

/* In post_config: the shared generation counters, in anonymous shared memory that
 * the child processes inherit. NULL (with a log line) when it cannot be made. */
idt_cache *idt_cache_create(apr_pool_t *pconf, server_rec *s, int max_entries);

/* In child_init: the process's own table. */
void idt_cache_child_init(idt_cache *c, apr_pool_t *pchild);

/* Whether entries may be served: the change listener says so (per process). */
void idt_cache_set_usable(idt_cache *c, int usable);

/* The stamp for a read in scope (NULL or "": the unscoped lists). */
idt_cache_stamp idt_cache_stamp_of(idt_cache *c, const char *scope);

/* The body cached under key, copied into p, while its stamp is current; or NULL. */
const char *idt_cache_get(idt_cache *c, const char *key, apr_pool_t *p);

/* Remembers body under key, as read with stamp. Each process keeps at most max_entries
 * entries and 16 MiB per API, and no answer over 2 MiB (served from the repository each
 * time); past either bound the process's entries start over. */
void idt_cache_put(idt_cache *c, const char *key, idt_cache_stamp stamp, const char *body);

/* Entries of scope and the unscoped lists become stale in every process; scope NULL:
 * every entry. Call after a write commits. */
void idt_cache_invalidate(idt_cache *c, const char *scope);

#endif
