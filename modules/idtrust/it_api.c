#include "it_api.h"

#include <http_log.h>

#include "idt_httpd_iic.h"
#include "idt_httpd_runner.h"
#include "it_accounts.h"
#include "it_lists.h"

APLOG_USE_MODULE(idtrust);

/* The schema the suite's own API needs (admin_account.role). */
#define IT_SCHEMA_VERSION 6
#define IT_SCHEMA_MIGRATION "006_roles.sql"

static const idt_route routes[] = {
    {"GET", "/idtrust/v1/audit", it_audit_list, 0, IDT_NO_SCOPE},
    {"GET", "/idtrust/v1/certificates", it_certificate_list, 0, IDT_NO_SCOPE},
    {"GET", "/idtrust/v1/accounts", it_account_list, 0, IDT_NO_SCOPE},
    {"POST", "/idtrust/v1/accounts", it_account_create, 1, IDT_NO_SCOPE},
    {"GET", "/idtrust/v1/accounts/{}", it_account_get, 0, IDT_NO_SCOPE},
    {"PUT", "/idtrust/v1/accounts/{}", it_account_update, 1, IDT_NO_SCOPE},
    {"DELETE", "/idtrust/v1/accounts/{}", it_account_delete, 0, IDT_NO_SCOPE},
    {NULL, NULL, NULL, 0, 0}};

static const char *const prefixes[] = {"/idtrust/v1/audit", "/idtrust/v1/certificates",
                                       "/idtrust/v1/accounts", NULL};

/* No read cache: the audit trail changes with every write of every module. */
static idt_api api = {"mod_idtrust",
                      "IT00050",
                      &idtrust_module,
                      routes,
                      prefixes,
                      idt_iic_render_error,
                      NULL,
                      NULL,
                      NULL,
                      0,
                      IT_SCHEMA_VERSION,
                      IT_SCHEMA_MIGRATION};

const char *it_api_post_config(apr_pool_t *pconf, server_rec *s)
{
    return idt_api_post_config(&api, pconf, s, 0);
}

void it_api_child_init(apr_pool_t *pchild, server_rec *s)
{
    idt_api_child_init(&api, pchild, s);
}

int it_api_translate(request_rec *r)
{
    return idt_api_translate(&api, r);
}

int it_api_map_to_storage(request_rec *r)
{
    return idt_api_map_to_storage(&api, r);
}

int it_api_handler(request_rec *r)
{
    return idt_api_handle(&api, r, "idtrust-admin", NULL);
}
