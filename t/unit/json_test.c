/* Unit tests of the core's JSON helpers. */
#include <apr_general.h>
#include <string.h>

#include "idt_json.h"
#include "tap.h"

static json_t *parse(apr_pool_t *p, const char *s, idt_error **e)
{
    json_t *j = NULL;
    *e = idt_json_parse_object(p, s, strlen(s), 32, &j);
    return j;
}

int main(void)
{
    apr_pool_t *p;
    idt_error *e;
    const char *s;
    json_t *j;
    static const char *const allowed[] = {"a", "b", NULL};
    int i;

    apr_initialize();
    apr_pool_create(&p, NULL);

    is_int(idt_json_depth("{}", 2), 1, "depth of {}");
    is_int(idt_json_depth("{\"a\":[[1]]}", 11), 3, "depth counts arrays");
    is_int(idt_json_depth("{\"a\":\"[[[\\\"[\"}", 14), 1, "brackets in strings do not count");

    j = parse(p, "{\"a\":\"x\"}", &e);
    ok(j && !e, "an object parses");
    e = idt_json_string(p, j, "a", 1, 10, &s);
    is_str(s, "x", "string member read");
    e = idt_json_string(p, j, "b", 1, 10, &s);
    ok(e && e->kind == IDT_E_BAD_REQUEST && strstr(e->msg, "b is required"), "missing required member named");
    e = idt_json_string(p, j, "b", 0, 10, &s);
    ok(!e && !s, "missing optional member is NULL");
    e = idt_json_string(p, j, "a", 1, 0, &s);
    ok(e && strstr(e->msg, "longer than"), "maxlen enforced");

    j = parse(p, "{\"a\":1}", &e);
    e = idt_json_string(p, j, "a", 1, 10, &s);
    ok(e && strstr(e->msg, "must be a string"), "non-string refused");

    j = parse(p, "{\"a\":\"\"}", &e);
    e = idt_json_string(p, j, "a", 1, 10, &s);
    ok(e && strstr(e->msg, "must not be empty"), "empty string refused");

    j = parse(p, "[1,2]", &e);
    ok(!j && e && strstr(e->msg, "object is expected"), "array root refused");

    j = parse(p, "{\"a\":", &e);
    ok(!j && e && strstr(e->msg, "malformed JSON at line 1"), "truncated JSON refused with position");

    j = parse(p, "{\"a\":1,\"a\":2}", &e);
    ok(!j && e, "duplicate members refused");

    j = parse(p, "{\"a\":\"\\u0000\"}", &e);
    ok(!j && e, "NUL escapes refused");

    j = parse(p, "", &e);
    ok(!j && e && strstr(e->msg, "empty"), "empty body refused");

    {
        char buf[300] = "{\"a\":";
        for (i = 0; i < 40; i++) strcat(buf, "[");
        for (i = 0; i < 40; i++) strcat(buf, "]");
        strcat(buf, "}");
        j = parse(p, buf, &e);
        ok(!j && e && strstr(e->msg, "deeper than 32"), "nesting beyond the limit refused before parsing");
    }

    j = parse(p, "{\"a\":\"x\",\"c\":1}", &e);
    e = idt_json_only(p, j, allowed);
    ok(e && strstr(e->msg, "unknown member \"c\""), "unknown member named");
    j = parse(p, "{\"a\":\"x\",\"b\":1}", &e);
    ok(!idt_json_only(p, j, allowed), "known members pass");

    s = idt_json_dump(p, j, JSON_COMPACT | JSON_SORT_KEYS);
    is_str(s, "{\"a\":\"x\",\"b\":1}", "dump is compact");

    /* private keys in any decoded string */
    j = parse(p, "{\"name\":\"-----BEGIN PRIVATE KEY-----\\nMIIEsecret\\n-----END PRIVATE KEY-----\"}", &e);
    ok(!j && e && e->kind == IDT_E_PRIVATE_KEY && e->status == 400, "a key in a string member: IDT_E_PRIVATE_KEY");
    ok(e && strstr(e->msg, "member \"name\"") && !strstr(e->msg, "MIIE"),
       "the message names the member, not the key (%s)", e ? e->msg : "");
    j = parse(p, "{\"a\":\"-----BEGIN RSA PRIVATE KEY\\u002d\\u002D---\"}", &e);
    ok(!j && e && e->kind == IDT_E_PRIVATE_KEY, "armour hidden by \\u escapes is decoded first");
    j = parse(p, "{\"a\":{\"b\":[1,\"x\",[\"-----BEGIN EC PRIVATE KEY-----\"]]}}", &e);
    ok(!j && e && e->kind == IDT_E_PRIVATE_KEY, "a key deep in arrays and objects");
    ok(e && strstr(e->msg, "member \"b\""), "named by the member holding it (%s)", e ? e->msg : "");
    j = parse(p, "{\"-----BEGIN PRIVATE KEY-----\":1}", &e);
    ok(!j && e && e->kind == IDT_E_PRIVATE_KEY && !strstr(e->msg, "BEGIN"), "a key as a member name");
    j = parse(p, "{\"a b\":\"-----BEGIN PRIVATE KEY-----\"}", &e);
    ok(e && strstr(e->msg, "a member") && !strstr(e->msg, "a b"), "an odd member name is not quoted");
    j = parse(p, "{\"a\":\"-----BEGIN CERTIFICATE-----\",\"b\":\"private key\"}", &e);
    ok(j && !e, "certificates and the words pass");

    /* trailing commas, as the OWSM examples print them: only with the option */
    s = "{\"a\": [ \"wls1\", ], \"b\": {\"c\": 1,\n},}";
    j = NULL;
    e = idt_json_parse_object(p, s, strlen(s), 32, &j);
    ok(!j && e && e->kind == IDT_E_BAD_REQUEST, "without the option a trailing comma is malformed");
    e = idt_json_parse_object_opts(p, s, strlen(s), 32, IDT_JSON_TRAILING_COMMAS, &j);
    ok(!e && j, "with IDT_JSON_TRAILING_COMMAS it parses");
    s = j ? idt_json_dump(p, j, JSON_COMPACT) : NULL;
    is_str(s, "{\"a\":[\"wls1\"],\"b\":{\"c\":1}}", "and the commas are gone, nothing else");
    s = idt_json_strip_trailing_commas(p, "{\"a\":\",]\",\"b\":\"\\\",}\",}", 23);
    is_str(s, "{\"a\":\",]\",\"b\":\"\\\",}\" }", "commas inside strings (escaped quotes too) stay");
    s = idt_json_strip_trailing_commas(p, "[,] [1,,] {,} {\"a\":,}", 22);
    is_str(s, "[,] [1,,] {,} {\"a\":,}", "a comma after no value is left for the parser to refuse");
    s = "{\"a\": [1,,]}";
    e = idt_json_parse_object_opts(p, s, strlen(s), 32, IDT_JSON_TRAILING_COMMAS, &j);
    ok(e && e->kind == IDT_E_BAD_REQUEST, "a double comma is still malformed");
    s = "{\"a\": [1,\n   2 3]}";
    e = idt_json_parse_object_opts(p, s, strlen(s), 32, IDT_JSON_TRAILING_COMMAS, &j);
    ok(e && strstr(e->msg, "line 2, column"), "errors keep the input's line and column (%s)",
       e ? e->msg : "");
    s = "{\"a\":1,\"a\":2,}";
    e = idt_json_parse_object_opts(p, s, strlen(s), 32, IDT_JSON_TRAILING_COMMAS, &j);
    ok(e && strstr(e->msg, "duplicate"), "duplicate keys are still refused (%s)", e ? e->msg : "");

    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
