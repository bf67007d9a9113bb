/* Pages of the suite's own lists, the Identity Center's way: ?limit=&marker= in,
 * "page_info": {"next_marker", "current_count"} out. A marker is opaque to clients: it
 * names the last row of the page before (keyset pages, never an offset). */
#ifndef IDT_HTTPD_PAGE_H
#define IDT_HTTPD_PAGE_H

#include <apr_tables.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "idt_error.h"
#include "idt_httpd_runner.h"

#define IDT_PAGE_DEFAULT 100
#define IDT_PAGE_MAX 1000

typedef struct idt_page {
    long limit;         /* rows asked for: 1 to IDT_PAGE_MAX, IDT_PAGE_DEFAULT when absent */
    const char *marker; /* where the previous page ended, or NULL for the first page */
} idt_page;

/* limit and marker from parsed query parameters; IDT_E_BAD_REQUEST naming a bad one. */
idt_error *idt_page_parse(apr_pool_t *p, apr_table_t *query, idt_page *page);

/* The LIMIT to read with: one row more than the page, which tells whether a next page
 * exists. */
const char *idt_page_fetch(apr_pool_t *p, const idt_page *page);

/* A marker of the form "<microseconds since 1970>.<uuid>" (pages ordered by a time and
 * an id), split into *us and *id; both NULL without a marker. IDT_E_BAD_REQUEST for a
 * marker of any other form. */
idt_error *idt_page_time_marker(apr_pool_t *p, const idt_page *page, const char **us,
                                const char **id);

/* Runs the page's statement (sql, n params) into *r. With a marker, check (check_n
 * params) runs first, in the same round trip: it must return a row, else the answer is
 * IDT_E_BAD_REQUEST "marker is not one this API gave out". A marker names the last row
 * of the page before; one that names no row (made up, or its row deleted since) is
 * refused rather than answered with a page that depends on where it sorts. check must
 * not fail on a marker of the form the caller has checked (no cast of other text). */
idt_error *idt_page_query(idt_req *q, const idt_page *page, const char *check, int check_n,
                          const char *const *check_params, const char *sql, int n,
                          const char *const *params, PGresult **r);

/* {"next_marker": next or null on the last page, "current_count": count}. */
json_t *idt_page_info(int count, const char *next);

/* Replies 200 {member: [], "page_info": ...} for r, read with idt_page_fetch's LIMIT,
 * and returns the list to append the page's *rows rows to. The next marker is column
 * key_col of the page's last row, prefixed by column time_col and a dot unless time_col
 * is negative. */
json_t *idt_page_reply(idt_req *q, const char *member, const PGresult *r, const idt_page *page,
                       int key_col, int time_col, int *rows);

/* A whole list answer paged by a text key (a name): ?limit= and ?marker= of the query
 * (nothing else), sql run with $1 the marker (NULL on the first page) and $2 the rows
 * to fetch, its key in column key_col; each row rendered by item into member. check is
 * the statement, with $1 the marker, that returns a row when the marker names one
 * (idt_page_query). */
idt_error *idt_page_list(idt_req *q, const char *member, const char *check, const char *sql,
                         int key_col, json_t *(*item)(const PGresult *r, int row));

#endif
