/* SAML 2.0 metadata with libxml2: read through the suite's hardened XML entry point
 * (idt_xml: no DOCTYPE, no entities, no network, bounded size, depth, elements,
 * attributes, names and text, no private keys), written with libxml2's tree API. */
#include "idt_saml.h"

#include <string.h>

#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlstring.h>

#include "idt_text.h"
#include "idt_xml.h"

#define NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define PROTOCOL_SAML2 "urn:oasis:names:tc:SAML:2.0:protocol"
#define NAMEID_UNSPECIFIED "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

/* ---- reading metadata -------------------------------------------------------------- */

static int is_el(xmlNodePtr n, const char *ns, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           xmlStrEqual(n->ns->href, BAD_CAST ns) && xmlStrEqual(n->name, BAD_CAST local);
}

/* The first child of parent that is element ns:local, or NULL. */
static xmlNodePtr first_child(xmlNodePtr parent, const char *ns, const char *local)
{
    xmlNodePtr c;

    for (c = parent ? parent->children : NULL; c; c = c->next)
        if (is_el(c, ns, local)) return c;
    return NULL;
}

/* Unqualified attribute name of n copied into p, or NULL when absent. */
static const char *attr(apr_pool_t *p, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    const char *s;

    if (v == NULL) return NULL;
    s = apr_pstrdup(p, (const char *)v);
    xmlFree(v);
    return s;
}

/* Text content of n with all XML whitespace removed, copied into p. */
static const char *text_nows(apr_pool_t *p, xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *s, *d;
    const char *q;

    if (v == NULL) return NULL;
    s = d = apr_palloc(p, strlen((const char *)v) + 1);
    for (q = (const char *)v; *q; ++q)
        if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n') *d++ = *q;
    *d = '\0';
    xmlFree(v);
    return s;
}

static int is_base64(const char *s)
{
    const char *q;
    int pad = 0;

    if (*s == '\0') return 0;
    for (q = s; *q; ++q) {
        char c = *q;
        if (c == '=') {
            ++pad;
            continue;
        }
        if (pad) return 0; /* data after padding */
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return 0;
    }
    return pad <= 2;
}

/* The first ds:X509Certificate under kd/ds:KeyInfo/ds:X509Data, or NULL. */
static xmlNodePtr key_certificate(xmlNodePtr kd)
{
    xmlNodePtr ki = first_child(kd, NS_DS, "KeyInfo"), xd, c;

    if (ki == NULL) return NULL;
    for (xd = ki->children; xd; xd = xd->next) {
        if (!is_el(xd, NS_DS, "X509Data")) continue;
        if ((c = first_child(xd, NS_DS, "X509Certificate")) != NULL) return c;
    }
    return NULL;
}

static idt_error *read_entity(apr_pool_t *p, xmlNodePtr root, idt_saml_idp **out)
{
    xmlNodePtr ent = NULL, idpsso, c;
    idt_saml_idp *idp;
    const char *redirect = NULL, *post = NULL;

    if (is_el(root, NS_MD, "EntityDescriptor")) {
        ent = root;
    } else if (is_el(root, NS_MD, "EntitiesDescriptor")) {
        int n = 0;
        for (c = root->children; c; c = c->next)
            if (is_el(c, NS_MD, "EntityDescriptor")) {
                if (n++ == 0) ent = c;
            }
        if (n != 1)
            return idt_err(p, IDT_E_XML,
                           "md:EntitiesDescriptor holds %d md:EntityDescriptor elements;"
                           " exactly one is expected",
                           n);
    } else {
        return idt_err(p, IDT_E_XML,
                       "root element is neither md:EntityDescriptor nor"
                       " md:EntitiesDescriptor (namespace " NS_MD ")");
    }

    idp = apr_pcalloc(p, sizeof(*idp));
    idp->entity_id = attr(p, ent, "entityID");
    if (idp->entity_id == NULL || *idp->entity_id == '\0')
        return idt_err(p, IDT_E_XML, "md:EntityDescriptor has no entityID attribute");
    if (idt_text_blank(idp->entity_id))
        return idt_err(p, IDT_E_XML,
                       "md:EntityDescriptor has an entityID made only of white space");

    idpsso = first_child(ent, NS_MD, "IDPSSODescriptor");
    if (idpsso == NULL)
        return idt_err(p, IDT_E_XML, "md:EntityDescriptor has no md:IDPSSODescriptor");

    for (c = idpsso->children; c; c = c->next) {
        const char *binding, *loc;
        if (!is_el(c, NS_MD, "SingleSignOnService")) continue;
        binding = attr(p, c, "Binding");
        loc = attr(p, c, "Location");
        if (binding == NULL || loc == NULL || *loc == '\0') continue;
        if (redirect == NULL && strcmp(binding, BINDING_REDIRECT) == 0)
            redirect = loc;
        else if (post == NULL && strcmp(binding, BINDING_POST) == 0)
            post = loc;
    }
    idp->sso_url = redirect ? redirect : post;
    if (idp->sso_url == NULL)
        return idt_err(p, IDT_E_XML,
                       "md:IDPSSODescriptor has no md:SingleSignOnService with an"
                       " HTTP-Redirect or HTTP-POST Binding and a Location");

    idp->certs_b64 = apr_array_make(p, 2, sizeof(const char *));
    for (c = idpsso->children; c; c = c->next) {
        xmlNodePtr cert;
        const char *use, *b64;
        if (!is_el(c, NS_MD, "KeyDescriptor")) continue;
        use = attr(p, c, "use");
        if (use != NULL && strcmp(use, "signing") != 0) continue;
        if ((cert = key_certificate(c)) == NULL) continue;
        b64 = text_nows(p, cert);
        if (b64 == NULL || *b64 == '\0') continue;
        if (!is_base64(b64))
            return idt_err(p, IDT_E_XML, "ds:X509Certificate does not hold base64");
        APR_ARRAY_PUSH(idp->certs_b64, const char *) = b64;
    }
    if (idp->certs_b64->nelts == 0)
        return idt_err(p, IDT_E_XML,
                       "md:IDPSSODescriptor has no signing md:KeyDescriptor with"
                       " ds:KeyInfo/ds:X509Data/ds:X509Certificate");

    *out = idp;
    return NULL;
}

idt_error *idt_saml_idp_parse(apr_pool_t *p, const char *xml, apr_size_t len, idt_saml_idp **out)
{
    apr_pool_t *tmp;
    xmlDocPtr doc = NULL;
    idt_error *err;

    *out = NULL;
    /* the tree lives only while it is read: everything in *out is copied into p */
    if (apr_pool_create(&tmp, p) != APR_SUCCESS)
        return idt_err(p, IDT_E_INTERNAL, "cannot create a memory pool");
    if ((err = idt_xml_parse(tmp, xml, len, NULL, &doc)) == NULL)
        err = read_entity(p, xmlDocGetRootElement(doc), out);
    if (err) err = idt_err(p, err->kind, "%s", err->msg); /* outlives tmp */
    apr_pool_destroy(tmp);
    return err;
}

/* The md:EntityDescriptor of root (itself, or the only one of an md:EntitiesDescriptor). */
static idt_error *entity_of(apr_pool_t *p, xmlNodePtr root, xmlNodePtr *ent)
{
    xmlNodePtr c;
    int n = 0;

    if (is_el(root, NS_MD, "EntityDescriptor")) {
        *ent = root;
        return NULL;
    }
    if (!is_el(root, NS_MD, "EntitiesDescriptor"))
        return idt_err(p, IDT_E_XML,
                       "root element is neither md:EntityDescriptor nor"
                       " md:EntitiesDescriptor (namespace " NS_MD ")");
    for (c = root->children; c; c = c->next)
        if (is_el(c, NS_MD, "EntityDescriptor") && n++ == 0) *ent = c;
    if (n != 1)
        return idt_err(p, IDT_E_XML,
                       "md:EntitiesDescriptor holds %d md:EntityDescriptor elements;"
                       " exactly one is expected",
                       n);
    return NULL;
}

static idt_error *read_sp(apr_pool_t *p, xmlNodePtr root, idt_saml_sp **out)
{
    xmlNodePtr ent = NULL, spsso, c;
    idt_saml_sp *sp;
    idt_error *e;

    if ((e = entity_of(p, root, &ent))) return e;
    sp = apr_pcalloc(p, sizeof(*sp));
    sp->entity_id = attr(p, ent, "entityID");
    if (sp->entity_id == NULL || idt_text_blank(sp->entity_id))
        return idt_err(p, IDT_E_XML, "md:EntityDescriptor has no entityID attribute");
    if ((spsso = first_child(ent, NS_MD, "SPSSODescriptor")) == NULL)
        return idt_err(p, IDT_E_XML, "md:EntityDescriptor has no md:SPSSODescriptor");
    sp->acs_urls = apr_array_make(p, 2, sizeof(const char *));
    for (c = spsso->children; c; c = c->next) {
        const char *loc;
        if (!is_el(c, NS_MD, "AssertionConsumerService")) continue;
        if ((loc = attr(p, c, "Location")) == NULL || idt_text_blank(loc)) continue;
        APR_ARRAY_PUSH(sp->acs_urls, const char *) = loc;
    }
    if (sp->acs_urls->nelts == 0)
        return idt_err(p, IDT_E_XML,
                       "md:SPSSODescriptor has no md:AssertionConsumerService with a Location");
    *out = sp;
    return NULL;
}

idt_error *idt_saml_sp_parse(apr_pool_t *p, const char *xml, apr_size_t len, idt_saml_sp **out)
{
    apr_pool_t *tmp;
    xmlDocPtr doc = NULL;
    idt_error *err;

    *out = NULL;
    if (apr_pool_create(&tmp, p) != APR_SUCCESS)
        return idt_err(p, IDT_E_INTERNAL, "cannot create a memory pool");
    if ((err = idt_xml_parse(tmp, xml, len, NULL, &doc)) == NULL)
        err = read_sp(p, xmlDocGetRootElement(doc), out);
    if (err) err = idt_err(p, err->kind, "%s", err->msg); /* outlives tmp */
    apr_pool_destroy(tmp);
    return err;
}

/* ---- writing metadata -------------------------------------------------------------- */

/* A value fit for an XML 1.0 document: valid UTF-8 without C0 controls other than
 * tab, LF and CR (libxml2 would otherwise emit character references that no XML 1.0
 * parser accepts back). */
static idt_error *check_value(apr_pool_t *p, const char *what, const char *v)
{
    if (v == NULL || *v == '\0') return idt_err(p, IDT_E_BAD_REQUEST, "%s is required", what);
    return idt_text_check(p, what, v, strlen(v), IDT_TEXT_LINES | IDT_TEXT_ANY_FORM);
}

/* xmlNewProp stores value as raw text: escaping happens when serialising. */
static int set_attr(xmlNodePtr n, const char *name, const char *value)
{
    return xmlNewProp(n, BAD_CAST name, BAD_CAST value) != NULL;
}

static xmlNodePtr add_child(xmlNodePtr parent, xmlNsPtr ns, const char *name)
{
    return xmlNewChild(parent, ns, BAD_CAST name, NULL);
}

idt_error *idt_saml_sp_metadata(apr_pool_t *p, const char *entity_id, const char *acs_url,
                                const char *cert_b64, const char **xml_out)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr root, sp, kd, ki, xd, n;
    xmlNsPtr md, ds;
    xmlChar *buf = NULL;
    int size = 0;
    idt_error *err;

    *xml_out = NULL;
    if ((err = check_value(p, "entityID", entity_id)) != NULL ||
        (err = check_value(p, "AssertionConsumerService URL", acs_url)) != NULL ||
        (err = check_value(p, "signing certificate", cert_b64)) != NULL)
        return err;

    xmlInitParser();
    doc = xmlNewDoc(BAD_CAST "1.0");
    if (doc == NULL) goto oom;

    root = xmlNewDocNode(doc, NULL, BAD_CAST "EntityDescriptor", NULL);
    if (root == NULL) goto oom;
    xmlDocSetRootElement(doc, root);
    if ((md = xmlNewNs(root, BAD_CAST NS_MD, BAD_CAST "md")) == NULL) goto oom;
    xmlSetNs(root, md);
    if (!set_attr(root, "entityID", entity_id)) goto oom;

    if ((sp = add_child(root, md, "SPSSODescriptor")) == NULL) goto oom;
    if (!set_attr(sp, "AuthnRequestsSigned", "true") ||
        !set_attr(sp, "WantAssertionsSigned", "true") ||
        !set_attr(sp, "protocolSupportEnumeration", PROTOCOL_SAML2))
        goto oom;

    if ((kd = add_child(sp, md, "KeyDescriptor")) == NULL) goto oom;
    if (!set_attr(kd, "use", "signing")) goto oom;
    if ((ki = xmlNewDocNode(doc, NULL, BAD_CAST "KeyInfo", NULL)) == NULL) goto oom;
    if (xmlAddChild(kd, ki) == NULL) {
        xmlFreeNode(ki);
        goto oom;
    }
    if ((ds = xmlNewNs(ki, BAD_CAST NS_DS, BAD_CAST "ds")) == NULL) goto oom;
    xmlSetNs(ki, ds);
    if ((xd = add_child(ki, ds, "X509Data")) == NULL) goto oom;
    /* xmlNewTextChild escapes its content (xmlNewChild would parse entity refs) */
    if (xmlNewTextChild(xd, ds, BAD_CAST "X509Certificate", BAD_CAST cert_b64) == NULL) goto oom;

    if (xmlNewTextChild(sp, md, BAD_CAST "NameIDFormat", BAD_CAST NAMEID_UNSPECIFIED) == NULL)
        goto oom;

    if ((n = add_child(sp, md, "AssertionConsumerService")) == NULL) goto oom;
    if (!set_attr(n, "Binding", BINDING_POST) || !set_attr(n, "Location", acs_url) ||
        !set_attr(n, "index", "0") || !set_attr(n, "isDefault", "true"))
        goto oom;

    xmlDocDumpFormatMemoryEnc(doc, &buf, &size, "UTF-8", 0);
    if (buf == NULL || size <= 0) goto oom;
    *xml_out = apr_pstrmemdup(p, (const char *)buf, (apr_size_t)size);
    xmlFree(buf);
    xmlFreeDoc(doc);
    return NULL;

oom:
    if (buf) xmlFree(buf);
    if (doc) xmlFreeDoc(doc);
    return idt_err(p, IDT_E_INTERNAL, "cannot build SP metadata");
}
