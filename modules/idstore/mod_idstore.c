/* mod_idstore: the Identity Center identity-store certificate API
 * (/v1/identity-stores/...) and the suite's identity-store admin API
 * (/idtrust/v1/identity-stores): its routes, its envelope and its directives; the
 * shared runner (modules/httpd/idt_httpd_runner.h) does the rest. Handlers: "idstore"
 * for both APIs and "idstore-error" for ErrorDocument, so httpd's own 401/403/413 come
 * out in the API's envelope. */
#include <stdlib.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "idt_httpd_runner.h"
#include "idt_httpd_iic.h"
#include "is_routes.h"
#include "is_saml.h"
#include "mod_idtrust.h"

module AP_MODULE_DECLARE_DATA idstore_module;

/* The schema this build of the module needs. */
#define IS_SCHEMA_VERSION 4
#define IS_SCHEMA_MIGRATION "004_scoped_notify.sql"

/* Triggers on the identity-store tables NOTIFY this channel (schema/003). */
#define IS_CHANNEL "idtrust_idstore"
/* Rendered GET responses kept per child process. */
#define IS_CACHE_ENTRIES 4096

static const char *const prefixes[] = {"/v1/identity-stores", "/idtrust/v1/identity-stores",
                                       "/saml", NULL};

/* Answers that name this server (hws_sp_saml_config, SP metadata) depend on the URL it
 * is reached by: the virtual host's IdstorePublicURL, or without one the request's own
 * scheme, host and port. The read cache keeps one answer per such URL. */
static const char *variant(request_rec *r)
{
    return is_public_url(r, ap_get_module_config(r->server->module_config, &idstore_module));
}

static idt_api api = {"mod_idstore",
                      "IS00100",
                      &idstore_module,
                      is_routes,
                      prefixes,
                      idt_iic_render_error,
                      NULL,
                      variant,
                      IS_CHANNEL,
                      IS_CACHE_ENTRIES,
                      IS_SCHEMA_VERSION,
                      IS_SCHEMA_MIGRATION};

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

static APR_OPTIONAL_FN_TYPE(idtrust_secret) * get_secret;

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    is_config *c = ap_get_module_config(s->module_config, &idstore_module);
    const char *err = idt_api_post_config(&api, pconf, s, c->read_cache != 0);

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "IS00001: mod_idstore: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* every store holds a signing key, and keys are only ever stored encrypted */
    get_secret = APR_RETRIEVE_OPTIONAL_FN(idtrust_secret);
    if (!get_secret(s)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "IS00003: mod_idstore needs IdtrustSecretKeyFile: the passphrase that "
                     "encrypts signing keys at rest");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

IDT_API_HOOKS(api, "idstore", "idstore-error")

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_idtrust[] = {"mod_idtrust.c", NULL};

    ap_hook_post_config(post_config, after_idtrust, NULL, APR_HOOK_MIDDLE);
    idt_api_register_hooks();
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
