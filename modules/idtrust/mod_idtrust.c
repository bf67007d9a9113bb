/* mod_idtrust: what the idtrust modules share in one httpd: the secret that encrypts
 * private keys at rest, the authn provider for admin accounts, the health endpoints,
 * and the server-wide handler for httpd's own errors. */
#include <stdlib.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_main.h>
#include <http_protocol.h>
#include <http_request.h>

#include "idt_httpd_db.h"
#include "idt_secret.h"
#include "it_api.h"
#include "it_authn.h"
#include "it_errors.h"
#include "it_budget.h"
#include "it_health.h"
#include "mod_idtrust.h"

module AP_MODULE_DECLARE_DATA idtrust_module;

typedef struct it_server_conf {
    const char *secret_file;
    const char *secret;
    int cache_seconds; /* -1: unset */
} it_server_conf;

static void *create_server(apr_pool_t *p, server_rec *s)
{
    it_server_conf *c = apr_pcalloc(p, sizeof(*c));
    c->cache_seconds = -1;
    return c;
}

static void *merge_server(apr_pool_t *p, void *basev, void *addv)
{
    it_server_conf *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
    c->secret_file = add->secret_file ? add->secret_file : base->secret_file;
    c->cache_seconds = add->cache_seconds >= 0 ? add->cache_seconds : base->cache_seconds;
    return c;
}

static const char *set_secret_file(cmd_parms *cmd, void *dc, const char *arg)
{
    it_server_conf *c = ap_get_module_config(cmd->server->module_config, &idtrust_module);
    /* one passphrase for the whole repository: keys of every vhost share one table */
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    c->secret_file = ap_server_root_relative(cmd->pool, arg);
    return c->secret_file ? NULL : "IdtrustSecretKeyFile: invalid path";
}

static const char *set_cache_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    it_server_conf *c = ap_get_module_config(cmd->server->module_config, &idtrust_module);
    char *end;
    long n = strtol(arg, &end, 10);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    if (*end || n < 0 || n > 86400) return "IdtrustAuthCacheSeconds takes 0 to 86400";
    c->cache_seconds = (int)n;
    return NULL;
}

static const char *idtrust_secret(server_rec *s)
{
    it_server_conf *c = ap_get_module_config(s->module_config, &idtrust_module);
    if (!c->secret) {
        /* virtual hosts share the main server's secret */
        c = ap_get_module_config(ap_server_conf->module_config, &idtrust_module);
    }
    return c->secret;
}

static void idtrust_require_schema(int version, const char *module, const char *migration)
{
    it_health_require_schema(version, module, migration);
}

static void idtrust_register_api(const char *const *prefixes,
                                 int (*render_error)(request_rec *r, const idt_error *e))
{
    it_errors_register(prefixes, render_error);
}

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    it_errors_pre_config(pconf);
    return OK;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    it_server_conf *main_conf = ap_get_module_config(s->module_config, &idtrust_module);
    const char *err = idt_httpd_db_init();

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00001: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (vs = s; vs; vs = vs->next) {
        it_server_conf *c = ap_get_module_config(vs->module_config, &idtrust_module);
        idt_error *e;
        if (!c->secret_file) continue;
        if ((e = idt_secret_load(pconf, c->secret_file, &c->secret))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, "IT00002: IdtrustSecretKeyFile: %s",
                         e->msg);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if ((err = it_api_post_config(pconf, s))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00003: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    it_authn_set_ttl(
        apr_time_from_sec(main_conf->cache_seconds >= 0 ? main_conf->cache_seconds : 60));
    return OK;
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    idt_db_child_init(p);
    it_authn_child_init(p);
    it_budget_child_init(p, s);
    it_api_child_init(p, s);
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = {"mod_dbd.c", NULL};

    it_authn_register(p);
    APR_REGISTER_OPTIONAL_FN(idtrust_secret);
    APR_REGISTER_OPTIONAL_FN(idtrust_require_schema);
    APR_REGISTER_OPTIONAL_FN(idtrust_register_api);
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(it_health_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(it_errors_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(it_api_translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(it_api_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(it_api_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

static const command_rec commands[] = {
    AP_INIT_TAKE1("IdtrustSecretKeyFile", set_secret_file, NULL, RSRC_CONF,
                  "file holding the passphrase that encrypts private keys at rest"),
    AP_INIT_TAKE1("IdtrustAuthCacheSeconds", set_cache_seconds, NULL, RSRC_CONF,
                  "seconds a successful password check is remembered (0: never)"),
    {NULL}};

AP_DECLARE_MODULE(idtrust) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, create_server, merge_server, commands, register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
