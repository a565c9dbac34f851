/*
 * shim.h: the C side of membio's cgo boundary.
 *
 * Every function here that can fail follows one pattern, inside one C call:
 * clear the thread's OpenSSL error queue and errno, make the OpenSSL call,
 * then capture SSL_get_error, errno, the verify result and the drained queue
 * into a membio_err. The queue is empty again when the function returns.
 * C code never stores a Go pointer; callbacks reach Go through integer
 * handles (runtime/cgo.Handle).
 */
#ifndef MEMBIO_SHIM_H
#define MEMBIO_SHIM_H

#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <openssl/opensslv.h>

#if OPENSSL_VERSION_NUMBER < 0x10101000L
#error "membio needs OpenSSL 1.1.1 or newer"
#endif

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define MEMBIO_ERRQ_MAX 16

typedef struct {
    unsigned long code;      /* packed code from ERR_get_error_all */
    int lib;                 /* ERR_GET_LIB(code) */
    int reason;              /* ERR_GET_REASON(code) */
    const char *reason_str;  /* ERR_reason_error_string(code): static, may be NULL */
    const char *file;        /* static, may be NULL */
    int line;
} membio_errq_entry;

typedef struct {
    int ret;                 /* return value of the OpenSSL call */
    int ssl_error;           /* SSL_get_error for SSL I/O calls, 0 otherwise */
    int sys_errno;           /* errno right after the call */
    int nqueue;              /* entries used in queue (oldest first) */
    int dropped;             /* entries that did not fit (the oldest are dropped) */
    long verify_result;      /* SSL_get_verify_result, -1 when there is no SSL */
    const char *verify_str;  /* X509_verify_cert_error_string(verify_result): static */
    /* MEMBIO_ERRQ_MAX entries, allocated by the first capture that finds
     * the queue non-empty and kept until membio_err_release: an object
     * whose calls never fail carries only this header. */
    membio_errq_entry *queue;
} membio_err;

/* membio_err_begin clears the error queue, errno and *e (keeping e->queue). */
void membio_err_begin(membio_err *e);
/* membio_err_end records ret and errno and drains the queue into *e. */
void membio_err_end(membio_err *e, int ret);
/* membio_err_end_ssl is membio_err_end for an SSL call: it also records
 * SSL_get_error(ssl, ret) when failed is non-zero, and the verify result. */
void membio_err_end_ssl(membio_err *e, SSL *ssl, int ret, int failed);
/* membio_err_end_io is membio_err_end_ssl for SSL_read_ex and SSL_write_ex
 * (ret 1 or 0): success records ret and clears whatever OpenSSL may have
 * queued and ignored (normally nothing: one ERR_peek_error), and a failure
 * drains the queue and looks up the verify result only when SSL_get_error
 * reports SSL_ERROR_SSL or SSL_ERROR_SYSCALL (the other codes mean the
 * queue is empty). */
void membio_err_end_io(membio_err *e, SSL *ssl, int ret);
/* membio_err_release frees e->queue. */
void membio_err_release(membio_err *e);
/* membio_err_queue_len reports the thread's queue length without changing it
 * (for tests that assert the queue is left empty). */
int membio_err_queue_len(void);

/* membio_init loads libssl and its error strings (idempotent). */
int membio_init(void);

/* Versions. */
unsigned long membio_runtime_version_num(void);
const char *membio_runtime_version_text(void);
unsigned long membio_compile_version_num(void);
const char *membio_compile_version_text(void);

/* The shim's objects are opaque to Go: their fields are reached through
 * the functions below. Besides hiding the layout, this keeps cgo from
 * checking every argument for Go pointers (a pointer to a struct with
 * pointer fields is checked on each call; a pointer to an incomplete
 * struct, or to bytes, is not), which is a measurable part of a call on
 * the per-record path. The C files define MEMBIO_SHIM_INTERNAL. */
typedef struct membio_bio membio_bio;
typedef struct membio_conn membio_conn;

#ifdef MEMBIO_SHIM_INTERNAL
struct membio_bio {
    BIO *bio;
    membio_err err; /* scratch for calls on this BIO; the Go owner serialises them */
};

/* membio_conn is one SSL object with its capture area. SSL_get_app_data(ssl)
 * points back to it, so callbacks that receive an SSL* find the Go side
 * through handle. */
struct membio_conn {
    SSL *ssl;
    uintptr_t handle;       /* runtime/cgo.Handle of the Go *cshim.Conn, 0 when none */
    int shutdown_seen_zero; /* CPython's flag for the two-call SSL_shutdown */
    int release_buffers;    /* SSL_MODE_RELEASE_BUFFERS is set (a copy: SSL_get_mode is a call) */
    BIO *direct;            /* read-only memory BIO for membio_conn_feed_read_all, or NULL */
    BIO *wdirect;           /* write BIO into the caller's buffer for membio_conn_write_drain, or NULL */
    /* The state of wdirect during one membio_conn_write_drain call (out is
     * the caller's buffer: cleared before the call returns). */
    unsigned char *wd_out;
    size_t wd_cap, wd_used;
    BIO *wd_spill;          /* the outgoing BIO, which takes what does not fit */
    int wd_spilled;
    /* The alerts seen by the info callback: the first fatal alert and the
     * last alert of each direction, as description + 1 (0: none), and
     * whether close_notify went each way. Written by OpenSSL during the
     * Go owner's calls, read by it between them. */
    int alert_recv, alert_recv_fatal, alert_sent, alert_sent_fatal;
    int close_notify_recv, close_notify_sent;
    membio_err err;         /* scratch for calls on this SSL; the Go owner serialises them */
};
#endif

/* ---- memory BIOs ---- */

/* membio_mem_release frees the storage of the memory BIO b when b is empty
 * and the storage is at most 64 KiB (a BIO_s_mem keeps its largest buffer
 * otherwise). The next write allocates again. It uses only the public BIO
 * and BUF_MEM interfaces. */
void membio_mem_release(BIO *b);

membio_bio *membio_bio_new(membio_err *e);
void membio_bio_free(membio_bio *b);
/* membio_bio_ptr returns the BIO; membio_bio_err the capture of the last
 * failed call. */
BIO *membio_bio_ptr(membio_bio *b);
membio_err *membio_bio_err(membio_bio *b);
size_t membio_bio_pending(membio_bio *b);
/* membio_bio_read reads up to len bytes; returns the count (0 when empty) or
 * -1 on failure with b->err filled. With release != 0, a read that empties
 * the BIO also frees its storage (membio_mem_release). */
long membio_bio_read(membio_bio *b, unsigned char *buf, size_t len, int release);
/* membio_bio_write writes all len bytes; returns len or -1 with b->err filled. */
long membio_bio_write(membio_bio *b, const unsigned char *buf, size_t len);
void membio_bio_write_eof(membio_bio *b);

/* ---- SSL connections ---- */

/* membio_conn_err returns the capture of the last call on c. */
membio_err *membio_conn_err(membio_conn *c);
/* membio_ssl_handle returns the handle of the membio_conn of ssl (its app
 * data), or 0 when ssl is not one of the shim's. */
uintptr_t membio_ssl_handle(const SSL *ssl);

/* ---- test support ---- */
/* membio_memdebug_live returns the number of live OpenSSL allocations when
 * the process started with MEMBIO_MEMDEBUG=1, and -1 otherwise. */
long membio_memdebug_live(void);
/* membio_test_fail queues (lib, reason) and captures it like a failing call. */
int membio_test_fail(int lib, int reason, membio_err *e);

#endif
