#include "ci_notifications.h"

#include <stdlib.h>
#include <apr_strings.h>

#include "ci_certificates.h"
#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "idt_json.h"

#define MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define NOTE_COLUMNS                                                                               \
    "o.id, o.system_id, e.name, o.certificate_id, c.subject, c.source, o.state, o.attempts, "      \
    "o.last_status, o.last_error, " MS("o.created_at") ", " MS("o.next_attempt_at") ", "           \
    MS("o.delivered_at") ", (extract(epoch FROM o.created_at) * 1000000)::bigint"
#define NOTE_FROM                                                                                  \
    " FROM idtrust.ci_outbox o JOIN idtrust.ci_external_system e ON e.id = o.system_id "           \
    "JOIN idtrust.certificate c ON c.id = o.certificate_id "

static json_t *note_json(const PGresult *r, int i)
{
    json_t *status = PQgetisnull(r, i, 8) ? json_null() : json_integer(atoi(PQgetvalue(r, i, 8)));
    json_t *delivered = PQgetisnull(r, i, 12)
                            ? json_null()
                            : json_integer((json_int_t)apr_atoi64(PQgetvalue(r, i, 12)));
    const char *state = PQgetvalue(r, i, 6);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:s?, s:I, s:o, s:o}", "id",
                     PQgetvalue(r, i, 0), "externalSystemId", PQgetvalue(r, i, 1),
                     "externalSystem", PQgetvalue(r, i, 2), "certificateId", PQgetvalue(r, i, 3),
                     "subject", PQgetvalue(r, i, 4), "source", PQgetvalue(r, i, 5), "state", state,
                     "attempts", atoi(PQgetvalue(r, i, 7)), "lastStatus", status, "lastError",
                     PQgetisnull(r, i, 9) ? NULL : PQgetvalue(r, i, 9), "createdAt",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 10)), "nextAttemptAt",
                     strcmp(state, "pending")
                         ? json_null()
                         : json_integer((json_int_t)apr_atoi64(PQgetvalue(r, i, 11))),
                     "deliveredAt", delivered);
}

idt_error *ci_notification_list(idt_req *q)
{
    static const char *const allowed[] = {"state", "externalSystemId", "certificateId", "limit",
                                          "marker", NULL};
    const char *params[6], *state, *sys, *cert;
    apr_table_t *t;
    idt_page page;
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page)) ||
        (e = idt_page_time_marker(q->p, &page, &params[3], &params[4])))
        return e;
    state = apr_table_get(t, "state");
    sys = apr_table_get(t, "externalSystemId");
    cert = apr_table_get(t, "certificateId");
    if (state && strcmp(state, "pending") && strcmp(state, "delivered") &&
        strcmp(state, "failed") && strcmp(state, "cancelled"))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "state must be pending, delivered, failed or cancelled");
    if ((sys && !ci_is_uuid(sys)) || (cert && !ci_is_uuid(cert)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "externalSystemId and certificateId are ids");
    params[0] = state;
    params[1] = sys;
    params[2] = cert;
    params[5] = idt_page_fetch(q->p, &page);
    if ((e = idt_page_query(q, &page,
                            "SELECT FROM idtrust.ci_outbox WHERE id = $2::uuid AND "
                            "(extract(epoch FROM created_at) * 1000000)::bigint = $1::bigint",
                            2, params + 3,
                            "SELECT " NOTE_COLUMNS NOTE_FROM
                            "WHERE ($1::text IS NULL OR o.state = $1) "
                            "AND ($2::uuid IS NULL OR o.system_id = $2::uuid) "
                            "AND ($3::uuid IS NULL OR o.certificate_id = $3::uuid) "
                            "AND ($4::bigint IS NULL OR (o.created_at, o.id) > "
                            "('epoch'::timestamptz + $4::bigint * interval '1 microsecond', "
                            "$5::uuid)) "
                            "ORDER BY o.created_at, o.id LIMIT $6::int",
                            6, params, &r)))
        return e;
    list = idt_page_reply(q, "notifications", r, &page, 0, 13, &n);
    for (i = 0; i < n; i++)
        if ((e = idt_append(q, list, note_json(r, i)))) return e;
    return NULL;
}

static idt_error *fetch(idt_req *q, int lock, PGresult **r)
{
    const char *params[1] = {q->args[0]};
    idt_error *e;

    if (!ci_is_uuid(q->args[0]))
        return idt_err(q->p, IDT_E_NOT_FOUND, "no notification with that id");
    e = idt_db_exec(q->db, r,
                    lock ? "SELECT " NOTE_COLUMNS NOTE_FROM "WHERE o.id = $1 FOR UPDATE OF o"
                         : "SELECT " NOTE_COLUMNS NOTE_FROM "WHERE o.id = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(*r) == 0) return idt_err(q->p, IDT_E_NOT_FOUND, "no notification with that id");
    return NULL;
}

idt_error *ci_notification_get(idt_req *q)
{
    PGresult *r;
    idt_error *e = fetch(q, 0, &r);
    if (e) return e;
    idt_reply(q, 200, note_json(r, 0));
    return NULL;
}

/* Sets the state of the notification (locked, in the state the caller checked). */
static idt_error *change(idt_req *q, const char *sql, const char *action)
{
    const char *params[1] = {q->args[0]};
    PGresult *r;
    idt_error *e;

    if ((e = idt_db_exec(q->db, &r, sql, 1, params)) ||
        (e = idt_audit(q->db, &q->who, action, "notification", q->args[0], NULL)) ||
        (e = fetch(q, 0, &r)))
        return e;
    idt_reply(q, 200, note_json(r, 0));
    return NULL;
}

idt_error *ci_notification_resend(idt_req *q)
{
    PGresult *r;
    idt_error *e = fetch(q, 1, &r);

    if (e) return e;
    if (!strcmp(PQgetvalue(r, 0, 6), "pending"))
        return idt_err(q->p, IDT_E_CONFLICT, "the notification is pending already");
    /* a fresh schedule: attempts start again from the first delay */
    return change(q,
                  "UPDATE idtrust.ci_outbox SET state = 'pending', attempts = 0, "
                  "next_attempt_at = now(), claimed_until = NULL, delivered_at = NULL, "
                  "updated_at = now() WHERE id = $1",
                  "notification.resend");
}

idt_error *ci_notification_cancel(idt_req *q)
{
    PGresult *r;
    idt_error *e = fetch(q, 1, &r);

    if (e) return e;
    if (strcmp(PQgetvalue(r, 0, 6), "pending"))
        return idt_err(q->p, IDT_E_CONFLICT, "only a pending notification can be cancelled (it is %s)",
                       PQgetvalue(r, 0, 6));
    /* an attempt under way may still reach the receiver; its result is not recorded */
    return change(q,
                  "UPDATE idtrust.ci_outbox SET state = 'cancelled', claimed_until = NULL, "
                  "updated_at = now() WHERE id = $1",
                  "notification.cancel");
}
