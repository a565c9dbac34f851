"""pybench: the Python column of the membio benchmark.

Two ssl.SSLObject endpoints made with SSLContext.wrap_bio over MemoryBIO
pairs, pumped in one thread exactly as cbench.c pumps its BIO_s_mem pairs.
Arguments are key=value pairs (the same as cbench's); the program prints one
"RESULT ..." line, and "TRACE ..." lines when trace=1.

TLS 1.3 cipher suites cannot be chosen through the ssl module of Python
3.11, so the runner sets them for every implementation with an OpenSSL
configuration file (OPENSSL_CONF).
"""

import gc
import os
import ssl
import sys
import time

HOSTNAME = "example.test"
READ_BUF = 16 * 1024

# IANA names of the suites the benchmark negotiates, keyed by OpenSSL name.
STANDARD_NAMES = {
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
}


class Args:
    kind = None
    tls = "1.3"
    ciphers = "DEFAULT"
    suites = "TLS_AES_128_GCM_SHA256"
    n = 0
    wsize = 0
    cert = key = ca = None
    trace = 0
    rb = 0
    warm = 10
    sidctx = "Python"  # what SSLContext sets; accepted for symmetry


A = Args()
wire = [0, 0]
C2S, S2C = 0, 1


class Tracer:
    """Splits one direction of the byte stream into TLS records."""

    def __init__(self):
        self.pending = b""
        self.recs = []

    def feed(self, data):
        buf = self.pending + data
        i = 0
        while len(buf) - i >= 5:
            length = (buf[i + 3] << 8) | buf[i + 4]
            if len(buf) - i < 5 + length:
                break
            self.recs.append("%d:%d" % (buf[i], length))
            i += 5 + length
        self.pending = buf[i:]


tracers = [Tracer(), Tracer()]


def trace_flush(phase):
    for d, name in ((C2S, "c2s"), (S2C, "s2c")):
        print("TRACE phase=%s dir=%s recs=%s" % (phase, name, ",".join(tracers[d].recs)))
        tracers[d].recs = []


def make_ctx(server):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2 if A.tls == "1.2" else ssl.TLSVersion.TLSv1_3
    ctx.set_ciphers(A.ciphers)
    if server:
        ctx.load_cert_chain(A.cert, A.key)
    else:
        ctx.load_verify_locations(A.ca)
    # SSLContext always sets SSL_MODE_RELEASE_BUFFERS; there is no switch.
    return ctx


class Pair:
    __slots__ = ("c", "s", "c_in", "c_out", "s_in", "s_out")

    def __init__(self, cctx, sctx, session=None):
        self.c_in, self.c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.s_in, self.s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.c = cctx.wrap_bio(self.c_in, self.c_out, server_hostname=HOSTNAME, session=session)
        self.s = sctx.wrap_bio(self.s_in, self.s_out, server_side=True)


def pump(src, dst, d):
    """Moves everything pending in src into dst."""
    data = src.read()
    if data:
        wire[d] += len(data)
        dst.write(data)


def pump_traced(src, dst, d):
    data = src.read()
    if data:
        wire[d] += len(data)
        tracers[d].feed(data)
        dst.write(data)


def step(obj):
    try:
        obj.do_handshake()
        return True
    except ssl.SSLWantReadError:
        return False


def establish(p):
    """Handshake, then one byte from server to client (see cbench.c)."""
    cdone = sdone = False
    rounds = 0
    while not (cdone and sdone):
        rounds += 1
        if rounds > 20:
            raise RuntimeError("handshake does not finish")
        if not cdone:
            cdone = step(p.c)
        pump(p.c_out, p.s_in, C2S)
        if not sdone:
            sdone = step(p.s)
        pump(p.s_out, p.c_in, S2C)
    p.s.write(b"x")
    pump(p.s_out, p.c_in, S2C)
    if p.c.read(1) != b"x":
        raise RuntimeError("client read")


def result(secs, value, unit, last, reused):
    if last is not None:
        proto = last.c.version()
        name = last.c.cipher()[0]
        cipher = STANDARD_NAMES.get(name, name)
    else:
        proto = cipher = "-"
    print("RESULT impl=python n=%d secs=%.6f value=%.3f unit=%s c2s=%d s2c=%d proto=%s cipher=%s reused=%d"
          % (A.n, secs, value, unit, wire[C2S], wire[S2C], proto, cipher, reused))


def run_hs(cctx, sctx):
    for _ in range(A.warm):
        establish(Pair(cctx, sctx))
    wire[0] = wire[1] = 0
    p = None
    t0 = time.perf_counter()
    for _ in range(A.n):
        p = Pair(cctx, sctx)
        establish(p)
    secs = time.perf_counter() - t0
    if A.trace:
        trace_flush("hs")
    result(secs, A.n / secs, "hs/s", p, 0)


def run_resume(cctx, sctx):
    first = Pair(cctx, sctx)
    establish(first)
    sess = first.c.session
    for _ in range(A.warm):
        establish(Pair(cctx, sctx, sess))
    if A.trace:
        trace_flush("first")
    wire[0] = wire[1] = 0
    reused = 0
    p = None
    t0 = time.perf_counter()
    for _ in range(A.n):
        p = Pair(cctx, sctx, sess)
        establish(p)
        reused += p.c.session_reused
    secs = time.perf_counter() - t0
    if A.trace:
        trace_flush("hs")
    result(secs, A.n / secs, "hs/s", p, reused)


def run_bulk(cctx, sctx):
    p = Pair(cctx, sctx)
    establish(p)
    if A.trace:
        trace_flush("hs")
    c, s = p.c, p.s
    c_out, s_in, s_out, c_in = p.c_out, p.s_in, p.s_out, p.c_in
    chunk = bytes(A.wsize)
    rbuf = bytearray(READ_BUF)
    want_read = ssl.SSLWantReadError
    wire[0] = wire[1] = 0
    sent = recvd = 0
    total = A.n
    t0 = time.perf_counter()
    while sent < total:
        if total - sent < len(chunk):
            chunk = chunk[: total - sent]
        c.write(chunk)
        sent += len(chunk)
        pump(c_out, s_in, C2S)
        try:
            while True:
                recvd += s.read(READ_BUF, rbuf)
        except want_read:
            pass
        pump(s_out, c_in, S2C)
    secs = time.perf_counter() - t0
    if recvd != total:
        raise RuntimeError("received %d of %d bytes" % (recvd, total))
    if A.trace:
        trace_flush("data")
    result(secs, total / secs / 1e6, "MB/s", p, 0)


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def run_rss(cctx, sctx):
    for _ in range(max(A.warm, 1)):
        establish(Pair(cctx, sctx))
    pairs = []
    gc.collect()
    before = rss_kib()
    t0 = time.perf_counter()
    for _ in range(A.n):
        p = Pair(cctx, sctx)
        establish(p)
        pairs.append(p)
    secs = time.perf_counter() - t0
    gc.collect()
    after = rss_kib()
    result(secs, (after - before) / A.n, "KiB/pair", pairs[-1], 0)


def main():
    for arg in sys.argv[1:]:
        k, sep, v = arg.partition("=")
        if not sep or not hasattr(Args, k):
            sys.exit("usage: pybench.py kind=... (same arguments as cbench)")
        cur = getattr(Args, k)
        setattr(A, k, int(v) if isinstance(cur, int) else v)
    if A.rb:
        sys.exit("pybench: rb=1 is not a Python setting (SSLContext always releases buffers)")
    if A.trace:
        global pump
        pump = pump_traced
    sctx, cctx = make_ctx(True), make_ctx(False)
    runs = {"hs": run_hs, "resume": run_resume, "bulk": run_bulk, "rss": run_rss}
    if A.kind not in runs or A.n <= 0:
        sys.exit("pybench: bad kind or n")
    runs[A.kind](cctx, sctx)


if __name__ == "__main__":
    main()
