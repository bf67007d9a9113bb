#include "td_issuers.h"

#include <apr_strings.h>

#include "idt_audit.h"
#include "idt_dn.h"
#include "idt_httpd_body.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "idt_strs.h"
#include "td_documents.h"
#include "td_envelope.h"
#include "td_routes.h"

#define MAX_ISSUER_NAME 1024
#define MAX_DN 4096

/* The token types: the repository's name, the JSON group that holds them (the first
 * is what GET prints), and another name the seed's attribute table gives the group. */
static const struct {
    const char *type, *group, *alias;
} types[] = {{"saml.hok", "saml-hok-trusted-dns", NULL},
             {"saml.sv", "saml-sv-trusted-dns", NULL},
             {"jwt", "jwt-trusted-issuers", "jwt-trusted-dns"}};
#define NTYPES 3

/* The document a route names: {documentName}, or the domain context's. */
static const char *document_of(idt_req *q)
{
    return q->args[0] ? q->args[0] : TD_DOMAIN_DOCUMENT;
}

static idt_error *name_check(apr_pool_t *p, const char *name)
{
    const unsigned char *c;
    if (strlen(name) > MAX_ISSUER_NAME)
        return idt_err(p, IDT_E_BAD_REQUEST, "an issuer -name is longer than %d bytes",
                       MAX_ISSUER_NAME);
    for (c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return idt_err(p, IDT_E_BAD_REQUEST, "an issuer -name must not contain control characters");
    return NULL;
}

idt_error *td_issuer_collect(idt_req *q, const char *type, const char *where, json_t *issuer,
                             json_t *issuers, json_t *dns_out)
{
    static const char *const allowed[] = {"-name", "dn", NULL};
    const char *name;
    json_t *dns, *dn;
    size_t i;
    idt_error *e;

    if (!json_is_object(issuer))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: each issuer must be an object", where);
    if ((e = idt_json_only(q->p, issuer, allowed)) ||
        (e = idt_json_string(q->p, issuer, "-name", 1, MAX_ISSUER_NAME, &name)) ||
        (e = name_check(q->p, name)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: %s", where, e->msg);
    dns = json_object_get(issuer, "dn");
    if (!dns) return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: issuer \"%s\": dn is required", where, name);
    if (json_is_string(dns)) {
        /* one DN given bare, as XML-to-JSON converters print a one-element list */
        dns = idt_json_own(q->p, json_pack("[O]", dns));
    }
    if (!json_is_array(dns))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: issuer \"%s\": dn must be a list of strings",
                       where, name);
    json_array_append_new(issuers, json_pack("[s,s]", type, name));
    json_array_foreach(dns, i, dn)
    {
        const char *key;
        if (!json_is_string(dn) || json_string_length(dn) == 0)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "%s: issuer \"%s\": dn %d must be a non-empty string", where, name, (int)i + 1);
        if (json_string_length(dn) > MAX_DN || memchr(json_string_value(dn), '\0', json_string_length(dn)))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "%s: issuer \"%s\": dn %d is longer than %d bytes or holds NUL", where,
                           name, (int)i + 1, MAX_DN);
        if ((e = idt_dn_key(q->p, json_string_value(dn), &key)))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: issuer \"%s\": dn %d: %s", where, name,
                           (int)i + 1, e->msg);
        if (strlen(key) > IDT_DN_KEY_MAX)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "%s: issuer \"%s\": dn %d is too long: its comparison form is %d "
                           "bytes, at most %d",
                           where, name, (int)i + 1, (int)strlen(key), IDT_DN_KEY_MAX);
        json_array_append_new(dns_out, json_pack("[s,s,O,s]", type, name, dn, key));
    }
    return NULL;
}

idt_error *td_issuers_store(idt_req *q, const char *document, json_t *issuers, json_t *dns,
                            int *ndns)
{
    const char *params[2] = {document, idt_json_dump(q->p, issuers, JSON_COMPACT)};
    PGresult *r;
    idt_error *e;

    /* in the order given: ids are the listing order (an issuer given twice, or one
     * that exists, keeps its place) */
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.trust_issuer (document_name, token_type, name) "
                    "SELECT $1, e->>0, e->>1 FROM jsonb_array_elements($2::jsonb) "
                    "WITH ORDINALITY AS t(e, n) ORDER BY n "
                    "ON CONFLICT (document_name, token_type, name) DO NOTHING",
                    2, params);
    if (e) return e;
    params[1] = idt_json_dump(q->p, dns, JSON_COMPACT);
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.trust_issuer_dn (issuer_id, dn, dn_key) "
                    "SELECT i.id, e->>2, e->>3 FROM jsonb_array_elements($2::jsonb) "
                    "WITH ORDINALITY AS t(e, n) JOIN idtrust.trust_issuer i "
                    "ON i.document_name = $1 AND i.token_type = e->>0 AND i.name = e->>1 "
                    "ORDER BY n ON CONFLICT (issuer_id, dn_key) DO NOTHING",
                    2, params);
    if (e) return e;
    *ndns = atoi(PQcmdTuples(r));
    return NULL;
}

idt_error *td_issuers_add(idt_req *q)
{
    static const char *const root_allowed[] = {"saml-trusted-dns", NULL};
    static const char *const group_allowed[] = {"issuer", NULL};
    const char *document = document_of(q);
    const char *allowed[NTYPES + 2];
    json_t *in, *top, *issuers, *dns;
    int t, ndns = 0;
    idt_error *e;

    /* the seed's examples carry trailing commas: accepted here (docs/trustdoc.md) */
    if ((e = idt_httpd_read_json_opts(q->r, IDT_JSON_TRAILING_COMMAS, &in)) ||
        (e = idt_json_only(q->p, in, root_allowed)))
        return e;
    top = json_object_get(in, "saml-trusted-dns");
    if (!top) return idt_err(q->p, IDT_E_BAD_REQUEST, "saml-trusted-dns is required");
    if (!json_is_object(top))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "saml-trusted-dns must be an object");
    for (t = 0; t < NTYPES; t++)
        allowed[t] = types[t].group;
    allowed[NTYPES] = types[NTYPES - 1].alias;
    allowed[NTYPES + 1] = NULL;
    if ((e = idt_json_only(q->p, top, allowed))) return e;
    if (json_object_get(top, types[2].group) && json_object_get(top, types[2].alias))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "give jwt-trusted-issuers or jwt-trusted-dns, not both: they are one list");
    issuers = idt_json_own(q->p, json_array());
    dns = idt_json_own(q->p, json_array());
    for (t = 0; t < NTYPES; t++) {
        const char *gname = types[t].group;
        json_t *g = json_object_get(top, gname), *list, *issuer;
        size_t i;
        if (!g && types[t].alias) g = json_object_get(top, gname = types[t].alias);
        if (!g) continue;
        if (!json_is_object(g))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be an object", gname);
        if ((e = idt_json_only(q->p, g, group_allowed))) return e;
        list = json_object_get(g, "issuer");
        if (!list) return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: issuer is required", gname);
        if (json_is_object(list)) list = idt_json_own(q->p, json_pack("[O]", list));
        if (!json_is_array(list))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: issuer must be a list", gname);
        json_array_foreach(list, i, issuer)
        {
            if ((e = td_issuer_collect(q, types[t].type, gname, issuer, issuers, dns))) return e;
        }
    }
    if ((e = td_document_check(q, document, 1)) ||
        (e = td_issuers_store(q, document, issuers, dns, &ndns)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "trust_issuers.add", "trust_document", document,
                       json_pack("{s:i, s:i}", "issuers", (int)json_array_size(issuers),
                                 "dns_added", ndns))))
        return e;
    td_succeeded(q, NULL);
    return NULL;
}

/* The document's issuers and DNs in listing order: token type, name, dn (NULL for an
 * issuer without DNs). */
static idt_error *issuer_rows(idt_req *q, const char *document, PGresult **r)
{
    const char *params[1] = {document};
    return idt_db_exec(q->db, r,
                       "SELECT i.token_type, i.name, d.dn FROM idtrust.trust_issuer i "
                       "LEFT JOIN idtrust.trust_issuer_dn d ON d.issuer_id = i.id "
                       "WHERE i.document_name = $1 ORDER BY i.id, d.id",
                       1, params);
}

idt_error *td_issuers_list(idt_req *q, const char *document, json_t **out)
{
    const char *last_type = NULL, *last_name = NULL;
    json_t *dns = NULL;
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = issuer_rows(q, document, &r))) return e;
    *out = idt_json_own(q->p, json_array());
    for (i = 0; i < PQntuples(r); i++) {
        const char *type = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
        if (!last_type || strcmp(type, last_type) || strcmp(name, last_name)) {
            dns = json_array();
            if ((e = idt_append(q, *out, json_pack("{s:s, s:s, s:o}", "tokentype", type, "-name",
                                                   name, "dn", dns))))
                return e;
            last_type = type;
            last_name = name;
        }
        if (!PQgetisnull(r, i, 2) && (e = idt_append(q, dns, json_string(PQgetvalue(r, i, 2)))))
            return e;
    }
    return NULL;
}

idt_error *td_issuers_get(idt_req *q)
{
    const char *document = document_of(q);
    json_t *top, *lists[NTYPES], *all, *issuer;
    size_t i;
    idt_error *e;
    int t;

    if ((e = td_document_check(q, document, 0)) || (e = td_issuers_list(q, document, &all)))
        return e;
    top = json_object();
    idt_reply(q, 200, json_pack("{s:o}", "saml-trusted-dns", top));
    for (t = 0; t < NTYPES; t++) {
        lists[t] = json_array();
        json_object_set_new(top, types[t].group, json_pack("{s:o}", "issuer", lists[t]));
    }
    json_array_foreach(all, i, issuer)
    {
        const char *type = json_string_value(json_object_get(issuer, "tokentype"));
        for (t = 0; t < NTYPES && strcmp(types[t].type, type); t++)
            ;
        if (t == NTYPES) return idt_err(q->p, IDT_E_INTERNAL, "unknown token type stored");
        if ((e = idt_append(q, lists[t],
                            json_pack("{s:O, s:O}", "-name", json_object_get(issuer, "-name"), "dn",
                                      json_object_get(issuer, "dn")))))
            return e;
    }
    return NULL;
}

idt_error *td_issuers_text(idt_req *q, const char *document, const char **text)
{
    apr_array_header_t *out = idt_strs_make(q->p);
    json_t *all, *issuer, *dn;
    size_t i, j;
    idt_error *e;

    if ((e = td_issuers_list(q, document, &all))) return e;
    /* pieces joined once at the end: the answer costs its own length, not its square */
    json_array_foreach(all, i, issuer)
    {
        idt_strs_add(out, "\n\tIssuer       : ", json_string_value(json_object_get(issuer, "-name")),
                    "\tToken Type   : ", json_string_value(json_object_get(issuer, "tokentype")),
                    NULL);
        json_array_foreach(json_object_get(issuer, "dn"), j, dn)
        {
            idt_strs_add(out, "\n\t\tTrusted DN : ", json_string_value(dn), NULL);
        }
    }
    *text = out->nelts ? idt_strs_join(q->p, out, NULL) : "\tNone";
    return NULL;
}

idt_error *td_issuers_delete(idt_req *q)
{
    static const char *const allowed[] = {"tokenType", "issuer", "dn", NULL};
    const char *document = document_of(q);
    const char *params[3];
    const char *type, *name, *dn, *key = NULL;
    apr_table_t *tq;
    PGresult *r;
    idt_error *e;
    int t;

    if ((e = idt_query_parse(q->r, allowed, &tq))) return e;
    type = apr_table_get(tq, "tokenType");
    name = apr_table_get(tq, "issuer");
    dn = apr_table_get(tq, "dn");
    if (!type || !name)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "tokenType and issuer are required");
    /* an empty dn= must not widen the delete to the whole issuer */
    if (!dn && q->r->args && (!strncmp(q->r->args, "dn=", 3) || strstr(q->r->args, "&dn=")))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "dn must not be empty");
    for (t = 0; t < NTYPES; t++)
        if (!strcmp(type, types[t].type) || !strcmp(type, types[t].group) ||
            (types[t].alias && !strcmp(type, types[t].alias)))
            break;
    if (t == NTYPES)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "tokenType must be saml.hok, saml.sv or jwt");
    if (dn && (e = idt_dn_key(q->p, dn, &key))) return e;
    if ((e = td_document_check(q, document, 1))) return e;
    params[0] = document;
    params[1] = types[t].type;
    params[2] = name;
    e = idt_db_exec(q->db, &r,
                    "SELECT id FROM idtrust.trust_issuer WHERE document_name = $1 "
                    "AND token_type = $2 AND name = $3",
                    3, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "document \"%s\" has no %s issuer of that name",
                       document, types[t].type);
    params[0] = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    if (key) {
        params[1] = key;
        e = idt_db_exec(q->db, &r,
                        "DELETE FROM idtrust.trust_issuer_dn WHERE issuer_id = $1 AND dn_key = $2",
                        2, params);
        if (e) return e;
        if (strcmp(PQcmdTuples(r), "1"))
            return idt_err(q->p, IDT_E_NOT_FOUND, "the issuer has no such trusted DN");
        e = idt_audit(q->db, &q->who, "trust_issuer_dn.delete", "trust_document", document,
                      json_pack("{s:s, s:s, s:s}", "token_type", types[t].type, "issuer", name,
                                "dn", dn));
        if (e) return e;
        td_succeeded(q, apr_psprintf(q->p, "Trusted DN removed from %s issuer \"%s\".",
                                     types[t].type, name));
        return NULL;
    }
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.trust_issuer WHERE id = $1", 1, params)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "trust_issuer.delete", "trust_document", document,
                       json_pack("{s:s, s:s}", "token_type", types[t].type, "issuer", name))))
        return e;
    td_succeeded(q, apr_psprintf(q->p, "Trusted %s issuer \"%s\" removed from document \"%s\".",
                                 types[t].type, name, document));
    return NULL;
}
