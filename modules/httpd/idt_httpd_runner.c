#include "idt_httpd_runner.h"

#include <stdlib.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mpm_common.h>

#include "idt_httpd_body.h"
#include "idt_httpd_db.h"
#include "idt_httpd_error.h"
#include "idt_httpd_listen.h"
#include "idt_json.h"
#include "idt_text.h"
#include "mod_idtrust.h"

#define JSON_TYPE "application/json;charset=UTF-8"

static APR_OPTIONAL_FN_TYPE(idtrust_secret) * get_secret;

const char *idt_api_post_config(idt_api *api, apr_pool_t *pconf, server_rec *s, int cache_on)
{
    APR_OPTIONAL_FN_TYPE(idtrust_require_schema) * require_schema;
    APR_OPTIONAL_FN_TYPE(idtrust_register_api) * register_api;
    const char *err = idt_httpd_db_init();

    if (err) return err;
    get_secret = APR_RETRIEVE_OPTIONAL_FN(idtrust_secret);
    require_schema = APR_RETRIEVE_OPTIONAL_FN(idtrust_require_schema);
    register_api = APR_RETRIEVE_OPTIONAL_FN(idtrust_register_api);
    if (!get_secret || !require_schema || !register_api)
        return "mod_idtrust is not loaded: add LoadModule idtrust_module";
    require_schema(api->schema_version, api->name, api->migration);
    register_api(api->prefixes, api->render_error);
    api->cache = cache_on && api->channel ? idt_cache_create(pconf, s, api->cache_entries) : NULL;
    return NULL;
}

static void cache_changed(void *ctx, const char *scope)
{
    idt_cache_invalidate(ctx, scope);
}

static void cache_connected(void *ctx, int up)
{
    idt_cache_set_usable(ctx, up);
}

void idt_api_child_init(idt_api *api, apr_pool_t *pchild, server_rec *s)
{
    if (!idt_httpd_schema_check(s, pchild, api->module->module_index, api->tag, api->name,
                                api->schema_version, api->migration))
        exit(APEXIT_CHILDFATAL);
    idt_db_child_init(pchild);
    if (api->cache) {
        idt_listen_cb cb = {cache_changed, cache_connected, NULL};
        cb.ctx = api->cache;
        idt_cache_child_init(api->cache, pchild);
        idt_httpd_listen_start(s, pchild, api->channel, &cb);
    }
}

static int under(const char *uri, const char *prefix)
{
    apr_size_t n = strlen(prefix);
    return !strncmp(uri, prefix, n) && (uri[n] == '/' || uri[n] == '\0');
}

/* What translate_name puts in r->filename for the API's requests: they name no file. */
#define NOT_A_FILE "idtrust-api:"

int idt_api_translate(const idt_api *api, request_rec *r)
{
    const char *const *p;

    if (r->method_number == M_TRACE || !r->uri || !api->prefixes) return DECLINED;
    for (p = api->prefixes; *p; p++)
        if (under(r->uri, *p)) {
            r->filename = apr_pstrcat(r->pool, NOT_A_FILE, api->name, NULL);
            return OK;
        }
    return DECLINED;
}

int idt_api_map_to_storage(const idt_api *api, request_rec *r)
{
    if (!r->filename || strncmp(r->filename, NOT_A_FILE, sizeof(NOT_A_FILE) - 1)) return DECLINED;
    return OK;
}

int idt_api_error(const idt_api *api, request_rec *r, const idt_error *e)
{
    if (apr_table_get(r->notes, IDT_NOTE_SENT)) return OK; /* answered (and logged) already */
    idt_httpd_log_error(r, api->module->module_index, api->tag, e);
    return api->render_error(r, e);
}

void idt_reply(idt_req *q, int status, json_t *body)
{
    q->status = status;
    q->out = idt_json_own(q->p, body);
}

idt_error *idt_append(idt_req *q, json_t *list, json_t *item)
{
    if (!item || json_array_append_new(list, item))
        return idt_err(q->p, IDT_E_INTERNAL, "a stored value cannot be rendered as JSON");
    return NULL;
}

/* The rendered success body in q->body / q->content_type. */
static idt_error *render(idt_req *q)
{
    if (q->body || !q->out) return NULL;
    if (q->api->render) return q->api->render(q);
    q->body = idt_json_dump(q->p, q->out, JSON_COMPACT);
    q->content_type = JSON_TYPE;
    return q->body ? NULL : idt_err(q->p, IDT_E_INTERNAL, "the result cannot be rendered");
}

/* A cached entry holds the content type, a newline, then the body. */
static void from_cache(idt_req *q, const char *entry)
{
    const char *nl = strchr(entry, '\n');
    q->content_type = apr_pstrmemdup(q->p, entry, nl - entry);
    q->body = nl + 1;
}

/* The URI with its query (pages and filters answer differently), and the variant. */
static const char *cache_key(idt_req *q)
{
    const char *v = q->api->variant ? q->api->variant(q->r) : NULL;
    return apr_pstrcat(q->p, q->r->uri, "?", q->r->args ? q->r->args : "", v ? "\n" : "", v, NULL);
}

/* One request's work: a read from the cache or the repository, a write as one
 * transaction. The tables' triggers tell every node's cache at commit; this httpd's
 * processes are told at once, so they read their own writes. */
static idt_error *run(idt_req *q, const idt_route *rt)
{
    int write = q->r->method_number != M_GET;
    const char *scope = rt->scope >= 0 ? q->args[rt->scope] : NULL;
    idt_cache *cache = q->api->cache;
    idt_cache_stamp stamp = idt_cache_stamp_of(cache, scope);
    const char *key = NULL, *hit;
    idt_error *e;

    if (!rt->reads_body) {
        /* read (and drop) any body now: refused later, by httpd's final discard, it
         * would come after the change was committed */
        const char *body;
        apr_size_t len;
        if ((e = idt_httpd_read_body(q->r, &body, &len))) return e;
    }
    if (!write && cache) {
        key = cache_key(q);
        if ((hit = idt_cache_get(cache, key, q->p))) {
            from_cache(q, hit);
            return NULL;
        }
    }
    if ((e = idt_httpd_db(q->r, &q->db))) return e;
    if (write && (e = idt_db_begin(q->db))) return e;
    e = rt->fn(q);
    if (!e) e = render(q);
    if (!e && q->body && !q->content_type) q->content_type = JSON_TYPE;
    if (write) {
        if (!e) e = idt_db_commit(q->db);
        if (e) {
            idt_db_rollback(q->db);
        } else {
            idt_cache_invalidate(cache, scope);
            if (q->committed) q->committed(q);
        }
    } else if (!e && key && q->status == HTTP_OK && q->body) {
        idt_cache_put(cache, key, stamp, apr_pstrcat(q->p, q->content_type, "\n", q->body, NULL));
    }
    return e;
}

/* The path's decoded segments name objects: they pass the core's text checks here, once
 * for every API (httpd itself refuses %00 and, by default, %2F). */
static idt_error *path_check(idt_req *q)
{
    int i;
    idt_error *e;

    for (i = 0; i < IDT_ROUTE_MAX_ARGS && q->args[i]; i++)
        if ((e = idt_text_check(q->p, "the path", q->args[i], strlen(q->args[i]), 0))) return e;
    return NULL;
}

static int send_result(idt_req *q)
{
    if (q->status == HTTP_NO_CONTENT || !q->body) {
        q->r->status = HTTP_NO_CONTENT;
        apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
        return OK;
    }
    return idt_httpd_send(q->r, q->status, q->content_type, q->body);
}

int idt_api_handle(const idt_api *api, request_rec *r, const char *handler,
                   const char *error_handler)
{
    const idt_route *rt;
    idt_req *q;
    idt_error *e;

    if (!r->handler) return DECLINED;
    if (error_handler && !strcmp(r->handler, error_handler)) {
        e = idt_httpd_redirected_error(r);
        if (!e) e = idt_err(r->pool, IDT_E_NOT_FOUND, "no such resource");
        return idt_api_error(api, r, e);
    }
    if (strcmp(r->handler, handler)) return DECLINED;

    q = apr_pcalloc(r->pool, sizeof(*q));
    q->r = r;
    q->p = r->pool;
    q->api = api;
    q->conf = ap_get_module_config(r->server->module_config, api->module);
    q->secret = get_secret ? get_secret(r->server) : NULL;
    q->who.user = r->user;
    q->who.request_id = idt_httpd_request_id(r);
    q->who.client_ip = r->useragent_ip;
    q->status = HTTP_OK;

    e = idt_route_match(r, api->routes, r->uri, &rt, q->args);
    if (!e) e = path_check(q);
    if (!e) e = run(q, rt);
    if (e) return idt_api_error(api, r, e);
    return send_result(q);
}
