/*
 * conn.h: SSL connections over two memory BIOs (the C side of SSLObject).
 *
 * Every function that reaches OpenSSL does the whole operation in one call
 * and records what went wrong in conn->err (C memory), following the
 * capture pattern of shim.h. The I/O functions return a small struct by
 * value, so their success and want-read paths hand no Go pointer to C other
 * than the caller's data buffer.
 */
#ifndef MEMBIO_CONN_H
#define MEMBIO_CONN_H
#include "shim.h"

/* Result of an I/O call (handshake, read, write, shutdown). */
typedef struct {
    int ret;           /* return value of the (last) OpenSSL call */
    int ssl_error;     /* SSL_get_error when the call failed, else 0 */
    int nqueue;        /* error queue entries captured in conn->err */
    int shutdown;      /* SSL_get_shutdown after the call */
    int init_finished; /* SSL_is_init_finished after the call */
    size_t n;          /* bytes read or written */
    size_t moved;      /* ciphertext bytes fed or drained by the combined calls */
    size_t out_pending;/* ciphertext bytes left in the outgoing BIO after the call */
} membio_io;

/* Hostname handling for membio_conn_new. */
typedef struct {
    const char *hostname;  /* A-label server_hostname, or NULL for none */
    int check_hostname;    /* the context's check_hostname at creation */
    unsigned int hostflags;/* the context's X509_CHECK_FLAG_* */
    int pha;               /* the context's post_handshake_auth */
    int server;            /* 1 for the server side */
} membio_conn_cfg;

/* membio_conn_new creates an SSL object as CPython's newPySSLSocket does
 * (SSL_new, app data, BIO_up_ref + SSL_set_bio, modes, PHA, hostname,
 * connect/accept state). On failure it returns NULL with *e filled. */
membio_conn *membio_conn_new(SSL_CTX *ctx, BIO *in, BIO *out,
                             const membio_conn_cfg *cfg, membio_err *e);
void membio_conn_free(membio_conn *c);
void membio_conn_set_handle(membio_conn *c, uintptr_t h);

membio_io membio_conn_handshake(membio_conn *c);
membio_io membio_conn_read(membio_conn *c, unsigned char *buf, size_t len);
membio_io membio_conn_write(membio_conn *c, const unsigned char *buf, size_t len);
membio_io membio_conn_shutdown(membio_conn *c);
/* membio_conn_write_drain is membio_conn_write followed by moving up to
 * outlen bytes of the outgoing BIO into out (r.moved), in one call. */
membio_io membio_conn_write_drain(membio_conn *c, const unsigned char *buf, size_t len,
                                  unsigned char *out, size_t outlen);
/* membio_conn_feed_read appends inlen bytes to the incoming BIO (r.moved),
 * then, when len > 0, makes one SSL_read_ex into buf. A failure to feed
 * returns ret -1 with ssl_error 0 and c->err filled. */
membio_io membio_conn_feed_read(membio_conn *c, const unsigned char *in, size_t inlen,
                                unsigned char *buf, size_t len);
/* membio_conn_feed_read_all is membio_conn_feed_read that goes on reading
 * and then drains: SSL_read_ex into buf + r.n until len bytes are read or
 * a read fails, then up to outlen bytes of the outgoing BIO into out
 * (r.moved). r.ret is 1 when buf filled up, else the failed read's (0,
 * with r.ssl_error and c->err describing it); r.n counts the bytes of
 * every successful read. A failure to feed is reported as by
 * membio_conn_feed_read, with nothing read or drained. */
membio_io membio_conn_feed_read_all(membio_conn *c, const unsigned char *in, size_t inlen,
                                    unsigned char *buf, size_t len,
                                    unsigned char *out, size_t outlen);
/* membio_conn_set_release_buffers sets (on != 0) or clears
 * SSL_MODE_RELEASE_BUFFERS; setting it also frees the record buffers, and
 * the storage of the memory BIOs, now when they hold no data. With the
 * mode set, every I/O call ends by freeing the storage of the memory BIOs
 * it left empty. */
void membio_conn_set_release_buffers(membio_conn *c, int on);
/* membio_conn_release_buffers is SSL_MODE_RELEASE_BUFFERS's state. */
int membio_conn_release_buffers(membio_conn *c);
/* membio_conn_free_buffers is SSL_free_buffers: it frees the record
 * buffers and returns 1, or returns 0 when they hold data. */
int membio_conn_free_buffers(membio_conn *c);
int membio_conn_pending(membio_conn *c);

/* membio_conn_take moves up to outlen bytes of the outgoing BIO into out
 * (r.n), reports what is left (r.out_pending), and in release-buffers mode
 * gives back the BIO's storage when it is left empty. It cannot fail. */
membio_io membio_conn_take(membio_conn *c, unsigned char *out, size_t outlen);
/* membio_conn_close_notify makes one SSL_shutdown call: it queues
 * close_notify in the outgoing BIO when it was not sent yet, and reports
 * 1 when the peer's close_notify was also received, 0 when not yet, or
 * -1 with the captured failure (before the handshake, after a fatal
 * error). It never reads. */
membio_io membio_conn_close_notify(membio_conn *c);
/* membio_conn_out_pending is the outgoing BIO's pending byte count. */
size_t membio_conn_out_pending(membio_conn *c);

/* What a net.Conn adapter reports of a connection (tls.ConnectionState),
 * read in one call. */
typedef struct {
    int version;          /* SSL_version once the handshake finished, else 0 */
    int cipher_id;        /* SSL_CIPHER_get_protocol_id of the current cipher, -1 when none */
    int session_reused;
    int init_finished;
    const char *servername; /* SSL_get_servername: the SNI sent (client) or received (server); owned by the SSL */
    int alert_recv, alert_recv_fatal, alert_sent, alert_sent_fatal; /* description + 1, 0 when none */
    int close_notify_recv, close_notify_sent;
    int shutdown;         /* SSL_get_shutdown */
} membio_conn_state;
void membio_conn_get_state(membio_conn *c, membio_conn_state *out);

/* membio_conn_export is SSL_export_keying_material (RFC 5705 / RFC 8446
 * section 7.5): olen bytes into out for the label and, when use_context is
 * set, the context. Returns 1, or 0 with c->err filled. */
int membio_conn_export(membio_conn *c, unsigned char *out, size_t olen,
                       const char *label, size_t llen,
                       const unsigned char *context, size_t clen, int use_context);

/* Accessors. */
int membio_conn_init_finished(membio_conn *c);
typedef struct {
    const char *name;     /* static, may be NULL */
    const char *protocol; /* static, may be NULL */
    int bits;
} membio_cipher;
/* Returns 1 and fills *out, or 0 when there is no current cipher. */
int membio_conn_cipher(membio_conn *c, membio_cipher *out);
/* Fills up to max entries of out with the shared ciphers in server order;
 * returns the count, or -1 for None (client side, or no client list). */
int membio_conn_shared_ciphers(membio_conn *c, membio_cipher *out, int max);
int membio_conn_num_ciphers(membio_conn *c);
/* Returns a static string, or NULL before the handshake or for "unknown". */
const char *membio_conn_version(membio_conn *c);
/* Sets *p and *len to the selected ALPN protocol (p NULL when none). */
void membio_conn_alpn(membio_conn *c, const unsigned char **p, unsigned int *len);
/* Returns the compression short name or NULL. */
const char *membio_conn_compression(membio_conn *c);
/* Copies the tls-unique bytes into buf (max bytes); returns the length. */
size_t membio_conn_tls_unique(membio_conn *c, void *buf, size_t max);
int membio_conn_session_reused(membio_conn *c);
/* Returns the session with a new reference (SSL_get1_session), or NULL. */
SSL_SESSION *membio_conn_get1_session(membio_conn *c);
/* SSL_set_session; returns 1, or 0 with c->err filled. */
int membio_conn_set_session(membio_conn *c, SSL_SESSION *s);
/* Returns the SSL_CTX currently in use (no new reference). */
SSL_CTX *membio_conn_ssl_ctx(membio_conn *c);
/* SSL_set_SSL_CTX; returns 1, or 0 on failure. It does not touch c->err or
 * the queue entries already present, so it may run inside a callback. */
int membio_conn_set_ssl_ctx(membio_conn *c, SSL_CTX *ctx);
/* SSL_CTX_get_verify_mode of the current SSL_CTX. */
int membio_conn_ctx_verify_mode(membio_conn *c);
/* SSL_verify_client_post_handshake; returns 1, or 0 with c->err filled. */
int membio_conn_verify_client_post_handshake(membio_conn *c);

/* membio_conn_group returns the name of the key-exchange group of the
 * connection (SSL_get0_group_name with OpenSSL 3.2+; SSL_get_negotiated_group
 * and SSL_group_to_name before), or NULL when there is none: no session yet,
 * no key exchange, or OpenSSL before 3.0. The string belongs to OpenSSL and
 * lives as long as the SSL_CTX in use. */
const char *membio_conn_group(membio_conn *c);
/* membio_conn_sigalg returns the name of the signature algorithm the client
 * (client != 0) or the server used in the handshake, such as
 * "rsa_pss_rsae_sha256", or NULL when that side signed nothing. With
 * OpenSSL 3.5+ it is SSL_get0_signature_name / SSL_get0_peer_signature_name;
 * with 3.0 to 3.4 the name is rebuilt from the signature's key type and
 * digest (SSL_get_signature_type_nid and SSL_get_signature_nid, or their
 * peer forms) and the signing certificate's key type. The string is static. */
const char *membio_conn_sigalg(membio_conn *c, int client);

/* A list of DER blobs in one allocation: offsets[i] .. offsets[i+1]. */
typedef struct {
    int n;
    size_t *ends;        /* n end offsets into data */
    unsigned char *data; /* concatenated DER */
} membio_blobs;
/* Peer certificate DER. Returns -1 when the handshake is not finished, 0
 * when the peer sent no certificate, 1 with *der (free with
 * membio_free) and *len set, -2 on an encoding failure (c->err filled). */
int membio_conn_peer_cert(membio_conn *c, unsigned char **der, int *len);
/* Chains. which: 0 verified, 1 unverified (server side prepends the peer
 * certificate). Returns 0 with *out filled (n may be 0 for None), or -1 on
 * failure with c->err filled. Free with membio_blobs_free. */
int membio_conn_chain(membio_conn *c, int which, membio_blobs *out);
void membio_blobs_free(membio_blobs *b);
void membio_free(void *p);

/* Sessions. */
void membio_session_free(SSL_SESSION *s);
void membio_session_up_ref(SSL_SESSION *s);
/* Copies the id into buf (at least SSL_MAX_SSL_SESSION_ID_LENGTH bytes);
 * returns its length. */
unsigned int membio_session_id(SSL_SESSION *s, unsigned char *buf);
long membio_session_time(SSL_SESSION *s);
long membio_session_timeout(SSL_SESSION *s);
unsigned long membio_session_ticket_lifetime_hint(SSL_SESSION *s);
int membio_session_has_ticket(SSL_SESSION *s);

#endif
