#include "td_documents.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include "idt_audit.h"
#include "idt_httpd_query.h"
#include "idt_strs.h"
#include "idt_text.h"
#include "td_envelope.h"
#include "td_issuers.h"
#include "td_tokens.h"
#include "td_routes.h"

idt_error *td_document_name_check(apr_pool_t *p, const char *name)
{
    const char *c;

    if (!name) return idt_err(p, IDT_E_BAD_REQUEST, "documentName is required");
    if (strlen(name) > 128)
        return idt_err(p, IDT_E_BAD_REQUEST, "documentName is longer than 128 characters");
    if (!apr_isalnum(name[0]))
        return idt_err(p, IDT_E_BAD_REQUEST, "documentName must start with a letter or digit");
    for (c = name; *c; c++)
        if (!apr_isalnum(*c) && *c != '.' && *c != '_' && *c != '-')
            return idt_err(p, IDT_E_BAD_REQUEST,
                           "documentName may hold only letters, digits, '.', '_' and '-'");
    return NULL;
}

idt_error *td_document_check(idt_req *q, const char *name, int lock)
{
    const char *params[1] = {name};
    PGresult *r;
    idt_error *e;

    if (td_document_name_check(q->p, name))
        return idt_err(q->p, IDT_E_NOT_FOUND, "no trust document of that name");
    e = idt_db_exec(q->db, &r,
                    lock ? "SELECT 1 FROM idtrust.trust_document WHERE name = $1 FOR UPDATE"
                         : "SELECT 1 FROM idtrust.trust_document WHERE name = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "Token Issuer Trust document named \"%s\" not found",
                       name);
    return NULL;
}

idt_error *td_display_name_check(apr_pool_t *p, const char *s)
{
    const unsigned char *c;
    if (strlen(s) > 255)
        return idt_err(p, IDT_E_BAD_REQUEST, "displayName is longer than 255 bytes");
    for (c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return idt_err(p, IDT_E_BAD_REQUEST, "displayName must not contain control characters");
    if (idt_text_blank(s))
        return idt_err(p, IDT_E_BAD_REQUEST, "displayName must not be made only of white space");
    return NULL;
}

/* documentName (checked) and displayName (NULL when absent) of the query, as POST and
 * DELETE take them. */
static idt_error *name_params(idt_req *q, const char **name, const char **display)
{
    static const char *const allowed[] = {"documentName", "displayName", NULL};
    apr_table_t *t;
    idt_error *e = idt_query_parse(q->r, allowed, &t);

    if (e) return e;
    *name = apr_table_get(t, "documentName");
    *display = apr_table_get(t, "displayName");
    return td_document_name_check(q->p, *name);
}

idt_error *td_document_create(idt_req *q)
{
    const char *params[2];
    const char *name, *display;
    PGresult *r;
    idt_error *e;

    if ((e = name_params(q, &name, &display))) return e;
    if (!display) display = name;
    if ((e = td_display_name_check(q->p, display))) return e;
    params[0] = name;
    params[1] = display;
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.trust_document (name, display_name) VALUES ($1, $2) "
                    "ON CONFLICT (name) DO NOTHING RETURNING name",
                    2, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_CONFLICT,
                       "Token Issuer Trust document named \"%s\" already exists", name);
    if ((e = idt_audit(q->db, &q->who, "trust_document.create", "trust_document", name,
                       json_pack("{s:s}", "display_name", display))))
        return e;
    td_succeeded(q,
                 apr_psprintf(q->p, "New Token Issuer Trust document named \"%s\" created.", name));
    return NULL;
}

/* "Name : ...\tDisplay Name : ...\tStatus : ... " as the product prints it. */
static const char *summary(apr_pool_t *p, const PGresult *r, int row)
{
    return apr_psprintf(p, "Name         : %s\tDisplay Name : %s\tStatus       : %s ",
                        PQgetvalue(r, row, 0), PQgetvalue(r, row, 1), PQgetvalue(r, row, 2));
}

idt_error *td_document_get(idt_req *q)
{
    static const char *const allowed[] = {"documentName", NULL};
    const char *params[1];
    const char *name, *text, *issuers, *rules;
    apr_table_t *t;
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = idt_query_parse(q->r, allowed, &t))) return e;
    name = apr_table_get(t, "documentName");
    text = "List of token issuer trust documents in the Repository:";
    if (!name) {
        /* no name: the list the product's heading announces */
        e = idt_db_exec(q->db, &r,
                        "SELECT name, display_name, status FROM idtrust.trust_document "
                        "ORDER BY name",
                        0, NULL);
        if (e) return e;
        apr_array_header_t *lines = idt_strs_make(q->p);
        idt_strs_add(lines, text, NULL);
        for (i = 0; i < PQntuples(r); i++)
            idt_strs_add(lines, summary(q->p, r, i), NULL);
        td_succeeded(q, idt_strs_join(q->p, lines, "\n"));
        return NULL;
    }
    if ((e = td_document_name_check(q->p, name))) return e;
    params[0] = name;
    e = idt_db_exec(q->db, &r,
                    "SELECT name, display_name, status FROM idtrust.trust_document WHERE name = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "Token Issuer Trust document named \"%s\" not found",
                       name);
    if ((e = td_issuers_text(q, name, &issuers)) || (e = td_tokens_text(q, name, &rules))) return e;
    td_succeeded(q, apr_pstrcat(q->p, text, "\nDetails of the document matching your request:\n",
                                summary(q->p, r, 0), "\nList of trusted issuers for this type:",
                                issuers, "\nList of Token Attribute Rules", rules, NULL));
    return NULL;
}

idt_error *td_document_delete(idt_req *q)
{
    const char *params[1];
    const char *name, *display;
    PGresult *r;
    idt_error *e;

    if ((e = name_params(q, &name, &display))) return e;
    if (!display)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "displayName is required: it must repeat the document's display name");
    params[0] = name;
    e = idt_db_exec(q->db, &r,
                    "SELECT display_name FROM idtrust.trust_document WHERE name = $1 FOR UPDATE", 1,
                    params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "Token Issuer Trust document named \"%s\" not found",
                       name);
    if (!strcmp(name, TD_DOMAIN_DOCUMENT))
        return idt_err(q->p, IDT_E_CONFLICT,
                       "the document \"%s\" holds the domain context and cannot be deleted", name);
    if (strcmp(display, PQgetvalue(r, 0, 0)))
        return idt_err(q->p, IDT_E_CONFLICT,
                       "displayName does not match the display name of document \"%s\"", name);
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.trust_document WHERE name = $1", 1,
                         params)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "trust_document.delete", "trust_document", name,
                       json_pack("{s:s}", "display_name", display))))
        return e;
    td_succeeded(
        q,
        apr_psprintf(q->p, "Token Issuer Trust document named \"%s\" deleted from the repository.",
                     name));
    return NULL;
}
