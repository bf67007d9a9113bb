#include "ci_mappings.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "ci_view.h"

static apr_hash_t *mappings;

const char *ci_mappings_load(apr_pool_t *pconf, apr_pool_t *ptemp, const char *dir)
{
    apr_hash_t *loaded = apr_hash_make(pconf);
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    json_t *fields = ci_view_fields(ptemp);

    mappings = loaded;
    if (!dir) return NULL;
    if ((rv = apr_dir_open(&d, dir, ptemp)) != APR_SUCCESS)
        return apr_psprintf(pconf, "CertimportMappingDir %s cannot be read: %pm", dir, &rv);
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        apr_size_t n = strlen(fi.name);
        const char *path;
        char *buf;
        apr_file_t *f;
        apr_off_t size;
        apr_finfo_t st;
        idt_mapping *m;
        idt_error *e;

        if (n < 5 || strcmp(fi.name + n - 4, ".xml") || fi.name[0] == '.') continue;
        path = apr_pstrcat(ptemp, dir, "/", fi.name, NULL);
        if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, ptemp)) != APR_SUCCESS ||
            (rv = apr_file_info_get(&st, APR_FINFO_SIZE, f)) != APR_SUCCESS)
            return apr_psprintf(pconf, "mapping file %s cannot be read: %pm", path, &rv);
        size = st.size;
        if (size > 256 * 1024)
            return apr_psprintf(pconf, "mapping file %s is larger than 256 KiB", path);
        buf = apr_palloc(ptemp, (apr_size_t)size + 1);
        if (size && (rv = apr_file_read_full(f, buf, (apr_size_t)size, NULL)) != APR_SUCCESS)
            return apr_psprintf(pconf, "mapping file %s cannot be read: %pm", path, &rv);
        apr_file_close(f);
        if ((e = idt_mapping_parse(pconf, path, buf, (apr_size_t)size, fields, &m)))
            return apr_psprintf(pconf, "mapping file refused: %s", e->msg);
        if (strcmp(m->notification, "REST Certificate Added"))
            return apr_psprintf(pconf, "mapping file refused: %s: Notification Name is \"%s\"; "
                                "mod_certimport sends REST Certificate Added",
                                path, m->notification);
        m->file = apr_pstrdup(pconf, fi.name);
        apr_hash_set(loaded, m->file, APR_HASH_KEY_STRING, m);
    }
    apr_dir_close(d);
    return NULL;
}

const idt_mapping *ci_mapping_get(const char *name)
{
    return mappings && name ? apr_hash_get(mappings, name, APR_HASH_KEY_STRING) : NULL;
}

const char *ci_mapping_names(apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    apr_hash_index_t *hi;
    /* joined once: a directory of many files costs the list's length, not its square */
    for (hi = mappings ? apr_hash_first(p, mappings) : NULL; hi; hi = apr_hash_next(hi)) {
        if (names->nelts) APR_ARRAY_PUSH(names, const char *) = ", ";
        APR_ARRAY_PUSH(names, const char *) = apr_hash_this_key(hi);
    }
    return names->nelts ? apr_array_pstrcat(p, names, 0) : "none";
}
