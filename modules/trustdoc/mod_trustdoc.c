/* mod_trustdoc: the OWSM token issuer trust API (/idaas/webservice/admin/v1/... and
 * the same resources under /idaas/platform/admin/v1/...): its routes, its envelope and
 * its directives; the shared runner (modules/httpd/idt_httpd_runner.h) does the rest.
 * Handlers: "trustdoc" for the API and "trustdoc-error" for ErrorDocument, so httpd's
 * own 401/403/413 come out in the API's envelope. */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "idt_httpd_runner.h"
#include "td_config.h"
#include "td_envelope.h"
#include "td_routes.h"

module AP_MODULE_DECLARE_DATA trustdoc_module;

/* The schema this build of the module needs. */
#define TD_SCHEMA_VERSION 9
#define TD_SCHEMA_MIGRATION "009_token_rules.sql"

/* Triggers on the trust tables NOTIFY this channel, the document name as payload. */
#define TD_CHANNEL "idtrust_trustdoc"
/* Rendered GET responses kept per child process. */
#define TD_CACHE_ENTRIES 4096

static const char *const prefixes[] = {"/idaas/webservice/admin/v1", "/idaas/platform/admin/v1",
                                       NULL};

static idt_api api = {"mod_trustdoc",
                      "TD00100",
                      &trustdoc_module,
                      td_routes,
                      prefixes,
                      td_render_error,
                      NULL,
                      NULL,
                      TD_CHANNEL,
                      TD_CACHE_ENTRIES,
                      TD_SCHEMA_VERSION,
                      TD_SCHEMA_MIGRATION};

static void *create_server(apr_pool_t *p, server_rec *s)
{
    td_config *c = apr_pcalloc(p, sizeof(td_config));
    c->read_cache = -1;
    return c;
}

static void *merge_server(apr_pool_t *p, void *basev, void *addv)
{
    td_config *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
    c->read_cache = add->read_cache >= 0 ? add->read_cache : base->read_cache;
    return c;
}

static const char *set_read_cache(cmd_parms *cmd, void *dc, int on)
{
    td_config *c = ap_get_module_config(cmd->server->module_config, &trustdoc_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    c->read_cache = on;
    return NULL;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    td_config *c = ap_get_module_config(s->module_config, &trustdoc_module);
    const char *err = idt_api_post_config(&api, pconf, s, c->read_cache != 0);

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "TD00001: mod_trustdoc: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

IDT_API_HOOKS(api, "trustdoc", "trustdoc-error")

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_idtrust[] = {"mod_idtrust.c", NULL};

    ap_hook_post_config(post_config, after_idtrust, NULL, APR_HOOK_MIDDLE);
    idt_api_register_hooks();
}

static const command_rec commands[] = {
    AP_INIT_FLAG("TrustdocReadCache", set_read_cache, NULL, RSRC_CONF,
                 "keep rendered GET responses until a write on any node changes a trust "
                 "document (default On)"),
    {NULL}};

AP_DECLARE_MODULE(trustdoc) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, create_server, merge_server, commands, register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
