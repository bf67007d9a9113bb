/* SAML 2.0 metadata, read through the hardened XML entry point (idt_xml.h) and
 * written with libxml2. */
#ifndef IDT_SAML_H
#define IDT_SAML_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "idt_error.h"

typedef struct idt_saml_idp {
    const char *entity_id;         /* EntityDescriptor/@entityID */
    const char *sso_url;           /* IDPSSODescriptor/SingleSignOnService/@Location,
                                      HTTP-Redirect binding first, then HTTP-POST */
    apr_array_header_t *certs_b64; /* const char *: base64 DER of each signing KeyDescriptor
                                      (use="signing" or no use attribute), in document
                                      order, whitespace removed */
} idt_saml_idp;

/* Parses IdP metadata: an md:EntityDescriptor (or an md:EntitiesDescriptor holding
 * exactly one) with an md:IDPSSODescriptor, read with idt_xml_parse and its default
 * limits (see idt_xml.h: IDT_E_XML for malformed or hostile XML or a limit exceeded,
 * IDT_E_PRIVATE_KEY for a private key anywhere in the document). IDT_E_XML too for a
 * document without an entityID (or one made only of white space), a
 * SingleSignOnService or a signing certificate; messages never quote more than the
 * element or attribute name. */
idt_error *idt_saml_idp_parse(apr_pool_t *p, const char *xml, apr_size_t len, idt_saml_idp **out);

typedef struct idt_saml_sp {
    const char *entity_id;        /* EntityDescriptor/@entityID */
    apr_array_header_t *acs_urls; /* const char *: SPSSODescriptor/AssertionConsumerService/
                                     @Location, in document order */
} idt_saml_sp;

/* Parses SP metadata: an md:EntityDescriptor (or an md:EntitiesDescriptor holding
 * exactly one) with an md:SPSSODescriptor holding at least one
 * AssertionConsumerService with a Location, read with idt_xml_parse and its default
 * limits (IDT_E_XML, IDT_E_PRIVATE_KEY as for idt_saml_idp_parse). */
idt_error *idt_saml_sp_parse(apr_pool_t *p, const char *xml, apr_size_t len, idt_saml_sp **out);

/* Builds SP metadata (md:EntityDescriptor with an SPSSODescriptor,
 * AuthnRequestsSigned="true", one KeyDescriptor use="signing" holding cert_b64 and
 * one AssertionConsumerService HTTP-POST at acs_url), serialised as UTF-8 with an
 * XML declaration. Values are escaped by libxml2. */
idt_error *idt_saml_sp_metadata(apr_pool_t *p, const char *entity_id, const char *acs_url,
                                const char *cert_b64, const char **xml_out);

#endif
