/* SAML 2.0 metadata with libxml2, hardened: no DOCTYPE (so no entity expansion and
 * no external DTD), no network, at most 1 MiB, at most 64 levels of elements, and
 * no error text written to stderr. The parser is never torn down with
 * xmlCleanupParser: this runs inside a multi-threaded httpd. */
#include "idt_saml.h"

#include <string.h>

#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlstring.h>

#define IDT_SAML_MAX_LEN (1024 * 1024)
#define IDT_SAML_MAX_DEPTH 64

#define NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define PROTOCOL_SAML2 "urn:oasis:names:tc:SAML:2.0:protocol"
#define NAMEID_UNSPECIFIED "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

/* Without NOENT, DTDLOAD, DTDATTR, HUGE and XINCLUDE on purpose. */
#define IDT_SAML_PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* ---- parsing ------------------------------------------------------------------ */

/* Per-parse state, hung off ctxt->_private (ctxt->userData must stay the ctxt for
 * the SAX2 tree builder). */
typedef struct {
    int saw_doctype;
} parse_state;

/* Swallows every error and warning of this parse: a structured handler on the
 * context wins over any thread-global one, so nothing reaches stderr or another
 * module's handler. */
static void quiet_serror(void *data, xmlErrorPtr err)
{
    (void)data;
    (void)err;
}

/* Called as soon as "<!DOCTYPE name ..." has been read, before any of the internal
 * subset (entity declarations) or any external subset is looked at: note it and
 * stop the parser there. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_state *st = ctxt->_private;

    if (st) st->saw_doctype = 1;
    xmlStopParser(ctxt);
}

static idt_error *doctype_error(apr_pool_t *p)
{
    return idt_err(p, IDT_E_XML, "XML with a DOCTYPE is not accepted");
}

/* Depth of element nesting below (and including) root, or the first depth found
 * beyond limit. Iterative, so a deep tree cannot exhaust the stack. */
static int depth_exceeds(xmlNodePtr root, int limit)
{
    xmlNodePtr n = root;
    int depth = 1;

    while (n) {
        if (depth > limit) return 1;
        /* descend into the first element child */
        xmlNodePtr c = n->children;
        while (c && c->type != XML_ELEMENT_NODE)
            c = c->next;
        if (c) {
            n = c;
            ++depth;
            continue;
        }
        /* else the next element sibling, climbing up as needed */
        while (n) {
            if (n == root) return 0;
            xmlNodePtr s = n->next;
            while (s && s->type != XML_ELEMENT_NODE)
                s = s->next;
            if (s) {
                n = s;
                break;
            }
            n = n->parent;
            --depth;
        }
    }
    return 0;
}

/* Parses xml into *doc_out (caller frees with xmlFreeDoc) under the hardened rules. */
static idt_error *parse_hardened(apr_pool_t *p, const char *xml, apr_size_t len, xmlDocPtr *doc_out)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    parse_state st = {0};
    idt_error *err = NULL;
    int line = 0;

    *doc_out = NULL;
    if (xml == NULL || len == 0) return idt_err(p, IDT_E_XML, "empty XML document");
    if (len > IDT_SAML_MAX_LEN)
        return idt_err(p, IDT_E_TOO_LARGE, "XML document larger than %d bytes", IDT_SAML_MAX_LEN);

    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL || ctxt->sax == NULL) {
        if (ctxt) xmlFreeParserCtxt(ctxt);
        return idt_err(p, IDT_E_INTERNAL, "cannot create an XML parser");
    }
    ctxt->_private = &st;
    ctxt->sax->serror = quiet_serror;
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->externalSubset = refuse_doctype;

    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, IDT_SAML_PARSE_OPTS);

    if (st.saw_doctype) {
        err = doctype_error(p);
    } else if (doc == NULL) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        line = e ? e->line : 0;
        if (line > 0)
            err = idt_err(p, IDT_E_XML, "malformed XML at line %d", line);
        else
            err = idt_err(p, IDT_E_XML, "malformed XML");
    } else if (doc->intSubset != NULL || doc->extSubset != NULL) {
        err = doctype_error(p); /* defence in depth: the SAX hook stops these first */
    } else if (xmlDocGetRootElement(doc) == NULL) {
        err = idt_err(p, IDT_E_XML, "XML document has no root element");
    } else if (depth_exceeds(xmlDocGetRootElement(doc), IDT_SAML_MAX_DEPTH)) {
        err = idt_err(p, IDT_E_XML, "XML nested deeper than %d elements", IDT_SAML_MAX_DEPTH);
    }

    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    xmlResetLastError(); /* drop this thread's copy of any parse error */

    if (err) {
        if (doc) xmlFreeDoc(doc);
        return err;
    }
    *doc_out = doc;
    return NULL;
}

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
    xmlDocPtr doc = NULL;
    idt_error *err;

    *out = NULL;
    xmlInitParser();
    if ((err = parse_hardened(p, xml, len, &doc)) != NULL) return err;
    err = read_entity(p, xmlDocGetRootElement(doc), out);
    xmlFreeDoc(doc); /* everything in *out was copied into p */
    return err;
}

/* ---- writing metadata -------------------------------------------------------------- */

/* A value fit for an XML 1.0 document: valid UTF-8 without C0 controls other than
 * tab, LF and CR (libxml2 would otherwise emit character references that no XML 1.0
 * parser accepts back). */
static idt_error *check_value(apr_pool_t *p, const char *what, const char *v)
{
    const unsigned char *q;

    if (v == NULL || *v == '\0') return idt_err(p, IDT_E_BAD_REQUEST, "%s is required", what);
    if (!xmlCheckUTF8((const xmlChar *)v))
        return idt_err(p, IDT_E_BAD_REQUEST, "%s is not valid UTF-8", what);
    for (q = (const unsigned char *)v; *q; ++q)
        if (*q < 0x20 && *q != '\t' && *q != '\n' && *q != '\r')
            return idt_err(p, IDT_E_BAD_REQUEST, "%s holds a control character", what);
    return NULL;
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
