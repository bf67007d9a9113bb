/* mod_idtrust: what the idtrust modules share in one httpd: the secret that encrypts
 * private keys at rest, the authn provider for admin accounts and the authz provider
 * for their roles, the health endpoints, the server-wide handler for httpd's own
 * errors, and the suite's own API (audit, certificates, accounts). */
#include <stdlib.h>
#include <apr_file_info.h>
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
#include "it_authz.h"
#include "it_errors.h"
#include "it_budget.h"
#include "it_health.h"
#include "it_listen.h"
#include "it_store.h"
#include "it_throttle.h"
#include "mod_idtrust.h"

module AP_MODULE_DECLARE_DATA idtrust_module;

typedef struct it_server_conf {
    const char *secret_file;
    const char *secret;
    int cache_seconds; /* -1: unset */
    /* IdtrustLoginThrottle; failures -1: unset, 0: off */
    int throttle_failures, throttle_window, throttle_lockout, throttle_max;
} it_server_conf;

static void *create_server(apr_pool_t *p, server_rec *s)
{
    it_server_conf *c = apr_pcalloc(p, sizeof(*c));
    c->cache_seconds = -1;
    c->throttle_failures = -1;
    return c;
}

static void *merge_server(apr_pool_t *p, void *basev, void *addv)
{
    it_server_conf *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
    c->secret_file = add->secret_file ? add->secret_file : base->secret_file;
    c->cache_seconds = add->cache_seconds >= 0 ? add->cache_seconds : base->cache_seconds;
    if (add->throttle_failures < 0) add = base;
    c->throttle_failures = add->throttle_failures;
    c->throttle_window = add->throttle_window;
    c->throttle_lockout = add->throttle_lockout;
    c->throttle_max = add->throttle_max;
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

static int positive_arg(const char *arg, int *out)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (end == arg || *end || n < 1 || n > 86400) return 0;
    *out = (int)n;
    return 1;
}

/* IdtrustLoginThrottle Off | failures window lockout [max-lockout] */
static const char *set_throttle(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    it_server_conf *c = ap_get_module_config(cmd->server->module_config, &idtrust_module);
    const char *usage = "IdtrustLoginThrottle takes Off, or failures (1 to 1000), window, "
                        "lockout and optionally the longest lockout, in seconds (1 to 86400; "
                        "the longest no shorter than the first)";
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    int failures;

    if (err) return err;
    if (argc == 1 && !strcasecmp(argv[0], "off")) {
        c->throttle_failures = 0;
        return NULL;
    }
    if (argc < 3 || argc > 4 || !positive_arg(argv[0], &failures) || failures > 1000 ||
        !positive_arg(argv[1], &c->throttle_window) || !positive_arg(argv[2], &c->throttle_lockout))
        return usage;
    c->throttle_max = c->throttle_lockout > 900 ? c->throttle_lockout : 900;
    if (argc == 4 &&
        (!positive_arg(argv[3], &c->throttle_max) || c->throttle_max < c->throttle_lockout))
        return usage;
    c->throttle_failures = failures;
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

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    it_server_conf *main_conf = ap_get_module_config(s->module_config, &idtrust_module);
    const char *err = idt_httpd_db_init();

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00082: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (vs = s; vs; vs = vs->next) {
        it_server_conf *c = ap_get_module_config(vs->module_config, &idtrust_module);
        idt_error *e;
        if (!c->secret_file) continue;
        if ((e = idt_secret_load(pconf, c->secret_file, &c->secret))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, "IT00084: IdtrustSecretKeyFile: %s",
                         e->msg);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if ((err = it_api_post_config(pconf, s))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00003: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    it_authn_set_ttl(
        apr_time_from_sec(main_conf->cache_seconds >= 0 ? main_conf->cache_seconds : 10));
    if (main_conf->throttle_failures >= 0)
        it_throttle_set(main_conf->throttle_failures, main_conf->throttle_window,
                        main_conf->throttle_lockout, main_conf->throttle_max);
    else
        it_throttle_set(10, 60, 60, 900);
    if ((err = it_store_post_config(pconf, ptemp, s))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00070: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* What would let httpd start a server that cannot work is refused here, in `apache2 -t`
 * too, with a sentence that says what to add: without DBDriver every request and every
 * child's change listener would fail ("repository unreachable") for as long as it runs;
 * a secret key file that is missing or refused would fail only at start. */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    it_server_conf *c = ap_get_module_config(s->module_config, &idtrust_module);
    const char *err = idt_httpd_db_init(), *driver, *params, *secret;
    apr_finfo_t fi;
    idt_error *e;
    int rv = OK;

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00001: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (server_rec *vs = s; vs; vs = vs->next) {
        if (!it_budget_dbd_settings(vs, s, &driver, &params)) break; /* IT00043 at start */
        if (vs == s && (!driver || !params)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "IT00004: mod_idtrust needs DBDriver pgsql and DBDParams: add them to "
                         "the server config, e.g. DBDriver pgsql and DBDParams "
                         "\"host=/var/run/postgresql dbname=idtrust connect_timeout=2\" "
                         "(docs/operations.md)");
            rv = HTTP_INTERNAL_SERVER_ERROR;
            break;
        }
        if (driver && strcmp(driver, "pgsql")) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs,
                         "IT00085: DBDriver %s: mod_idtrust needs DBDriver pgsql (its queries "
                         "are PostgreSQL's); set DBDriver pgsql (docs/operations.md)",
                         driver);
            rv = HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    /* GLOBAL_ONLY: the virtual hosts have the main server's */
    if (c->secret_file) {
        if (APR_STATUS_IS_ENOENT(apr_stat(&fi, c->secret_file, APR_FINFO_TYPE, ptemp))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "IT00002: IdtrustSecretKeyFile %s: no such file; make one with: "
                         "(umask 077; openssl rand -base64 48 > %s)",
                         c->secret_file, c->secret_file);
            rv = HTTP_INTERNAL_SERVER_ERROR;
        } else if ((e = idt_secret_load(ptemp, c->secret_file, &secret))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IT00083: IdtrustSecretKeyFile: %s", e->msg);
            rv = HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return rv;
}

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    it_errors_pre_config(pconf);
    return it_store_pre_config(pconf) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    idt_db_child_init(p);
    it_store_child_init(p, s);
    it_authn_child_init(p);
    it_budget_child_init(p, s);
    it_api_child_init(p, s);
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = {"mod_dbd.c", NULL};

    it_authn_register(p);
    it_authz_register(p);
    APR_REGISTER_OPTIONAL_FN(idtrust_secret);
    APR_REGISTER_OPTIONAL_FN(idtrust_require_schema);
    APR_REGISTER_OPTIONAL_FN(idtrust_register_api);
    APR_REGISTER_OPTIONAL_FN(idtrust_listen);
    APR_REGISTER_OPTIONAL_FN(idtrust_check_secret);
    APR_REGISTER_OPTIONAL_FN(idtrust_forget_secret);
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
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
                  "seconds a successful password check is remembered (default 10; 0: never)"),
    AP_INIT_TAKE_ARGV("IdtrustLoginThrottle", set_throttle, NULL, RSRC_CONF,
                      "Off, or failed logins, within seconds, that lock a user name and client "
                      "address out for seconds [doubling up to seconds] (default 10 60 60 900)"),
    {NULL}};

AP_DECLARE_MODULE(idtrust) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, create_server, merge_server, commands, register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
