#include "idt_httpd_page.h"

#include "idt_httpd_query.h"

idt_error *idt_page_parse(apr_pool_t *p, apr_table_t *query, idt_page *page)
{
    idt_error *e =
        idt_query_int(p, query, "limit", 1, IDT_PAGE_MAX, IDT_PAGE_DEFAULT, &page->limit);
    page->marker = apr_table_get(query, "marker");
    return e;
}

json_t *idt_page_info(int count, const char *next)
{
    return json_pack("{s:o, s:i}", "next_marker", next ? json_string(next) : json_null(),
                     "current_count", count);
}
