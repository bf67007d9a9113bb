/* Unit tests of the core's text checks (modules/core/idt_text.c): the private-key
 * detector every entry point shares, and blank names. */
#include <string.h>

#include <apr_general.h>

#include "idt_text.h"
#include "tap.h"

static int has_key(const char *s)
{
    return idt_text_has_private_key(s, strlen(s));
}

int main(void)
{
    apr_pool_t *p;
    idt_error *e;
    static const char with_nul[] = "x\0-----BEGIN PRIVATE KEY-----";

    apr_initialize();
    apr_pool_create(&p, NULL);

    /* ---- private keys ---- */
    ok(has_key("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"), "PKCS#8");
    ok(has_key("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "encrypted PKCS#8");
    ok(has_key("-----BEGIN RSA PRIVATE KEY-----"), "RSA");
    ok(has_key("-----BEGIN EC PRIVATE KEY-----"), "EC");
    ok(has_key("-----BEGIN OPENSSH PRIVATE KEY-----"), "OpenSSH");
    ok(has_key("-----BEGIN PGP PRIVATE KEY BLOCK-----"), "PGP");
    ok(has_key("text around -----END PRIVATE KEY----- it"), "an END line alone, mid-text");
    ok(idt_text_has_private_key(with_nul, sizeof(with_nul) - 1), "after a NUL byte");
    ok(!idt_text_has_private_key(with_nul, 10), "len is authoritative");
    ok(!has_key("-----BEGIN CERTIFICATE-----"), "a certificate is not a key");
    ok(!has_key("-----BEGIN PUBLIC KEY-----"), "a public key is not a private key");
    ok(!has_key("my private key"), "the words alone are not a key");
    ok(!has_key(""), "empty");
    ok(!idt_text_has_private_key(NULL, 5), "NULL");

    e = idt_text_private_key_check(p, "a -----BEGIN PRIVATE KEY----- MIIEsecret", 40,
                                   "member \"name\"");
    ok(e && e->kind == IDT_E_PRIVATE_KEY && e->status == 400, "check: IDT_E_PRIVATE_KEY, 400");
    ok(e && strstr(e->msg, "member \"name\"") && !strstr(e->msg, "MIIE") &&
           !strstr(e->msg, "BEGIN"),
       "check: names where, never quotes (%s)", e ? e->msg : "");
    e = idt_text_private_key_check(p, "-----BEGIN PRIVATE KEY-----", 27, NULL);
    ok(e && strstr(e->msg, "the input"), "check: 'the input' by default");
    ok(idt_text_private_key_check(p, "plain", 5, "x") == NULL, "check: NULL for plain text");

    /* ---- blank ---- */
    ok(idt_text_blank(NULL), "NULL is blank");
    ok(idt_text_blank(""), "empty is blank");
    ok(idt_text_blank(" "), "a space");
    ok(idt_text_blank(" \t\r\n\v\f"), "ASCII white space");
    ok(idt_text_blank("\xc2\xa0"), "no-break space");
    ok(idt_text_blank("\xc2\x85"), "next line");
    ok(idt_text_blank("\xe3\x80\x80 \xe2\x80\x83"), "ideographic and em space");
    ok(idt_text_blank("\xe2\x80\x8b\xef\xbb\xbf\xe2\x81\xa0"),
       "zero-width space, BOM, word joiner");
    ok(idt_text_blank("\xe1\x9a\x80\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\x9f"),
       "ogham, line/paragraph separators, narrow no-break, math space");
    ok(!idt_text_blank("a"), "a letter");
    ok(!idt_text_blank("  a  "), "a letter among spaces");
    ok(!idt_text_blank(" \xc3\xa9"), "a non-ASCII letter");
    ok(!idt_text_blank("\xe2\x80"), "a truncated sequence counts as visible");
    ok(!idt_text_blank("\xc2"), "a lone lead byte counts as visible");
    ok(!idt_text_blank("\xe2\x82\xac"), "the euro sign");

    ok(idt_text_is_utf8("plain ascii") && idt_text_is_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"),
       "ASCII and multi-byte UTF-8 are UTF-8");
    ok(!idt_text_is_utf8("\xc0\xaf"), "an overlong form is not");
    ok(!idt_text_is_utf8("\xed\xa0\x80"), "a surrogate is not");
    ok(!idt_text_is_utf8("\xf4\x90\x80\x80"), "a code point past U+10FFFF is not");
    ok(!idt_text_is_utf8("ab\xe2\x82"), "a truncated sequence is not");
    ok(!idt_text_is_utf8("\xff"), "a byte UTF-8 never uses is not");

    /* ---- idt_text_check: the one judgement of decoded text ---- */
    {
        apr_pool_t *q;
        static const char nul[] = "ab\0cd";
        apr_pool_create(&q, NULL);
#define CHECK(s, f) idt_text_check(q, "name", s, strlen(s), f)
        ok(CHECK("plain", 0) == NULL, "ASCII passes");
        ok(CHECK("caf\xc3\xa9 \xf0\x9f\x98\x80", 0) == NULL, "composed letters and emoji pass");
        ok(CHECK("", 0) == NULL, "empty passes (blank is judged elsewhere)");
        e = idt_text_check(q, "name", nul, sizeof(nul) - 1, 0);
        ok(e && e->status == 400 && strstr(e->msg, "NUL"), "a NUL is refused (%s)",
           e ? e->msg : "-");
        e = CHECK("a\x01", 0);
        ok(e && strstr(e->msg, "control characters (U+0001)"), "C0 (%s)", e ? e->msg : "-");
        ok(CHECK("a\x7f", 0) != NULL, "DEL is refused");
        ok(CHECK("a\xc2\x85", 0) != NULL, "C1 (NEL) is refused");
        ok(CHECK("a\tb", 0) != NULL, "a tab is refused in a name");
        ok(CHECK("a\tb\r\nc", IDT_TEXT_LINES) == NULL, "tab, CR and LF pass with IDT_TEXT_LINES");
        ok(CHECK("a\x01", IDT_TEXT_LINES) != NULL, "other C0 still refused with IDT_TEXT_LINES");
        e = CHECK("a\xef\xbf\xbe", 0);
        ok(e && strstr(e->msg, "U+FFFE"), "U+FFFE is refused (%s)", e ? e->msg : "-");
        ok(CHECK("a\xef\xbf\xbf", 0) != NULL, "U+FFFF is refused");
        ok(CHECK("a\xef\xb7\x90", 0) != NULL, "U+FDD0 is refused");
        ok(CHECK("a\xf0\x9f\xbf\xbe", 0) != NULL, "U+1FFFE is refused");
        ok(CHECK("a\xef\xbf\xbd", 0) == NULL, "U+FFFD (the replacement character) passes");
        e = CHECK("a\xff", 0);
        ok(e && strstr(e->msg, "UTF-8"), "not UTF-8 (%s)", e ? e->msg : "-");
        ok(CHECK("a\xc3", 0) != NULL, "a truncated sequence is refused");
        ok(CHECK("\xed\xa0\x80", 0) != NULL, "a surrogate is refused");
        e = CHECK("cafe\xcc\x81", 0);
        ok(e && strstr(e->msg, "NFC"), "a decomposed letter is refused (%s)", e ? e->msg : "-");
        ok(CHECK("\xe2\x84\xaa", 0) != NULL, "the Kelvin sign is refused (NFC makes it K)");
        ok(CHECK("cafe\xcc\x81", IDT_TEXT_ANY_FORM) == NULL,
           "IDT_TEXT_ANY_FORM lets any form through");
        e = CHECK("secret\x01", 0);
        ok(e && !strstr(e->msg, "secret"), "the message never quotes the text");
        ok(!strcmp(idt_text_nfc(q, "cafe\xcc\x81", 6), "caf\xc3\xa9"), "idt_text_nfc composes");
        ok(!strcmp(idt_text_nfc(q, "\xe2\x84\xaa", 3), "K"), "idt_text_nfc: Kelvin sign to K");
#undef CHECK
        apr_pool_destroy(q);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
