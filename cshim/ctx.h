/*
 * ctx.h: SSL_CTX helpers behind cshim.Ctx (package context's SSLContext).
 *
 * Every function that can fail follows shim.h's pattern inside one C call:
 * membio_err_begin, the OpenSSL call(s), membio_err_end.
 *
 * Each SSL_CTX made by membio_ctx_new carries a membio_ctx_data in its
 * ex_data. It holds what OpenSSL's callbacks need and C must own: the ALPN
 * list of the server selection callback and the integer handle of the Go
 * hooks object (0 when none). It is freed with the SSL_CTX, that is when the
 * last SSL using the context is freed too.
 */
#ifndef MEMBIO_CTX_H
#define MEMBIO_CTX_H
#include "shim.h"

/* Methods for membio_ctx_new. */
enum {
    MEMBIO_METHOD_TLS = 0,        /* TLS_method() */
    MEMBIO_METHOD_TLS_CLIENT = 1, /* TLS_client_method() */
    MEMBIO_METHOD_TLS_SERVER = 2, /* TLS_server_method() */
    MEMBIO_METHOD_TLSv1 = 3,      /* TLSv1_method() (deprecated) */
    MEMBIO_METHOD_TLSv1_1 = 4,    /* TLSv1_1_method() (deprecated) */
    MEMBIO_METHOD_TLSv1_2 = 5     /* TLSv1_2_method() (deprecated) */
};

/* Python's default cipher string (_ssl._DEFAULT_CIPHERS). */
#define MEMBIO_DEFAULT_CIPHERS \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

/* The session id context of server-side SSL objects: set on the SSL_CTX
 * for MEMBIO_METHOD_TLS_SERVER, and to be set with SSL_set_session_id_context
 * on each server-side SSL of the other methods. */
#define MEMBIO_SID_CTX "membio"

/* membio_ctx_new creates an SSL_CTX with OpenSSL's defaults for method m.
 * membio_ctx_new_default also applies CPython's SSLContext defaults (options,
 * verify mode, cipher list, minimum version, mode, session id context, verify
 * flags, host flags, PHA off; the session id context for server-only
 * contexts). It returns NULL with e filled on failure;
 * *stage tells which step failed (1 SSL_CTX_new, 2 cipher list, 3 minimum
 * version, 4 ex_data). */
SSL_CTX *membio_ctx_new(int method, membio_err *e);
SSL_CTX *membio_ctx_new_default(int method, int verify_required, int *stage, membio_err *e);
void membio_ctx_free(SSL_CTX *ctx);

/* Hooks handle (a runtime/cgo.Handle, 0 for none). Reads and writes are
 * atomic; a callback that finds 0 does nothing. */
void membio_ctx_set_handle(SSL_CTX *ctx, uintptr_t h);
uintptr_t membio_ctx_get_handle(SSL_CTX *ctx);

/* Simple getters and setters; they cannot fail. */
uint64_t membio_ctx_get_options(SSL_CTX *ctx);
void membio_ctx_set_options(SSL_CTX *ctx, uint64_t set, uint64_t clear);
int membio_ctx_get_verify_mode(SSL_CTX *ctx);
void membio_ctx_set_verify_mode(SSL_CTX *ctx, int mode);
unsigned long membio_ctx_get_verify_flags(SSL_CTX *ctx);
int membio_ctx_set_verify_flags(SSL_CTX *ctx, unsigned long set, unsigned long clear, membio_err *e);
void membio_ctx_set_host_flags(SSL_CTX *ctx, unsigned int flags);
int membio_ctx_get_min_version(SSL_CTX *ctx);
int membio_ctx_get_max_version(SSL_CTX *ctx);
int membio_ctx_set_min_version(SSL_CTX *ctx, int v, membio_err *e);
int membio_ctx_set_max_version(SSL_CTX *ctx, int v, membio_err *e);
size_t membio_ctx_get_num_tickets(SSL_CTX *ctx);
int membio_ctx_set_num_tickets(SSL_CTX *ctx, size_t n, membio_err *e);
int membio_ctx_get_security_level(SSL_CTX *ctx);
void membio_ctx_set_post_handshake_auth(SSL_CTX *ctx, int on);

/* Ciphers. */
int membio_ctx_set_ciphers(SSL_CTX *ctx, const char *list, membio_err *e);

typedef struct {
    unsigned long id;
    const char *name;      /* static strings owned by OpenSSL, may be NULL */
    const char *protocol;
    const char *symmetric;
    const char *digest;
    const char *kea;
    const char *auth;
    int strength_bits;
    int alg_bits;
    int aead;
    char description[256];
} membio_cipher_info;

/* membio_ctx_get_ciphers fills *out (malloc'd, free with free()) with *n
 * entries; returns 0 with e filled on failure. */
int membio_ctx_get_ciphers(SSL_CTX *ctx, membio_cipher_info **out, int *n, membio_err *e);

/* ---- certificates and keys ---- */

/* Password modes for membio_ctx_load_cert_chain. */
enum {
    MEMBIO_PW_NONE = 0,  /* no password: an encrypted key fails (no prompt) */
    MEMBIO_PW_FIXED = 1, /* pw/pwlen */
    MEMBIO_PW_GO = 2     /* ask Go through handle */
};

/* Result of membio_ctx_load_cert_chain. */
typedef struct {
    int stage;      /* 0 ok, 1 certificate chain, 2 private key, 3 key check */
    int pw_error;   /* 1 when the password callback failed (Go has the error),
                       2 when the password was longer than pw_max */
    int pw_max;     /* the buffer size OpenSSL offered */
} membio_load_result;

int membio_ctx_load_cert_chain(SSL_CTX *ctx, const char *certfile, const char *keyfile,
                               int pw_mode, const char *pw, int pwlen, uintptr_t handle,
                               membio_load_result *res, membio_err *e);

/* Result codes of membio_ctx_add_ca_certs. */
enum {
    MEMBIO_CADATA_OK = 0,
    MEMBIO_CADATA_NONE_LOADED = 1, /* no certificate found: a fixed message */
    MEMBIO_CADATA_LIB = 2          /* an OpenSSL error in e */
};
int membio_ctx_add_ca_certs(SSL_CTX *ctx, const void *data, size_t len, int der, membio_err *e);
int membio_ctx_load_verify_locations(SSL_CTX *ctx, const char *cafile, const char *capath, membio_err *e);
int membio_ctx_set_default_verify_paths(SSL_CTX *ctx, membio_err *e);

/* membio_ctx_load_dh_params returns 1 on success, 0 on failure; e->sys_errno
 * is set when the file could not be opened or read. */
int membio_ctx_load_dh_params(SSL_CTX *ctx, const char *path, membio_err *e);
/* membio_ctx_set_ecdh_curve returns 1 on success, -1 for an unknown name,
 * 0 with e filled on failure. */
int membio_ctx_set_ecdh_curve(SSL_CTX *ctx, const char *name, membio_err *e);

typedef struct {
    long number, connect, connect_good, connect_renegotiate, accept, accept_good,
        accept_renegotiate, hits, misses, timeouts, cache_full;
} membio_sess_stats;
void membio_ctx_session_stats(SSL_CTX *ctx, membio_sess_stats *s);

/* membio_ctx_cert_store_stats counts the store's objects. */
void membio_ctx_cert_store_stats(SSL_CTX *ctx, int *x509, int *crl, int *x509_ca);

/* membio_ctx_get_ca_certs returns the DER of every CA certificate in the store
 * as one buffer of (4-byte little-endian length, bytes) records, malloc'd. */
int membio_ctx_get_ca_certs(SSL_CTX *ctx, unsigned char **out, size_t *outlen, membio_err *e);

/* ---- ALPN, SNI, keylog, PSK ---- */

/* membio_ctx_set_alpn stores the wire-format list (copied) and installs the
 * server selection callback. Returns 0 with e filled on failure. */
int membio_ctx_set_alpn(SSL_CTX *ctx, const unsigned char *protos, unsigned int len, membio_err *e);
void membio_ctx_enable_sni(SSL_CTX *ctx, int on);
void membio_ctx_enable_keylog(SSL_CTX *ctx, int on);
void membio_ctx_enable_psk_client(SSL_CTX *ctx, int on);
int membio_ctx_enable_psk_server(SSL_CTX *ctx, int on, const char *hint, membio_err *e);

/* ---- TLS 1.3 cipher suites, key-exchange groups, signature algorithms,
 * message callback (Python 3.15's set_ciphersuites, set_groups/get_groups,
 * set_client_sigalgs/set_server_sigalgs/get_sigalgs; 3.8's _msg_callback) ---- */

/* Return value of the list getters when this OpenSSL cannot provide the list. */
#define MEMBIO_UNSUPPORTED (-1)

/* SSL_CTX_set_ciphersuites, SSL_CTX_set1_groups_list, and
 * SSL_CTX_set1_client_sigalgs_list (client != 0) or SSL_CTX_set1_sigalgs_list.
 * Each returns 1, or 0 with e filled. */
int membio_ctx_set_ciphersuites(SSL_CTX *ctx, const char *list, membio_err *e);
int membio_ctx_set_groups(SSL_CTX *ctx, const char *list, membio_err *e);
int membio_ctx_set_sigalgs(SSL_CTX *ctx, const char *list, int client, membio_err *e);

/* membio_ctx_get_groups lists the key-exchange groups implemented for the
 * context's protocol version bounds, as SSL_CTX_get0_implemented_groups
 * (OpenSSL 3.5) does: ascending by TLS group id, aliases after the name
 * they alias and only when include_aliases. With OpenSSL 3.0 to 3.4 it
 * walks the providers' TLS-GROUP capabilities, which is where libssl builds
 * its own list from. *out is a malloc'd, colon-separated, NUL-terminated
 * string (free with free()). Returns 1, 0 with e filled, or
 * MEMBIO_UNSUPPORTED before OpenSSL 3.0. */
int membio_ctx_get_groups(SSL_CTX *ctx, int include_aliases, char **out, membio_err *e);

/* membio_get_sigalgs lists the names of the built-in TLS signature
 * algorithms whose digest and key type the loaded providers implement, as
 * SSL_get1_builtin_sigalgs (OpenSSL 3.4) does; with OpenSSL 3.0 to 3.3 it
 * keeps the entries of the same table that this OpenSSL accepts by name.
 * *out as for membio_ctx_get_groups. Returns 1, 0 with e filled, or
 * MEMBIO_UNSUPPORTED before OpenSSL 3.0. */
int membio_get_sigalgs(char **out, membio_err *e);

/* membio_ctx_enable_msg_callback installs or removes the message callback
 * (SSL_CTX_set_msg_callback), which calls the Go hooks' Message. SSL
 * objects copy the setting when they are created; membio_ctx_apply_msg_callback
 * copies it to ssl after SSL_set_SSL_CTX(ssl, ctx), as CPython does when an
 * object switches context. */
void membio_ctx_enable_msg_callback(SSL_CTX *ctx, int on);
void membio_ctx_apply_msg_callback(SSL_CTX *ctx, SSL *ssl);

/* membio_sigalg_name returns the OpenSSL 3.4+ name of the built-in
 * signature algorithm with key type sig (EVP_PKEY_*) and digest hash (a
 * NID, NID_undef for EdDSA); for EVP_PKEY_RSA_PSS, pss_key selects the
 * rsa_pss_pss_* family over rsa_pss_rsae_*. NULL when there is none. Used
 * by membio_conn_sigalg. */
const char *membio_sigalg_name(int sig, int hash, int pss_key);

/* ---- module level ---- */

typedef struct {
    int nid;
    const char *sn, *ln; /* static, may be NULL */
    char oid[128];
} membio_obj_info;
/* membio_obj_from_nid / membio_obj_from_txt return 1 on success, 0 when the
 * object is unknown, -1 when it has no NID. */
int membio_obj_from_nid(int nid, membio_obj_info *out);
int membio_obj_from_txt(const char *txt, int no_name, membio_obj_info *out);

void membio_default_verify_paths(const char **file_env, const char **file,
                                 const char **dir_env, const char **dir);

int membio_rand_bytes(unsigned char *buf, int n, membio_err *e);
int membio_rand_status(void);
void membio_rand_add(const void *buf, int n, double entropy);

/* Certificate decoding (CPython's _decode_certificate): the result is a
 * record stream (1-byte tag, 4-byte little-endian length, bytes), malloc'd.
 * membio_decode_cert_pem reads the first PEM certificate of data. */
int membio_decode_cert_der(const unsigned char *der, size_t len,
                           unsigned char **out, size_t *outlen, membio_err *e);
int membio_decode_cert_pem(const unsigned char *pem, size_t len,
                           unsigned char **out, size_t *outlen, membio_err *e);

#endif
