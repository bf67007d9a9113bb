/* mod_certimport: the MyID Core API's certificates (/rest.core/api/Certificates), the
 * external systems, certificate policies and notifications of the admin API
 * (/idtrust/v1/external-systems, /certificate-policies, /notifications), and the
 * delivery of REST Certificate Added notifications (ci_deliver.c). Both APIs run on the
 * shared runner; authentication and authorization are httpd's (conf/mods-available/
 * certimport.conf), never the handler's.
 * Handlers: "certimport" (the Core API), "certimport-error" (its ErrorDocument, in the
 * Core API's problem envelope), "certimport-admin" (the admin API, whose errors are the
 * Identity Center envelope of the rest of /idtrust/v1). */
#include <stdlib.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "ci_config.h"
#include "ci_deliver.h"
#include "ci_envelope.h"
#include "ci_mappings.h"
#include "ci_routes.h"
#include "idt_httpd_iic.h"
#include "idt_httpd_runner.h"

module AP_MODULE_DECLARE_DATA certimport_module;

#define CI_SCHEMA_VERSION 20
#define CI_SCHEMA_MIGRATION "020_certimport.sql"

static const char *const core_prefixes[] = {"/rest.core/api", NULL};
static const char *const admin_prefixes[] = {"/idtrust/v1/external-systems",
                                             "/idtrust/v1/certificate-policies",
                                             "/idtrust/v1/notifications", NULL};

/* No read cache: every answer is read from the repository (the tables carry no change
 * notification yet). */
static idt_api core_api = {"mod_certimport",  "CI00100", &certimport_module, ci_core_routes,
                           core_prefixes,     ci_render_error, NULL, NULL, NULL, 0,
                           CI_SCHEMA_VERSION, CI_SCHEMA_MIGRATION};
static idt_api admin_api = {"mod_certimport",  "CI00101", &certimport_module, ci_admin_routes,
                            admin_prefixes,    idt_iic_render_error, NULL, NULL, NULL, 0,
                            CI_SCHEMA_VERSION, CI_SCHEMA_MIGRATION};

static void *create_server(apr_pool_t *p, server_rec *s)
{
    ci_config *c = apr_pcalloc(p, sizeof(*c));
    c->delivery = c->batch = c->retry_first = c->retry_max = c->retry_attempts = -1;
    c->interval = c->timeout = -1;
    return c;
}

static void *merge_server(apr_pool_t *p, void *basev, void *addv)
{
    ci_config *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
#define PICK(f, unset) c->f = add->f != (unset) ? add->f : base->f
    PICK(mapping_dir, NULL);
    PICK(delivery, -1);
    PICK(interval, -1);
    PICK(timeout, -1);
    PICK(batch, -1);
    PICK(retry_first, -1);
    PICK(retry_max, -1);
    PICK(retry_attempts, -1);
#undef PICK
    return c;
}

static ci_config *conf_of(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &certimport_module);
}

static const char *set_mapping_dir(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    conf_of(cmd)->mapping_dir = ap_server_root_relative(cmd->pool, arg);
    return conf_of(cmd)->mapping_dir ? NULL : "CertimportMappingDir: invalid path";
}

static const char *set_delivery(cmd_parms *cmd, void *dc, int on)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    conf_of(cmd)->delivery = on;
    return NULL;
}

static const char *set_time(cmd_parms *cmd, const char *arg, apr_interval_time_t min,
                            apr_interval_time_t max, apr_interval_time_t *out)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_interval_time_t t;
    if (err) return err;
    if (ap_timeout_parameter_parse(arg, &t, "s") != APR_SUCCESS || t < min || t > max)
        return apr_psprintf(cmd->pool, "%s: a time from %" APR_TIME_T_FMT " ms to %" APR_TIME_T_FMT
                            " s (e.g. 1, 500ms)",
                            cmd->cmd->name, apr_time_as_msec(min), apr_time_sec(max));
    *out = t;
    return NULL;
}

static const char *set_interval(cmd_parms *cmd, void *dc, const char *arg)
{
    return set_time(cmd, arg, apr_time_from_msec(100), apr_time_from_sec(3600),
                    &conf_of(cmd)->interval);
}

static const char *set_timeout(cmd_parms *cmd, void *dc, const char *arg)
{
    return set_time(cmd, arg, apr_time_from_msec(100), apr_time_from_sec(300),
                    &conf_of(cmd)->timeout);
}

static const char *set_batch(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    int n = atoi(arg);
    if (err) return err;
    if (n < 1 || n > 1000) return "CertimportDeliveryBatch: 1 to 1000 rows";
    conf_of(cmd)->batch = n;
    return NULL;
}

static const char *set_retry(cmd_parms *cmd, void *dc, const char *first, const char *max,
                             const char *attempts)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    ci_config *c = conf_of(cmd);
    if (err) return err;
    if (!attempts) return "CertimportRetry: first-delay longest-delay attempts (seconds, seconds, count)";
    c->retry_first = atoi(first);
    c->retry_max = atoi(max);
    c->retry_attempts = atoi(attempts);
    if (c->retry_first < 1 || c->retry_max < c->retry_first || c->retry_max > 86400 ||
        c->retry_attempts < 1 || c->retry_attempts > 1000)
        return "CertimportRetry: first delay 1 s or more, longest delay from the first to 86400 "
               "s, attempts 1 to 1000";
    return NULL;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    ci_config *c = ap_get_module_config(s->module_config, &certimport_module);
    const char *err;

    /* defaults, once, on the main server's config the others inherit */
    if (c->delivery < 0) c->delivery = 1;
    if (c->interval < 0) c->interval = CI_DEFAULT_INTERVAL;
    if (c->timeout < 0) c->timeout = CI_DEFAULT_TIMEOUT;
    if (c->batch < 0) c->batch = CI_DEFAULT_BATCH;
    if (c->retry_first < 0) c->retry_first = CI_DEFAULT_RETRY_FIRST;
    if (c->retry_max < 0) c->retry_max = CI_DEFAULT_RETRY_MAX;
    if (c->retry_attempts < 0) c->retry_attempts = CI_DEFAULT_RETRY_ATTEMPTS;
    if (c->retry_max < c->retry_first) c->retry_max = c->retry_first;

    if (!(err = idt_api_post_config(&core_api, pconf, s, 0)) &&
        !(err = idt_api_post_config(&admin_api, pconf, s, 0)) &&
        !(err = ci_mappings_load(pconf, ptemp, c->mapping_dir)))
        err = ci_deliver_post_config(pconf, s, c);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "CI00001: mod_certimport: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    idt_api_child_init(&core_api, p, s);
}

static int translate(request_rec *r)
{
    int rv = idt_api_translate(&core_api, r);
    return rv == DECLINED ? idt_api_translate(&admin_api, r) : rv;
}

static int map_to_storage(request_rec *r)
{
    return idt_api_map_to_storage(&core_api, r);
}

static int handler(request_rec *r)
{
    int rv = idt_api_handle(&core_api, r, "certimport", "certimport-error");
    return rv == DECLINED ? idt_api_handle(&admin_api, r, "certimport-admin", NULL) : rv;
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_idtrust[] = {"mod_idtrust.c", NULL};
    static const char *const after_dbd[] = {"mod_dbd.c", NULL};

    ap_hook_post_config(post_config, after_idtrust, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}

static const command_rec commands[] = {
    AP_INIT_TAKE1("CertimportMappingDir", set_mapping_dir, NULL, RSRC_CONF,
                  "directory of the notification mapping files (*.xml), read at start-up"),
    AP_INIT_FLAG("CertimportDelivery", set_delivery, NULL, RSRC_CONF,
                 "deliver REST Certificate Added notifications from this server (default On)"),
    AP_INIT_TAKE1("CertimportDeliveryInterval", set_interval, NULL, RSRC_CONF,
                  "how often the outbox is looked at (default 1 s)"),
    AP_INIT_TAKE1("CertimportDeliveryTimeout", set_timeout, NULL, RSRC_CONF,
                  "time a receiver (and a token endpoint) has to answer (default 10 s)"),
    AP_INIT_TAKE1("CertimportDeliveryBatch", set_batch, NULL, RSRC_CONF,
                  "notifications claimed and sent at once (default 100)"),
    AP_INIT_TAKE23("CertimportRetry", set_retry, NULL, RSRC_CONF,
                   "first delay (s), longest delay (s), attempts before failed "
                   "(default 10 3600 15)"),
    {NULL}};

AP_DECLARE_MODULE(certimport) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, create_server, merge_server, commands, register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
