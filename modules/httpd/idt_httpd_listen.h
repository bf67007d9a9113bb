/* Repository changes made by any node, as NOTIFY on a channel (writers NOTIFY in their
 * transaction; PostgreSQL delivers at commit), told to a module's read cache. The
 * listening is mod_idtrust's (idtrust_listen): one thread and one connection per child
 * for all modules. */
#ifndef IDT_HTTPD_LISTEN_H
#define IDT_HTTPD_LISTEN_H

#include <httpd.h>

typedef struct idt_listen_cb {
    /* something changed: in scope (a NOTIFY payload), or anything (scope NULL: an
     * empty payload, or the listener (re)connected and may have missed changes) */
    void (*changed)(void *ctx, const char *scope);
    void (*connected)(void *ctx, int is_up); /* the listener's connection came or went */
    void *ctx;
} idt_listen_cb;

/* Subscribes cb to channel, in child_init: cb->connected(1) and changed(NULL) once the
 * LISTEN is made, changed(payload) per NOTIFY, connected(0) and changed(NULL) when the
 * connection is lost (until it is back). Without mod_idtrust nothing is called, and
 * the cache stays unusable. */
void idt_httpd_listen_start(server_rec *s, apr_pool_t *pchild, const char *channel,
                            const idt_listen_cb *cb);

#endif
