//go:build ignore

// The go tool must not treat this file as a cgo source of package main.

/*
 * cbench: the C column of the membio benchmark.
 *
 * Two SSL objects live in one thread, each over a pair of BIO_s_mem
 * buffers; a pump moves BIO_read(outgoing) into BIO_write(peer incoming).
 * This is the ceiling of the memory-BIO design on the installed OpenSSL.
 *
 * Arguments are key=value pairs (see usage()); the program prints one
 * "RESULT ..." line, and "TRACE ..." lines when trace=1. The runner in
 * scripts/bench compiles it with
 *   cc -O2 cbench.c $(pkg-config --cflags --libs libssl libcrypto)
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOSTNAME "example.test"
#define PUMP_BUF (64 * 1024)
#define READ_BUF (16 * 1024)

struct args {
	const char *kind;   /* hs, resume, bulk, rss */
	const char *tls;    /* 1.2 or 1.3 */
	const char *ciphers, *suites;
	long long n;        /* iterations, bytes or pairs */
	long wsize;         /* bulk write size */
	const char *cert, *key, *ca;
	const char *sidctx;
	int trace, rb, warm;
};

static struct args A;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "cbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- wire accounting and tracing ---- */

enum { C2S = 0, S2C = 1 };

struct tracer {
	unsigned char hdr[5];
	int hlen;         /* header bytes collected for the current record */
	long body;        /* body bytes still to skip */
	char *out;        /* "type:len,type:len,..." */
	size_t len, cap;
};

static unsigned long long wire[2];
static struct tracer tr[2];

static void tr_add(struct tracer *t, const char *s)
{
	size_t l = strlen(s);
	if (t->len + l + 1 > t->cap) {
		t->cap = (t->cap + l + 1) * 2;
		t->out = realloc(t->out, t->cap);
		if (!t->out)
			die("out of memory");
	}
	memcpy(t->out + t->len, s, l + 1);
	t->len += l;
}

static void tr_feed(struct tracer *t, const unsigned char *p, long n)
{
	while (n > 0) {
		if (t->body > 0) {
			long k = n < t->body ? n : t->body;
			t->body -= k;
			p += k;
			n -= k;
			continue;
		}
		t->hdr[t->hlen++] = *p++;
		n--;
		if (t->hlen == 5) {
			char buf[32];
			t->body = (t->hdr[3] << 8) | t->hdr[4];
			snprintf(buf, sizeof buf, "%s%d:%ld", t->len ? "," : "", t->hdr[0], t->body);
			tr_add(t, buf);
			t->hlen = 0;
		}
	}
}

static void tr_flush(const char *phase)
{
	static const char *dirs[2] = {"c2s", "s2c"};
	for (int d = 0; d < 2; d++) {
		printf("TRACE phase=%s dir=%s recs=%s\n", phase, dirs[d], tr[d].out ? tr[d].out : "");
		tr[d].len = 0;
		if (tr[d].out)
			tr[d].out[0] = 0;
	}
}

static unsigned char pumpbuf[PUMP_BUF];

/* pump moves everything pending in from into to. */
static void pump(BIO *from, BIO *to, int dir)
{
	int n;
	while ((n = BIO_read(from, pumpbuf, sizeof pumpbuf)) > 0) {
		wire[dir] += n;
		if (A.trace)
			tr_feed(&tr[dir], pumpbuf, n);
		if (BIO_write(to, pumpbuf, n) != n)
			die("BIO_write");
	}
}

/* ---- contexts and pairs ---- */

static SSL_CTX *make_ctx(int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, strcmp(A.tls, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION);
	if (!SSL_CTX_set_cipher_list(ctx, A.ciphers))
		die("set_cipher_list %s", A.ciphers);
	if (!SSL_CTX_set_ciphersuites(ctx, A.suites))
		die("set_ciphersuites %s", A.suites);
	/*
	 * The options and session id context that Python's SSLContext sets
	 * (0x82520050 and "Python" on OpenSSL 3.0), so that every OpenSSL
	 * based column puts the same bytes in its ClientHello (OP_ALL turns
	 * on the padding extension) and in its session tickets.
	 */
	SSL_CTX_clear_options(ctx, ~(uint64_t)0);
	SSL_CTX_set_options(ctx, (SSL_OP_ALL & ~(SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS | SSL_OP_LEGACY_SERVER_CONNECT)) |
	                         SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	                         SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
	if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)A.sidctx, strlen(A.sidctx)))
		die("set_session_id_context");
	if (A.rb)
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (server) {
		if (SSL_CTX_use_certificate_chain_file(ctx, A.cert) != 1)
			die("load cert %s", A.cert);
		if (SSL_CTX_use_PrivateKey_file(ctx, A.key, SSL_FILETYPE_PEM) != 1)
			die("load key %s", A.key);
	} else {
		if (SSL_CTX_load_verify_locations(ctx, A.ca, NULL) != 1)
			die("load CA %s", A.ca);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
}

struct pair {
	SSL *c, *s;
	BIO *c_in, *c_out, *s_in, *s_out;
};

static BIO *membio(void)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		die("BIO_new");
	BIO_set_mem_eof_return(b, -1);
	return b;
}

static void pair_new(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
	p->c = SSL_new(cctx);
	p->s = SSL_new(sctx);
	if (!p->c || !p->s)
		die("SSL_new");
	p->c_in = membio();
	p->c_out = membio();
	p->s_in = membio();
	p->s_out = membio();
	SSL_set_bio(p->c, p->c_in, p->c_out);
	SSL_set_bio(p->s, p->s_in, p->s_out);
	if (!SSL_set_tlsext_host_name(p->c, HOSTNAME) || !SSL_set1_host(p->c, HOSTNAME))
		die("set host");
	SSL_set_hostflags(p->c, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
}

static void pair_free(struct pair *p)
{
	SSL_free(p->c); /* frees the BIOs too */
	SSL_free(p->s);
}

static int step(SSL *ssl, const char *who)
{
	int rc = SSL_do_handshake(ssl);
	if (rc == 1)
		return 1;
	int e = SSL_get_error(ssl, rc);
	if (e != SSL_ERROR_WANT_READ)
		die("%s handshake: SSL_get_error=%d verify=%ld", who, e, SSL_get_verify_result(ssl));
	return 0;
}

/*
 * establish runs the handshake, then the server writes one byte and the
 * client reads it, so the client has also consumed the session tickets
 * that follow a TLS 1.3 handshake. This is one "handshake" everywhere.
 */
static void establish(struct pair *p)
{
	int cdone = 0, sdone = 0;
	for (int rounds = 0; !(cdone && sdone); rounds++) {
		if (rounds > 20)
			die("handshake does not finish");
		if (!cdone)
			cdone = step(p->c, "client");
		pump(p->c_out, p->s_in, C2S);
		if (!sdone)
			sdone = step(p->s, "server");
		pump(p->s_out, p->c_in, S2C);
	}
	unsigned char b = 'x';
	size_t got;
	if (!SSL_write_ex(p->s, &b, 1, &got))
		die("server write");
	pump(p->s_out, p->c_in, S2C);
	if (!SSL_read_ex(p->c, &b, 1, &got) || got != 1)
		die("client read");
}

static void result(double secs, double value, const char *unit, struct pair *last, long reused)
{
	const SSL_CIPHER *c = last ? SSL_get_current_cipher(last->c) : NULL;
	printf("RESULT impl=c n=%lld secs=%.6f value=%.3f unit=%s c2s=%llu s2c=%llu proto=%s cipher=%s reused=%ld\n",
	       A.n, secs, value, unit, wire[C2S], wire[S2C], last ? SSL_get_version(last->c) : "-",
	       c ? SSL_CIPHER_standard_name(c) : "-", reused);
}

/* ---- workloads ---- */

static void run_hs(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct pair p;
	for (int i = 0; i < A.warm; i++) {
		pair_new(&p, cctx, sctx);
		establish(&p);
		pair_free(&p);
	}
	wire[0] = wire[1] = 0;
	double t0 = now();
	for (long long i = 0; i < A.n; i++) {
		pair_new(&p, cctx, sctx);
		establish(&p);
		if (i + 1 < A.n)
			pair_free(&p);
	}
	double secs = now() - t0;
	if (A.trace)
		tr_flush("hs");
	result(secs, A.n / secs, "hs/s", &p, 0);
	pair_free(&p);
}

static void run_resume(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct pair p;
	pair_new(&p, cctx, sctx);
	establish(&p);
	SSL_SESSION *sess = SSL_get1_session(p.c);
	if (!sess || !SSL_SESSION_is_resumable(sess))
		die("no resumable session");
	/*
	 * Freeing an SSL that was not shut down marks its session not
	 * resumable, so the pair that made the session stays alive.
	 */
	struct pair first = p;
	for (int i = 0; i < A.warm; i++) {
		pair_new(&p, cctx, sctx);
		SSL_set_session(p.c, sess);
		establish(&p);
		pair_free(&p);
	}
	if (A.trace)
		tr_flush("first");
	wire[0] = wire[1] = 0;
	long reused = 0;
	double t0 = now();
	for (long long i = 0; i < A.n; i++) {
		pair_new(&p, cctx, sctx);
		if (!SSL_set_session(p.c, sess))
			die("SSL_set_session");
		establish(&p);
		reused += SSL_session_reused(p.c);
		if (i + 1 < A.n)
			pair_free(&p);
	}
	double secs = now() - t0;
	if (A.trace)
		tr_flush("hs");
	result(secs, A.n / secs, "hs/s", &p, reused);
	pair_free(&p);
	pair_free(&first);
	SSL_SESSION_free(sess);
}

static void run_bulk(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct pair p;
	pair_new(&p, cctx, sctx);
	establish(&p);
	if (A.trace)
		tr_flush("hs");
	unsigned char *wbuf = calloc(1, A.wsize);
	unsigned char *rbuf = malloc(READ_BUF);
	if (!wbuf || !rbuf)
		die("out of memory");
	wire[0] = wire[1] = 0;
	long long sent = 0, recvd = 0;
	size_t got;
	double t0 = now();
	while (sent < A.n) {
		size_t w = A.n - sent < A.wsize ? (size_t)(A.n - sent) : (size_t)A.wsize;
		if (!SSL_write_ex(p.c, wbuf, w, &got) || got != w)
			die("client write");
		sent += w;
		pump(p.c_out, p.s_in, C2S);
		while (SSL_read_ex(p.s, rbuf, READ_BUF, &got))
			recvd += got;
		if (SSL_get_error(p.s, 0) != SSL_ERROR_WANT_READ)
			die("server read");
		pump(p.s_out, p.c_in, S2C);
	}
	double secs = now() - t0;
	if (recvd != A.n)
		die("received %lld of %lld bytes", recvd, A.n);
	if (A.trace)
		tr_flush("data");
	result(secs, A.n / secs / 1e6, "MB/s", &p, 0);
	pair_free(&p);
	free(wbuf);
	free(rbuf);
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, res;
	if (!f || fscanf(f, "%ld %ld", &size, &res) != 2)
		die("read /proc/self/statm");
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void run_rss(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct pair *ps = calloc(A.n, sizeof *ps);
	if (!ps)
		die("out of memory");
	struct pair w;
	for (int i = 0; i < (A.warm > 0 ? A.warm : 1); i++) {
		pair_new(&w, cctx, sctx);
		establish(&w);
		pair_free(&w);
	}
	long before = rss_kib();
	double t0 = now();
	for (long long i = 0; i < A.n; i++) {
		pair_new(&ps[i], cctx, sctx);
		establish(&ps[i]);
	}
	double secs = now() - t0;
	long after = rss_kib();
	result(secs, (double)(after - before) / A.n, "KiB/pair", &ps[A.n - 1], 0);
	for (long long i = 0; i < A.n; i++)
		pair_free(&ps[i]);
	free(ps);
}

static void usage(void)
{
	fprintf(stderr, "usage: cbench kind=hs|resume|bulk|rss tls=1.2|1.3 ciphers=LIST suites=LIST n=N "
	                "[wsize=BYTES] cert=CHAIN key=KEY ca=CAFILE [trace=1] [rb=1] [warm=N] [sidctx=ID]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "version")) {
		printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
		return 0;
	}
	A.tls = "1.3";
	A.ciphers = "DEFAULT";
	A.suites = "TLS_AES_128_GCM_SHA256";
	A.warm = 10;
	A.sidctx = "Python";
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			usage();
		*eq = 0;
		const char *k = argv[i], *v = eq + 1;
		if (!strcmp(k, "kind")) A.kind = v;
		else if (!strcmp(k, "tls")) A.tls = v;
		else if (!strcmp(k, "ciphers")) A.ciphers = v;
		else if (!strcmp(k, "suites")) A.suites = v;
		else if (!strcmp(k, "n")) A.n = atoll(v);
		else if (!strcmp(k, "wsize")) A.wsize = atol(v);
		else if (!strcmp(k, "cert")) A.cert = v;
		else if (!strcmp(k, "key")) A.key = v;
		else if (!strcmp(k, "ca")) A.ca = v;
		else if (!strcmp(k, "trace")) A.trace = atoi(v);
		else if (!strcmp(k, "rb")) A.rb = atoi(v);
		else if (!strcmp(k, "warm")) A.warm = atoi(v);
		else if (!strcmp(k, "sidctx")) A.sidctx = v;
		else usage();
	}
	if (!A.kind || A.n <= 0 || !A.cert || !A.key || !A.ca)
		usage();
	if (!strcmp(A.kind, "bulk") && A.wsize <= 0)
		usage();

	SSL_CTX *sctx = make_ctx(1), *cctx = make_ctx(0);
	if (!strcmp(A.kind, "hs"))
		run_hs(cctx, sctx);
	else if (!strcmp(A.kind, "resume"))
		run_resume(cctx, sctx);
	else if (!strcmp(A.kind, "bulk"))
		run_bulk(cctx, sctx);
	else if (!strcmp(A.kind, "rss"))
		run_rss(cctx, sctx);
	else
		usage();
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return 0;
}
