#include "idt_httpd_listen.h"

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <http_log.h>
#include <poll.h>

#include "idt_httpd_db.h"

typedef struct listener {
    server_rec *s;
    apr_pool_t *pool;
    const char *listen_sql;
    idt_listen_cb cb;
    apr_thread_t *thread;
    volatile apr_uint32_t stop;
} listener;

/* Sleeps up to ms, waking early when asked to stop. */
static void pause_ms(listener *l, int ms)
{
    for (; ms > 0 && !apr_atomic_read32(&l->stop); ms -= 100)
        apr_sleep(apr_time_from_msec(100));
}

/* A connection that LISTENs, or NULL. */
static ap_dbd_t *subscribe(listener *l)
{
    ap_dbd_t *dbd = idt_httpd_db_open(l->s, l->pool);
    PGconn *conn = dbd ? idt_httpd_db_native(dbd) : NULL;
    PGresult *r;
    int ok;

    if (!conn) {
        idt_httpd_db_close(l->s, dbd);
        return NULL;
    }
    r = PQexec(conn, l->listen_sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        idt_httpd_db_close(l->s, dbd);
        return NULL;
    }
    return dbd;
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
            if (!(dbd = subscribe(l))) {
                apr_pool_clear(l->pool);
                pause_ms(l, 1000);
                continue;
            }
            /* anything may have changed while nobody listened */
            l->cb.connected(l->cb.ctx, 1);
            l->cb.changed(l->cb.ctx, NULL);
        }
        conn = idt_httpd_db_native(dbd);
        pfd.fd = PQsocket(conn);
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, 500) < 0) continue;
        if (pfd.revents == 0) continue;
        if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
            l->cb.connected(l->cb.ctx, 0);
            l->cb.changed(l->cb.ctx, NULL);
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, l->s,
                         "IT00031: change listener lost its connection; reads bypass the cache");
            idt_httpd_db_close(l->s, dbd);
            dbd = NULL;
            apr_pool_clear(l->pool);
            continue;
        }
        while ((n = PQnotifies(conn))) {
            l->cb.changed(l->cb.ctx, n->extra && *n->extra ? n->extra : NULL);
            PQfreemem(n);
        }
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
    return APR_SUCCESS;
}

void idt_httpd_listen_start(server_rec *s, apr_pool_t *pchild, const char *channel,
                            const idt_listen_cb *cb)
{
    listener *l = apr_pcalloc(pchild, sizeof(*l));
    apr_status_t rv;

    l->s = s;
    l->cb = *cb;
    /* channel is ours, a constant identifier: LISTEN takes no parameters */
    l->listen_sql = apr_pstrcat(pchild, "LISTEN ", channel, NULL);
    apr_pool_create(&l->pool, pchild);
    rv = apr_thread_create(&l->thread, NULL, run, l, pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "IT00032: no change listener thread; reads bypass the cache");
        l->thread = NULL;
        return;
    }
    /* a pre-cleanup: the thread must be gone before pchild destroys the subpools it uses */
    apr_pool_pre_cleanup_register(pchild, l, stop_listener);
}
