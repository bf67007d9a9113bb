#include "is_routes.h"

#include <stdlib.h>
#include <apr_lib.h>

#include "is_idp_certs.h"
#include "is_idps.h"
#include "is_saml.h"
#include "is_sp_certs.h"
#include "is_stores.h"

#define STORE "/v1/identity-stores/{}"
#define SAML "/saml/{}"

const idt_route is_routes[] = {
    {"GET", STORE "/saml-certificates", is_sp_list, 0, 0},
    {"POST", STORE "/saml-certificates", is_sp_create, 0, 0},
    {"POST", STORE "/saml-certificates/{}/active", is_sp_activate, 0, 0},
    {"GET", STORE "/saml-certificates/{}", is_sp_get, 0, 0},
    {"DELETE", STORE "/saml-certificates/{}", is_sp_delete, 0, 0},
    {"GET", STORE "/external-idp", is_idp_list, 0, 0},
    {"POST", STORE "/external-idp", is_idp_create, 1, 0},
    {"GET", STORE "/external-idp/{}", is_idp_get, 0, 0},
    {"PUT", STORE "/external-idp/{}", is_idp_update, 1, 0},
    {"DELETE", STORE "/external-idp/{}", is_idp_delete, 0, 0},
    {"POST", STORE "/external-idp/{}/enable", is_idp_enable, 0, 0},
    {"POST", STORE "/external-idp/{}/disable", is_idp_disable, 0, 0},
    {"GET", STORE "/external-idp/{}/certificate", is_idp_cert_list, 0, 0},
    {"POST", STORE "/external-idp/{}/certificate", is_idp_cert_import, 1, 0},
    {"GET", STORE "/external-idp/{}/certificate/{}", is_idp_cert_get, 0, 0},
    {"DELETE", STORE "/external-idp/{}/certificate/{}", is_idp_cert_delete, 0, 0},
    {"GET", "/idtrust/v1/identity-stores", is_store_list, 0, IDT_NO_SCOPE},
    {"POST", "/idtrust/v1/identity-stores", is_store_create, 1, IDT_NO_SCOPE},
    {"GET", "/idtrust/v1/identity-stores/{}", is_store_get, 0, 0},
    {"PUT", "/idtrust/v1/identity-stores/{}", is_store_update, 1, 0},
    {"DELETE", "/idtrust/v1/identity-stores/{}", is_store_delete, 0, 0},
    /* the SP of each store, for IdPs: no credentials (conf/mods-available/idstore.conf);
       the entity id itself resolves to the metadata */
    {"GET", SAML, is_saml_metadata, 0, 0},
    {"GET", SAML "/metadata", is_saml_metadata, 0, 0},
    /* named in the metadata, but no SAML login is served: every method says so */
    {"GET", SAML "/acs", is_saml_acs, 0, 0},
    {"POST", SAML "/acs", is_saml_acs, 0, 0},
    {"PUT", SAML "/acs", is_saml_acs, 0, 0},
    {"PATCH", SAML "/acs", is_saml_acs, 0, 0},
    {"DELETE", SAML "/acs", is_saml_acs, 0, 0},
    {"OPTIONS", SAML "/acs", is_saml_acs, 0, 0},
    {NULL, NULL, NULL, 0, 0}};

int is_uuid(const char *s)
{
    int i;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return 0;
        } else if (!s[i] || !apr_isxdigit(s[i]) || apr_isupper(s[i]))
            return 0;
    }
    return s[36] == '\0';
}
