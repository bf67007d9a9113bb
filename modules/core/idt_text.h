/* Checks on text the suite stores, whatever format it came in (JSON strings, XML text
 * and attribute values, pasted certificates): one detector for private keys, one
 * notion of a blank name. */
#ifndef IDT_TEXT_H
#define IDT_TEXT_H

#include <apr_pools.h>

#include "idt_error.h"

/* First occurrence of needle in hay[0..len), or NULL; hay may hold NUL bytes. */
const char *idt_text_find(const char *hay, apr_size_t len, const char *needle);

/* 1 when text[0..len) holds private-key armour: "PRIVATE KEY-----" (the end of any PEM
 * private key line: PKCS#8, encrypted PKCS#8, RSA, EC, DSA, OpenSSH) or "PRIVATE KEY
 * BLOCK-----" (PGP). text may hold NUL bytes and need not be NUL-terminated. Bare
 * base64 of a DER key is not recognised here (idt_cert_parse does that where a
 * certificate is expected). */
int idt_text_has_private_key(const char *text, apr_size_t len);

/* The IDT_E_PRIVATE_KEY error of every refusal: what names where the key was found
 * (e.g. "member \"name\"", "the XML document"); NULL for "the input". */
idt_error *idt_text_private_key_error(apr_pool_t *p, const char *what);

/* IDT_E_PRIVATE_KEY when idt_text_has_private_key, else NULL. what names where the text
 * was found (e.g. "member \"name\"", "the XML document"); NULL for "the input". The
 * message never quotes the text. */
idt_error *idt_text_private_key_check(apr_pool_t *p, const char *text, apr_size_t len,
                                      const char *what);

/* 1 when s is NULL, empty, or made only of white space and invisible characters:
 * ASCII white space, the other Unicode White_Space characters (U+0085, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) and the zero-width ones
 * (U+180E, U+200B..U+200D, U+2060, U+FEFF). Bytes that are not UTF-8 count as visible. */
int idt_text_blank(const char *s);

/* 1 when the NUL-terminated text is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF): PostgreSQL refuses anything else with an error (22021), and
 * jansson makes no JSON string of it. */
int idt_text_is_utf8(const char *text);

/* What idt_text_check allows beyond printable text. */
#define IDT_TEXT_LINES 0x1    /* tab, line feed and carriage return (multi-line values, PEM) */
#define IDT_TEXT_ANY_FORM 0x2 /* any normalization form: the caller normalizes (idt_text_nfc) */

/* The one judgement of decoded text that reaches a comparison, a key or a column, whichever
 * API and format it came in: NULL when text[0..len) is well-formed UTF-8 (as
 * idt_text_is_utf8), holds no NUL, no control character (C0, DEL and C1; with
 * IDT_TEXT_LINES, tab, LF and CR are allowed), no Unicode non-character (U+FDD0..U+FDEF
 * and U+xFFFE, U+xFFFF of every plane: XML 1.0 cannot carry U+FFFE and U+FFFF, so a name
 * holding one would make every XML answer naming it malformed), and (unless
 * IDT_TEXT_ANY_FORM) is in Unicode normalization form C (so "K" and the Kelvin sign, or a
 * precomposed and a decomposed "e acute", cannot name two different objects that look the same).
 * Else IDT_E_BAD_REQUEST naming what (e.g. "query parameter actor") and the first offending
 * character by code point; the message never quotes the text. */
idt_error *idt_text_check(apr_pool_t *p, const char *what, const char *text, apr_size_t len,
                          int flags);

/* text[0..len) (valid UTF-8) in Unicode normalization form C, allocated from p; NULL
 * when it is not valid UTF-8. Returns text itself when it is already NFC. */
const char *idt_text_nfc(apr_pool_t *p, const char *text, apr_size_t len);

#endif
