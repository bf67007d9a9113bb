#include "it_lists.h"

#include <stdio.h>
#include <stdlib.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "idt_json.h"

static int digits(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (!apr_isdigit(*s)) return 0;
    return 1;
}

/* since: milliseconds since 1970, or an RFC 3339 date-time ("2026-12-01T00:00:00Z"),
 * as the text PostgreSQL converts; NULL when absent. */
static idt_error *since_param(idt_req *q, apr_table_t *t, const char **out)
{
    const char *v = apr_table_get(t, "since");
    int y, mo, d, h, mi, s, n = 0;

    *out = NULL;
    if (!v) return NULL;
    if (digits(v) && strlen(v) <= 15) {
        *out = apr_psprintf(q->p, "%s", v);
        return NULL;
    }
    if (sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6 && n == 19 &&
        mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60 && y >= 1970) {
        const char *z = v + n;
        if (*z == '.')
            for (z++; apr_isdigit(*z); z++)
                ;
        if (!strcmp(z, "Z") ||
            ((z[0] == '+' || z[0] == '-') && apr_isdigit(z[1]) && apr_isdigit(z[2]) &&
             z[3] == ':' && apr_isdigit(z[4]) && apr_isdigit(z[5]) && !z[6])) {
            *out = v;
            return NULL;
        }
    }
    return idt_err(q->p, IDT_E_BAD_REQUEST,
                   "since must be milliseconds since 1970 or an RFC 3339 date-time such as "
                   "2026-12-01T00:00:00Z");
}

idt_error *it_audit_list(idt_req *q)
{
    static const char *const allowed[] = {"limit", "marker", "since", "action", "actor", NULL};
    apr_table_t *t;
    idt_page page;
    const char *since, *params[6];
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page)) ||
        (e = since_param(q, t, &since)))
        return e;
    if (page.marker && (!digits(page.marker) || strlen(page.marker) > 18))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "marker is not one this API gave out");
    params[0] = page.marker;
    params[1] = since && digits(since) ? since : NULL;
    params[2] = since && !digits(since) ? since : NULL;
    params[3] = apr_table_get(t, "action");
    params[4] = apr_table_get(t, "actor");
    params[5] = idt_page_fetch(q->p, &page);
    e = idt_page_query(q, &page, "SELECT FROM idtrust.audit WHERE id = $1::bigint", 1, params,
                       "SELECT id, floor(extract(epoch FROM at) * 1000)::bigint, actor, client_ip, "
                       "request_id, action, object_type, object_id, detail "
                       "FROM idtrust.audit "
                       "WHERE ($1::bigint IS NULL OR id < $1::bigint) "
                       "AND ($2::bigint IS NULL OR at >= to_timestamp($2::bigint / 1000.0)) "
                       "AND ($3::timestamptz IS NULL OR at >= $3::timestamptz) "
                       "AND ($4::text IS NULL OR action = $4) AND ($5::text IS NULL OR actor = $5) "
                       "ORDER BY id DESC LIMIT $6::int",
                       6, params, &r);
    if (e) return e;
    list = idt_page_reply(q, "audit", r, &page, 0, -1, &n);
    for (i = 0; i < n; i++) {
        const char *detail = idt_db_value(r, i, 8);
        json_t *d = detail ? json_loads(detail, 0, NULL) : json_null();
        if ((e = idt_append(q, list,
                            json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:s, s:s, s:s?, s:o}", "id",
                                      (json_int_t)apr_atoi64(PQgetvalue(r, i, 0)), "at",
                                      (json_int_t)apr_atoi64(PQgetvalue(r, i, 1)), "actor",
                                      idt_db_value(r, i, 2), "client_ip", idt_db_value(r, i, 3),
                                      "request_id", idt_db_value(r, i, 4), "action",
                                      PQgetvalue(r, i, 5), "object_type", PQgetvalue(r, i, 6),
                                      "object_id", idt_db_value(r, i, 7), "detail",
                                      d ? d : json_null()))))
            return e;
    }
    return NULL;
}

idt_error *it_certificate_list(idt_req *q)
{
    static const char *const allowed[] = {"limit", "marker", "expiring_within_days", NULL};
    /* two statements rather than one with "$3 IS NULL OR ...": each keeps its index plan */
#define CERT_PAGE_SELECT                                                                           \
    "SELECT c.id, c.subject, c.issuer, c.serial, c.sha256, c.source, "                             \
    "(extract(epoch FROM c.not_before) * 1000)::bigint, "                                          \
    "(extract(epoch FROM c.not_after) * 1000)::bigint, c.not_after < now(), "                      \
    "(extract(epoch FROM c.not_after) * 1000000)::bigint, h.module, h.object_type, "               \
    "h.object_id, h.object_path "                                                                  \
    "FROM idtrust.certificate c LEFT JOIN LATERAL (SELECT * FROM idtrust.certificate_holder x "    \
    "WHERE x.certificate_id = c.id LIMIT 1) h ON true "                                            \
    "WHERE ($1::int IS NULL OR c.not_after < now() + make_interval(days => $1::int)) "
    static const char *const first = CERT_PAGE_SELECT "ORDER BY c.not_after, c.id LIMIT $2::int";
    static const char *const next = CERT_PAGE_SELECT
        "AND (c.not_after, c.id) > ('epoch'::timestamptz + $3::bigint * "
        "interval '1 microsecond', $4::uuid) ORDER BY c.not_after, c.id LIMIT $2::int";
#undef CERT_PAGE_SELECT
    apr_table_t *t;
    idt_page page;
    long days;
    const char *params[4];
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page)) ||
        (e = idt_query_int(q->p, t, "expiring_within_days", 0, 36500, -1, &days)) ||
        (e = idt_page_time_marker(q->p, &page, &params[2], &params[3])))
        return e;
    params[0] = days >= 0 ? apr_ltoa(q->p, days) : NULL;
    params[1] = idt_page_fetch(q->p, &page);
    /* the marker's row, at the time the marker gives it */
    e = idt_page_query(q, &page,
                       "SELECT FROM idtrust.certificate WHERE id = $2::uuid AND "
                       "(extract(epoch FROM not_after) * 1000000)::bigint = $1::bigint",
                       2, params + 2, page.marker ? next : first, page.marker ? 4 : 2, params, &r);
    if (e) return e;
    list = idt_page_reply(q, "certificates", r, &page, 0, 9, &n);
    for (i = 0; i < n; i++)
        if ((e = idt_append(
                 q, list,
                 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s?, s:s?, s:s?, s:s?}",
                           "certificate_id", PQgetvalue(r, i, 0), "subject", PQgetvalue(r, i, 1),
                           "issuer", PQgetvalue(r, i, 2), "serial", PQgetvalue(r, i, 3), "sha256",
                           PQgetvalue(r, i, 4), "source", PQgetvalue(r, i, 5), "not_before",
                           (json_int_t)apr_atoi64(PQgetvalue(r, i, 6)), "not_after",
                           (json_int_t)apr_atoi64(PQgetvalue(r, i, 7)), "expired",
                           *PQgetvalue(r, i, 8) == 't', "module", idt_db_value(r, i, 10),
                           "object_type", idt_db_value(r, i, 11), "object_id",
                           idt_db_value(r, i, 12), "object_path", idt_db_value(r, i, 13)))))
            return e;
    return NULL;
}
