/* The version-locked methods (TLSv1_method, ...) and DH parameter loading
 * are deprecated in OpenSSL 3 but are what CPython calls. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#define MEMBIO_SHIM_INTERNAL 1

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <limits.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/dh.h>
#include <openssl/objects.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/provider.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif
#include "ctx.h"
#include "_cgo_export.h"

/* ---- per-context data in ex_data ---- */

typedef struct membio_alpn {
    struct membio_alpn *retired; /* older lists, kept until the SSL_CTX is freed */
    unsigned int len;
    unsigned char data[];
} membio_alpn;

typedef struct {
    uintptr_t handle;      /* Go hooks handle, accessed atomically */
    membio_alpn *alpn;     /* current list, accessed atomically */
    int msg_on;            /* message callback installed, accessed atomically */
} membio_ctx_data;

static int membio_ctx_idx = -1;
static CRYPTO_ONCE membio_ctx_once = CRYPTO_ONCE_STATIC_INIT;

static void membio_ctx_data_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad,
                                 int idx, long argl, void *argp)
{
    membio_ctx_data *d = ptr;
    membio_alpn *a;

    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    if (d == NULL)
        return;
    a = d->alpn;
    while (a != NULL) {
        membio_alpn *next = a->retired;
        OPENSSL_free(a);
        a = next;
    }
    OPENSSL_free(d);
}

static void membio_ctx_init_index(void)
{
    membio_ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, membio_ctx_data_free);
}

static membio_ctx_data *membio_ctx_data_of(const SSL_CTX *ctx)
{
    if (ctx == NULL || membio_ctx_idx < 0)
        return NULL;
    return SSL_CTX_get_ex_data(ctx, membio_ctx_idx);
}

static uintptr_t membio_handle_of(const SSL_CTX *ctx)
{
    membio_ctx_data *d = membio_ctx_data_of(ctx);
    if (d == NULL)
        return 0;
    return __atomic_load_n(&d->handle, __ATOMIC_ACQUIRE);
}

static uintptr_t membio_conn_handle_of(const SSL *ssl)
{
    membio_conn *mc = SSL_get_app_data(ssl);
    return mc != NULL ? mc->handle : 0;
}

void membio_ctx_set_handle(SSL_CTX *ctx, uintptr_t h)
{
    membio_ctx_data *d = membio_ctx_data_of(ctx);
    if (d != NULL)
        __atomic_store_n(&d->handle, h, __ATOMIC_RELEASE);
}

uintptr_t membio_ctx_get_handle(SSL_CTX *ctx)
{
    return membio_handle_of(ctx);
}

/* ---- construction ---- */

static const SSL_METHOD *membio_method(int method)
{
    switch (method) {
    case MEMBIO_METHOD_TLS_CLIENT:
        return TLS_client_method();
    case MEMBIO_METHOD_TLS_SERVER:
        return TLS_server_method();
#ifndef OPENSSL_NO_TLS1_METHOD
    case MEMBIO_METHOD_TLSv1:
        return TLSv1_method();
#endif
#ifndef OPENSSL_NO_TLS1_1_METHOD
    case MEMBIO_METHOD_TLSv1_1:
        return TLSv1_1_method();
#endif
#ifndef OPENSSL_NO_TLS1_2_METHOD
    case MEMBIO_METHOD_TLSv1_2:
        return TLSv1_2_method();
#endif
    case MEMBIO_METHOD_TLS:
        return TLS_method();
    default:
        return NULL;
    }
}

static SSL_CTX *membio_ctx_alloc(int method)
{
    const SSL_METHOD *m = membio_method(method);
    SSL_CTX *ctx;
    membio_ctx_data *d;

    if (m == NULL)
        return NULL;
    if (!CRYPTO_THREAD_run_once(&membio_ctx_once, membio_ctx_init_index) || membio_ctx_idx < 0)
        return NULL;
    ctx = SSL_CTX_new(m);
    if (ctx == NULL)
        return NULL;
    d = OPENSSL_zalloc(sizeof(*d));
    if (d == NULL || !SSL_CTX_set_ex_data(ctx, membio_ctx_idx, d)) {
        OPENSSL_free(d);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *membio_ctx_new(int method, membio_err *e)
{
    SSL_CTX *ctx;

    membio_err_begin(e);
    ctx = membio_ctx_alloc(method);
    membio_err_end(e, ctx != NULL);
    return ctx;
}

SSL_CTX *membio_ctx_new_default(int method, int verify_required, int *stage, membio_err *e)
{
    SSL_CTX *ctx;
    uint64_t options;
    X509_VERIFY_PARAM *param;

    membio_err_begin(e);
    *stage = 1;
    ctx = membio_ctx_alloc(method);
    if (ctx == NULL) {
        membio_err_end(e, 0);
        return NULL;
    }
    /* CPython's _ssl__SSLContext_impl, in its order. */
    SSL_CTX_set_verify(ctx, verify_required ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                            : SSL_VERIFY_NONE, NULL);
    options = SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS;
    options |= SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE;
    SSL_CTX_set_options(ctx, options);
    *stage = 2;
    if (!SSL_CTX_set_cipher_list(ctx, MEMBIO_DEFAULT_CIPHERS))
        goto fail;
    if (method == MEMBIO_METHOD_TLS || method == MEMBIO_METHOD_TLS_CLIENT ||
        method == MEMBIO_METHOD_TLS_SERVER) {
        *stage = 3;
        if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
            goto fail;
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    /* The session id context only matters to servers, and on a client it
     * breaks TLS 1.3 PSK (OpenSSL rejects the callback's session, whose
     * sid_ctx is empty): set it for server-only contexts here; SSL objects
     * on the server side of other contexts get it at creation, as CPython
     * 3.14 does for all server-side objects. */
    if (method == MEMBIO_METHOD_TLS_SERVER) {
        *stage = 4;
        if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)MEMBIO_SID_CTX,
                                            sizeof(MEMBIO_SID_CTX) - 1))
            goto fail;
    }
    param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_TRUSTED_FIRST);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_CTX_set_post_handshake_auth(ctx, 0);
    *stage = 0;
    membio_err_end(e, 1);
    return ctx;
fail:
    membio_err_end(e, 0);
    SSL_CTX_free(ctx);
    return NULL;
}

void membio_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

/* ---- simple getters and setters ---- */

uint64_t membio_ctx_get_options(SSL_CTX *ctx) { return SSL_CTX_get_options(ctx); }

void membio_ctx_set_options(SSL_CTX *ctx, uint64_t set, uint64_t clear)
{
    if (clear)
        SSL_CTX_clear_options(ctx, clear);
    if (set)
        SSL_CTX_set_options(ctx, set);
}

int membio_ctx_get_verify_mode(SSL_CTX *ctx) { return SSL_CTX_get_verify_mode(ctx); }

void membio_ctx_set_verify_mode(SSL_CTX *ctx, int mode)
{
    /* keep the current verify callback, as CPython does */
    SSL_CTX_set_verify(ctx, mode, SSL_CTX_get_verify_callback(ctx));
}

unsigned long membio_ctx_get_verify_flags(SSL_CTX *ctx)
{
    return X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(ctx));
}

int membio_ctx_set_verify_flags(SSL_CTX *ctx, unsigned long set, unsigned long clear, membio_err *e)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    int ok = 1;

    membio_err_begin(e);
    if (clear && !X509_VERIFY_PARAM_clear_flags(param, clear))
        ok = 0;
    if (ok && set && !X509_VERIFY_PARAM_set_flags(param, set))
        ok = 0;
    membio_err_end(e, ok);
    return ok;
}

void membio_ctx_set_host_flags(SSL_CTX *ctx, unsigned int flags)
{
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), flags);
}

int membio_ctx_get_min_version(SSL_CTX *ctx) { return (int)SSL_CTX_get_min_proto_version(ctx); }
int membio_ctx_get_max_version(SSL_CTX *ctx) { return (int)SSL_CTX_get_max_proto_version(ctx); }

int membio_ctx_set_min_version(SSL_CTX *ctx, int v, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = (int)SSL_CTX_set_min_proto_version(ctx, v);
    membio_err_end(e, ok);
    return ok;
}

int membio_ctx_set_max_version(SSL_CTX *ctx, int v, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = (int)SSL_CTX_set_max_proto_version(ctx, v);
    membio_err_end(e, ok);
    return ok;
}

size_t membio_ctx_get_num_tickets(SSL_CTX *ctx) { return SSL_CTX_get_num_tickets(ctx); }

int membio_ctx_set_num_tickets(SSL_CTX *ctx, size_t n, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = SSL_CTX_set_num_tickets(ctx, n);
    membio_err_end(e, ok);
    return ok;
}

int membio_ctx_get_security_level(SSL_CTX *ctx) { return SSL_CTX_get_security_level(ctx); }

void membio_ctx_set_post_handshake_auth(SSL_CTX *ctx, int on)
{
    SSL_CTX_set_post_handshake_auth(ctx, on);
}

/* ---- ciphers ---- */

int membio_ctx_set_ciphers(SSL_CTX *ctx, const char *list, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = SSL_CTX_set_cipher_list(ctx, list);
    membio_err_end(e, ok);
    return ok;
}

int membio_ctx_get_ciphers(SSL_CTX *ctx, membio_cipher_info **out, int *n, membio_err *e)
{
    SSL *ssl;
    STACK_OF(SSL_CIPHER) *sk;
    membio_cipher_info *info;
    int i, num;

    *out = NULL;
    *n = 0;
    membio_err_begin(e);
    ssl = SSL_new(ctx);
    if (ssl == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    sk = SSL_get_ciphers(ssl);
    num = sk_SSL_CIPHER_num(sk);
    if (num < 0)
        num = 0;
    info = calloc(num > 0 ? (size_t)num : 1, sizeof(*info));
    if (info == NULL) {
        SSL_free(ssl);
        membio_err_end(e, 0);
        return 0;
    }
    for (i = 0; i < num; i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        membio_cipher_info *p = &info[i];
        size_t len;
        int nid;

        p->id = SSL_CIPHER_get_id(c);
        p->name = SSL_CIPHER_get_name(c);
        p->protocol = SSL_CIPHER_get_version(c);
        SSL_CIPHER_description(c, p->description, sizeof(p->description) - 1);
        len = strlen(p->description);
        if (len > 1 && p->description[len - 1] == '\n')
            p->description[len - 1] = '\0';
        p->strength_bits = SSL_CIPHER_get_bits(c, &p->alg_bits);
        p->aead = SSL_CIPHER_is_aead(c);
        nid = SSL_CIPHER_get_cipher_nid(c);
        p->symmetric = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
        nid = SSL_CIPHER_get_digest_nid(c);
        p->digest = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
        nid = SSL_CIPHER_get_kx_nid(c);
        p->kea = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
        nid = SSL_CIPHER_get_auth_nid(c);
        p->auth = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    }
    SSL_free(ssl);
    membio_err_end(e, 1);
    *out = info;
    *n = num;
    return 1;
}

/* ---- certificate chain and key ---- */

typedef struct {
    int mode;
    const char *pw;
    int pwlen;
    uintptr_t handle;
    int error;
    int max;
} membio_pw_info;

static int membio_password_cb(char *buf, int size, int rwflag, void *userdata)
{
    membio_pw_info *pi = userdata;
    int n;

    (void)rwflag;
    if (pi == NULL || pi->error)
        return -1;
    pi->max = size;
    switch (pi->mode) {
    case MEMBIO_PW_FIXED:
        if (pi->pwlen > size) {
            pi->error = 2;
            return -1;
        }
        memcpy(buf, pi->pw, (size_t)pi->pwlen);
        return pi->pwlen;
    case MEMBIO_PW_GO: {
        int saved = errno;
        n = membioGoPassword(pi->handle, buf, size);
        errno = saved;
        if (n < 0) {
            pi->error = 1;
            return -1;
        }
        return n;
    }
    default:
        return -1;
    }
}

int membio_ctx_load_cert_chain(SSL_CTX *ctx, const char *certfile, const char *keyfile,
                               int pw_mode, const char *pw, int pwlen, uintptr_t handle,
                               membio_load_result *res, membio_err *e)
{
    pem_password_cb *orig_cb = SSL_CTX_get_default_passwd_cb(ctx);
    void *orig_ud = SSL_CTX_get_default_passwd_cb_userdata(ctx);
    membio_pw_info pi;
    int r;

    memset(res, 0, sizeof(*res));
    memset(&pi, 0, sizeof(pi));
    pi.mode = pw_mode;
    pi.pw = pw;
    pi.pwlen = pwlen;
    pi.handle = handle;

    membio_err_begin(e);
    /* Always install a callback: without one OpenSSL would prompt on the
     * terminal for an encrypted key. */
    SSL_CTX_set_default_passwd_cb(ctx, membio_password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &pi);

    r = SSL_CTX_use_certificate_chain_file(ctx, certfile);
    if (r != 1) {
        res->stage = 1;
        goto out;
    }
    errno = 0;
    r = SSL_CTX_use_PrivateKey_file(ctx, keyfile != NULL ? keyfile : certfile, SSL_FILETYPE_PEM);
    if (r != 1) {
        res->stage = 2;
        goto out;
    }
    errno = 0;
    r = SSL_CTX_check_private_key(ctx);
    if (r != 1)
        res->stage = 3;
out:
    res->pw_error = pi.error;
    res->pw_max = pi.max;
    SSL_CTX_set_default_passwd_cb(ctx, orig_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, orig_ud);
    membio_err_end(e, r == 1);
    return r == 1;
}

/* ---- trust store ---- */

int membio_ctx_add_ca_certs(SSL_CTX *ctx, const void *data, size_t len, int der, membio_err *e)
{
    BIO *biobuf;
    X509_STORE *store;
    unsigned long err;
    int loaded = 0, ret;

    membio_err_begin(e);
    if (len > INT_MAX) {
        membio_err_end(e, 0);
        return MEMBIO_CADATA_LIB;
    }
    biobuf = BIO_new_mem_buf(data, (int)len);
    if (biobuf == NULL) {
        membio_err_end(e, 0);
        return MEMBIO_CADATA_LIB;
    }
    store = SSL_CTX_get_cert_store(ctx);
    for (;;) {
        X509 *cert;
        int r;

        if (der)
            cert = d2i_X509_bio(biobuf, NULL);
        else
            cert = PEM_read_bio_X509(biobuf, NULL, SSL_CTX_get_default_passwd_cb(ctx),
                                     SSL_CTX_get_default_passwd_cb_userdata(ctx));
        if (cert == NULL)
            break;
        r = X509_STORE_add_cert(store, cert);
        X509_free(cert);
        if (!r) {
            err = ERR_peek_last_error();
            if (ERR_GET_LIB(err) == ERR_LIB_X509 &&
                ERR_GET_REASON(err) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
                /* already in the store: not an error */
                ERR_clear_error();
            } else {
                break;
            }
        }
        loaded++;
    }
    err = ERR_peek_last_error();
    if (loaded == 0) {
        ERR_clear_error();
        ret = MEMBIO_CADATA_NONE_LOADED;
    } else if (der && ERR_GET_LIB(err) == ERR_LIB_ASN1 &&
               ERR_GET_REASON(err) == ASN1_R_HEADER_TOO_LONG) {
        /* end of the DER data */
        ERR_clear_error();
        ret = MEMBIO_CADATA_OK;
    } else if (!der && ERR_GET_LIB(err) == ERR_LIB_PEM &&
               ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        /* end of the PEM data */
        ERR_clear_error();
        ret = MEMBIO_CADATA_OK;
    } else if (err != 0) {
        ret = MEMBIO_CADATA_LIB;
    } else {
        ret = MEMBIO_CADATA_OK;
    }
    BIO_free(biobuf);
    membio_err_end(e, ret == MEMBIO_CADATA_OK);
    return ret;
}

int membio_ctx_load_verify_locations(SSL_CTX *ctx, const char *cafile, const char *capath, membio_err *e)
{
    int r;
    membio_err_begin(e);
    r = SSL_CTX_load_verify_locations(ctx, cafile, capath);
    membio_err_end(e, r);
    return r == 1;
}

int membio_ctx_set_default_verify_paths(SSL_CTX *ctx, membio_err *e)
{
    int r;
    membio_err_begin(e);
    r = SSL_CTX_set_default_verify_paths(ctx);
    membio_err_end(e, r);
    return r == 1;
}

int membio_ctx_load_dh_params(SSL_CTX *ctx, const char *path, membio_err *e)
{
    FILE *f;
    DH *dh;
    int ok;

    membio_err_begin(e);
    f = fopen(path, "rb");
    if (f == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    errno = 0;
    dh = PEM_read_DHparams(f, NULL, NULL, NULL);
    fclose(f);
    if (dh == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    errno = 0;
    ok = (int)SSL_CTX_set_tmp_dh(ctx, dh);
    DH_free(dh);
    membio_err_end(e, ok);
    if (ok)
        return 1;
    e->sys_errno = 0; /* a library failure, whatever errno says */
    return 0;
}

int membio_ctx_set_ecdh_curve(SSL_CTX *ctx, const char *name, membio_err *e)
{
    int nid, ok;

    membio_err_begin(e);
    nid = OBJ_sn2nid(name);
    if (nid == 0) {
        membio_err_end(e, -1);
        return -1;
    }
    ok = SSL_CTX_set1_groups(ctx, &nid, 1);
    membio_err_end(e, ok);
    return ok ? 1 : 0;
}

void membio_ctx_session_stats(SSL_CTX *ctx, membio_sess_stats *s)
{
    s->number = SSL_CTX_sess_number(ctx);
    s->connect = SSL_CTX_sess_connect(ctx);
    s->connect_good = SSL_CTX_sess_connect_good(ctx);
    s->connect_renegotiate = SSL_CTX_sess_connect_renegotiate(ctx);
    s->accept = SSL_CTX_sess_accept(ctx);
    s->accept_good = SSL_CTX_sess_accept_good(ctx);
    s->accept_renegotiate = SSL_CTX_sess_accept_renegotiate(ctx);
    s->hits = SSL_CTX_sess_hits(ctx);
    s->misses = SSL_CTX_sess_misses(ctx);
    s->timeouts = SSL_CTX_sess_timeouts(ctx);
    s->cache_full = SSL_CTX_sess_cache_full(ctx);
}

void membio_ctx_cert_store_stats(SSL_CTX *ctx, int *x509, int *crl, int *x509_ca)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_OBJECT) *objs;
    int i;

    *x509 = *crl = *x509_ca = 0;
    /* The store may grow during verification (capath lookups): read it
     * under its lock. */
    if (!X509_STORE_lock(store))
        return;
    objs = X509_STORE_get0_objects(store);
    for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        switch (X509_OBJECT_get_type(obj)) {
        case X509_LU_X509:
            if (X509_check_ca(X509_OBJECT_get0_X509(obj)))
                (*x509_ca)++;
            (*x509)++;
            break;
        case X509_LU_CRL:
            (*crl)++;
            break;
        default:
            break;
        }
    }
    X509_STORE_unlock(store);
}

static int membio_put_record(BIO *b, unsigned char tag, const void *data, size_t len)
{
    unsigned char hdr[5];
    if (len > 0x7fffffff)
        return 0;
    hdr[0] = tag;
    hdr[1] = (unsigned char)(len & 0xff);
    hdr[2] = (unsigned char)((len >> 8) & 0xff);
    hdr[3] = (unsigned char)((len >> 16) & 0xff);
    hdr[4] = (unsigned char)((len >> 24) & 0xff);
    if (BIO_write(b, hdr, 5) != 5)
        return 0;
    if (len > 0 && BIO_write(b, data, (int)len) != (int)len)
        return 0;
    return 1;
}

static int membio_bio_take(BIO *b, unsigned char **out, size_t *outlen)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n < 0)
        return 0;
    *out = malloc(n > 0 ? (size_t)n : 1);
    if (*out == NULL)
        return 0;
    if (n > 0)
        memcpy(*out, p, (size_t)n);
    *outlen = (size_t)n;
    return 1;
}

int membio_ctx_get_ca_certs(SSL_CTX *ctx, unsigned char **out, size_t *outlen, membio_err *e)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_OBJECT) *objs;
    BIO *b;
    int i, ok = 1;

    *out = NULL;
    *outlen = 0;
    membio_err_begin(e);
    b = BIO_new(BIO_s_mem());
    if (b == NULL || !X509_STORE_lock(store)) {
        BIO_free(b);
        membio_err_end(e, 0);
        return 0;
    }
    objs = X509_STORE_get0_objects(store);
    for (i = 0; ok && i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        X509 *cert;
        unsigned char *der = NULL;
        int len;

        if (X509_OBJECT_get_type(obj) != X509_LU_X509)
            continue;
        cert = X509_OBJECT_get0_X509(obj);
        if (!X509_check_ca(cert))
            continue;
        len = i2d_X509(cert, &der);
        if (len < 0) {
            ok = 0;
            break;
        }
        ok = membio_put_record(b, 'c', der, (size_t)len);
        OPENSSL_free(der);
    }
    X509_STORE_unlock(store);
    if (ok)
        ok = membio_bio_take(b, out, outlen);
    BIO_free(b);
    membio_err_end(e, ok);
    return ok;
}

/* ---- ALPN ---- */

static int membio_alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                 const unsigned char *in, unsigned int inlen, void *arg)
{
    membio_ctx_data *d = arg;
    membio_alpn *a = d != NULL ? __atomic_load_n(&d->alpn, __ATOMIC_ACQUIRE) : NULL;
    const unsigned char *server = (const unsigned char *)"";
    unsigned int serverlen = 0;
    int ret;

    (void)ssl;
    if (a != NULL) {
        server = a->data;
        serverlen = a->len;
    }
    if (in == NULL) {
        in = (const unsigned char *)"";
        inlen = 0;
    }
    /* CPython's do_protocol_selection: no overlap means no ALPN, and the
     * handshake goes on. */
    ret = SSL_select_next_proto((unsigned char **)out, outlen, server, serverlen, in, inlen);
    if (ret != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    return SSL_TLSEXT_ERR_OK;
}

int membio_ctx_set_alpn(SSL_CTX *ctx, const unsigned char *protos, unsigned int len, membio_err *e)
{
    membio_ctx_data *d = membio_ctx_data_of(ctx);
    membio_alpn *a, *old;

    membio_err_begin(e);
    if (d == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    a = OPENSSL_zalloc(sizeof(*a) + (len > 0 ? len : 1));
    if (a == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    if (len > 0)
        memcpy(a->data, protos, len);
    a->len = len;
    /* SSL_CTX_set_alpn_protos returns 0 on success. */
    if (SSL_CTX_set_alpn_protos(ctx, a->data, len) != 0) {
        OPENSSL_free(a);
        membio_err_end(e, 0);
        return 0;
    }
    /* A handshake on an SSL switched to this context may be reading the old
     * list: retire it instead of freeing it. */
    old = d->alpn;
    a->retired = old;
    __atomic_store_n(&d->alpn, a, __ATOMIC_RELEASE);
    SSL_CTX_set_alpn_select_cb(ctx, membio_alpn_select_cb, d);
    membio_err_end(e, 1);
    return 1;
}

/* ---- SNI ---- */

static int membio_servername_cb(SSL *ssl, int *al, void *arg)
{
    SSL_CTX *ctx = arg;
    uintptr_t h = membio_handle_of(ctx);
    const char *name;
    int saved, ret;

    if (h == 0)
        return SSL_TLSEXT_ERR_OK;
    name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    saved = errno;
    ret = membioGoServername(h, membio_conn_handle_of(ssl), (char *)name, al);
    errno = saved;
    return ret;
}

void membio_ctx_enable_sni(SSL_CTX *ctx, int on)
{
    if (on) {
        SSL_CTX_set_tlsext_servername_callback(ctx, membio_servername_cb);
        SSL_CTX_set_tlsext_servername_arg(ctx, ctx);
    } else {
        SSL_CTX_set_tlsext_servername_callback(ctx, NULL);
        SSL_CTX_set_tlsext_servername_arg(ctx, NULL);
    }
}

/* ---- keylog ---- */

static void membio_keylog_cb(const SSL *ssl, const char *line)
{
    uintptr_t h = membio_handle_of(SSL_get_SSL_CTX(ssl));
    int saved;

    if (h == 0 || line == NULL)
        return;
    saved = errno;
    membioGoKeylog(h, membio_conn_handle_of(ssl), (char *)line);
    errno = saved;
}

void membio_ctx_enable_keylog(SSL_CTX *ctx, int on)
{
    SSL_CTX_set_keylog_callback(ctx, on ? membio_keylog_cb : NULL);
}

/* ---- PSK ---- */

static unsigned int membio_psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                         unsigned int max_identity_len,
                                         unsigned char *psk, unsigned int max_psk_len)
{
    uintptr_t h = membio_handle_of(SSL_get_SSL_CTX(ssl));
    unsigned int n;
    int saved;

    if (h == 0)
        return 0;
    saved = errno;
    n = membioGoPSKClient(h, membio_conn_handle_of(ssl), (char *)hint, identity,
                          max_identity_len, psk, max_psk_len);
    errno = saved;
    return n;
}

static unsigned int membio_psk_server_cb(SSL *ssl, const char *identity,
                                         unsigned char *psk, unsigned int max_psk_len)
{
    uintptr_t h = membio_handle_of(SSL_get_SSL_CTX(ssl));
    unsigned int n;
    int saved;

    if (h == 0)
        return 0;
    saved = errno;
    n = membioGoPSKServer(h, membio_conn_handle_of(ssl), (char *)identity, psk, max_psk_len);
    errno = saved;
    return n;
}

void membio_ctx_enable_psk_client(SSL_CTX *ctx, int on)
{
    SSL_CTX_set_psk_client_callback(ctx, on ? membio_psk_client_cb : NULL);
}

int membio_ctx_enable_psk_server(SSL_CTX *ctx, int on, const char *hint, membio_err *e)
{
    int ok;

    membio_err_begin(e);
    ok = SSL_CTX_use_psk_identity_hint(ctx, hint);
    if (ok)
        SSL_CTX_set_psk_server_callback(ctx, on ? membio_psk_server_cb : NULL);
    membio_err_end(e, ok);
    return ok;
}

/* ---- message callback ---- */

static void membio_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *ssl, void *arg)
{
    const unsigned char *cbuf = buf;
    uintptr_t h = membio_handle_of(SSL_get_SSL_CTX(ssl));
    int msg_type, saved;

    (void)arg;
    if (h == 0)
        return;
    /* CPython's _PySSL_msg_callback: the message type is read from the
     * payload according to the content type. */
    switch (content_type) {
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        msg_type = SSL3_MT_CHANGE_CIPHER_SPEC;
        break;
    case SSL3_RT_ALERT:
        /* byte 0: level, byte 1: description */
        msg_type = len >= 2 ? (int)cbuf[1] : -1;
        break;
    case SSL3_RT_HANDSHAKE:
        msg_type = len >= 1 ? (int)cbuf[0] : -1;
        break;
#ifdef SSL3_RT_HEADER
    case SSL3_RT_HEADER:
        /* a record header: type, version (2 bytes), length (2 bytes) */
        if (len >= 3)
            version = cbuf[1] << 8 | cbuf[2];
        msg_type = len >= 1 ? (int)cbuf[0] : -1;
        break;
#endif
#ifdef SSL3_RT_INNER_CONTENT_TYPE
    case SSL3_RT_INNER_CONTENT_TYPE:
        msg_type = len >= 1 ? (int)cbuf[0] : -1;
        break;
#endif
    default:
        msg_type = -1;
        break;
    }
    saved = errno;
    membioGoMsg(h, membio_conn_handle_of(ssl), write_p, version, content_type, msg_type,
                (void *)buf, len);
    errno = saved;
}

void membio_ctx_enable_msg_callback(SSL_CTX *ctx, int on)
{
    membio_ctx_data *d = membio_ctx_data_of(ctx);

    if (d != NULL)
        __atomic_store_n(&d->msg_on, on ? 1 : 0, __ATOMIC_RELEASE);
    SSL_CTX_set_msg_callback(ctx, on ? membio_msg_cb : NULL);
}

void membio_ctx_apply_msg_callback(SSL_CTX *ctx, SSL *ssl)
{
    membio_ctx_data *d = membio_ctx_data_of(ctx);
    int on = d != NULL && __atomic_load_n(&d->msg_on, __ATOMIC_ACQUIRE);

    SSL_set_msg_callback(ssl, on ? membio_msg_cb : NULL);
}

/* ---- TLS 1.3 cipher suites, groups, signature algorithms ---- */

int membio_ctx_set_ciphersuites(SSL_CTX *ctx, const char *list, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = SSL_CTX_set_ciphersuites(ctx, list);
    membio_err_end(e, ok);
    return ok;
}

int membio_ctx_set_groups(SSL_CTX *ctx, const char *list, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = (int)SSL_CTX_set1_groups_list(ctx, list);
    membio_err_end(e, ok);
    return ok == 1;
}

int membio_ctx_set_sigalgs(SSL_CTX *ctx, const char *list, int client, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    if (client)
        ok = (int)SSL_CTX_set1_client_sigalgs_list(ctx, list);
    else
        ok = (int)SSL_CTX_set1_sigalgs_list(ctx, list);
    membio_err_end(e, ok);
    return ok == 1;
}

/* A growing colon-separated list of names. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} membio_names;

static void membio_names_add(membio_names *n, const char *name)
{
    size_t l = strlen(name), need;

    if (n->failed)
        return;
    need = n->len + l + 2;
    if (need > n->cap) {
        size_t cap = n->cap == 0 ? 256 : n->cap;
        char *p;
        while (cap < need)
            cap *= 2;
        p = realloc(n->s, cap);
        if (p == NULL) {
            n->failed = 1;
            return;
        }
        n->s = p;
        n->cap = cap;
    }
    if (n->len > 0)
        n->s[n->len++] = ':';
    memcpy(n->s + n->len, name, l);
    n->len += l;
    n->s[n->len] = '\0';
}

/* membio_names_take hands the list to the caller (an empty string for an
 * empty list). */
static int membio_names_take(membio_names *n, char **out)
{
    if (!n->failed && n->s == NULL) {
        n->s = malloc(1);
        if (n->s == NULL)
            n->failed = 1;
        else
            n->s[0] = '\0';
    }
    if (n->failed) {
        free(n->s);
        n->s = NULL;
        return 0;
    }
    *out = n->s;
    n->s = NULL;
    return 1;
}

#if OPENSSL_VERSION_NUMBER >= 0x30000000L && OPENSSL_VERSION_NUMBER < 0x30500000L
/* One TLS-GROUP capability of a provider, as libssl records it. */
typedef struct {
    char name[64];
    unsigned int id;
    int mintls, maxtls;
    size_t ix; /* order of appearance */
} membio_group_ent;

typedef struct {
    membio_group_ent *v;
    size_t n, cap;
    OSSL_PROVIDER *prov;
    int failed;
} membio_group_list;

static int membio_group_cap_cb(const OSSL_PARAM params[], void *arg)
{
    membio_group_list *l = arg;
    const OSSL_PARAM *p;
    const char *name = NULL, *alg = NULL;
    unsigned int id = 0;
    int mintls = 0, maxtls = 0, usable = 0;
    EVP_KEYMGMT *km;

    p = OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_NAME);
    if (p == NULL || !OSSL_PARAM_get_utf8_string_ptr(p, &name))
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_ALG);
    if (p == NULL || !OSSL_PARAM_get_utf8_string_ptr(p, &alg))
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_ID);
    if (p == NULL || !OSSL_PARAM_get_uint(p, &id) || id > 0xffff)
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_MIN_TLS);
    if (p == NULL || !OSSL_PARAM_get_int(p, &mintls))
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_CAPABILITY_TLS_GROUP_MAX_TLS);
    if (p == NULL || !OSSL_PARAM_get_int(p, &maxtls))
        return 1;
    if (strlen(name) >= sizeof(l->v[0].name))
        return 1;
    /* libssl's add_provider_groups keeps a group only when its key
     * management is fetchable and comes from the same provider. */
    ERR_set_mark();
    km = EVP_KEYMGMT_fetch(NULL, alg, NULL);
    if (km != NULL) {
        usable = EVP_KEYMGMT_get0_provider(km) == l->prov;
        EVP_KEYMGMT_free(km);
    }
    ERR_pop_to_mark();
    if (!usable)
        return 1;
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 64 : l->cap * 2;
        membio_group_ent *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            l->failed = 1;
            return 0;
        }
        l->v = v;
        l->cap = cap;
    }
    strcpy(l->v[l->n].name, name);
    l->v[l->n].id = id;
    l->v[l->n].mintls = mintls;
    l->v[l->n].maxtls = maxtls;
    l->v[l->n].ix = l->n;
    l->n++;
    return 1;
}

static int membio_group_prov_cb(OSSL_PROVIDER *prov, void *arg)
{
    membio_group_list *l = arg;
    l->prov = prov;
    return OSSL_PROVIDER_get_capabilities(prov, "TLS-GROUP", membio_group_cap_cb, arg);
}

static int membio_group_cmp(const void *a, const void *b)
{
    const membio_group_ent *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->ix < y->ix ? -1 : x->ix > y->ix;
}
#endif

int membio_ctx_get_groups(SSL_CTX *ctx, int include_aliases, char **out, membio_err *e)
{
    membio_names names = {0};
    int ok = 1;

    *out = NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30500000L
    {
        STACK_OF(OPENSSL_CSTRING) *sk;
        int i;

        membio_err_begin(e);
        sk = sk_OPENSSL_CSTRING_new_null();
        if (sk == NULL || !SSL_CTX_get0_implemented_groups(ctx, include_aliases, sk)) {
            ok = 0;
        } else {
            for (i = 0; i < sk_OPENSSL_CSTRING_num(sk); i++)
                membio_names_add(&names, sk_OPENSSL_CSTRING_value(sk, i));
        }
        sk_OPENSSL_CSTRING_free(sk);
    }
#elif OPENSSL_VERSION_NUMBER >= 0x30000000L
    {
        membio_group_list l = {0};
        int min = (int)SSL_CTX_get_min_proto_version(ctx);
        int max = (int)SSL_CTX_get_max_proto_version(ctx);
        unsigned int last = 0;
        size_t i;

        membio_err_begin(e);
        if (!OSSL_PROVIDER_do_all(NULL, membio_group_prov_cb, &l) || l.failed)
            ok = 0;
        if (ok && l.n > 0)
            qsort(l.v, l.n, sizeof(l.v[0]), membio_group_cmp);
        /* tls1_get0_implemented_groups: drop groups outside the version
         * bounds, then aliases (a repeated id) unless asked for. */
        for (i = 0; ok && i < l.n; i++) {
            const membio_group_ent *g = &l.v[i];
            if (g->mintls > 0 && max > 0 && g->mintls > max)
                continue;
            if (g->maxtls > 0 && min > 0 && g->maxtls < min)
                continue;
            if (!include_aliases && g->id == last)
                continue;
            last = g->id;
            membio_names_add(&names, g->name);
        }
        free(l.v);
    }
#else
    (void)ctx;
    (void)include_aliases;
    (void)names;
    (void)ok;
    (void)e;
    return MEMBIO_UNSUPPORTED;
#endif
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (ok)
        ok = membio_names_take(&names, out);
    free(names.s);
    membio_err_end(e, ok);
    return ok;
#endif
}

/* OpenSSL's built-in signature algorithms (sigalg_lookup_tbl, in its
 * order), named as OpenSSL 3.4+ names them. pss_key tells the two RSA-PSS
 * families apart: rsae signs with an rsaEncryption key, pss with an
 * RSASSA-PSS one. list is 0 for the legacy TLS 1.0/1.1 entry, which is not
 * in the table. */
static const struct {
    const char *name;
    int sig, hash, pss_key, list;
} membio_sigalg_tbl[] = {
    {"ecdsa_secp256r1_sha256", EVP_PKEY_EC, NID_sha256, 0, 1},
    {"ecdsa_secp384r1_sha384", EVP_PKEY_EC, NID_sha384, 0, 1},
    {"ecdsa_secp521r1_sha512", EVP_PKEY_EC, NID_sha512, 0, 1},
    {"ed25519", EVP_PKEY_ED25519, NID_undef, 0, 1},
    {"ed448", EVP_PKEY_ED448, NID_undef, 0, 1},
    {"ecdsa_sha224", EVP_PKEY_EC, NID_sha224, 0, 1},
    {"ecdsa_sha1", EVP_PKEY_EC, NID_sha1, 0, 1},
    {"rsa_pss_rsae_sha256", EVP_PKEY_RSA_PSS, NID_sha256, 0, 1},
    {"rsa_pss_rsae_sha384", EVP_PKEY_RSA_PSS, NID_sha384, 0, 1},
    {"rsa_pss_rsae_sha512", EVP_PKEY_RSA_PSS, NID_sha512, 0, 1},
    {"rsa_pss_pss_sha256", EVP_PKEY_RSA_PSS, NID_sha256, 1, 1},
    {"rsa_pss_pss_sha384", EVP_PKEY_RSA_PSS, NID_sha384, 1, 1},
    {"rsa_pss_pss_sha512", EVP_PKEY_RSA_PSS, NID_sha512, 1, 1},
    {"rsa_pkcs1_sha256", EVP_PKEY_RSA, NID_sha256, 0, 1},
    {"rsa_pkcs1_sha384", EVP_PKEY_RSA, NID_sha384, 0, 1},
    {"rsa_pkcs1_sha512", EVP_PKEY_RSA, NID_sha512, 0, 1},
    {"rsa_pkcs1_sha224", EVP_PKEY_RSA, NID_sha224, 0, 1},
    {"rsa_pkcs1_sha1", EVP_PKEY_RSA, NID_sha1, 0, 1},
    {"dsa_sha256", EVP_PKEY_DSA, NID_sha256, 0, 1},
    {"dsa_sha384", EVP_PKEY_DSA, NID_sha384, 0, 1},
    {"dsa_sha512", EVP_PKEY_DSA, NID_sha512, 0, 1},
    {"dsa_sha224", EVP_PKEY_DSA, NID_sha224, 0, 1},
    {"dsa_sha1", EVP_PKEY_DSA, NID_sha1, 0, 1},
    {"rsa_pkcs1_md5_sha1", EVP_PKEY_RSA, NID_md5_sha1, 0, 0},
};

const char *membio_sigalg_name(int sig, int hash, int pss_key)
{
    size_t i;

    for (i = 0; i < sizeof(membio_sigalg_tbl) / sizeof(membio_sigalg_tbl[0]); i++) {
        if (membio_sigalg_tbl[i].sig != sig || membio_sigalg_tbl[i].hash != hash)
            continue;
        if (sig == EVP_PKEY_RSA_PSS && membio_sigalg_tbl[i].pss_key != (pss_key != 0))
            continue;
        return membio_sigalg_tbl[i].name;
    }
    return NULL;
}

int membio_get_sigalgs(char **out, membio_err *e)
{
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
    char *s;
    int ok;

    *out = NULL;
    membio_err_begin(e);
    s = SSL_get1_builtin_sigalgs(NULL);
    ok = s != NULL;
    if (ok) {
        *out = malloc(strlen(s) + 1);
        ok = *out != NULL;
        if (ok)
            strcpy(*out, s);
        OPENSSL_free(s);
    }
    membio_err_end(e, ok);
    return ok;
#elif OPENSSL_VERSION_NUMBER >= 0x30000000L
    membio_names names = {0};
    EVP_PKEY *tmpkey;
    SSL_CTX *probe;
    size_t i;
    int ok = 1;

    *out = NULL;
    membio_err_begin(e);
    tmpkey = EVP_PKEY_new();
    probe = SSL_CTX_new(TLS_method());
    if (tmpkey == NULL || probe == NULL)
        ok = 0;
    for (i = 0; ok && i < sizeof(membio_sigalg_tbl) / sizeof(membio_sigalg_tbl[0]); i++) {
        int avail = 1;

        if (!membio_sigalg_tbl[i].list)
            continue;
        /* SSL_get1_builtin_sigalgs' test: the digest and the key type are
         * implemented by a loaded provider ... */
        ERR_set_mark();
        if (membio_sigalg_tbl[i].hash != NID_undef) {
            EVP_MD *md = EVP_MD_fetch(NULL, OBJ_nid2ln(membio_sigalg_tbl[i].hash), NULL);
            avail = md != NULL;
            EVP_MD_free(md);
        }
        if (avail && !EVP_PKEY_set_type(tmpkey, membio_sigalg_tbl[i].sig))
            avail = 0;
        if (avail) {
            EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, tmpkey, NULL);
            avail = pctx != NULL;
            EVP_PKEY_CTX_free(pctx);
        }
        /* ... and, before 3.4, this OpenSSL accepts the name (3.0 has no
         * name for ecdsa_sha224, ecdsa_sha1 and the DSA entries). */
        if (avail)
            avail = SSL_CTX_set1_sigalgs_list(probe, membio_sigalg_tbl[i].name) == 1;
        ERR_pop_to_mark();
        if (avail)
            membio_names_add(&names, membio_sigalg_tbl[i].name);
    }
    SSL_CTX_free(probe);
    EVP_PKEY_free(tmpkey);
    if (ok)
        ok = membio_names_take(&names, out);
    free(names.s);
    membio_err_end(e, ok);
    return ok;
#else
    (void)out;
    (void)e;
    return MEMBIO_UNSUPPORTED;
#endif
}

/* ---- module level ---- */

static int membio_obj_fill(ASN1_OBJECT *obj, membio_obj_info *out)
{
    int n;

    memset(out, 0, sizeof(*out));
    out->nid = OBJ_obj2nid(obj);
    if (out->nid == NID_undef)
        return -1;
    out->sn = OBJ_nid2sn(out->nid);
    out->ln = OBJ_nid2ln(out->nid);
    n = OBJ_obj2txt(out->oid, sizeof(out->oid), obj, 1);
    if (n < 0 || n >= (int)sizeof(out->oid))
        out->oid[0] = '\0';
    return 1;
}

int membio_obj_from_nid(int nid, membio_obj_info *out)
{
    ASN1_OBJECT *obj;
    int r;

    ERR_clear_error();
    obj = OBJ_nid2obj(nid);
    if (obj == NULL) {
        ERR_clear_error();
        return 0;
    }
    r = membio_obj_fill(obj, out);
    ASN1_OBJECT_free(obj);
    ERR_clear_error();
    return r;
}

int membio_obj_from_txt(const char *txt, int no_name, membio_obj_info *out)
{
    ASN1_OBJECT *obj;
    int r;

    ERR_clear_error();
    obj = OBJ_txt2obj(txt, no_name);
    if (obj == NULL) {
        ERR_clear_error();
        return 0;
    }
    r = membio_obj_fill(obj, out);
    ASN1_OBJECT_free(obj);
    ERR_clear_error();
    return r;
}

void membio_default_verify_paths(const char **file_env, const char **file,
                                 const char **dir_env, const char **dir)
{
    *file_env = X509_get_default_cert_file_env();
    *file = X509_get_default_cert_file();
    *dir_env = X509_get_default_cert_dir_env();
    *dir = X509_get_default_cert_dir();
}

int membio_rand_bytes(unsigned char *buf, int n, membio_err *e)
{
    int ok;
    membio_err_begin(e);
    ok = RAND_bytes(buf, n);
    membio_err_end(e, ok);
    return ok == 1;
}

int membio_rand_status(void) { return RAND_status(); }

void membio_rand_add(const void *buf, int n, double entropy)
{
    RAND_add(buf, n, entropy);
}

/* ---- certificate decoding, after CPython's _decode_certificate ---- */

/* Record tags of the decoded stream. */
#define REC_SUBJECT 'S'   /* a name follows */
#define REC_ISSUER 'I'
#define REC_RDN 'R'       /* a new RDN starts */
#define REC_ATTR_NAME 'A' /* attribute type: long name or dotted OID */
#define REC_ATTR_STR 'V'  /* attribute value, UTF-8 */
#define REC_ATTR_BITS 'B' /* attribute value, BIT STRING bytes */
#define REC_NAME_END 'E'
#define REC_VERSION 'v'
#define REC_SERIAL 's'
#define REC_NOT_BEFORE 'b'
#define REC_NOT_AFTER 'a'
#define REC_SAN 'X'       /* the SAN extension is present */
#define REC_GN_TYPE 'G'
#define REC_GN_VALUE 'g'  /* raw bytes (DNS/email/URI) or text */
#define REC_GN_DIRNAME 'D' /* a name follows */
#define REC_OCSP 'O'
#define REC_CA_ISSUERS 'C'
#define REC_CRL_DP 'P'

static int membio_put_str(BIO *b, unsigned char tag, const char *s)
{
    return membio_put_record(b, tag, s, strlen(s));
}

static int membio_put_name(BIO *b, unsigned char tag, X509_NAME *name)
{
    int i, rdn_level = -1;

    if (!membio_put_record(b, tag, NULL, 0))
        return 0;
    for (i = 0; i < X509_NAME_entry_count(name); i++) {
        X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
        ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(entry);
        ASN1_STRING *value = X509_NAME_ENTRY_get_data(entry);
        char buf[256];
        char *namebuf = buf;
        int len;

        if (rdn_level < 0 || rdn_level != X509_NAME_ENTRY_set(entry)) {
            if (!membio_put_record(b, REC_RDN, NULL, 0))
                return 0;
        }
        rdn_level = X509_NAME_ENTRY_set(entry);

        len = OBJ_obj2txt(buf, sizeof(buf), obj, 0);
        if (len < 0)
            return 0;
        if (len > (int)sizeof(buf) - 1) {
            namebuf = OPENSSL_malloc((size_t)len + 1);
            if (namebuf == NULL)
                return 0;
            len = OBJ_obj2txt(namebuf, len + 1, obj, 0);
        }
        if (!membio_put_record(b, REC_ATTR_NAME, namebuf, len > 0 ? (size_t)len : 0)) {
            if (namebuf != buf)
                OPENSSL_free(namebuf);
            return 0;
        }
        if (namebuf != buf)
            OPENSSL_free(namebuf);

        if (ASN1_STRING_type(value) == V_ASN1_BIT_STRING) {
            if (!membio_put_record(b, REC_ATTR_BITS, ASN1_STRING_get0_data(value),
                                   (size_t)ASN1_STRING_length(value)))
                return 0;
        } else {
            unsigned char *utf8 = NULL;
            int ulen = ASN1_STRING_to_UTF8(&utf8, value);
            int ok;
            if (ulen < 0)
                return 0;
            ok = membio_put_record(b, REC_ATTR_STR, utf8, (size_t)ulen);
            OPENSSL_free(utf8);
            if (!ok)
                return 0;
        }
    }
    return membio_put_record(b, REC_NAME_END, NULL, 0);
}

static int membio_put_bio_line(BIO *b, unsigned char tag, BIO *tmp)
{
    char buf[2048];
    int len = BIO_gets(tmp, buf, sizeof(buf) - 1);
    if (len < 0)
        return 0;
    return membio_put_record(b, tag, buf, (size_t)len);
}

static int membio_put_alt_names(BIO *b, X509 *cert)
{
    GENERAL_NAMES *names;
    BIO *tmp;
    int j, ok = 1;

    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL)
        return 1;
    tmp = BIO_new(BIO_s_mem());
    if (tmp == NULL || !membio_put_record(b, REC_SAN, NULL, 0)) {
        BIO_free(tmp);
        GENERAL_NAMES_free(names);
        return 0;
    }
    for (j = 0; ok && j < sk_GENERAL_NAME_num(names); j++) {
        GENERAL_NAME *name = sk_GENERAL_NAME_value(names, j);
        int gntype = name->type;
        char buf[2048];
        int len;

        switch (gntype) {
        case GEN_DIRNAME:
            ok = membio_put_str(b, REC_GN_TYPE, "DirName") &&
                 membio_put_name(b, REC_GN_DIRNAME, name->d.dirn);
            break;
        case GEN_EMAIL:
        case GEN_DNS:
        case GEN_URI: {
            ASN1_STRING *as = gntype == GEN_EMAIL ? name->d.rfc822Name
                            : gntype == GEN_DNS ? name->d.dNSName
                                                : name->d.uniformResourceIdentifier;
            ok = membio_put_str(b, REC_GN_TYPE,
                                gntype == GEN_EMAIL ? "email" : gntype == GEN_DNS ? "DNS" : "URI") &&
                 membio_put_record(b, REC_GN_VALUE, ASN1_STRING_get0_data(as),
                                   (size_t)ASN1_STRING_length(as));
            break;
        }
        case GEN_RID:
            len = i2t_ASN1_OBJECT(buf, sizeof(buf) - 1, name->d.rid);
            if (len < 0) {
                ok = 0;
                break;
            }
            ok = membio_put_str(b, REC_GN_TYPE, "Registered ID");
            if (ok && len >= (int)sizeof(buf))
                ok = membio_put_str(b, REC_GN_VALUE, "<INVALID>");
            else if (ok)
                ok = membio_put_record(b, REC_GN_VALUE, buf, (size_t)len);
            break;
        case GEN_IPADD: {
            unsigned char *p = name->d.ip->data;
            ok = membio_put_str(b, REC_GN_TYPE, "IP Address");
            if (!ok)
                break;
            if (name->d.ip->length == 4) {
                len = snprintf(buf, sizeof(buf), "%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
            } else if (name->d.ip->length == 16) {
                len = snprintf(buf, sizeof(buf), "%X:%X:%X:%X:%X:%X:%X:%X",
                               p[0] << 8 | p[1], p[2] << 8 | p[3], p[4] << 8 | p[5],
                               p[6] << 8 | p[7], p[8] << 8 | p[9], p[10] << 8 | p[11],
                               p[12] << 8 | p[13], p[14] << 8 | p[15]);
            } else {
                len = snprintf(buf, sizeof(buf), "<invalid>");
            }
            ok = membio_put_record(b, REC_GN_VALUE, buf, (size_t)len);
            break;
        }
        default: {
            /* everything else in OpenSSL's print form, split at the first ':' */
            char *colon;
            (void)BIO_reset(tmp);
            GENERAL_NAME_print(tmp, name);
            len = BIO_gets(tmp, buf, sizeof(buf) - 1);
            if (len < 0) {
                ok = 0;
                break;
            }
            colon = memchr(buf, ':', (size_t)len);
            if (colon == NULL) {
                /* CPython raises ValueError("Invalid value ..."): send the
                 * whole text with an empty type. */
                ok = membio_put_record(b, REC_GN_TYPE, NULL, 0) &&
                     membio_put_record(b, REC_GN_VALUE, buf, (size_t)len);
                break;
            }
            ok = membio_put_record(b, REC_GN_TYPE, buf, (size_t)(colon - buf)) &&
                 membio_put_record(b, REC_GN_VALUE, colon + 1, (size_t)(len - (colon - buf + 1)));
            break;
        }
        }
    }
    BIO_free(tmp);
    GENERAL_NAMES_free(names);
    return ok;
}

static int membio_put_aia(BIO *b, X509 *cert)
{
    AUTHORITY_INFO_ACCESS *info = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    int i, ok = 1;

    if (info == NULL)
        return 1;
    /* all OCSP entries first, then the caIssuers ones, as CPython */
    for (i = 0; ok && i < sk_ACCESS_DESCRIPTION_num(info); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(info, i);
        ASN1_IA5STRING *uri;
        if (OBJ_obj2nid(ad->method) != NID_ad_OCSP || ad->location->type != GEN_URI)
            continue;
        uri = ad->location->d.uniformResourceIdentifier;
        ok = membio_put_record(b, REC_OCSP, uri->data, (size_t)uri->length);
    }
    for (i = 0; ok && i < sk_ACCESS_DESCRIPTION_num(info); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(info, i);
        ASN1_IA5STRING *uri;
        if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers || ad->location->type != GEN_URI)
            continue;
        uri = ad->location->d.uniformResourceIdentifier;
        ok = membio_put_record(b, REC_CA_ISSUERS, uri->data, (size_t)uri->length);
    }
    AUTHORITY_INFO_ACCESS_free(info);
    return ok;
}

static int membio_put_crl_dp(BIO *b, X509 *cert)
{
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    int i, j, ok = 1;

    if (dps == NULL)
        return 1;
    for (i = 0; ok && i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        STACK_OF(GENERAL_NAME) *gns;

        /* empty distribution points are skipped (CVE-2019-5010); so are
         * relative names, which carry no URI */
        if (dp->distpoint == NULL || dp->distpoint->type != 0)
            continue;
        gns = dp->distpoint->name.fullname;
        for (j = 0; ok && j < sk_GENERAL_NAME_num(gns); j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, j);
            ASN1_IA5STRING *uri;
            if (gn->type != GEN_URI)
                continue;
            uri = gn->d.uniformResourceIdentifier;
            ok = membio_put_record(b, REC_CRL_DP, uri->data, (size_t)uri->length);
        }
    }
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
    return ok;
}

static int membio_decode_x509(X509 *cert, unsigned char **out, size_t *outlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    BIO *tmp = BIO_new(BIO_s_mem());
    char buf[32];
    int ok;

    ok = b != NULL && tmp != NULL;
    ok = ok && membio_put_name(b, REC_SUBJECT, X509_get_subject_name(cert));
    ok = ok && membio_put_name(b, REC_ISSUER, X509_get_issuer_name(cert));
    if (ok) {
        snprintf(buf, sizeof(buf), "%ld", X509_get_version(cert) + 1);
        ok = membio_put_str(b, REC_VERSION, buf);
    }
    if (ok) {
        (void)BIO_reset(tmp);
        i2a_ASN1_INTEGER(tmp, X509_get_serialNumber(cert));
        ok = membio_put_bio_line(b, REC_SERIAL, tmp);
    }
    if (ok) {
        (void)BIO_reset(tmp);
        ASN1_TIME_print(tmp, X509_get0_notBefore(cert));
        ok = membio_put_bio_line(b, REC_NOT_BEFORE, tmp);
    }
    if (ok) {
        (void)BIO_reset(tmp);
        ASN1_TIME_print(tmp, X509_get0_notAfter(cert));
        ok = membio_put_bio_line(b, REC_NOT_AFTER, tmp);
    }
    ok = ok && membio_put_alt_names(b, cert);
    ok = ok && membio_put_aia(b, cert);
    ok = ok && membio_put_crl_dp(b, cert);
    ok = ok && membio_bio_take(b, out, outlen);
    BIO_free(b);
    BIO_free(tmp);
    return ok;
}

int membio_decode_cert_der(const unsigned char *der, size_t len,
                           unsigned char **out, size_t *outlen, membio_err *e)
{
    const unsigned char *p = der;
    X509 *cert;
    int ok;

    *out = NULL;
    *outlen = 0;
    membio_err_begin(e);
    if (len > LONG_MAX) {
        membio_err_end(e, 0);
        return 0;
    }
    cert = d2i_X509(NULL, &p, (long)len);
    if (cert == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    ok = membio_decode_x509(cert, out, outlen);
    X509_free(cert);
    membio_err_end(e, ok);
    return ok;
}

int membio_decode_cert_pem(const unsigned char *pem, size_t len,
                           unsigned char **out, size_t *outlen, membio_err *e)
{
    BIO *b;
    X509 *cert;
    int ok;

    *out = NULL;
    *outlen = 0;
    membio_err_begin(e);
    if (len > INT_MAX) {
        membio_err_end(e, 0);
        return 0;
    }
    b = BIO_new_mem_buf(pem, (int)len);
    if (b == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (cert == NULL) {
        membio_err_end(e, 0);
        return 0;
    }
    ok = membio_decode_x509(cert, out, outlen);
    X509_free(cert);
    membio_err_end(e, ok);
    return ok;
}
