#include "sa_metadata.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <openssl/rand.h>
#include <strings.h>

#include "idt_audit.h"
#include "idt_httpd_body.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "idt_saml.h"
#include "sa_format.h"
#include "sa_objects.h"

/* bcrypt's cost, as for the admin accounts (about 50 ms of CPU a check). */
#define SA_BCRYPT_COST 10
/* bcrypt reads no more of a secret. */
#define SA_SECRET_MAX 72
#define SA_URL_MAX 2048

#define POLICY_KEEP "keep_client_credentials"

/* n random bytes from OpenSSL as lower-case hex. */
static idt_error *random_hex(apr_pool_t *p, int n, const char **out)
{
    unsigned char b[32];
    char *s = apr_palloc(p, 2 * n + 1);
    int i;

    if (n > (int)sizeof(b) || RAND_bytes(b, n) != 1)
        return idt_err(p, IDT_E_INTERNAL, "no random bytes for the client credentials");
    for (i = 0; i < n; i++)
        apr_snprintf(s + 2 * i, 3, "%02x", b[i]);
    *out = s;
    return NULL;
}

/* 32 random bytes as unpadded base64url: 43 characters, 256 bits. */
static idt_error *random_secret(apr_pool_t *p, const char **out)
{
    unsigned char b[32];
    char *s = apr_palloc(p, apr_base64_encode_len(sizeof(b))), *c;

    if (RAND_bytes(b, sizeof(b)) != 1)
        return idt_err(p, IDT_E_INTERNAL, "no random bytes for the client secret");
    apr_base64_encode_binary(s, b, sizeof(b));
    for (c = s; *c; c++) {
        if (*c == '+') *c = '-';
        if (*c == '/') *c = '_';
        if (*c == '=') *c = '\0';
    }
    *out = s;
    return NULL;
}

static idt_error *hash_secret(apr_pool_t *p, const char *secret, const char **out)
{
    unsigned char salt[16];
    char *h = apr_palloc(p, 64);

    if (RAND_bytes(salt, sizeof(salt)) != 1)
        return idt_err(p, IDT_E_INTERNAL, "no random bytes for the secret's salt");
    if (apr_bcrypt_encode(secret, SA_BCRYPT_COST, salt, sizeof(salt), h, 64) != APR_SUCCESS ||
        strncmp(h, "$2y$", 4))
        return idt_err(p, IDT_E_INTERNAL, "the client secret cannot be hashed");
    /* $2a$, which pgcrypto's crypt() reads too (apr_password_validate reads both): for
     * the ASCII secrets taken here the two variants hash alike */
    h[2] = 'a';
    *out = h;
    return NULL;
}

/* An absolute URI without a fragment: a redirect URL. */
static idt_error *url_check(idt_req *q, const char *u)
{
    const char *c = u;
    idt_error *e;

    if (strlen(u) > SA_URL_MAX)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "a redirect URL is longer than %d bytes",
                       SA_URL_MAX);
    if ((e = sa_text_check(q->p, u, 0, "a redirect URL"))) return e;
    if (!apr_isalpha(*c)) goto bad;
    while (apr_isalnum(*c) || *c == '+' || *c == '-' || *c == '.')
        c++;
    if (*c != ':' || !c[1] || strchr(u, '#') || strpbrk(u, " \"<>\\^`{|}")) goto bad;
    return NULL;
bad:
    return idt_err(q->p, IDT_E_BAD_REQUEST,
                   "a redirect URL must be an absolute URI without a fragment "
                   "(https://app.example.com/callback)");
}

static int printable_ascii(const char *s)
{
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e) return 0;
    return 1;
}

typedef struct md {
    const char *type;   /* application/json or application/xml */
    const char *stored; /* what GET answers */
    json_t *json;       /* JSON metadata, without client_secret */
    apr_array_header_t *urls;
    const char *client_id, *secret; /* the metadata's own, when it has them */
} md;

static idt_error *json_metadata(idt_req *q, const char *text, md *m)
{
    json_t *o, *v, *item;
    size_t i;
    idt_error *e;

    if ((e = idt_json_parse_object(q->p, text, strlen(text), IDT_JSON_MAX_DEPTH, &o)))
        return idt_err(q->p, e->kind, "metadata: %s", e->msg);
    m->type = "application/json";
    if ((v = json_object_get(o, "redirect_uris")) || (v = json_object_get(o, "redirect_uri"))) {
        if (json_is_string(v)) {
            APR_ARRAY_PUSH(m->urls, const char *) = apr_pstrdup(q->p, json_string_value(v));
        } else if (json_is_array(v)) {
            json_array_foreach(v, i, item)
            {
                if (!json_is_string(item))
                    return idt_err(q->p, IDT_E_BAD_REQUEST,
                                   "metadata: redirect_uris holds a "
                                   "value that is not a string");
                APR_ARRAY_PUSH(m->urls, const char *) = apr_pstrdup(q->p, json_string_value(item));
            }
        } else {
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "metadata: redirect_uris must be a list of URLs");
        }
    }
    if ((v = json_object_get(o, "client_id"))) {
        if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 255 ||
            !printable_ascii(json_string_value(v)))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "metadata: client_id must be 1 to 255 printable ASCII characters");
        m->client_id = apr_pstrdup(q->p, json_string_value(v));
    }
    if ((v = json_object_get(o, "client_secret"))) {
        if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > SA_SECRET_MAX ||
            !printable_ascii(json_string_value(v)))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "metadata: client_secret must be 1 to %d printable ASCII characters",
                           SA_SECRET_MAX);
        m->secret = apr_pstrdup(q->p, json_string_value(v));
    }
    /* what GET answers: never the secret, and (once known) the client id in force */
    json_object_del(o, "client_secret");
    m->json = o;
    return NULL;
}

static idt_error *xml_metadata(idt_req *q, const char *text, md *m)
{
    idt_saml_sp *sp;
    idt_error *e = idt_saml_sp_parse(q->p, text, strlen(text), &sp);
    int i;

    if (e) return idt_err(q->p, e->kind, "metadata: %s", e->msg);
    m->type = "application/xml";
    m->stored = text;
    for (i = 0; i < sp->acs_urls->nelts; i++)
        APR_ARRAY_PUSH(m->urls, const char *) = APR_ARRAY_IDX(sp->acs_urls, i, const char *);
    if (strlen(sp->entity_id) <= 255 && printable_ascii(sp->entity_id))
        m->client_id = sp->entity_id;
    return NULL;
}

static idt_error *app_of(idt_req *q, const sa_uri *u, int lock, sa_obj **app)
{
    return sa_obj_need(q, &u->obj, lock, app);
}

static const char *meta_id(idt_req *q, const sa_obj *app)
{
    return apr_pstrcat(q->p, sa_id(q->p, app->type, app->path), "/$attribute/metadata", NULL);
}

static idt_error *get(idt_req *q, const sa_uri *u)
{
    const char *params[1];
    PGresult *r;
    sa_obj *app;
    idt_error *e;

    if ((e = app_of(q, u, 0, &app))) return e;
    params[0] = app->id;
    if ((e = idt_db_exec(q->db, &r,
                         "SELECT metadata, metadata_type FROM idtrust.sso_client "
                         "WHERE application_id = $1",
                         1, params)))
        return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "%s has no metadata",
                       sa_id(q->p, app->type, app->path));
    q->body = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    q->content_type = apr_pstrcat(q->p, PQgetvalue(r, 0, 1), ";charset=UTF-8", NULL);
    return NULL;
}

/* The answer to a PUT: the redirect URLs, client id and client secret. */
static void reply(idt_req *q, const sa_obj *app, const md *m, const char *id, const char *secret)
{
    json_t *urls = json_array(), *o;
    int i;

    for (i = 0; i < m->urls->nelts; i++)
        json_array_append_new(urls, json_string(APR_ARRAY_IDX(m->urls, i, const char *)));
    o = json_pack("{s:s, s:s, s:{s:o, s:s, s:s}}", "type", "metadata", "id", meta_id(q, app),
                  "attributes", "redirect_uri", urls, "client_id", id, "client_secret", secret);
    idt_reply(q, 201, o);
    if (sa_format_of(q->r) == SA_FMT_TEXT) {
        /* the secret is shown once: text too must carry it, not just the object's id; the
         * lines are joined once (thousands of redirect URLs cost their length, not its
         * square) */
        apr_array_header_t *lines = apr_array_make(q->p, 3 * m->urls->nelts + 6, sizeof(char *));
        APR_ARRAY_PUSH(lines, const char *) = "metadata ";
        APR_ARRAY_PUSH(lines, const char *) = meta_id(q, app);
        for (i = 0; i < m->urls->nelts; i++) {
            APR_ARRAY_PUSH(lines, const char *) = "\nredirect_uri ";
            APR_ARRAY_PUSH(lines, const char *) = APR_ARRAY_IDX(m->urls, i, const char *);
        }
        APR_ARRAY_PUSH(lines, const char *) = "\nclient_id ";
        APR_ARRAY_PUSH(lines, const char *) = id;
        APR_ARRAY_PUSH(lines, const char *) = "\nclient_secret ";
        APR_ARRAY_PUSH(lines, const char *) = secret;
        APR_ARRAY_PUSH(lines, const char *) = "\n";
        q->body = apr_array_pstrcat(q->p, lines, '\0');
        q->content_type = "text/plain;charset=UTF-8";
    }
}

static idt_error *put(idt_req *q, const sa_uri *u)
{
    static const char *const query_names[] = {"policy", NULL};
    static const char *const form_names[] = {"metadata", NULL};
    const char *policy, *text, *id, *secret, *hash = NULL, *params[6], *urls;
    json_t *list;
    apr_table_t *query, *form;
    PGresult *r;
    sa_obj *app;
    md m;
    int keep, i;
    idt_error *e;

    memset(&m, 0, sizeof(m));
    m.urls = apr_array_make(q->p, 2, sizeof(const char *));
    if ((e = idt_query_parse(q->r, query_names, &query))) return e;
    policy = apr_table_get(query, "policy");
    if (policy && strcmp(policy, POLICY_KEEP))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "query parameter policy can only be " POLICY_KEEP);
    keep = policy != NULL;
    if ((e = sa_form(q, &form)) || (e = sa_form_only(q, form, form_names, "$attribute/metadata")) ||
        (e = app_of(q, u, 1, &app)))
        return e;
    if (apr_table_elts(form)->nelts > 1)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "form parameter metadata is given twice");
    text = apr_table_get(form, "metadata");
    text = text ? sa_trim(q->p, text) : "";
    if (!*text)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "form parameter metadata is required: the agent metadata, JSON or XML");
    if ((e = sa_text_check(q->p, text, 1, "metadata"))) return e;
    if (*text == '{')
        e = json_metadata(q, text, &m);
    else if (*text == '<')
        e = xml_metadata(q, text, &m);
    else
        e = idt_err(q->p, IDT_E_BAD_REQUEST, "metadata must be JSON ({...}) or XML (<...>)");
    if (e) return e;
    for (i = 0; i < m.urls->nelts; i++)
        if ((e = url_check(q, APR_ARRAY_IDX(m.urls, i, const char *)))) return e;

    id = keep ? m.client_id : NULL;
    secret = keep && !strcmp(m.type, "application/json") ? m.secret : NULL;
    if (!id && (e = random_hex(q->p, 16, &id))) return e;
    if (!secret && (e = random_secret(q->p, &secret))) return e;
    if ((e = hash_secret(q->p, secret, &hash))) return e;
    if (m.json) {
        json_object_set_new(m.json, "client_id", json_string(id));
        m.stored = idt_json_dump(q->p, m.json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    list = idt_json_own(q->p, json_array());
    for (i = 0; i < m.urls->nelts; i++)
        json_array_append_new(list, json_string(APR_ARRAY_IDX(m.urls, i, const char *)));
    urls = idt_json_dump(q->p, list, JSON_COMPACT);

    params[0] = id;
    params[1] = app->id;
    if ((e = idt_db_exec(q->db, &r,
                         "SELECT 1 FROM idtrust.sso_client WHERE client_id = $1 "
                         "AND application_id <> $2",
                         2, params)))
        return e;
    if (PQntuples(r))
        return idt_err(q->p, IDT_E_CONFLICT, "client_id %s belongs to another application", id);
    params[2] = hash;
    params[3] = urls;
    params[4] = m.stored;
    params[5] = m.type;
    if ((e = idt_db_exec(
             q->db, NULL,
             "INSERT INTO idtrust.sso_client (application_id, client_id, secret_hash, "
             "redirect_uris, metadata, metadata_type) "
             "VALUES ($2, $1, $3, ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), $5, $6) "
             "ON CONFLICT (application_id) "
             "DO UPDATE SET client_id = EXCLUDED.client_id, "
             "secret_hash = EXCLUDED.secret_hash, redirect_uris = "
             "EXCLUDED.redirect_uris, metadata = EXCLUDED.metadata, "
             "metadata_type = EXCLUDED.metadata_type, updated_at = now()",
             6, params)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "sso.metadata", "sso_application",
                       sa_id(q->p, app->type, app->path),
                       json_pack("{s:s, s:s, s:b, s:b}", "metadata_type", m.type, "client_id", id,
                                 "client_id_kept", keep && m.client_id, "secret_kept",
                                 keep && m.secret && !strcmp(m.type, "application/json")))))
        return e;
    reply(q, app, &m, id, secret);
    return NULL;
}

static idt_error *del(idt_req *q, const sa_uri *u)
{
    static const char *const none[] = {NULL};
    const char *params[1];
    apr_table_t *form;
    PGresult *r;
    sa_obj *app;
    idt_error *e;

    if ((e = sa_form(q, &form)) || (e = sa_form_only(q, form, none, "DELETE")) ||
        (e = app_of(q, u, 1, &app)))
        return e;
    params[0] = app->id;
    if ((e = idt_db_exec(q->db, &r,
                         "DELETE FROM idtrust.sso_client WHERE application_id = $1 RETURNING 1", 1,
                         params)))
        return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "%s has no metadata",
                       sa_id(q->p, app->type, app->path));
    if ((e = idt_audit(q->db, &q->who, "sso.metadata.delete", "sso_application",
                       sa_id(q->p, app->type, app->path), NULL)))
        return e;
    idt_reply(q, 200, sa_obj_json(app));
    return NULL;
}

idt_error *sa_metadata(idt_req *q, const sa_uri *u)
{
    int m = q->r->method_number;

    if (strcasecmp(u->attribute, "metadata"))
        return idt_err(q->p, IDT_E_NOT_FOUND,
                       "no attribute \"%s\": $attribute/metadata is the one served",
                       ap_escape_logitem(q->p, u->attribute));
    if (u->obj.type != SA_APPLICATION)
        return idt_err(q->p, IDT_E_NOT_FOUND,
                       "$attribute/metadata is an application's; a %s has none",
                       sa_types[u->obj.type].name);
    if (m == M_GET) return get(q, u);
    if (m == M_PUT) return put(q, u);
    if (m == M_DELETE) return del(q, u);
    return sa_not_allowed(q, "GET, PUT, DELETE");
}
