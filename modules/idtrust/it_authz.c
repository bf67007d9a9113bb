#include "it_authz.h"

#include <apr_strings.h>
#include <ap_provider.h>
#include <http_core.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_auth.h>

#include "idt_httpd_db.h"
#include "idt_httpd_error.h"
#include "it_authn.h"

APLOG_USE_MODULE(idtrust);

/* A bit per role (1 << it_role) of the roles a Require line names. */
static const char *parse(cmd_parms *cmd, const char *line, const void **parsed)
{
    unsigned *mask = apr_pcalloc(cmd->pool, sizeof(*mask));
    const char *w;

    while (*(w = ap_getword_conf(cmd->temp_pool, &line))) {
        it_role role = it_role_of(w);
        if (!role)
            return apr_psprintf(cmd->pool,
                                "Require idtrust-role: unknown role '%s' (the roles are admin "
                                "and reader)",
                                w);
        *mask |= 1u << role;
    }
    if (!*mask) return "Require idtrust-role takes one or more roles: admin, reader";
    *parsed = mask;
    return NULL;
}

/* The role of an account the provider did not authenticate (another authn provider, or
 * none): IT_ROLE_NONE when it is unknown or disabled. */
static idt_error *role_of_account(request_rec *r, it_role *role)
{
    const char *params[1] = {r->user};
    idt_db *db;
    PGresult *res;
    idt_error *e;

    *role = IT_ROLE_NONE;
    if ((e = idt_httpd_db(r, &db)) ||
        (e = idt_db_exec(db, &res,
                         "SELECT role FROM idtrust.admin_account WHERE name = $1 AND enabled", 1,
                         params)))
        return e;
    if (PQntuples(res) == 1) *role = it_role_of(PQgetvalue(res, 0, 0));
    return NULL;
}

static authz_status check(request_rec *r, const char *line, const void *parsed)
{
    const unsigned *mask = parsed;
    it_role role;
    idt_error *e;

    if (!r->user) return AUTHZ_DENIED_NO_USER;
    if (!(role = it_authn_role(r)) && (e = role_of_account(r, &role))) {
        /* the error document renders this as 503 rather than 500 */
        if (e->kind == IDT_E_UNAVAILABLE) apr_table_setn(r->notes, IDT_NOTE_UNAVAILABLE, "1");
        idt_httpd_log_error(r, APLOG_MODULE_INDEX, "IT00080", e);
        return AUTHZ_GENERAL_ERROR;
    }
    if (role && (*mask & (1u << role))) return AUTHZ_GRANTED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "IT00081: [%s] %s %s: account '%s' has role %s, not one of: %s",
                  idt_httpd_request_id(r), r->method, r->uri, r->user,
                  role ? it_role_name(role) : "(none: unknown or disabled)", line);
    return AUTHZ_DENIED;
}

static const authz_provider provider = {&check, &parse};

void it_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "idtrust-role", AUTHZ_PROVIDER_VERSION,
                              &provider, AP_AUTH_INTERNAL_PER_CONF);
}
