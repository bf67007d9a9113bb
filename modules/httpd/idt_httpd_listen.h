/* A thread per child process that LISTENs for repository changes made by any node
 * (writers NOTIFY in their transaction; PostgreSQL delivers at commit). */
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

/* Starts the thread in child_init. It holds one mod_dbd connection for as long as the
 * child lives, reconnecting after a database restart, and stops with pchild. */
void idt_httpd_listen_start(server_rec *s, apr_pool_t *pchild, const char *channel,
                            const idt_listen_cb *cb);

#endif
