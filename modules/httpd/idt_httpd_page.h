/* Pages of the suite's own lists, the Identity Center's way: ?limit=&marker= in,
 * "page_info": {"next_marker", "current_count"} out. A marker is opaque to clients. */
#ifndef IDT_HTTPD_PAGE_H
#define IDT_HTTPD_PAGE_H

#include <apr_tables.h>
#include <jansson.h>

#include "idt_error.h"

#define IDT_PAGE_DEFAULT 100
#define IDT_PAGE_MAX 1000

typedef struct idt_page {
    long limit;         /* rows asked for: 1 to IDT_PAGE_MAX, IDT_PAGE_DEFAULT when absent */
    const char *marker; /* where the previous page ended, or NULL for the first page */
} idt_page;

/* limit and marker from parsed query parameters; IDT_E_BAD_REQUEST naming a bad one. */
idt_error *idt_page_parse(apr_pool_t *p, apr_table_t *query, idt_page *page);

/* {"next_marker": next or null on the last page, "current_count": count}. */
json_t *idt_page_info(int count, const char *next);

#endif
