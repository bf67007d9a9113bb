#include "td_tokens.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include "idt_audit.h"
#include "idt_dn.h"
#include "idt_httpd_body.h"
#include "idt_json.h"
#include "idt_strs.h"
#include "td_documents.h"
#include "td_envelope.h"
#include "td_routes.h"

#define MAX_DN 4096
#define MAX_VALUE 1024

static const char *document_of(idt_req *q)
{
    return q->args[0] ? q->args[0] : TD_DOMAIN_DOCUMENT;
}

/* A string member of at most MAX_VALUE bytes without control characters. */
static idt_error *value_check(apr_pool_t *p, const json_t *v, const char *what)
{
    const unsigned char *c;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > MAX_VALUE)
        return idt_err(p, IDT_E_BAD_REQUEST, "%s must be a non-empty string of at most %d bytes",
                       what, MAX_VALUE);
    for (c = (const unsigned char *)json_string_value(v); *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return idt_err(p, IDT_E_BAD_REQUEST, "%s must not contain control characters", what);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return idt_err(p, IDT_E_BAD_REQUEST, "%s must not contain NUL", what);
    return NULL;
}

/* {"value": [...]} (a bare string is a one-element list): *out is the checked copy. */
static idt_error *filter_read(idt_req *q, json_t *in, const char *where, json_t **out)
{
    static const char *const allowed[] = {"value", NULL};
    json_t *values, *v, *list;
    size_t i;
    idt_error *e;
    if (!json_is_object(in))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: filter must be an object", where);
    if ((e = idt_json_only(q->p, in, allowed)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: filter: %s", where, e->msg);
    values = json_object_get(in, "value");
    if (!values) return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: filter: value is required", where);
    if (json_is_string(values)) values = idt_json_own(q->p, json_pack("[O]", values));
    if (!json_is_array(values) || json_array_size(values) == 0)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "%s: filter: value must be a non-empty list of strings", where);
    list = idt_json_own(q->p, json_array());
    json_array_foreach(values, i, v)
    {
        if ((e = value_check(q->p, v,
                             apr_psprintf(q->p, "%s: filter: value %d", where, (int)i + 1))))
            return e;
        json_array_append(list, v);
    }
    *out = json_pack("{s:O}", "value", list);
    return NULL;
}

/* {"user-attribute": ..., "user-mapping-attribute": ...}; the client side has only
 * user-mapping-attribute. */
static idt_error *mapping_read(idt_req *q, json_t *in, int client, const char *where, json_t **out)
{
    static const char *const keys[] = {"user-attribute", "user-mapping-attribute", NULL};
    json_t *v;
    int k;
    idt_error *e;
    if (!json_is_object(in))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: mapping must be an object", where);
    if ((e = idt_json_only(q->p, in, keys)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: mapping: %s", where, e->msg);
    if (client && json_object_get(in, keys[0]))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "%s: mapping: user-attribute is not applicable on the client side", where);
    if (json_object_size(in) == 0)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: mapping must not be empty", where);
    *out = idt_json_own(q->p, json_object());
    for (k = 0; keys[k]; k++) {
        if (!(v = json_object_get(in, keys[k]))) continue;
        if ((e = value_check(q->p, v, apr_psprintf(q->p, "%s: mapping: %s", where, keys[k]))))
            return e;
        json_object_set(*out, keys[k], v);
    }
    json_incref(*out);
    return NULL;
}

/* {"filter": ..., "mapping": ...} of name-id or of an attribute; the client side has
 * a mapping only. *out is a fresh reference. */
static idt_error *constraint_read(idt_req *q, json_t *in, int client, const char *where,
                                  json_t **out)
{
    static const char *const allowed[] = {"filter", "mapping", NULL};
    json_t *f = NULL, *m = NULL, *o;
    idt_error *e;
    if (!json_is_object(in)) return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be an object", where);
    if ((e = idt_json_only(q->p, in, allowed)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: %s", where, e->msg);
    if (client && json_object_get(in, "filter"))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: filter is not applicable on the client side",
                       where);
    if (!client && !json_object_get(in, "filter") && !json_object_get(in, "mapping"))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s needs a filter or a mapping", where);
    if (client && !json_object_get(in, "mapping"))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: mapping is required", where);
    if ((o = json_object_get(in, "filter")) && (e = filter_read(q, o, where, &f))) return e;
    idt_json_own(q->p, f);
    if ((o = json_object_get(in, "mapping")) && (e = mapping_read(q, o, client, where, &m)))
        return e;
    idt_json_own(q->p, m);
    *out = json_object();
    if (f) json_object_set(*out, "filter", f);
    if (m) json_object_set(*out, "mapping", m);
    return NULL;
}

/* An http(s) URL names a client-side rule: its key lower-cases scheme and host. */
static int is_url(const char *s)
{
    return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

static idt_error *url_key(apr_pool_t *p, const char *url, const char **key)
{
    char *k = apr_pstrdup(p, url), *c = strstr(k, "://") + 3;
    if (!*c || *c == '/')
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "a client-side -dn must be http(s)://host or http(s)://host/root");
    for (c = k; *c; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return idt_err(p, IDT_E_BAD_REQUEST,
                           "a client-side -dn URL must not contain spaces or control characters");
    }
    for (c = k; *c && (c < strstr(k, "://") + 3 || *c != '/'); c++)
        *c = apr_tolower(*c);
    *key = k;
    return NULL;
}

/* Reads one rule: side, -dn, its key, name-id and attributes (JSON text, JSON null when
 * absent) into row (a 5-element list); first and base name it in messages (before and
 * after its -dn is known). */
static idt_error *rule_read(idt_req *q, json_t *rule, const char *first, const char *base,
                            json_t *row)
{
    static const char *const allowed[] = {"-dn", "name-id", "attributes", NULL};
    static const char *const attr_allowed[] = {"-name", "attribute", NULL};
    const char *dn, *key, *where;
    json_t *nameid = NULL, *attrs = NULL, *o, *a;
    int client;
    size_t i;
    idt_error *e;

    where = first;
    if (!json_is_object(rule))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be an object", where);
    if ((e = idt_json_only(q->p, rule, allowed)) ||
        (e = idt_json_string(q->p, rule, "-dn", 1, MAX_DN, &dn)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: %s", where, e->msg);
    if (memchr(dn, '\0', json_string_length(json_object_get(rule, "-dn"))) ||
        strlen(dn) != json_string_length(json_object_get(rule, "-dn")))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: -dn must not contain NUL", where);
    client = is_url(dn);
    e = client ? url_key(q->p, dn, &key) : idt_dn_key(q->p, dn, &key);
    if (e) return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: -dn: %s", where, e->msg);
    if (strlen(key) > IDT_DN_KEY_MAX)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "%s: -dn is too long: its comparison form is %d bytes, at most %d", where,
                       (int)strlen(key), IDT_DN_KEY_MAX);
    where = apr_psprintf(q->p, "%s \"%s\"", base, dn);
    if (!(o = json_object_get(rule, "name-id")) && client)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: name-id is required on the client side",
                       where);
    if (o &&
        (e = constraint_read(q, o, client, apr_pstrcat(q->p, where, ": name-id", NULL), &nameid)))
        return e;
    idt_json_own(q->p, nameid);
    if ((o = json_object_get(rule, "attributes"))) {
        if (client)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "%s: attributes are not applicable on the client side", where);
        if (json_is_object(o)) o = idt_json_own(q->p, json_pack("[O]", o));
        if (!json_is_array(o))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: attributes must be a list", where);
        attrs = idt_json_own(q->p, json_array());
        json_array_foreach(o, i, a)
        {
            const char *name, *w = apr_psprintf(q->p, "%s: attribute %d", where, (int)i + 1);
            json_t *c, *in;
            if (!json_is_object(a))
                return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be an object", w);
            if ((e = idt_json_only(q->p, a, attr_allowed)) ||
                (e = idt_json_string(q->p, a, "-name", 1, MAX_VALUE, &name)) ||
                (e = value_check(q->p, json_object_get(a, "-name"), "-name")))
                return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: %s", w, e->msg);
            if (!(in = json_object_get(a, "attribute")))
                return idt_err(q->p, IDT_E_BAD_REQUEST, "%s: attribute is required", w);
            if ((e = constraint_read(q, in, 0, apr_pstrcat(q->p, w, ": attribute", NULL), &c)))
                return e;
            json_array_append_new(attrs, json_pack("{s:s, s:o}", "-name", name, "attribute", c));
        }
    }
    if (!client && !nameid && !attrs)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s needs name-id or attributes", where);
    json_array_append_new(row, json_string(client ? "client" : "service"));
    json_array_append_new(row, json_string(dn));
    json_array_append_new(row, json_string(key));
    /* JSON null: ->> gives SQL NULL, the column's "none" */
    json_array_append_new(row, nameid ? json_string(idt_json_dump(q->p, nameid, JSON_COMPACT))
                                      : json_null());
    json_array_append_new(row, attrs ? json_string(idt_json_dump(q->p, attrs, JSON_COMPACT))
                                     : json_null());
    return NULL;
}

idt_error *td_tokens_collect(idt_req *q, json_t *rules, const char *const *first,
                             const char *const *base, json_t **rows)
{
    json_t *keys = idt_json_own(q->p, json_object()), *rule;
    size_t i;
    idt_error *e;

    *rows = idt_json_own(q->p, json_array());
    json_array_foreach(rules, i, rule)
    {
        json_t *row = json_array();
        const char *key;
        json_array_append_new(*rows, row);
        e = rule_read(q, rule,
                      first ? first[i] : apr_psprintf(q->p, "token-attribute-rule %d", (int)i + 1),
                      base ? base[i] : "token-attribute-rule", row);
        if (e) return e;
        key = json_string_value(json_array_get(row, 2));
        if (json_object_get(keys, key))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s \"%s\" is given twice",
                           base ? base[i] : "token-attribute-rule",
                           json_string_value(json_array_get(row, 1)));
        json_object_set_new(keys, key, json_true());
    }
    return NULL;
}

idt_error *td_tokens_store(idt_req *q, const char *document, json_t *rows)
{
    const char *params[2] = {document, idt_json_dump(q->p, rows, JSON_COMPACT)};
    PGresult *r;
    return idt_db_exec(
        q->db, &r,
        "INSERT INTO idtrust.trust_token_rule "
        "(document_name, side, dn, dn_key, name_id, attributes) "
        "SELECT $1, e->>0, e->>1, e->>2, (e->>3)::jsonb, (e->>4)::jsonb "
        "FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n "
        "ON CONFLICT (document_name, dn_key) DO UPDATE SET side = EXCLUDED.side, "
        "dn = EXCLUDED.dn, name_id = EXCLUDED.name_id, attributes = EXCLUDED.attributes, "
        "updated_at = now()",
        2, params);
}

idt_error *td_tokens_add(idt_req *q)
{
    static const char *const root_allowed[] = {"token-attribute-rules", NULL};
    static const char *const group_allowed[] = {"token-attribute-rule", NULL};
    const char *document = document_of(q);
    json_t *in, *top, *list, *rows;
    idt_error *e;

    /* trailing commas accepted as for issuers; the seed's client-side example, whose two
     * token-attribute-rule members lack a comma, is a 400 naming line and column */
    if ((e = idt_httpd_read_json_opts(q->r, IDT_JSON_TRAILING_COMMAS | IDT_BODY_CURL_FORM_TYPE,
                                      &in)) ||
        (e = idt_json_only(q->p, in, root_allowed)))
        return e;
    top = json_object_get(in, "token-attribute-rules");
    if (!top) return idt_err(q->p, IDT_E_BAD_REQUEST, "token-attribute-rules is required");
    if (!json_is_object(top))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "token-attribute-rules must be an object");
    if ((e = idt_json_only(q->p, top, group_allowed))) return e;
    list = json_object_get(top, "token-attribute-rule");
    if (!list)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "token-attribute-rules: token-attribute-rule is required");
    if (json_is_object(list)) list = idt_json_own(q->p, json_pack("[O]", list));
    if (!json_is_array(list) || json_array_size(list) == 0)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "token-attribute-rule must be a non-empty list of rules");
    if ((e = td_tokens_collect(q, list, NULL, NULL, &rows)) ||
        (e = td_document_check(q, document, 1)) || (e = td_tokens_store(q, document, rows)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "trust_token_rules.set", "trust_document", document,
                       json_pack("{s:i}", "rules", (int)json_array_size(rows)))))
        return e;
    td_succeeded(q, NULL);
    return NULL;
}

static idt_error *rule_rows(idt_req *q, const char *document, PGresult **r)
{
    const char *params[1] = {document};
    return idt_db_exec(
        q->db, r,
        "SELECT side, dn, COALESCE(name_id::text, ''), COALESCE(attributes::text, '') "
        "FROM idtrust.trust_token_rule WHERE document_name = $1 ORDER BY id",
        1, params);
}

/* A stored JSON column, parsed ("" is NULL). */
static json_t *stored(const char *text)
{
    return *text ? json_loads(text, 0, NULL) : NULL;
}

idt_error *td_tokens_list(idt_req *q, const char *document, json_t **out)
{
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = rule_rows(q, document, &r))) return e;
    *out = list = idt_json_own(q->p, json_array());
    for (i = 0; i < PQntuples(r); i++) {
        json_t *rule = json_pack("{s:s}", "-dn", PQgetvalue(r, i, 1)), *v;
        if (rule && (v = stored(PQgetvalue(r, i, 3)))) json_object_set_new(rule, "attributes", v);
        if (rule && (v = stored(PQgetvalue(r, i, 2)))) json_object_set_new(rule, "name-id", v);
        if ((e = idt_append(q, list, rule))) return e;
    }
    return NULL;
}

idt_error *td_tokens_get(idt_req *q)
{
    const char *document = document_of(q);
    json_t *list;
    idt_error *e;

    if ((e = td_document_check(q, document, 0)) || (e = td_tokens_list(q, document, &list)))
        return e;
    idt_reply(q, 200,
              json_pack("{s:{s:O}}", "token-attribute-rules", "token-attribute-rule", list));
    return NULL;
}

idt_error *td_tokens_text(idt_req *q, const char *document, const char **text)
{
    apr_array_header_t *out = idt_strs_make(q->p);
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = rule_rows(q, document, &r))) return e;
    for (i = 0; i < PQntuples(r); i++)
        idt_strs_add(out, "\n\tRule DN      : ", PQgetvalue(r, i, 1), "\tSide         : ",
                    PQgetvalue(r, i, 0), NULL);
    *text = out->nelts ? idt_strs_join(q->p, out, NULL) : "\tNone";
    return NULL;
}
