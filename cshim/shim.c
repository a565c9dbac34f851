#define MEMBIO_SHIM_INTERNAL 1
#include <errno.h>
#include <string.h>
#include <limits.h>
#include "shim.h"

void membio_err_begin(membio_err *e)
{
    /* Every shim call leaves the queue empty, so it is usually empty here;
     * ERR_clear_error walks all sixteen slots, ERR_peek_error only looks at
     * the ends, which matters on the per-record path. */
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    errno = 0;
    e->ret = 0;
    e->ssl_error = 0;
    e->sys_errno = 0;
    e->verify_result = -1;
    e->verify_str = NULL;
    e->nqueue = 0;
    e->dropped = 0;
}

static void membio_err_drain(membio_err *e)
{
    const char *file = NULL, *func = NULL, *data = NULL;
    int line = 0, flags = 0;
    unsigned long code;

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    while ((code = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
#else
    while ((code = ERR_get_error_line_data(&file, &line, &data, &flags)) != 0) {
#endif
        membio_errq_entry *q;
        if (e->queue == NULL) {
            /* libc, not OPENSSL_malloc: a failure must not queue an error
             * while the queue is being drained. Without memory the entry
             * only counts as dropped. */
            e->queue = malloc(sizeof(e->queue[0]) * MEMBIO_ERRQ_MAX);
            if (e->queue == NULL) {
                e->dropped++;
                continue;
            }
        }
        if (e->nqueue == MEMBIO_ERRQ_MAX) {
            memmove(&e->queue[0], &e->queue[1],
                    sizeof(e->queue[0]) * (MEMBIO_ERRQ_MAX - 1));
            e->nqueue--;
            e->dropped++;
        }
        q = &e->queue[e->nqueue++];
        q->code = code;
        q->lib = ERR_GET_LIB(code);
        q->reason = ERR_GET_REASON(code);
        q->reason_str = ERR_reason_error_string(code);
        q->file = file;
        q->line = line;
    }
}

void membio_err_release(membio_err *e)
{
    free(e->queue);
    e->queue = NULL;
    e->nqueue = 0;
}

void membio_err_end(membio_err *e, int ret)
{
    e->sys_errno = errno;
    e->ret = ret;
    membio_err_drain(e);
}

void membio_err_end_ssl(membio_err *e, SSL *ssl, int ret, int failed)
{
    e->sys_errno = errno;
    e->ret = ret;
    if (failed) {
        e->ssl_error = SSL_get_error(ssl, ret);
        e->verify_result = SSL_get_verify_result(ssl);
        e->verify_str = X509_verify_cert_error_string(e->verify_result);
    }
    membio_err_drain(e);
}

void membio_err_end_io(membio_err *e, SSL *ssl, int ret)
{
    e->ret = ret;
    if (ret == 1) {
        /* Leave the thread's queue empty, as every shim call does: a call
         * that succeeded may still have queued an error OpenSSL ignored. */
        if (ERR_peek_error() != 0)
            ERR_clear_error();
        return;
    }
    e->sys_errno = errno;
    e->ssl_error = SSL_get_error(ssl, ret);
    switch (e->ssl_error) {
    case SSL_ERROR_SSL:
    case SSL_ERROR_SYSCALL:
        e->verify_result = SSL_get_verify_result(ssl);
        e->verify_str = X509_verify_cert_error_string(e->verify_result);
        membio_err_drain(e);
        break;
    default:
        /* SSL_get_error returns the other codes only when ERR_peek_error
         * finds the queue empty, so there is nothing to drain. */
        break;
    }
}

int membio_err_queue_len(void)
{
    /* ERR_peek_error_all does not pop; count by peeking the whole queue is
     * not possible without popping, so report empty/non-empty. */
    return ERR_peek_error() != 0;
}

int membio_init(void)
{
    return OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
}

unsigned long membio_runtime_version_num(void) { return OpenSSL_version_num(); }
const char *membio_runtime_version_text(void) { return OpenSSL_version(OPENSSL_VERSION); }
unsigned long membio_compile_version_num(void) { return OPENSSL_VERSION_NUMBER; }
const char *membio_compile_version_text(void) { return OPENSSL_VERSION_TEXT; }

/* ---- memory BIOs ---- */

/* Storage larger than this is kept: it comes from a burst of many
 * records, and giving it back would cost an munmap now and page faults
 * on the next burst (a 4 MiB buffer costs about 1 ms), while what an idle
 * connection keeps after its handshake is a few KiB. */
#define MEMBIO_RELEASE_MAX (64 * 1024)

void membio_mem_release(BIO *b)
{
    BUF_MEM *bm = NULL;
    char *data = NULL;

    /* BIO_CTRL_INFO gives the unread length and where it starts: an empty
     * BIO whose storage is already gone has a NULL start, so the common
     * case is one ctrl call. */
    if (BIO_get_mem_data(b, &data) != 0 || data == NULL)
        return;
    BIO_get_mem_ptr(b, &bm);
    if (bm == NULL || bm->data == NULL || bm->length != 0 || bm->max > MEMBIO_RELEASE_MAX)
        return;
    /* Free the bytes but keep the BUF_MEM: with BIO_NOCLOSE, setting the
     * same BUF_MEM again frees nothing and resets the BIO's read position
     * to the (now empty) buffer; BIO_CLOSE restores the ownership. */
    BIO_set_close(b, BIO_NOCLOSE);
    if (bm->flags & BUF_MEM_FLAG_SECURE)
        OPENSSL_secure_clear_free(bm->data, bm->max);
    else
        OPENSSL_free(bm->data);
    bm->data = NULL;
    bm->length = 0;
    bm->max = 0;
    BIO_set_mem_buf(b, bm, BIO_CLOSE);
}

membio_bio *membio_bio_new(membio_err *e)
{
    membio_bio *b;

    membio_err_begin(e);
    b = OPENSSL_zalloc(sizeof(*b));
    if (b == NULL) {
        membio_err_end(e, 0);
        return NULL;
    }
    b->bio = BIO_new(BIO_s_mem());
    if (b->bio == NULL) {
        OPENSSL_free(b);
        membio_err_end(e, 0);
        return NULL;
    }
    /* As CPython: a non-blocking buffer whose empty reads ask to retry
     * until EOF is written. */
    BIO_set_retry_read(b->bio);
    BIO_set_mem_eof_return(b->bio, -1);
    membio_err_end(e, 1);
    return b;
}

void membio_bio_free(membio_bio *b)
{
    if (b == NULL)
        return;
    BIO_free(b->bio);
    membio_err_release(&b->err);
    OPENSSL_free(b);
}

BIO *membio_bio_ptr(membio_bio *b)
{
    return b->bio;
}

membio_err *membio_bio_err(membio_bio *b)
{
    return &b->err;
}

size_t membio_bio_pending(membio_bio *b)
{
    return BIO_ctrl_pending(b->bio);
}

/* A memory BIO's reads never queue an error and its writes queue one only
 * when memory runs out, so the BIO calls look at the error queue only when
 * they fail: the common case costs no look-up of the thread's error state.
 * A failure captures the whole queue, including entries that code outside
 * the shim may have left on this thread. */
static void membio_bio_fail(membio_bio *b)
{
    membio_err *e = &b->err;
    e->sys_errno = errno;
    e->ret = -1;
    e->ssl_error = 0;
    e->verify_result = -1;
    e->verify_str = NULL;
    e->nqueue = 0;
    e->dropped = 0;
    membio_err_drain(e);
}

long membio_bio_read(membio_bio *b, unsigned char *buf, size_t len, int release)
{
    size_t n = 0;

    if (len == 0)
        return 0;
    if (len > LONG_MAX)
        len = LONG_MAX;
    errno = 0;
    if (!BIO_read_ex(b->bio, buf, len, &n)) {
        /* An empty buffer: retry (no EOF yet) or EOF. Neither is an error
         * for the caller of MemoryBIO.read. */
        if (BIO_should_retry(b->bio) || BIO_eof(b->bio))
            return 0;
        membio_bio_fail(b);
        if (b->err.nqueue == 0 && b->err.dropped == 0)
            return 0;
        return -1;
    }
    if (release && BIO_ctrl_pending(b->bio) == 0)
        membio_mem_release(b->bio);
    return (long)n;
}

long membio_bio_write(membio_bio *b, const unsigned char *buf, size_t len)
{
    size_t total = 0;

    errno = 0;
    if (len > LONG_MAX) {
        membio_bio_fail(b);
        return -1;
    }
    while (total < len) {
        size_t n = 0;
        if (!BIO_write_ex(b->bio, buf + total, len - total, &n) || n == 0) {
            membio_bio_fail(b);
            return -1;
        }
        total += n;
    }
    return (long)total;
}

void membio_bio_write_eof(membio_bio *b)
{
    BIO_clear_retry_flags(b->bio);
    BIO_set_mem_eof_return(b->bio, 0);
}

int membio_test_fail(int lib, int reason, membio_err *e)
{
    membio_err_begin(e);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    ERR_raise(lib, reason);
#else
    ERR_PUT_error(lib, 0, reason, __FILE__, __LINE__);
#endif
    membio_err_end(e, 0);
    return 0;
}

/* ---- allocation accounting for leak tests ----
 *
 * With MEMBIO_MEMDEBUG=1 in the environment when the process starts, every
 * OpenSSL allocation goes through counting wrappers, so a test can check
 * that objects freed by Close or by the garbage collector release all their
 * C memory. The wrappers are installed from a constructor because OpenSSL
 * accepts them only before its first allocation. */

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long membio_live_allocs;
static int membio_memdebug_on;

typedef struct { size_t size; size_t pad; } membio_alloc_hdr;

static void *membio_dbg_malloc(size_t n, const char *file, int line)
{
    membio_alloc_hdr *h = malloc(sizeof(*h) + n);
    (void)file; (void)line;
    if (h == NULL)
        return NULL;
    h->size = n;
    atomic_fetch_add(&membio_live_allocs, 1);
    return h + 1;
}

static void membio_dbg_free(void *p, const char *file, int line)
{
    (void)file; (void)line;
    if (p == NULL)
        return;
    atomic_fetch_sub(&membio_live_allocs, 1);
    free((membio_alloc_hdr *)p - 1);
}

static void *membio_dbg_realloc(void *p, size_t n, const char *file, int line)
{
    membio_alloc_hdr *h;
    if (p == NULL)
        return membio_dbg_malloc(n, file, line);
    if (n == 0) {
        membio_dbg_free(p, file, line);
        return NULL;
    }
    h = realloc((membio_alloc_hdr *)p - 1, sizeof(*h) + n);
    if (h == NULL)
        return NULL;
    h->size = n;
    return h + 1;
}

__attribute__((constructor)) static void membio_memdebug_ctor(void)
{
    const char *v = getenv("MEMBIO_MEMDEBUG");
    if (v != NULL && v[0] == '1')
        membio_memdebug_on = CRYPTO_set_mem_functions(membio_dbg_malloc,
                                                      membio_dbg_realloc,
                                                      membio_dbg_free);
}

long membio_memdebug_live(void)
{
    if (!membio_memdebug_on)
        return -1;
    return atomic_load(&membio_live_allocs);
}
