#include "td_transfer.h"

#include <apr_strings.h>

#include "idt_audit.h"
#include "idt_httpd_body.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "idt_trust_xml.h"
#include "td_documents.h"
#include "td_envelope.h"
#include "td_issuers.h"
#include "td_tokens.h"

/* The limits of idt_xml.h, but for the size: an import is bounded by the body limit
 * (LimitRequestBody, at most TD_IMPORT_MAX). */
static const idt_xml_limits import_limits = {.max_size = TD_IMPORT_MAX};

static long line_at(json_t *lines, size_t i)
{
    return (long)json_integer_value(json_array_get(lines, i));
}

/* The issuers of the parsed document, checked as POST /trust/issuers checks them. */
static idt_error *collect_issuers(idt_req *q, json_t *doc, json_t *issuers, json_t *dns)
{
    json_t *lines = json_object_get(doc, "issuer-lines"), *issuer;
    size_t i;
    idt_error *e;

    json_array_foreach(json_object_get(doc, "issuers"), i, issuer)
    {
        json_t *body = idt_json_own(q->p, json_pack("{s:O, s:O}", "-name",
                                                    json_object_get(issuer, "-name"), "dn",
                                                    json_object_get(issuer, "dn")));
        const char *where = apr_psprintf(q->p, "line %ld: oratrust:Issuer", line_at(lines, i));
        if ((e = td_issuer_collect(q, json_string_value(json_object_get(issuer, "tokentype")),
                                   where, body, issuers, dns)))
            return e;
    }
    return NULL;
}

/* The rules of the parsed document, checked as POST /trust/token checks them, each
 * named by its line. */
static idt_error *collect_rules(idt_req *q, json_t *doc, json_t **rows)
{
    json_t *rules = json_object_get(doc, "token-attribute-rule");
    json_t *lines = json_object_get(doc, "rule-lines");
    size_t i, n = json_array_size(rules);
    const char **names = apr_pcalloc(q->p, (n + 1) * sizeof(*names));

    for (i = 0; i < n; i++)
        names[i] = apr_psprintf(q->p, "line %ld: oratrust:TokenAttributeRule", line_at(lines, i));
    return td_tokens_collect(q, rules, names, names, rows);
}

idt_error *td_import(idt_req *q)
{
    const char *params[2];
    const char *xml, *name, *display;
    apr_size_t len;
    json_t *doc, *issuers, *dns, *rules;
    PGresult *r;
    int ndns = 0;
    idt_error *e;

    if ((e = idt_httpd_read_xml(q->r, TD_IMPORT_MAX, &xml, &len))) return e;
    if (len == 0) return idt_err(q->p, IDT_E_XML, "the request body is empty: send the XML");
    if ((e = idt_trust_xml_parse(q->p, xml, len, &import_limits, &doc))) return e;
    name = json_string_value(json_object_get(doc, "name"));
    display = json_string_value(json_object_get(doc, "displayName"));
    if ((e = td_document_name_check(q->p, name)) ||
        (display && (e = td_display_name_check(q->p, display))))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "oratrust:TokenIssuerTrust: %s", e->msg);
    issuers = idt_json_own(q->p, json_array());
    dns = idt_json_own(q->p, json_array());
    if ((e = collect_issuers(q, doc, issuers, dns)) || (e = collect_rules(q, doc, &rules)))
        return e;

    /* all checked: replace what the document holds, in the runner's one transaction */
    if ((e = td_document_check(q, name, 1))) return e;
    params[0] = name;
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.trust_issuer WHERE document_name = $1",
                         1, params)) ||
        (e = idt_db_exec(q->db, &r,
                         "DELETE FROM idtrust.trust_token_rule WHERE document_name = $1", 1,
                         params)))
        return e;
    if (display) {
        params[1] = display;
        if ((e = idt_db_exec(q->db, &r,
                             "UPDATE idtrust.trust_document SET display_name = $2 "
                             "WHERE name = $1 AND display_name IS DISTINCT FROM $2",
                             2, params)))
            return e;
    }
    if ((e = td_issuers_store(q, name, issuers, dns, &ndns)) ||
        (e = td_tokens_store(q, name, rules)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "trust_document.import", "trust_document", name,
                       json_pack("{s:i, s:i, s:i, s:i}", "issuers", (int)json_array_size(issuers),
                                 "dns", ndns, "rules", (int)json_array_size(rules), "bytes",
                                 (int)len))))
        return e;
    /* an issuer given twice in the XML is one issuer: count what was stored */
    e = idt_db_exec(q->db, &r,
                    "SELECT count(*) FROM idtrust.trust_issuer WHERE document_name = $1", 1,
                    params);
    if (e) return e;
    td_succeeded(q, apr_psprintf(q->p,
                                 "Token Issuer Trust document named \"%s\" imported: %s trusted "
                                 "issuers, %d trusted DNs, %d token attribute rules.",
                                 name, PQgetvalue(r, 0, 0), ndns, (int)json_array_size(rules)));
    return NULL;
}

idt_error *td_export(idt_req *q)
{
    static const char *const allowed[] = {"documentName", NULL};
    const char *params[1];
    const char *name, *xml;
    apr_size_t len;
    apr_table_t *t;
    json_t *doc, *issuers, *rules;
    PGresult *r;
    idt_error *e;

    if ((e = idt_query_parse(q->r, allowed, &t))) return e;
    name = apr_table_get(t, "documentName");
    if ((e = td_document_name_check(q->p, name))) return e;
    params[0] = name;
    e = idt_db_exec(q->db, &r, "SELECT display_name FROM idtrust.trust_document WHERE name = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "Token Issuer Trust document named \"%s\" not found",
                       name);
    doc = idt_json_own(q->p, json_pack("{s:s, s:s}", "name", name, "displayName",
                                       PQgetvalue(r, 0, 0)));
    if (!doc) return idt_err(q->p, IDT_E_INTERNAL, "a stored value cannot be rendered");
    if ((e = td_issuers_list(q, name, &issuers)) || (e = td_tokens_list(q, name, &rules))) return e;
    json_object_set(doc, "issuers", issuers);
    json_object_set(doc, "token-attribute-rule", rules);
    if ((e = idt_trust_xml_write(q->p, doc, &xml, &len))) return e;
    q->status = 200;
    q->body = xml;
    q->content_type = "application/xml;charset=UTF-8";
    return NULL;
}
