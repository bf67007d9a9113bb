/* mod_idstore: the Identity Center identity-store certificate API
 * (/v1/identity-stores/...) and the suite's identity-store admin API
 * (/idtrust/v1/identity-stores). Handlers: "idstore" for both APIs and
 * "idstore-error" for ErrorDocument, so httpd's own 401/403/413 come out in the
 * API's envelope. */
#include <stdlib.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mpm_common.h>

#include "idt_httpd_body.h"
#include "idt_httpd_cache.h"
#include "idt_httpd_db.h"
#include "idt_httpd_listen.h"
#include "idt_httpd_error.h"
#include "idt_json.h"
#include "is_envelope.h"
#include "is_routes.h"
#include "mod_idtrust.h"

module AP_MODULE_DECLARE_DATA idstore_module;

/* The schema this build of the module needs. */
#define IS_SCHEMA_VERSION 3
#define IS_SCHEMA_MIGRATION "003_change_notify.sql"

/* Triggers on the identity-store tables NOTIFY this channel (schema/003). */
#define IS_CHANNEL "idtrust_idstore"
/* Rendered GET responses kept per child process. */
#define IS_CACHE_ENTRIES 4096

static APR_OPTIONAL_FN_TYPE(idtrust_secret) * get_secret;
static APR_OPTIONAL_FN_TYPE(idtrust_require_schema) * require_schema;
static idt_cache *read_cache;

static void *create_server(apr_pool_t *p, server_rec *s)
{
    is_config *c = apr_pcalloc(p, sizeof(is_config));
    c->read_cache = -1;
    return c;
}

static void *merge_server(apr_pool_t *p, void *basev, void *addv)
{
    is_config *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
    c->key_bits = add->key_bits ? add->key_bits : base->key_bits;
    c->cert_days = add->cert_days ? add->cert_days : base->cert_days;
    c->public_url = add->public_url ? add->public_url : base->public_url;
    c->read_cache = add->read_cache >= 0 ? add->read_cache : base->read_cache;
    return c;
}

static const char *set_int(cmd_parms *cmd, void *dc, const char *arg)
{
    is_config *c = ap_get_module_config(cmd->server->module_config, &idstore_module);
    char *end;
    long n = strtol(arg, &end, 10);
    if (*end) return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes a number", NULL);
    if (cmd->info == (void *)1) {
        if (n != 2048 && n != 3072 && n != 4096)
            return "IdstoreSigningKeyBits takes 2048, 3072 or 4096";
        c->key_bits = (int)n;
    } else {
        if (n < 1 || n > 36500) return "IdstoreCertificateDays takes 1 to 36500";
        c->cert_days = (int)n;
    }
    return NULL;
}

static const char *set_public_url(cmd_parms *cmd, void *dc, const char *arg)
{
    is_config *c = ap_get_module_config(cmd->server->module_config, &idstore_module);
    apr_size_t n = strlen(arg);
    if (strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7))
        return "IdstorePublicURL takes an http:// or https:// URL";
    while (n > 0 && arg[n - 1] == '/')
        n--;
    c->public_url = apr_pstrmemdup(cmd->pool, arg, n);
    return NULL;
}

static const char *set_read_cache(cmd_parms *cmd, void *dc, int on)
{
    is_config *c = ap_get_module_config(cmd->server->module_config, &idstore_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    c->read_cache = on;
    return NULL;
}

static void optional_fn_retrieve(void)
{
    get_secret = APR_RETRIEVE_OPTIONAL_FN(idtrust_secret);
    require_schema = APR_RETRIEVE_OPTIONAL_FN(idtrust_require_schema);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const char *err = idt_httpd_db_init();
    if (!get_secret) optional_fn_retrieve();
    if (!err && !get_secret) err = "mod_idtrust is not loaded: add LoadModule idtrust_module";
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IS00001: mod_idstore: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* every store holds a signing key, and keys are only ever stored encrypted */
    if (!get_secret(s)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "IS00003: mod_idstore needs IdtrustSecretKeyFile: the passphrase that "
                     "encrypts signing keys at rest");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (require_schema) require_schema(IS_SCHEMA_VERSION, "mod_idstore", IS_SCHEMA_MIGRATION);
    {
        is_config *c = ap_get_module_config(s->module_config, &idstore_module);
        read_cache = c->read_cache != 0 ? idt_cache_create(pconf, s, IS_CACHE_ENTRIES) : NULL;
    }
    return OK;
}

static void cache_changed(void *ctx)
{
    idt_cache_invalidate(ctx);
}

static void cache_connected(void *ctx, int up)
{
    idt_cache_set_usable(ctx, up);
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    static const idt_listen_cb cb = {cache_changed, cache_connected, NULL};
    idt_listen_cb mine = cb;

    if (!idt_httpd_schema_check(s, p, APLOG_MODULE_INDEX, "IS00002", "mod_idstore",
                                IS_SCHEMA_VERSION, IS_SCHEMA_MIGRATION))
        exit(APEXIT_CHILDFATAL);
    if (read_cache) {
        idt_cache_child_init(read_cache, p);
        mine.ctx = read_cache;
        idt_httpd_listen_start(s, p, IS_CHANNEL, &mine);
    }
}

static int error_handler(request_rec *r)
{
    idt_error *e = idt_httpd_redirected_error(r);
    if (!e) e = idt_err(r->pool, IDT_E_NOT_FOUND, "no such resource");
    return is_render_error(r, e);
}

static int send_result(idt_req *q)
{
    if (q->cached)
        return idt_httpd_send(q->r, HTTP_OK, "application/json;charset=UTF-8", q->cached);
    if (q->status == HTTP_NO_CONTENT || !q->out) {
        q->r->status = HTTP_NO_CONTENT;
        apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
        return OK;
    }
    return idt_httpd_send(q->r, q->status, "application/json;charset=UTF-8",
                          idt_json_dump(q->p, q->out, JSON_COMPACT));
}

/* One request's work: a read from the cache or the repository, a write as one
 * transaction. The tables' triggers tell every node's cache at commit; this
 * httpd's processes are told at once, so they read their own writes. */
static idt_error *run(idt_req *q, const idt_route *rt)
{
    int write = q->r->method_number != M_GET;
    apr_uint32_t generation = idt_cache_generation(read_cache);
    idt_error *e;

    if (!rt->reads_body) {
        /* read (and drop) any body now: refused later, by httpd's final discard, it
         * would come after the change was committed */
        const char *body;
        apr_size_t len;
        if ((e = idt_httpd_read_body(q->r, &body, &len))) return e;
    }
    if (!write && (q->cached = idt_cache_get(read_cache, q->r->uri, q->p))) return NULL;
    if ((e = idt_httpd_db(q->r, &q->db))) return e;
    if (write && (e = idt_db_begin(q->db))) return e;
    e = rt->fn(q);
    if (write) {
        if (!e) e = idt_db_commit(q->db);
        if (e)
            idt_db_rollback(q->db);
        else
            idt_cache_invalidate(read_cache);
    } else if (!e && q->status == HTTP_OK && q->out) {
        q->cached = idt_json_dump(q->p, q->out, JSON_COMPACT);
        idt_cache_put(read_cache, q->r->uri, generation, q->cached);
    }
    return e;
}

static int handler(request_rec *r)
{
    const idt_route *rt;
    idt_req *q;
    idt_error *e;

    if (!r->handler) return DECLINED;
    if (!strcmp(r->handler, "idstore-error")) return error_handler(r);
    if (strcmp(r->handler, "idstore")) return DECLINED;

    q = apr_pcalloc(r->pool, sizeof(*q));
    q->r = r;
    q->p = r->pool;
    q->conf = ap_get_module_config(r->server->module_config, &idstore_module);
    q->secret = get_secret ? get_secret(r->server) : NULL;
    q->who.user = r->user;
    q->who.request_id = idt_httpd_request_id(r);
    q->who.client_ip = r->useragent_ip;
    q->status = HTTP_OK;

    e = idt_route_match(r, is_routes, r->uri, &rt, q->args);
    if (!e) e = run(q, rt);
    if (e) return is_render_error(r, e);
    return send_result(q);
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = {"mod_dbd.c", NULL};
    static const char *const after_idtrust[] = {"mod_idtrust.c", NULL};

    ap_hook_optional_fn_retrieve(optional_fn_retrieve, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, after_idtrust, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}

static const command_rec commands[] = {
    AP_INIT_TAKE1("IdstoreSigningKeyBits", set_int, (void *)1, RSRC_CONF,
                  "RSA size of generated SAML signing keys: 2048, 3072 (default) or 4096"),
    AP_INIT_TAKE1("IdstoreCertificateDays", set_int, (void *)2, RSRC_CONF,
                  "validity of generated SAML signing certificates in days (default 3650)"),
    AP_INIT_FLAG("IdstoreReadCache", set_read_cache, NULL, RSRC_CONF,
                 "keep rendered GET responses until a write on any node changes the repository "
                 "(default On)"),
    AP_INIT_TAKE1("IdstorePublicURL", set_public_url, NULL, RSRC_CONF,
                  "scheme://host[:port] clients use to reach this server, for SAML SP settings"),
    {NULL}};

AP_DECLARE_MODULE(idstore) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, create_server, merge_server, commands, register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
