#include "idt_httpd_db.h"

#include <apr_dbd.h>
#include <apr_optional.h>
#include <http_log.h>

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) * dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) * dbd_close;

const char *idt_httpd_db_init(void)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_acquire || !dbd_open || !dbd_close)
        return "mod_dbd is not loaded: add LoadModule dbd_module and DBDriver pgsql";
    return NULL;
}

PGconn *idt_httpd_db_native(ap_dbd_t *dbd)
{
    const char *name = apr_dbd_name(dbd->driver);
    if (!name || strcmp(name, "pgsql")) return NULL;
    return (PGconn *)apr_dbd_native_handle(dbd->driver, dbd->handle);
}

ap_dbd_t *idt_httpd_db_open(server_rec *s, apr_pool_t *p)
{
    if (!dbd_open && idt_httpd_db_init()) return NULL;
    return dbd_open(p, s);
}

void idt_httpd_db_close(server_rec *s, ap_dbd_t *dbd)
{
    if (dbd && dbd_close) dbd_close(s, dbd);
}

idt_error *idt_httpd_db_work(server_rec *s, apr_pool_t *p,
                             idt_error *(*fn)(idt_db *db, void *ctx), void *ctx)
{
    ap_dbd_t *dbd = idt_httpd_db_open(s, p);
    PGconn *conn = dbd ? idt_httpd_db_native(dbd) : NULL;
    idt_db *db;
    idt_error *e;

    if (!conn) {
        idt_httpd_db_close(s, dbd);
        return idt_err(p, IDT_E_UNAVAILABLE, "the repository is unavailable; retry later");
    }
    db = idt_db_wrap(p, conn);
    if (!(e = idt_db_begin(db)) && !(e = fn(db, ctx))) e = idt_db_commit(db);
    if (e) idt_db_rollback(db);
    idt_httpd_db_close(s, dbd);
    return e;
}

idt_error *idt_httpd_db(request_rec *r, idt_db **db)
{
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    PGconn *conn;

    *db = NULL;
    if (!dbd)
        return idt_err(r->pool, IDT_E_UNAVAILABLE, "the repository is unavailable; retry later");
    if (!(conn = idt_httpd_db_native(dbd)))
        return idt_err(r->pool, IDT_E_INTERNAL, "DBDriver must be pgsql");
    *db = idt_db_wrap(r->pool, conn);
    return NULL;
}

int idt_httpd_schema_check(server_rec *s, apr_pool_t *p, int module_index, const char *tag,
                           const char *module, int needed, const char *migration)
{
    ap_dbd_t *dbd = idt_httpd_db_open(s, p);
    PGconn *conn = dbd ? idt_httpd_db_native(dbd) : NULL;
    idt_error *e;
    int have = 0;

    if (!conn) {
        ap_log_error_(__FILE__, __LINE__, module_index, APLOG_WARNING, 0, s,
                      "%s: repository unreachable at start; %s answers 503 until it is back", tag,
                      module);
        idt_httpd_db_close(s, dbd);
        return 1;
    }
    e = idt_db_schema_version(idt_db_wrap(p, conn), &have);
    idt_httpd_db_close(s, dbd);
    if (e) {
        ap_log_error_(__FILE__, __LINE__, module_index, APLOG_WARNING, 0, s,
                      "%s: schema version unknown (%s); %s goes on", tag,
                      e->detail ? e->detail : e->msg, module);
        return 1;
    }
    if (have < needed) {
        ap_log_error_(__FILE__, __LINE__, module_index, APLOG_CRIT, 0, s,
                      "%s: the repository schema is at version %d but %s needs %d (schema/%s): "
                      "apply the pending migrations with scripts/migrate",
                      tag, have, module, needed, migration);
        return 0;
    }
    return 1;
}
