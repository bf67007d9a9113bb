#include "idt_json.h"

#include <apr_strings.h>
#include <string.h>

#include "idt_text.h"

static apr_status_t json_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *idt_json_own(apr_pool_t *p, json_t *j)
{
    if (j) apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    return j;
}

int idt_json_depth(const char *buf, apr_size_t len)
{
    int depth = 0, max = 0, in_str = 0;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[') {
            if (++depth > max) max = depth;
        } else if (c == '}' || c == ']')
            depth--;
    }
    return max;
}

/* How a member is named in a message: its name when it is short and plain (so it
 * cannot carry the key or anything else worth hiding), else "a member". */
static const char *member_label(apr_pool_t *p, const char *key)
{
    const char *c;

    if (key == NULL) return "an array element";
    if (strlen(key) > 64) return "a member";
    for (c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.'))
            return "a member";
    return apr_psprintf(p, "member \"%s\"", key);
}

/* Judges every string of j, member names included, after jansson has decoded the escapes
 * (a "\u002d" hides armour from a scan of the raw body, a "\u0001" a control character):
 * no private key, and the core's text checks (idt_text_check; values may span lines, names
 * may not). key is the member j is the value of, NULL for an array element or the root.
 * The recursion is bounded by the depth limit checked before parsing. */
static idt_error *text_walk(apr_pool_t *p, const json_t *j, const char *key)
{
    const char *k;
    json_t *v;
    size_t i;
    idt_error *e;

    if (json_is_string(j)) {
        const char *what = member_label(p, key);
        if ((e = idt_text_private_key_check(p, json_string_value(j), json_string_length(j), what)))
            return e;
        return idt_text_check(p, what, json_string_value(j), json_string_length(j),
                              IDT_TEXT_LINES);
    }
    if (json_is_array(j)) {
        for (i = 0; i < json_array_size(j); i++)
            if ((e = text_walk(p, json_array_get(j, i), key)) != NULL) return e;
    } else if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v)
        {
            if (idt_text_has_private_key(k, strlen(k)))
                return idt_text_private_key_error(p, "a member name");
            if ((e = idt_text_check(p, "a member name", k, strlen(k), 0))) return e;
            if ((e = text_walk(p, v, k)) != NULL) return e;
        }
    }
    return NULL;
}

char *idt_json_strip_trailing_commas(apr_pool_t *p, const char *buf, apr_size_t len)
{
    char *out = apr_pstrmemdup(p, buf, len);
    /* the last significant character outside strings, and where the last comma was
     * when it followed a value (so "[,]" and "[1,,]" stay malformed) */
    char prev = 0;
    apr_size_t comma = 0;
    int strippable = 0, in_str = 0;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = out[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if ((c == ']' || c == '}') && prev == ',' && strippable) out[comma] = ' ';
        if (c == ',') {
            strippable = prev && prev != ',' && prev != '[' && prev != '{' && prev != ':';
            comma = i;
        }
        if (c == '"') in_str = 1;
        prev = c;
    }
    return out;
}

idt_error *idt_json_parse_object(apr_pool_t *p, const char *buf, apr_size_t len, int max_depth,
                                 json_t **out)
{
    return idt_json_parse_object_opts(p, buf, len, max_depth, 0, out);
}

idt_error *idt_json_parse_object_opts(apr_pool_t *p, const char *buf, apr_size_t len,
                                      int max_depth, int opts, json_t **out)
{
    json_error_t jerr;
    json_t *j;
    idt_error *e;

    *out = NULL;
    if (len == 0)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "the request body is empty; a JSON object is expected");
    if (idt_json_depth(buf, len) > max_depth)
        return idt_err(p, IDT_E_BAD_REQUEST, "JSON nesting is deeper than %d levels", max_depth);
    if (opts & IDT_JSON_TRAILING_COMMAS) buf = idt_json_strip_trailing_commas(p, buf, len);
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        /* jansson appends up to 20 bytes of the input ("near '...'"): they may be a secret,
         * and the message is logged, so only its own words are kept */
        char *text = apr_pstrdup(p, jerr.text), *near = strstr(text, " near '");
        if (near) *near = '\0';
        return idt_err(p, IDT_E_BAD_REQUEST, "malformed JSON at line %d, column %d: %s", jerr.line,
                       jerr.column, text);
    }
    idt_json_own(p, j);
    if (!json_is_object(j)) return idt_err(p, IDT_E_BAD_REQUEST, "a JSON object is expected");
    if ((e = text_walk(p, j, NULL)) != NULL) return e;
    *out = j;
    return NULL;
}

const char *idt_json_dump(apr_pool_t *p, const json_t *j, size_t flags)
{
    char *s;
    const char *r;

    if (!j) return NULL;
    s = json_dumps(j, flags);
    if (!s) return NULL;
    r = apr_pstrdup(p, s);
    free(s);
    return r;
}

idt_error *idt_json_string(apr_pool_t *p, const json_t *obj, const char *key, int required,
                           apr_size_t maxlen, const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return idt_err(p, IDT_E_BAD_REQUEST, "%s is required", key);
        return NULL;
    }
    if (!json_is_string(v)) return idt_err(p, IDT_E_BAD_REQUEST, "%s must be a string", key);
    if (json_string_length(v) == 0)
        return idt_err(p, IDT_E_BAD_REQUEST, "%s must not be empty", key);
    if (json_string_length(v) > maxlen)
        return idt_err(p, IDT_E_BAD_REQUEST, "%s is longer than %" APR_SIZE_T_FMT " bytes", key,
                       maxlen);
    if (memchr(json_string_value(v), '\0', json_string_length(v)))
        return idt_err(p, IDT_E_BAD_REQUEST, "%s must not contain NUL characters", key);
    *out = apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
    return NULL;
}

idt_error *idt_json_only(apr_pool_t *p, const json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        const char *const *a;
        int known = 0;
        for (a = allowed; *a; a++)
            if (!strcmp(*a, key)) known = 1;
        if (!known && strlen(key) <= 64)
            return idt_err(p, IDT_E_BAD_REQUEST, "unknown member \"%s\"", key);
        if (!known) return idt_err(p, IDT_E_BAD_REQUEST, "unknown member with a long name");
    }
    return NULL;
}
