#include "idt_httpd_page.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include "idt_httpd_query.h"

idt_error *idt_page_parse(apr_pool_t *p, apr_table_t *query, idt_page *page)
{
    idt_error *e =
        idt_query_int(p, query, "limit", 1, IDT_PAGE_MAX, IDT_PAGE_DEFAULT, &page->limit);
    page->marker = apr_table_get(query, "marker");
    return e;
}

const char *idt_page_fetch(apr_pool_t *p, const idt_page *page)
{
    return apr_ltoa(p, page->limit + 1);
}

idt_error *idt_page_time_marker(apr_pool_t *p, const idt_page *page, const char **us,
                                const char **id)
{
    const char *m = page->marker, *dot = m ? strchr(m, '.') : NULL, *c;
    int ok = dot && dot > m && dot - m <= 18 && strlen(dot + 1) == 36;

    *us = *id = NULL;
    if (!m) return NULL;
    for (c = m; ok && c < dot; c++)
        ok = apr_isdigit(*c);
    /* the id part is a uuid in its canonical form, so PostgreSQL never fails on its cast */
    for (c = dot ? dot + 1 : ""; ok && *c; c++) {
        apr_size_t at = (apr_size_t)(c - (dot + 1));
        ok = (at == 8 || at == 13 || at == 18 || at == 23) ? *c == '-' : apr_isxdigit(*c);
    }
    if (!ok) return idt_err(p, IDT_E_BAD_REQUEST, "marker is not one this API gave out");
    *us = apr_pstrmemdup(p, m, dot - m);
    *id = dot + 1;
    return NULL;
}

idt_error *idt_page_query(idt_req *q, const idt_page *page, const char *check, int check_n,
                          const char *const *check_params, const char *sql, int n,
                          const char *const *params, PGresult **r)
{
    idt_stmt batch[2];
    idt_error *e;

    if (!page->marker) return idt_db_exec(q->db, r, sql, n, params);
    batch[0] = (idt_stmt){check, check_n, check_params, NULL};
    batch[1] = (idt_stmt){sql, n, params, NULL};
    if ((e = idt_db_exec_batch(q->db, batch, 2))) return e;
    if (PQntuples(batch[0].res) == 0)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "marker is not one this API gave out");
    *r = batch[1].res;
    return NULL;
}

json_t *idt_page_info(int count, const char *next)
{
    return json_pack("{s:o, s:i}", "next_marker", next ? json_string(next) : json_null(),
                     "current_count", count);
}

json_t *idt_page_reply(idt_req *q, const char *member, const PGresult *r, const idt_page *page,
                       int key_col, int time_col, int *rows)
{
    int got = PQntuples(r), n = got > page->limit ? (int)page->limit : got;
    const char *next = NULL;
    json_t *list = json_array();

    if (got > n)
        next = time_col < 0 ? PQgetvalue(r, n - 1, key_col)
                            : apr_pstrcat(q->p, PQgetvalue(r, n - 1, time_col), ".",
                                          PQgetvalue(r, n - 1, key_col), NULL);
    idt_reply(q, 200, json_pack("{s:o, s:o}", member, list, "page_info", idt_page_info(n, next)));
    *rows = n;
    return list;
}

idt_error *idt_page_list(idt_req *q, const char *member, const char *check, const char *sql,
                         int key_col, json_t *(*item)(const PGresult *r, int row))
{
    static const char *const allowed[] = {"limit", "marker", NULL};
    const char *params[2];
    apr_table_t *t;
    idt_page page;
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page)))
        return e;
    params[0] = page.marker;
    params[1] = idt_page_fetch(q->p, &page);
    if ((e = idt_page_query(q, &page, check, 1, params, sql, 2, params, &r))) return e;
    list = idt_page_reply(q, member, r, &page, key_col, -1, &n);
    for (i = 0; i < n; i++)
        if ((e = idt_append(q, list, item(r, i)))) return e;
    return NULL;
}
