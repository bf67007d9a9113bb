#include "it_health.h"

#include <stdlib.h>
#include <apr_strings.h>
#include <http_protocol.h>

#include "idt_httpd_db.h"
#include "idt_httpd_error.h"

APLOG_USE_MODULE(idtrust);

static int schema_needed;
static const char *schema_module, *schema_migration;

void it_health_require_schema(int version, const char *module, const char *migration)
{
    if (version <= schema_needed) return;
    schema_needed = version;
    schema_module = module;
    schema_migration = migration;
}

static int ready(request_rec *r)
{
    idt_db *db;
    idt_error *e = idt_httpd_db(r, &db);
    int version = 0;

    if (!e) e = idt_db_schema_version(db, &version);
    if (e) {
        idt_httpd_log_error(r, APLOG_MODULE_INDEX, "IT00020", e);
        return idt_httpd_send(r, e->status, "application/json",
                              e->status == HTTP_SERVICE_UNAVAILABLE
                                  ? "{\"status\":\"unavailable\",\"repository\":\"unreachable\"}"
                                  : "{\"status\":\"unavailable\",\"repository\":\"failing\"}");
    }
    if (version < schema_needed) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "IT00021: the repository schema is at version %d but %s needs %d "
                      "(schema/%s): apply the pending migrations with scripts/migrate",
                      version, schema_module, schema_needed, schema_migration);
        return idt_httpd_send(r, HTTP_SERVICE_UNAVAILABLE, "application/json",
                              apr_psprintf(r->pool,
                                           "{\"status\":\"unavailable\",\"schema_version\":%d,"
                                           "\"schema_required\":%d,\"migration\":\"%s\"}",
                                           version, schema_needed, schema_migration));
    }
    return idt_httpd_send(r, HTTP_OK, "application/json",
                          apr_psprintf(r->pool,
                                       "{\"status\":\"ready\",\"schema_version\":%d,"
                                       "\"schema_required\":%d}",
                                       version, schema_needed));
}

int it_health_handler(request_rec *r)
{
    const char *leaf;

    if (!r->handler || strcmp(r->handler, "idtrust-health")) return DECLINED;
    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
        return idt_httpd_send(r, HTTP_METHOD_NOT_ALLOWED, "application/json",
                              "{\"status\":\"method not allowed\"}");
    }
    leaf = strrchr(r->uri, '/');
    if (leaf && !strcmp(leaf, "/live"))
        return idt_httpd_send(r, HTTP_OK, "application/json", "{\"status\":\"live\"}");
    if (leaf && !strcmp(leaf, "/ready")) return ready(r);
    return HTTP_NOT_FOUND;
}
