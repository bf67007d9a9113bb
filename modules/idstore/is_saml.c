#include "is_saml.h"

#include <apr_strings.h>
#include <http_core.h>

#include "idt_saml.h"
#include "is_sp_certs.h"
#include "is_stores.h"

#define METADATA_TYPE "application/samlmetadata+xml"

const char *is_public_url(request_rec *r, const is_config *c)
{
    if (c->public_url) return c->public_url;
    return ap_construct_url(r->pool, "", r);
}

/* The SP's entity id (its issuer), ACS URL and metadata. */
static idt_error *sp_saml(idt_req *q, const char *store_id, const char **issuer, const char **acs,
                          const char **xml)
{
    const char *b64;
    idt_error *e;

    *issuer = apr_pstrcat(q->p, is_public_url(q->r, is_conf(q)), "/saml/", store_id, NULL);
    *acs = apr_pstrcat(q->p, *issuer, "/acs", NULL);
    if ((e = is_sp_active_b64(q, store_id, &b64)) ||
        (e = idt_saml_sp_metadata(q->p, *issuer, *acs, b64, xml)))
        return e;
    return NULL;
}

idt_error *is_sp_saml_config(idt_req *q, const char *store_id, json_t **out)
{
    const char *issuer, *acs, *xml;
    idt_error *e;

    if ((e = sp_saml(q, store_id, &issuer, &acs, &xml))) return e;
    *out = json_pack("{s:s, s:s, s:s}", "acs_url", acs, "issuer", issuer, "metadata", xml);
    return *out ? NULL : idt_err(q->p, IDT_E_INTERNAL, "the SP settings cannot be rendered");
}

idt_error *is_saml_metadata(idt_req *q)
{
    const char *issuer, *acs, *xml;
    idt_error *e;

    if ((e = is_store_check(q, q->args[0], 0)) || (e = sp_saml(q, q->args[0], &issuer, &acs, &xml)))
        return e;
    q->status = 200;
    q->body = xml;
    q->content_type = METADATA_TYPE;
    return NULL;
}

idt_error *is_saml_acs(idt_req *q)
{
    return idt_err(q->p, IDT_E_NOT_FOUND,
                   "no SAML login is served here: this is the assertion consumer service URL "
                   "named in the identity store's SP metadata, but idtrust only manages the "
                   "store's certificates and IdPs and consumes no SAML responses");
}
