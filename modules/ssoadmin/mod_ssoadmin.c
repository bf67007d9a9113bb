/* mod_ssoadmin: the SSO Management API (/sso-api/...): the object tree of sites,
 * applications, groups, policies, users, methods, credentials and mapping policies, the
 * links between them, and application metadata, answered as text, JSON or XML by Accept.
 * Its routes, envelope and directive are here; the shared runner
 * (modules/httpd/idt_httpd_runner.h) does the rest. Handlers: "ssoadmin" for the API and
 * "ssoadmin-error" for ErrorDocument, so httpd's own 401/403/413 come out in the format the
 * client asked for. Who may do what is httpd's configuration (Require), not this
 * module's: conf/mods-available/ssoadmin.conf. */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "idt_httpd_runner.h"
#include "sa_bearer.h"
#include "sa_config.h"
#include "sa_format.h"
#include "sa_keyring.h"
#include "sa_oauth.h"
#include "sa_routes.h"

module AP_MODULE_DECLARE_DATA ssoadmin_module;

/* Triggers on the SSO tables NOTIFY this channel (empty payload: anything changed). */
#define SA_CHANNEL "idtrust_ssoadmin"
/* Rendered GET responses kept per child process. */
#define SA_CACHE_ENTRIES 4096

static const char *const prefixes[] = {SA_PREFIX, NULL};

static idt_api api = {.name = "mod_ssoadmin",
                      .tag = "SA00100",
                      .module = &ssoadmin_module,
                      .routes = sa_routes,
                      .prefixes = prefixes,
                      .render_error = sa_render_error,
                      .render = sa_render,
                      .variant = sa_format_variant,
                      .channel = SA_CHANNEL,
                      .cache_entries = SA_CACHE_ENTRIES,
                      .schema_version = SA_SCHEMA_VERSION,
                      .migration = SA_SCHEMA_MIGRATION};

static void *create_server(apr_pool_t *p, server_rec *s)
{
    sa_config *c = apr_pcalloc(p, sizeof(sa_config));
    c->read_cache = -1;
    return c;
}

static void *merge_server(apr_pool_t *p, void *basev, void *addv)
{
    sa_config *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
    c->read_cache = add->read_cache >= 0 ? add->read_cache : base->read_cache;
    c->issuer = add->issuer ? add->issuer : base->issuer;
    c->token_lifetime = add->token_lifetime ? add->token_lifetime : base->token_lifetime;
    c->scopes = add->scopes ? add->scopes : base->scopes;
    return c;
}

static const char *set_read_cache(cmd_parms *cmd, void *dc, int on)
{
    sa_config *c = ap_get_module_config(cmd->server->module_config, &ssoadmin_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    c->read_cache = on;
    return NULL;
}

static const char *set_issuer(cmd_parms *cmd, void *dc, const char *url)
{
    sa_config *c = ap_get_module_config(cmd->server->module_config, &ssoadmin_module);
    apr_size_t n = strlen(url);
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        return "SsoIssuer must be an http(s) URL, e.g. https://sso.example.com/uas";
    if (n && url[n - 1] == '/') return "SsoIssuer must not end with '/'";
    c->issuer = url;
    return NULL;
}

static const char *set_lifetime(cmd_parms *cmd, void *dc, const char *secs)
{
    sa_config *c = ap_get_module_config(cmd->server->module_config, &ssoadmin_module);
    char *end;
    long n = strtol(secs, &end, 10);
    if (*end || n < 60 || n > 86400) return "SsoTokenLifetime must be 60 to 86400 seconds";
    c->token_lifetime = (int)n;
    return NULL;
}

static const char *add_scope(cmd_parms *cmd, void *dc, const char *scope)
{
    sa_config *c = ap_get_module_config(cmd->server->module_config, &ssoadmin_module);
    const char *s;
    for (s = scope; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f || *s == '"' || *s == '\\')
            return "SsoScopes: a scope is printable ASCII without space, '\"' or '\\'";
    if (!c->scopes) c->scopes = apr_array_make(cmd->pool, 4, sizeof(const char *));
    APR_ARRAY_PUSH(c->scopes, const char *) = scope;
    return NULL;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    sa_config *c = ap_get_module_config(s->module_config, &ssoadmin_module);
    const char *err = idt_api_post_config(&api, pconf, s, c->read_cache != 0);

    if (!err) err = idt_api_post_config(&sa_oauth_api, pconf, s, 0);

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "SA00001: mod_ssoadmin: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* Every answer depends on Accept, cached ones and httpd's own errors too. */
static int fixups(request_rec *r)
{
    if (r->handler && (!strcmp(r->handler, "ssoadmin") || !strcmp(r->handler, "ssoadmin-error")))
        sa_vary(r);
    return DECLINED;
}

IDT_API_HOOKS(api, "ssoadmin", "ssoadmin-error")
IDT_API_HOOKS_AS(sa_oauth, sa_oauth_api, "ssoadmin-oauth", "ssoadmin-oauth-error")

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    sa_keyring_child_init(s, pchild);
    sa_bearer_child_init(pchild);
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_idtrust[] = {"mod_idtrust.c", NULL};

    ap_hook_post_config(post_config, after_idtrust, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, after_idtrust, NULL, APR_HOOK_MIDDLE);
    idt_api_register_hooks();
    sa_oauth_register_hooks();
    sa_bearer_register(p);
}

static const command_rec commands[] = {
    AP_INIT_FLAG("SsoadminReadCache", set_read_cache, NULL, RSRC_CONF,
                 "keep rendered GET responses until a write on any node changes the SSO tree "
                 "(default On)"),
    AP_INIT_TAKE1("SsoIssuer", set_issuer, NULL, RSRC_CONF,
                  "the issuer URL of access tokens (default: the request's own "
                  "scheme://host:port/uas)"),
    AP_INIT_TAKE1("SsoTokenLifetime", set_lifetime, NULL, RSRC_CONF,
                  "seconds an access token is valid for (default 3600)"),
    AP_INIT_ITERATE("SsoScopes", add_scope, NULL, RSRC_CONF,
                    "the scopes the discovery documents list (default sso.manage "
                    "myid.rest.basic)"),
    {NULL}};

AP_DECLARE_MODULE(ssoadmin) = {
    STANDARD20_MODULE_STUFF, sa_bearer_create_dir, sa_bearer_merge_dir, create_server, merge_server, commands, register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
