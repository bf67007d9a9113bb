/* The passphrase file. Errors name the file and the reason, never its content. */
#include "idt_secret.h"

#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include <openssl/crypto.h>

#define SECRET_MIN 32
#define SECRET_READ_MAX 4096

typedef struct secret_buf {
    char *data;
    apr_size_t len;
} secret_buf;

/* Wipes the secret when its pool goes. */
static apr_status_t secret_cleanup(void *data)
{
    secret_buf *b = data;
    OPENSSL_cleanse(b->data, b->len);
    return APR_SUCCESS;
}

static idt_error *apr_fail(apr_pool_t *p, const char *path, const char *what, apr_status_t rv)
{
    char buf[256];

    if (APR_STATUS_IS_ENOENT(rv))
        return idt_err(p, IDT_E_INTERNAL, "the secret key file %s does not exist", path);
    return idt_err(p, IDT_E_INTERNAL, "cannot %s the secret key file %s: %s", what, path,
                   apr_strerror(rv, buf, sizeof(buf)));
}

/* A file anyone may read or write is refused; the group may read it (httpd's group
 * often needs to). */
static idt_error *check_info(apr_pool_t *p, const char *path, const apr_finfo_t *fi)
{
    if (fi->filetype != APR_REG)
        return idt_err(p, IDT_E_INTERNAL, "the secret key file %s is not a regular file", path);
    if (fi->protection & (APR_WREAD | APR_WWRITE))
        return idt_err(p, IDT_E_INTERNAL,
                       "the secret key file %s can be read or written by others; make it "
                       "mode 0600 or 0640",
                       path);
    return NULL;
}

idt_error *idt_secret_load(apr_pool_t *p, const char *path, const char **secret)
{
    apr_finfo_t fi;
    apr_file_t *f = NULL;
    apr_status_t rv;
    secret_buf *b;
    apr_size_t got = 0, n;
    idt_error *err;
    char *nl;

    *secret = NULL;
    if (!path || !*path) return idt_err(p, IDT_E_INTERNAL, "no secret key file is configured");

    /* Checked before opening, so that a FIFO or device is never opened, and again on
     * the open file, so that a file swapped in between is caught. */
    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT, p);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) return apr_fail(p, path, "read", rv);
    if ((err = check_info(p, path, &fi)) != NULL) return err;
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) return apr_fail(p, path, "open", rv);
    rv = apr_file_info_get(&fi, APR_FINFO_TYPE | APR_FINFO_PROT, f);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        apr_file_close(f);
        return apr_fail(p, path, "read", rv);
    }
    if ((err = check_info(p, path, &fi)) != NULL) {
        apr_file_close(f);
        return err;
    }

    b = apr_palloc(p, sizeof(*b));
    b->len = SECRET_READ_MAX + 1;
    b->data = apr_palloc(p, b->len);
    apr_pool_cleanup_register(p, b, secret_cleanup, apr_pool_cleanup_null);

    /* The first line is all that matters; read until it ends or the buffer is full. */
    for (;;) {
        n = SECRET_READ_MAX - got;
        if (n == 0) break;
        rv = apr_file_read(f, b->data + got, &n);
        got += n;
        if (APR_STATUS_IS_EOF(rv)) break;
        if (rv != APR_SUCCESS) {
            apr_file_close(f);
            return apr_fail(p, path, "read", rv);
        }
        if (memchr(b->data + got - n, '\n', n)) break;
    }
    apr_file_close(f);

    nl = memchr(b->data, '\n', got);
    if (nl) {
        n = (apr_size_t)(nl - b->data);
    } else if (got == SECRET_READ_MAX) {
        return idt_err(p, IDT_E_INTERNAL,
                       "the first line of the secret key file %s is longer than %d bytes", path,
                       SECRET_READ_MAX);
    } else {
        n = got;
    }
    while (n > 0 && (b->data[n - 1] == '\r' || b->data[n - 1] == ' ' || b->data[n - 1] == '\t'))
        n--;
    b->data[n] = '\0';
    if (memchr(b->data, '\0', n))
        return idt_err(p, IDT_E_INTERNAL, "the secret key file %s holds a NUL byte", path);
    if (n < SECRET_MIN)
        return idt_err(p, IDT_E_INTERNAL,
                       "the secret in the secret key file %s is shorter than %d bytes", path,
                       SECRET_MIN);
    *secret = b->data;
    return NULL;
}
