#define MEMBIO_SHIM_INTERNAL 1
#include <string.h>
#include <limits.h>
#include "conn.h"
#include "ctx.h"
#ifndef OPENSSL_NO_COMP
#include <openssl/comp.h>
#endif

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#define SSL_get1_peer_certificate SSL_get_peer_certificate
#endif

/* membio_info_cb records the alerts of the connection (see the alert_*
 * fields of membio_conn), so the Go side can tell how it ended without
 * parsing messages. It runs inside OpenSSL calls made by the shim and
 * touches only the membio_conn. */
static void membio_info_cb(const SSL *ssl, int where, int ret)
{
    membio_conn *c;
    int level, desc;

    if (!(where & SSL_CB_ALERT))
        return;
    c = SSL_get_app_data(ssl);
    if (c == NULL)
        return;
    level = (ret >> 8) & 0xff;
    desc = ret & 0xff;
    if (where & SSL_CB_READ) {
        c->alert_recv = desc + 1;
        if (desc == SSL_AD_CLOSE_NOTIFY)
            c->close_notify_recv = 1;
        else if (level == SSL3_AL_FATAL && c->alert_recv_fatal == 0)
            c->alert_recv_fatal = desc + 1;
    } else {
        c->alert_sent = desc + 1;
        if (desc == SSL_AD_CLOSE_NOTIFY)
            c->close_notify_sent = 1;
        else if (level == SSL3_AL_FATAL && c->alert_sent_fatal == 0)
            c->alert_sent_fatal = desc + 1;
    }
}

membio_conn *membio_conn_new(SSL_CTX *ctx, BIO *in, BIO *out,
                             const membio_conn_cfg *cfg, membio_err *e)
{
    membio_conn *c;
    ASN1_OCTET_STRING *ip = NULL;

    membio_err_begin(e);
    c = OPENSSL_zalloc(sizeof(*c));
    if (c == NULL) {
        membio_err_end(e, 0);
        return NULL;
    }
    c->ssl = SSL_new(ctx);
    if (c->ssl == NULL)
        goto fail;
    SSL_set_app_data(c->ssl, c);

    /* SSL_set_bio consumes one reference per BIO (one in all when both are
     * the same BIO); take them so the Go owners of the BIOs keep theirs. */
    BIO_up_ref(in);
    if (out != in)
        BIO_up_ref(out);
    SSL_set_bio(c->ssl, in, out);

    SSL_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    SSL_set_info_callback(c->ssl, membio_info_cb);
    c->release_buffers = (SSL_get_mode(c->ssl) & SSL_MODE_RELEASE_BUFFERS) != 0;

#ifdef TLS1_3_VERSION
    if (cfg->pha) {
        if (cfg->server) {
            /* As CPython (bpo-37428): only with SSL_VERIFY_PEER. */
            int mode = SSL_get_verify_mode(c->ssl);
            if (mode & SSL_VERIFY_PEER) {
                mode |= SSL_VERIFY_POST_HANDSHAKE;
                SSL_set_verify(c->ssl, mode, SSL_get_verify_callback(c->ssl));
            }
        } else {
            SSL_set_post_handshake_auth(c->ssl, 1);
        }
    }
#endif

    if (cfg->hostname != NULL) {
        const char *h = cfg->hostname;
        ip = a2i_IPADDRESS(h);
        if (ip == NULL)
            ERR_clear_error();
        if (ip == NULL && !SSL_set_tlsext_host_name(c->ssl, h))
            goto fail;
        if (cfg->check_hostname) {
            X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
            X509_VERIFY_PARAM_set_hostflags(param, cfg->hostflags);
            if (ip == NULL) {
                if (!X509_VERIFY_PARAM_set1_host(param, h, strlen(h)))
                    goto fail;
            } else {
                if (!X509_VERIFY_PARAM_set1_ip(param, ASN1_STRING_get0_data(ip),
                                               ASN1_STRING_length(ip)))
                    goto fail;
            }
        }
        ASN1_OCTET_STRING_free(ip);
        ip = NULL;
    }

    /* As CPython 3.14: TLS_SERVER contexts carry the session id context;
     * server-side objects of the other methods get it here, and client-side
     * objects never do (a client-side one breaks TLS 1.3 resumption). */
    if (cfg->server && SSL_CTX_get_ssl_method(ctx) != TLS_server_method()) {
        if (!SSL_set_session_id_context(c->ssl, (const unsigned char *)MEMBIO_SID_CTX,
                                        sizeof(MEMBIO_SID_CTX) - 1))
            goto fail;
    }

    if (cfg->server)
        SSL_set_accept_state(c->ssl);
    else
        SSL_set_connect_state(c->ssl);
    membio_err_end(e, 1);
    return c;

fail:
    membio_err_end(e, 0);
    ASN1_OCTET_STRING_free(ip);
    SSL_free(c->ssl);
    OPENSSL_free(c);
    return NULL;
}

void membio_conn_free(membio_conn *c)
{
    if (c == NULL)
        return;
    /* SSL_free of a connection that sent no close_notify removes its
     * session from the cache and marks it not resumable. A client's
     * SSLSession shares that SSL_SESSION by reference (no DER copy), and
     * Python's copy stays resumable after its object is gone, so a client
     * counts as shut down here. Servers keep OpenSSL's behaviour. */
    if (c->ssl != NULL && !SSL_is_server(c->ssl))
        SSL_set_shutdown(c->ssl, SSL_get_shutdown(c->ssl) | SSL_SENT_SHUTDOWN);
    SSL_free(c->ssl);
    BIO_free(c->direct);
    BIO_free(c->wdirect);
    membio_err_release(&c->err);
    OPENSSL_free(c);
}

void membio_conn_set_handle(membio_conn *c, uintptr_t h)
{
    c->handle = h;
}

membio_err *membio_conn_err(membio_conn *c)
{
    return &c->err;
}

uintptr_t membio_ssl_handle(const SSL *ssl)
{
    membio_conn *mc = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
    return mc != NULL ? mc->handle : 0;
}

static membio_io membio_io_result(membio_conn *c, int ret, size_t n)
{
    membio_io r;
    r.ret = ret;
    r.ssl_error = c->err.ssl_error;
    r.nqueue = c->err.nqueue;
    r.shutdown = SSL_get_shutdown(c->ssl);
    r.init_finished = SSL_is_init_finished(c->ssl);
    r.n = n;
    r.moved = 0;
    r.out_pending = BIO_ctrl_pending(SSL_get_wbio(c->ssl));
    return r;
}

/* membio_conn_done ends every I/O call. With SSL_MODE_RELEASE_BUFFERS,
 * which frees OpenSSL's record buffers whenever they are empty, the
 * memory BIOs give back their storage too when the call left them empty:
 * an idle connection then holds no buffer at all. */
static void membio_conn_release_bios(membio_conn *c)
{
    BIO *rbio = SSL_get_rbio(c->ssl), *wbio = SSL_get_wbio(c->ssl);
    membio_mem_release(rbio);
    if (wbio != rbio)
        membio_mem_release(wbio);
}

static membio_io membio_conn_done(membio_conn *c, membio_io r)
{
    r.out_pending = BIO_ctrl_pending(SSL_get_wbio(c->ssl));
    if (c->release_buffers)
        membio_conn_release_bios(c);
    return r;
}

membio_io membio_conn_handshake(membio_conn *c)
{
    int ret;

    membio_err_begin(&c->err);
    ret = SSL_do_handshake(c->ssl);
    membio_err_end_ssl(&c->err, c->ssl, ret, ret < 1);
    return membio_conn_done(c, membio_io_result(c, ret, 0));
}

membio_io membio_conn_read(membio_conn *c, unsigned char *buf, size_t len)
{
    size_t n = 0;
    int ret;

    membio_err_begin(&c->err);
    ret = SSL_read_ex(c->ssl, buf, len, &n);
    membio_err_end_io(&c->err, c->ssl, ret);
    return membio_conn_done(c, membio_io_result(c, ret, n));
}

/* ---- writing straight into the caller's buffer ----
 *
 * WriteDrain encrypts and then drains the outgoing BIO into the caller's
 * buffer: the record is copied into the memory BIO (which zeroes the room
 * first) and out of it again. For large writes membio_conn_write_drain
 * swaps in, for the one SSL_write_ex, a BIO that writes into the caller's
 * buffer and sends what does not fit to the outgoing BIO, so the record
 * is copied once. */

#define MEMBIO_WDIRECT_MIN 2048

static int membio_wdirect_write(BIO *b, const char *data, size_t len, size_t *written)
{
    membio_conn *c = BIO_get_data(b);
    size_t n = 0;

    BIO_clear_retry_flags(b);
    if (!c->wd_spilled) {
        n = c->wd_cap - c->wd_used;
        if (n > len)
            n = len;
        memcpy(c->wd_out + c->wd_used, data, n);
        c->wd_used += n;
    }
    if (n < len) {
        /* Once a byte went to the outgoing BIO, every later one follows
         * it there, so the order on the wire is kept. */
        size_t w = 0;
        c->wd_spilled = 1;
        if (!BIO_write_ex(c->wd_spill, data + n, len - n, &w)) {
            *written = n;
            return n > 0;
        }
        n += w;
    }
    *written = n;
    return 1;
}

static long membio_wdirect_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b; (void)num; (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int membio_wdirect_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *membio_wdirect_method;
static CRYPTO_ONCE membio_wdirect_once = CRYPTO_ONCE_STATIC_INIT;

static void membio_wdirect_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "membio write-through");
    if (m == NULL)
        return;
    if (!BIO_meth_set_write_ex(m, membio_wdirect_write) ||
        !BIO_meth_set_ctrl(m, membio_wdirect_ctrl) ||
        !BIO_meth_set_create(m, membio_wdirect_create)) {
        BIO_meth_free(m);
        return;
    }
    membio_wdirect_method = m;
}

/* membio_conn_wdirect_begin swaps in the write-through BIO when the write
 * is large, the handshake is done, and the outgoing BIO is empty (new
 * bytes must come after what it holds). It returns the outgoing BIO when
 * it swapped, else NULL. */
static BIO *membio_conn_wdirect_begin(membio_conn *c, size_t len, unsigned char *out, size_t outlen)
{
    BIO *wbio = SSL_get_wbio(c->ssl);

    if (len < MEMBIO_WDIRECT_MIN || outlen == 0 || !SSL_is_init_finished(c->ssl) ||
        BIO_ctrl_pending(wbio) != 0)
        return NULL;
    if (c->wdirect == NULL) {
        ERR_set_mark();
        if (CRYPTO_THREAD_run_once(&membio_wdirect_once, membio_wdirect_init) &&
            membio_wdirect_method != NULL)
            c->wdirect = BIO_new(membio_wdirect_method);
        ERR_pop_to_mark();
        if (c->wdirect == NULL)
            return NULL;
        BIO_set_data(c->wdirect, c);
    }
    c->wd_out = out;
    c->wd_cap = outlen;
    c->wd_used = 0;
    c->wd_spill = wbio;
    c->wd_spilled = 0;
    /* SSL_set0_wbio frees the write BIO it replaces and takes over the
     * reference it is given: keep one on each side. */
    BIO_up_ref(wbio);
    BIO_up_ref(c->wdirect);
    SSL_set0_wbio(c->ssl, c->wdirect);
    return wbio;
}

/* membio_conn_wdirect_end puts the outgoing BIO back and returns the
 * count of bytes written into the caller's buffer. */
static size_t membio_conn_wdirect_end(membio_conn *c, BIO *wbio)
{
    size_t used = c->wd_used;

    SSL_set0_wbio(c->ssl, wbio);
    c->wd_out = NULL;
    c->wd_cap = 0;
    c->wd_used = 0;
    c->wd_spill = NULL;
    return used;
}

static membio_io membio_conn_write_one(membio_conn *c, const unsigned char *buf, size_t len)
{
    static const unsigned char empty[1];
    size_t n = 0;
    int ret;

    if (buf == NULL)
        buf = empty;
    membio_err_begin(&c->err);
    ret = SSL_write_ex(c->ssl, buf, len, &n);
    membio_err_end_io(&c->err, c->ssl, ret);
    return membio_io_result(c, ret, n);
}

membio_io membio_conn_write(membio_conn *c, const unsigned char *buf, size_t len)
{
    return membio_conn_done(c, membio_conn_write_one(c, buf, len));
}

membio_io membio_conn_write_drain(membio_conn *c, const unsigned char *buf, size_t len,
                                  unsigned char *out, size_t outlen)
{
    BIO *swapped = membio_conn_wdirect_begin(c, len, out, outlen);
    membio_io r;

    if (swapped != NULL) {
        /* The capture (SSL_get_error asks the write BIO about retries)
         * happens before the outgoing BIO is back, as for a write to it. */
        r = membio_conn_write_one(c, buf, len);
        r.moved = membio_conn_wdirect_end(c, swapped);
        /* out is full when anything went to the outgoing BIO: nothing is
         * left to drain. */
        return membio_conn_done(c, r);
    }
    r = membio_conn_write_one(c, buf, len);
    if (outlen > 0) {
        size_t got = 0;
        /* A memory BIO's reads queue nothing (see membio_bio_read), so the
         * captured state of the write stays exact. */
        if (BIO_read_ex(SSL_get_wbio(c->ssl), out, outlen, &got))
            r.moved = got;
    }
    return membio_conn_done(c, r);
}

/* membio_conn_feed appends inlen bytes to the incoming BIO. It returns 1,
 * or 0 with c->err filled and *r set to the failure result. */
static int membio_conn_feed(membio_conn *c, const unsigned char *in, size_t inlen,
                            membio_io *r)
{
    BIO *rbio = SSL_get_rbio(c->ssl);
    size_t total = 0;

    while (total < inlen) {
        size_t w = 0;
        if (!BIO_write_ex(rbio, in + total, inlen - total, &w) || w == 0) {
            membio_err_end(&c->err, -1);
            *r = membio_io_result(c, -1, 0);
            r->ssl_error = 0;
            r->moved = total;
            return 0;
        }
        total += w;
    }
    return 1;
}

membio_io membio_conn_feed_read(membio_conn *c, const unsigned char *in, size_t inlen,
                                unsigned char *buf, size_t len)
{
    static unsigned char empty[1];
    size_t n = 0;
    membio_io r;
    int ret = 1;

    membio_err_begin(&c->err);
    if (!membio_conn_feed(c, in, inlen, &r))
        return r;
    if (len > 0) {
        if (buf == NULL)
            buf = empty;
        ret = SSL_read_ex(c->ssl, buf, len, &n);
        membio_err_end_io(&c->err, c->ssl, ret);
    } else {
        /* Feeding succeeded, and a memory BIO's writes queue nothing when
         * they succeed. */
        c->err.ret = 1;
    }
    r = membio_io_result(c, ret, n);
    r.moved = inlen;
    return membio_conn_done(c, r);
}

/* Inputs at least this long are decrypted in place by
 * membio_conn_feed_read_all (see membio_conn_direct_begin). */
#define MEMBIO_DIRECT_MIN 2048

/* membio_conn_direct_begin makes the SSL object read the caller's
 * ciphertext where it lies, instead of copying it into the incoming BIO
 * first (a memory BIO write zeroes and then copies): a read-only memory
 * BIO over in replaces the incoming BIO as the SSL's read BIO for the
 * reads of this call, and membio_conn_direct_end puts the incoming BIO
 * back with whatever the reads left over. It applies only when the
 * incoming BIO is empty (the bytes must come after its own) and the
 * handshake is done. It returns the incoming BIO when it swapped, else
 * NULL. */
static BIO *membio_conn_direct_begin(membio_conn *c, const unsigned char *in, size_t inlen)
{
    BIO *rbio = SSL_get_rbio(c->ssl);
    BUF_MEM *bm = NULL;

    if (inlen < MEMBIO_DIRECT_MIN || inlen > INT_MAX || !SSL_is_init_finished(c->ssl) ||
        BIO_ctrl_pending(rbio) != 0)
        return NULL;
    if (c->direct == NULL) {
        static const unsigned char none[1];
        ERR_set_mark();
        c->direct = BIO_new_mem_buf(none, 0);
        ERR_pop_to_mark();
        if (c->direct == NULL)
            return NULL;
        /* Running out of bytes asks to retry (want-read), as the incoming
         * BIO does, rather than reporting the end of the transport. */
        BIO_set_mem_eof_return(c->direct, -1);
    }
    /* A read-only memory BIO reads from its BUF_MEM directly. */
    BIO_get_mem_ptr(c->direct, &bm);
    bm->data = (char *)in;
    bm->length = inlen;
    bm->max = inlen;
    /* SSL_set0_rbio frees the read BIO it replaces and takes over the
     * reference it is given: keep one on each side. */
    BIO_up_ref(rbio);
    BIO_up_ref(c->direct);
    SSL_set0_rbio(c->ssl, c->direct);
    return rbio;
}

/* membio_conn_direct_end undoes membio_conn_direct_begin and appends the
 * bytes the reads did not take to the incoming BIO rbio. It returns 1, or
 * 0 when that append failed (with c->err filled and *r set, as a failure
 * to feed). */
static int membio_conn_direct_end(membio_conn *c, BIO *rbio, membio_io *r)
{
    BUF_MEM *bm = NULL;
    int ok = 1;

    SSL_set0_rbio(c->ssl, rbio);
    BIO_get_mem_ptr(c->direct, &bm);
    if (bm->length > 0) {
        size_t total = 0;
        while (total < bm->length) {
            size_t w = 0;
            if (!BIO_write_ex(rbio, bm->data + total, bm->length - total, &w) || w == 0) {
                membio_err_end(&c->err, -1);
                *r = membio_io_result(c, -1, 0);
                r->ssl_error = 0;
                ok = 0;
                break;
            }
            total += w;
        }
    }
    bm->data = NULL;
    bm->length = 0;
    bm->max = 0;
    return ok;
}

membio_io membio_conn_feed_read_all(membio_conn *c, const unsigned char *in, size_t inlen,
                                    unsigned char *buf, size_t len,
                                    unsigned char *out, size_t outlen)
{
    size_t total = 0;
    membio_io r;
    BIO *swapped = NULL;
    int ret = 1;

    membio_err_begin(&c->err);
    if (len > 0)
        swapped = membio_conn_direct_begin(c, in, inlen);
    if (swapped == NULL && !membio_conn_feed(c, in, inlen, &r))
        return r;
    /* A successful read leaves the queue empty (see membio_err_end_io),
     * so the failing read that ends the loop still starts from an empty
     * queue, as SSL_get_error requires. */
    while (total < len) {
        size_t n = 0;
        ret = SSL_read_ex(c->ssl, buf + total, len - total, &n);
        if (!ret)
            break;
        total += n;
    }
    /* Capture before the incoming BIO is back: SSL_get_error asks the
     * read BIO whether it should be retried. */
    if (ret)
        c->err.ret = 1;
    else
        membio_err_end_io(&c->err, c->ssl, ret);
    if (swapped != NULL && !membio_conn_direct_end(c, swapped, &r)) {
        /* The plaintext is delivered; the error reports the ciphertext
         * that could not be kept. */
        r.n = total;
        return r;
    }
    r = membio_io_result(c, ret, total);
    if (outlen > 0) {
        size_t got = 0;
        /* A memory BIO's reads queue nothing (see membio_bio_read). */
        if (BIO_read_ex(SSL_get_wbio(c->ssl), out, outlen, &got))
            r.moved = got;
    }
    return membio_conn_done(c, r);
}

void membio_conn_set_release_buffers(membio_conn *c, int on)
{
    c->release_buffers = on != 0;
    if (on) {
        SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
        SSL_free_buffers(c->ssl);
        membio_conn_release_bios(c);
    } else {
        SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
    }
}

int membio_conn_release_buffers(membio_conn *c)
{
    return c->release_buffers;
}

int membio_conn_free_buffers(membio_conn *c)
{
    return SSL_free_buffers(c->ssl);
}

/* membio_conn_shutdown is CPython's unwrap loop for memory BIOs: up to two
 * SSL_shutdown calls, read-ahead off once a 0 was seen. The error state is
 * captured after the last call; the queue accumulates across both. */
membio_io membio_conn_shutdown(membio_conn *c)
{
    int ret = 0, zeros = 0;

    membio_err_begin(&c->err);
    for (;;) {
        if (c->shutdown_seen_zero)
            SSL_set_read_ahead(c->ssl, 0);
        ret = SSL_shutdown(c->ssl);
        if (ret > 0)
            break;
        if (ret == 0) {
            if (++zeros > 1)
                break;
            c->shutdown_seen_zero = 1;
            continue;
        }
        break;
    }
    membio_err_end_ssl(&c->err, c->ssl, ret, ret < 0);
    return membio_conn_done(c, membio_io_result(c, ret, 0));
}

membio_io membio_conn_take(membio_conn *c, unsigned char *out, size_t outlen)
{
    BIO *wbio = SSL_get_wbio(c->ssl);
    membio_io r;
    size_t got = 0;

    memset(&r, 0, sizeof(r));
    r.ret = 1;
    /* A memory BIO's reads queue nothing (see membio_bio_read). */
    if (outlen > 0 && BIO_read_ex(wbio, out, outlen, &got))
        r.n = got;
    r.shutdown = SSL_get_shutdown(c->ssl);
    r.init_finished = SSL_is_init_finished(c->ssl);
    r.out_pending = BIO_ctrl_pending(wbio);
    if (c->release_buffers && r.out_pending == 0)
        membio_mem_release(wbio);
    return r;
}

membio_io membio_conn_close_notify(membio_conn *c)
{
    int ret;

    membio_err_begin(&c->err);
    ret = SSL_shutdown(c->ssl);
    membio_err_end_ssl(&c->err, c->ssl, ret, ret < 0);
    return membio_conn_done(c, membio_io_result(c, ret, 0));
}

size_t membio_conn_out_pending(membio_conn *c)
{
    return BIO_ctrl_pending(SSL_get_wbio(c->ssl));
}

void membio_conn_get_state(membio_conn *c, membio_conn_state *out)
{
    const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);

    out->init_finished = SSL_is_init_finished(c->ssl);
    out->version = out->init_finished ? SSL_version(c->ssl) : 0;
    out->cipher_id = ci != NULL ? (int)SSL_CIPHER_get_protocol_id(ci) : -1;
    out->session_reused = SSL_session_reused(c->ssl);
    out->servername = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
    out->alert_recv = c->alert_recv;
    out->alert_recv_fatal = c->alert_recv_fatal;
    out->alert_sent = c->alert_sent;
    out->alert_sent_fatal = c->alert_sent_fatal;
    out->close_notify_recv = c->close_notify_recv;
    out->close_notify_sent = c->close_notify_sent;
    out->shutdown = SSL_get_shutdown(c->ssl);
}

int membio_conn_export(membio_conn *c, unsigned char *out, size_t olen,
                       const char *label, size_t llen,
                       const unsigned char *context, size_t clen, int use_context)
{
    static const unsigned char none[1];
    int ret;

    membio_err_begin(&c->err);
    ret = SSL_export_keying_material(c->ssl, out, olen, label, llen,
                                     context != NULL ? context : none, clen, use_context);
    membio_err_end(&c->err, ret);
    return ret == 1;
}

int membio_conn_pending(membio_conn *c)
{
    int n = SSL_pending(c->ssl);
    return n < 0 ? 0 : n;
}

int membio_conn_init_finished(membio_conn *c)
{
    return SSL_is_init_finished(c->ssl);
}

static void membio_cipher_fill(const SSL_CIPHER *ci, membio_cipher *out)
{
    out->name = SSL_CIPHER_get_name(ci);
    out->protocol = SSL_CIPHER_get_version(ci);
    out->bits = SSL_CIPHER_get_bits(ci, NULL);
}

int membio_conn_cipher(membio_conn *c, membio_cipher *out)
{
    const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);
    if (ci == NULL)
        return 0;
    membio_cipher_fill(ci, out);
    return 1;
}

int membio_conn_num_ciphers(membio_conn *c)
{
    STACK_OF(SSL_CIPHER) *sc = SSL_get_ciphers(c->ssl);
    return sc == NULL ? 0 : sk_SSL_CIPHER_num(sc);
}

int membio_conn_shared_ciphers(membio_conn *c, membio_cipher *out, int max)
{
    STACK_OF(SSL_CIPHER) *server_ciphers, *client_ciphers;
    int i, j, n = 0;

    /* CPython's algorithm: the server's list, in order, filtered by the
     * client's. The client list is searched by pointer, as sk_find does on
     * an unsorted stack, without sorting it. */
    server_ciphers = SSL_get_ciphers(c->ssl);
    if (server_ciphers == NULL)
        return -1;
    client_ciphers = SSL_get_client_ciphers(c->ssl);
    if (client_ciphers == NULL)
        return -1;
    for (i = 0; i < sk_SSL_CIPHER_num(server_ciphers) && n < max; i++) {
        const SSL_CIPHER *ci = sk_SSL_CIPHER_value(server_ciphers, i);
        int found = 0;
        for (j = 0; j < sk_SSL_CIPHER_num(client_ciphers); j++) {
            if (sk_SSL_CIPHER_value(client_ciphers, j) == ci) {
                found = 1;
                break;
            }
        }
        if (found)
            membio_cipher_fill(ci, &out[n++]);
    }
    return n;
}

const char *membio_conn_version(membio_conn *c)
{
    const char *v;
    if (!SSL_is_init_finished(c->ssl))
        return NULL;
    v = SSL_get_version(c->ssl);
    if (v == NULL || strcmp(v, "unknown") == 0)
        return NULL;
    return v;
}

void membio_conn_alpn(membio_conn *c, const unsigned char **p, unsigned int *len)
{
    *p = NULL;
    *len = 0;
    SSL_get0_alpn_selected(c->ssl, p, len);
}

const char *membio_conn_compression(membio_conn *c)
{
#ifndef OPENSSL_NO_COMP
    const COMP_METHOD *m = SSL_get_current_compression(c->ssl);
    if (m == NULL || COMP_get_type(m) == NID_undef)
        return NULL;
    return OBJ_nid2sn(COMP_get_type(m));
#else
    (void)c;
    return NULL;
#endif
}

size_t membio_conn_tls_unique(membio_conn *c, void *buf, size_t max)
{
    int client = !SSL_is_server(c->ssl);
    /* CPython: our Finished when (resumed XOR client), else the peer's. */
    if (SSL_session_reused(c->ssl) ^ client)
        return SSL_get_finished(c->ssl, buf, max);
    return SSL_get_peer_finished(c->ssl, buf, max);
}

int membio_conn_session_reused(membio_conn *c)
{
    return SSL_session_reused(c->ssl);
}

SSL_SESSION *membio_conn_get1_session(membio_conn *c)
{
    return SSL_get1_session(c->ssl);
}

int membio_conn_set_session(membio_conn *c, SSL_SESSION *s)
{
    int ret;
    membio_err_begin(&c->err);
    ret = SSL_set_session(c->ssl, s);
    membio_err_end(&c->err, ret);
    return ret;
}

SSL_CTX *membio_conn_ssl_ctx(membio_conn *c)
{
    return SSL_get_SSL_CTX(c->ssl);
}

int membio_conn_set_ssl_ctx(membio_conn *c, SSL_CTX *ctx)
{
    SSL_CTX *r;
    /* This may run inside a callback of a call in progress on c: leave
     * c->err and the queue entries of that call alone. */
    ERR_set_mark();
    r = SSL_set_SSL_CTX(c->ssl, ctx);
    ERR_pop_to_mark();
    if (r == NULL)
        return 0;
    /* SSL_new copies the message callback from the context; a switch
     * follows the new context, as CPython's context setter does. */
    membio_ctx_apply_msg_callback(ctx, c->ssl);
    return 1;
}

int membio_conn_ctx_verify_mode(membio_conn *c)
{
    return SSL_CTX_get_verify_mode(SSL_get_SSL_CTX(c->ssl));
}

int membio_conn_verify_client_post_handshake(membio_conn *c)
{
    int ret;
    membio_err_begin(&c->err);
#ifdef TLS1_3_VERSION
    ret = SSL_verify_client_post_handshake(c->ssl);
#else
    ret = 0;
#endif
    membio_err_end(&c->err, ret);
    return ret;
}

const char *membio_conn_group(membio_conn *c)
{
    /* Without a session OpenSSL reads a NULL pointer (CPython gh-155782). */
    if (SSL_get_session(c->ssl) == NULL)
        return NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
    return SSL_get0_group_name(c->ssl);
#elif OPENSSL_VERSION_NUMBER >= 0x30000000L
    {
        /* The NID of the group in use, turned back into the group's TLS
         * name through the context's group list (the name
         * SSL_get0_group_name returns in 3.2). */
        int nid = SSL_get_negotiated_group(c->ssl);
        if (nid == NID_undef)
            return NULL;
        return SSL_group_to_name(c->ssl, nid);
    }
#else
    return NULL;
#endif
}

const char *membio_conn_sigalg(membio_conn *c, int client)
{
    /* The side asked about signed with our key or the peer's. */
    int own = (client != 0) == !SSL_is_server(c->ssl);
#if OPENSSL_VERSION_NUMBER >= 0x30500000L
    const char *name = NULL;
    int ok = own ? SSL_get0_signature_name(c->ssl, &name)
                 : SSL_get0_peer_signature_name(c->ssl, &name);
    return ok ? name : NULL;
#elif OPENSSL_VERSION_NUMBER >= 0x30000000L
    int sig = NID_undef, hash = NID_undef, pss_key = 0;
    X509 *cert;
    EVP_PKEY *key;

    if (own) {
        if (!SSL_get_signature_type_nid(c->ssl, &sig) || !SSL_get_signature_nid(c->ssl, &hash))
            return NULL;
        cert = SSL_get_certificate(c->ssl);
    } else {
        if (!SSL_get_peer_signature_type_nid(c->ssl, &sig) ||
            !SSL_get_peer_signature_nid(c->ssl, &hash))
            return NULL;
        cert = SSL_get0_peer_certificate(c->ssl);
    }
    if (sig == EVP_PKEY_RSA_PSS && cert != NULL) {
        /* Decoding the key cannot fail for a certificate OpenSSL verified
         * a signature with; the mark keeps the queue as it was anyway. */
        ERR_set_mark();
        key = X509_get0_pubkey(cert);
        pss_key = key != NULL && EVP_PKEY_get_id(key) == EVP_PKEY_RSA_PSS;
        ERR_pop_to_mark();
    }
    return membio_sigalg_name(sig, hash, pss_key);
#else
    (void)own;
    return NULL;
#endif
}

int membio_conn_peer_cert(membio_conn *c, unsigned char **der, int *len)
{
    X509 *peer;
    int n;

    *der = NULL;
    *len = 0;
    if (!SSL_is_init_finished(c->ssl))
        return -1;
    peer = SSL_get1_peer_certificate(c->ssl);
    if (peer == NULL)
        return 0;
    membio_err_begin(&c->err);
    n = i2d_X509(peer, der);
    membio_err_end(&c->err, n);
    X509_free(peer);
    if (n < 0)
        return -2;
    *len = n;
    return 1;
}

static int membio_blobs_add(membio_blobs *b, X509 *x, size_t *cap)
{
    unsigned char *p;
    size_t used = b->n > 0 ? b->ends[b->n - 1] : 0;
    int n = i2d_X509(x, NULL);
    if (n < 0)
        return 0;
    if (used + (size_t)n > *cap) {
        size_t ncap = (*cap == 0 ? 4096 : *cap * 2);
        unsigned char *nd;
        while (ncap < used + (size_t)n)
            ncap *= 2;
        nd = OPENSSL_realloc(b->data, ncap);
        if (nd == NULL)
            return 0;
        b->data = nd;
        *cap = ncap;
    }
    p = b->data + used;
    if (i2d_X509(x, &p) != n)
        return 0;
    b->ends[b->n++] = used + (size_t)n;
    return 1;
}

int membio_conn_chain(membio_conn *c, int which, membio_blobs *out)
{
    STACK_OF(X509) *chain;
    X509 *peer = NULL;
    size_t cap = 0;
    int i, total, ok = 1;

    memset(out, 0, sizeof(*out));
    membio_err_begin(&c->err);
    if (which == 0) {
        chain = SSL_get0_verified_chain(c->ssl);
    } else {
        chain = SSL_get_peer_cert_chain(c->ssl);
        if (chain != NULL && SSL_is_server(c->ssl))
            peer = SSL_get1_peer_certificate(c->ssl);
    }
    if (chain == NULL) {
        membio_err_end(&c->err, 1);
        return 0;
    }
    total = sk_X509_num(chain) + (peer != NULL);
    if (total > 0) {
        out->ends = OPENSSL_zalloc(sizeof(size_t) * (size_t)total);
        if (out->ends == NULL)
            ok = 0;
    }
    if (ok && peer != NULL)
        ok = membio_blobs_add(out, peer, &cap);
    for (i = 0; ok && i < sk_X509_num(chain); i++)
        ok = membio_blobs_add(out, sk_X509_value(chain, i), &cap);
    X509_free(peer);
    membio_err_end(&c->err, ok);
    if (!ok) {
        membio_blobs_free(out);
        return -1;
    }
    return 0;
}

void membio_blobs_free(membio_blobs *b)
{
    OPENSSL_free(b->ends);
    OPENSSL_free(b->data);
    memset(b, 0, sizeof(*b));
}

void membio_free(void *p)
{
    OPENSSL_free(p);
}

void membio_session_free(SSL_SESSION *s)
{
    SSL_SESSION_free(s);
}

void membio_session_up_ref(SSL_SESSION *s)
{
    SSL_SESSION_up_ref(s);
}

unsigned int membio_session_id(SSL_SESSION *s, unsigned char *buf)
{
    unsigned int len = 0;
    const unsigned char *id = SSL_SESSION_get_id(s, &len);
    if (len > SSL_MAX_SSL_SESSION_ID_LENGTH)
        len = SSL_MAX_SSL_SESSION_ID_LENGTH;
    memcpy(buf, id, len);
    return len;
}

long membio_session_time(SSL_SESSION *s) { return SSL_SESSION_get_time(s); }
long membio_session_timeout(SSL_SESSION *s) { return SSL_SESSION_get_timeout(s); }
unsigned long membio_session_ticket_lifetime_hint(SSL_SESSION *s)
{
    return SSL_SESSION_get_ticket_lifetime_hint(s);
}
int membio_session_has_ticket(SSL_SESSION *s) { return SSL_SESSION_has_ticket(s); }
