/* Unit tests of content negotiation (modules/httpd/idt_httpd_negotiate.c) and of the
 * UTF-8 check of the core (idt_text_is_utf8). */
#include <apr_general.h>

#include "idt_httpd_negotiate.h"
#include "idt_text.h"
#include "tap.h"

static const char *const offers[] = {"text/plain", "application/json", "application/xml",
                                     "text/xml", NULL};

int main(void)
{
    apr_initialize();

    is_int(idt_negotiate_value(NULL, offers), 0, "no Accept: the first offer");
    is_int(idt_negotiate_value("", offers), 0, "an empty Accept: the first offer");
    is_int(idt_negotiate_value("  ", offers), 0, "white space only: the first offer");
    is_int(idt_negotiate_value("*/*", offers), 0, "*/*: the first offer");
    is_int(idt_negotiate_value("application/json", offers), 1, "an exact type");
    is_int(idt_negotiate_value("Application/XML", offers), 2, "any case");
    is_int(idt_negotiate_value("text/xml", offers), 3, "text/xml");
    is_int(idt_negotiate_value("text/*", offers), 0, "text/*: the first text type");
    is_int(idt_negotiate_value("application/*", offers), 1, "application/*");
    is_int(idt_negotiate_value("application/json;q=0.5, application/xml", offers), 2,
           "the higher q");
    is_int(idt_negotiate_value("application/json;q=0.5,application/xml;q=0.4", offers), 1,
           "q values compared");
    is_int(idt_negotiate_value("application/json , */*;q=0.1", offers), 1,
           "a type over a weak wildcard");
    is_int(idt_negotiate_value("*/*, application/json", offers), 1,
           "at equal q the more specific range");
    is_int(idt_negotiate_value("application/json;q=0, */*", offers), 0,
           "q=0 refuses an offer the wildcard would take");
    is_int(idt_negotiate_value("image/png", offers), -1, "nothing acceptable: -1");
    is_int(idt_negotiate_value("*/*;q=0", offers), -1, "everything refused: -1");
    is_int(idt_negotiate_value("application/json;charset=utf-8;q=0.9, text/plain;q=0.8", offers), 1,
           "other parameters ignored");
    is_int(idt_negotiate_value("application/json;q=1.000", offers), 1, "q=1.000");
    is_int(idt_negotiate_value("application/json;q=bogus, application/xml;q=0.9", offers), 1,
           "a malformed q counts as 1");
    is_int(idt_negotiate_value("application/json;q=0.0001", offers), 1,
           "more than three decimals: malformed, 1");
    is_int(idt_negotiate_value("application/jsonx, application", offers), -1,
           "a longer or shorter type is not the type");
    is_int(idt_negotiate_value(",,,;;;", offers), -1, "empty ranges match nothing");

    ok(idt_text_is_utf8("plain ASCII"), "ASCII is UTF-8");
    ok(idt_text_is_utf8("\xc3\xa4\xe2\x9c\x93\xf0\x9f\x98\x80"), "2-, 3- and 4-byte characters");
    ok(!idt_text_is_utf8("\xff"), "0xff is not");
    ok(!idt_text_is_utf8("\xc0\xaf"), "an overlong form is not");
    ok(!idt_text_is_utf8("\xed\xa0\x80"), "a surrogate is not");
    ok(!idt_text_is_utf8("\xe2\x9c"), "a truncated character is not");
    ok(!idt_text_is_utf8("\xf4\x90\x80\x80"), "past U+10FFFF is not");
    return done_testing();
}
