/* The change listener of a child process: one thread and one connection of the mod_dbd
 * pool LISTEN on the channels of every module with a read cache (idtrust_listen), so a
 * child holds one listening connection however many API modules are loaded. */
#include "it_listen.h"

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <http_log.h>
#include <poll.h>

#include "idt_httpd_db.h"

typedef struct sub {
    const char *channel;
    const char *listen_sql;
    idt_listen_cb cb;
    int subscribed; /* LISTEN done on the current connection */
} sub;

typedef struct listener {
    server_rec *s;
    apr_pool_t *pool; /* the connection's: cleared after each loss */
    apr_thread_mutex_t *mu;
    apr_array_header_t *subs; /* of sub, pushed under mu */
    apr_thread_t *thread;
    volatile apr_uint32_t stop;
} listener;

/* This child's listener: made at the first registration (children register in
 * child_init; the parent never does, so nothing is inherited across fork). */
static listener *the;

static void pause_ms(listener *l, int ms)
{
    for (; ms > 0 && !apr_atomic_read32(&l->stop); ms -= 100)
        apr_sleep(apr_time_from_msec(100));
}

/* Runs the LISTEN of every subscription not yet made on conn and tells each new one
 * it is up (and that anything may have changed while nobody listened); 0 when a
 * LISTEN failed (the connection is then given up). */
static int subscribe_pending(listener *l, PGconn *conn)
{
    int i, ok = 1;
    apr_thread_mutex_lock(l->mu);
    for (i = 0; i < l->subs->nelts && ok; i++) {
        sub *b = &APR_ARRAY_IDX(l->subs, i, sub);
        PGresult *r;
        if (b->subscribed) continue;
        r = PQexec(conn, b->listen_sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) break;
        b->subscribed = 1;
        b->cb.connected(b->cb.ctx, 1);
        b->cb.changed(b->cb.ctx, NULL);
    }
    apr_thread_mutex_unlock(l->mu);
    return ok;
}

/* The connection is gone: every subscription is down, and anything may change unseen. */
static void all_down(listener *l)
{
    int i;
    apr_thread_mutex_lock(l->mu);
    for (i = 0; i < l->subs->nelts; i++) {
        sub *b = &APR_ARRAY_IDX(l->subs, i, sub);
        if (b->subscribed) {
            b->cb.connected(b->cb.ctx, 0);
            b->cb.changed(b->cb.ctx, NULL);
        }
        b->subscribed = 0;
    }
    apr_thread_mutex_unlock(l->mu);
}

static void dispatch(listener *l, const PGnotify *n)
{
    const char *scope = n->extra && *n->extra ? n->extra : NULL;
    int i;
    apr_thread_mutex_lock(l->mu);
    for (i = 0; i < l->subs->nelts; i++) {
        sub *b = &APR_ARRAY_IDX(l->subs, i, sub);
        if (b->subscribed && !strcmp(b->channel, n->relname)) b->cb.changed(b->cb.ctx, scope);
    }
    apr_thread_mutex_unlock(l->mu);
}

static void *APR_THREAD_FUNC run(apr_thread_t *t, void *data)
{
    listener *l = data;
    ap_dbd_t *dbd = NULL;

    while (!apr_atomic_read32(&l->stop)) {
        PGconn *conn;
        PGnotify *n;
        struct pollfd pfd;

        if (!dbd) {
            dbd = idt_httpd_db_open(l->s, l->pool);
            if (!dbd || !idt_httpd_db_native(dbd)) {
                idt_httpd_db_close(l->s, dbd);
                dbd = NULL;
                apr_pool_clear(l->pool);
                pause_ms(l, 1000);
                continue;
            }
        }
        conn = idt_httpd_db_native(dbd);
        /* subscriptions registered since the last round (and all, after a reconnect) */
        if (!subscribe_pending(l, conn)) goto lost;
        pfd.fd = PQsocket(conn);
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, 500) < 0) continue;
        if (pfd.revents == 0) continue;
        if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) goto lost;
        while ((n = PQnotifies(conn))) {
            dispatch(l, n);
            PQfreemem(n);
        }
        continue;
    lost:
        all_down(l);
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, l->s,
                     "IT00031: change listener lost its connection; reads bypass the cache");
        idt_httpd_db_close(l->s, dbd);
        dbd = NULL;
        apr_pool_clear(l->pool);
    }
    if (dbd) idt_httpd_db_close(l->s, dbd);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static apr_status_t stop_listener(void *data)
{
    listener *l = data;
    apr_status_t rv;

    apr_atomic_set32(&l->stop, 1);
    if (l->thread) apr_thread_join(&rv, l->thread);
    the = NULL;
    return APR_SUCCESS;
}

static listener *start(server_rec *s, apr_pool_t *pchild)
{
    listener *l = apr_pcalloc(pchild, sizeof(*l));
    apr_status_t rv;

    l->s = s;
    l->subs = apr_array_make(pchild, 4, sizeof(sub));
    if (apr_thread_mutex_create(&l->mu, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS)
        return NULL;
    apr_pool_create(&l->pool, pchild);
    rv = apr_thread_create(&l->thread, NULL, run, l, pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "IT00032: no change listener thread; reads bypass the cache");
        return NULL;
    }
    /* a pre-cleanup: the thread must be gone before pchild destroys what it uses */
    apr_pool_pre_cleanup_register(pchild, l, stop_listener);
    return l;
}

void idtrust_listen(server_rec *s, apr_pool_t *pchild, const char *channel,
                    const idt_listen_cb *cb)
{
    sub *b;

    if (!the && !(the = start(s, pchild))) return; /* the cache stays unusable */
    apr_thread_mutex_lock(the->mu);
    b = apr_array_push(the->subs);
    b->channel = apr_pstrdup(pchild, channel);
    /* channel is a module's constant identifier: LISTEN takes no parameters */
    b->listen_sql = apr_pstrcat(pchild, "LISTEN ", channel, NULL);
    b->cb = *cb;
    b->subscribed = 0;
    apr_thread_mutex_unlock(the->mu);
}
