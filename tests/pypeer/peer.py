#!/usr/bin/env python3
"""A TLS peer built on Python's ssl module, for membio's interop tests and demo.

It talks TLS over a real TCP socket on 127.0.0.1, as a client or a server,
either through ssl.SSLObject and two ssl.MemoryBIOs pumped by hand
("--mode sslobject", the API membio mirrors) or through
SSLContext.wrap_socket ("--mode sslsocket").

Output: a server first prints {"listening": PORT}. Then each side prints
exactly one JSON line per connection, as soon as the connection is over:

  {"ok": true, "version", "cipher": [name, protocol, bits], "alpn",
   "peercert", "peercert_der_sha256", "session_reused", "sni_seen",
   "sent", "received", "sha256", "sent_sha256", "tls_unique",
   "close", "peer_close", "pha_cert"}

or, when Python raised, the same keys (those known so far) plus

  {"ok": false, "stage": "context|connect|accept|handshake|pha|read|write|unwrap",
   "class", "errno", "library", "reason", "verify_code",
   "verify_message", "str"}

"close" is what this side did at the end: "unwrap" (sent close_notify and
received the peer's), "abrupt" (closed TCP without close_notify) or "wait"
(waited for the peer to close, then closed TCP without answering). It is
null when an error came first. "peer_close" is how the peer's end was seen:
"close_notify" (read() returned b'', which with --options-ignore-eof also
covers a bare TCP EOF), "eof" (SSLEOFError) or null. A server reads until
the peer closes before it applies --close (unless --close-after says
otherwise); a peer's bare EOF is an SSLEOFError, reported as the error of
the "read" stage, after which the server just closes TCP.

"pha_cert" (server with --pha) says whether the client certificate arrived
after verify_client_post_handshake(); the request goes out with the first
echoed bytes, so the client must send some. "peercert" is then the
certificate seen at the end of the data phase.

Every TCP close is a half-close followed by draining the peer's bytes for up
to --linger seconds, so a reset never overtakes our last alert or
close_notify. Connections use TCP_NODELAY.

Data. The client sends --send N bytes of a fixed pattern in chunks of
64 KiB and reads each chunk's echo back before sending the next one. The
pattern is the SHA-256 counter stream: block i (i = 0, 1, ...) is
SHA-256 of i as an 8-byte big-endian integer, the blocks are concatenated
and the stream is cut after N bytes. "sha256" is the hex SHA-256 of the
bytes received, "sent_sha256" of the bytes sent. The server echoes what it
reads until the peer closes (or, with --close-after N, until it has echoed
N bytes, after which it applies its --close mode).

The exit code is 0 whenever the program ran as configured, even if TLS
failed; argparse usage errors exit with 2. Every socket has --timeout.
"""

import argparse
import hashlib
import json
import select
import socket
import ssl
import sys
import time

CHUNK = 64 * 1024


def pattern_chunks(n, size=CHUNK):
    """Yield the first n bytes of the SHA-256 counter stream in pieces of size."""
    buf = bytearray()
    counter = 0
    produced = 0
    while produced < n:
        want = min(size, n - produced)
        while len(buf) < want:
            buf += hashlib.sha256(counter.to_bytes(8, "big")).digest()
            counter += 1
        piece = bytes(buf[:want])
        del buf[:want]
        produced += want
        yield piece


def jsonable(v):
    if isinstance(v, (tuple, list)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def error_fields(stage, e):
    return {
        "ok": False,
        "stage": stage,
        "class": type(e).__name__,
        "errno": e.errno if isinstance(getattr(e, "errno", None), int) else None,
        "library": getattr(e, "library", None),
        "reason": getattr(e, "reason", None),
        "verify_code": getattr(e, "verify_code", None),
        "verify_message": getattr(e, "verify_message", None),
        "str": str(e),
    }


# ---------------------------------------------------------------- connections


class ObjConn:
    """ssl.SSLObject over two MemoryBIOs, pumped to a blocking socket."""

    def __init__(self, sock, ctx, server_side, server_hostname, session):
        self.sock = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=server_side,
                                server_hostname=server_hostname, session=session)

    @property
    def tls(self):
        return self.obj

    def flush(self):
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)

    def flush_quietly(self):
        try:
            self.flush()
        except OSError:
            pass

    def fill(self):
        data = self.sock.recv(CHUNK)
        if data:
            self.incoming.write(data)
        else:
            self.incoming.write_eof()

    def run(self, op):
        """Call op until it stops asking for input; flush after every call.

        On any error the outgoing BIO (an alert, typically) is still sent."""
        while True:
            try:
                result = op()
            except ssl.SSLWantReadError:
                self.flush()
                if self.incoming.eof:
                    raise
                self.fill()
                continue
            except BaseException:
                self.flush_quietly()
                raise
            self.flush()
            return result

    def handshake(self):
        self.run(self.obj.do_handshake)

    def read(self, n):
        return self.run(lambda: self.obj.read(n))

    def write(self, data):
        view = memoryview(data)
        while view:
            n = self.run(lambda: self.obj.write(view))
            view = view[n:]

    def unwrap(self):
        self.run(self.obj.unwrap)

    def poll(self, seconds):
        """Process what arrives within seconds, until a ticket is in."""
        deadline = time.monotonic() + seconds
        while not self.obj.session.has_ticket:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return
            self.fill()
            try:
                # Only called before any application data is expected, so
                # this read can only process handshake messages.
                self.obj.read(1)
            except ssl.SSLWantReadError:
                pass
            self.flush()
            if self.incoming.eof:
                return

    def session(self):
        return self.obj.session

    def raw(self):
        return self.sock


class SockConn:
    """ssl.SSLSocket from SSLContext.wrap_socket."""

    def __init__(self, sock, ctx, server_side, server_hostname, session):
        self.ssock = ctx.wrap_socket(sock, server_side=server_side, server_hostname=server_hostname,
                                     session=session, do_handshake_on_connect=False,
                                     suppress_ragged_eofs=False)
        self.saved_session = None

    @property
    def tls(self):
        return self.ssock

    def handshake(self):
        self.ssock.do_handshake()

    def read(self, n):
        return self.ssock.recv(n)

    def write(self, data):
        self.ssock.sendall(data)

    def unwrap(self):
        # The session is gone once unwrap drops the SSL object.
        self.saved_session = self.ssock.session
        self.ssock.unwrap()

    def poll(self, seconds):
        deadline = time.monotonic() + seconds
        old = self.ssock.gettimeout()
        try:
            while not self.ssock.session.has_ticket:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self.ssock.settimeout(min(left, 0.05))
                try:
                    # Nothing but handshake messages is expected here; a
                    # ticket is processed inside recv, which then times out.
                    self.ssock.recv(1)
                except (TimeoutError, ssl.SSLWantReadError):
                    pass
        finally:
            self.ssock.settimeout(old)

    def session(self):
        if self.ssock._sslobj is None:
            return self.saved_session
        return self.ssock.session

    def raw(self):
        return self.ssock


def close_tcp(sock, linger):
    """Half-close, drain until the peer closes (bounded by linger), close.

    Closing with unread input would send a TCP reset, which could overtake
    the peer's view of our last bytes (an alert, a close_notify)."""
    try:
        # On an SSLSocket this drops the SSL object; no close_notify is sent.
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + linger
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                break
            if not sock.recv(CHUNK):
                break
    except OSError:
        pass
    finally:
        sock.close()


# ---------------------------------------------------------------- contexts


def build_context(args, server, certfile=None, keyfile=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if args.check_hostname is False:
        ctx.check_hostname = False
    verify = args.verify
    if server and args.pha and verify is None:
        verify = "required"
    if verify is not None:
        mode = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}[verify]
        if mode == ssl.CERT_NONE and args.check_hostname is None:
            ctx.check_hostname = False
        ctx.verify_mode = mode
    if args.check_hostname is True:
        ctx.check_hostname = True
    if args.cafile:
        ctx.load_verify_locations(cafile=args.cafile)
    certfile = certfile or args.certfile
    keyfile = keyfile or args.keyfile
    if certfile:
        ctx.load_cert_chain(certfile, keyfile, password=args.password)
    if args.min_version:
        ctx.minimum_version = ssl.TLSVersion[args.min_version]
    if args.max_version:
        ctx.maximum_version = ssl.TLSVersion[args.max_version]
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    if args.pha:
        ctx.post_handshake_auth = True
    if args.num_tickets is not None and server:
        ctx.num_tickets = args.num_tickets
    if args.no_ticket and server:
        ctx.options |= ssl.OP_NO_TICKET
    if args.options_ignore_eof:
        ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    if args.dhparams and server:
        ctx.load_dh_params(args.dhparams)
    return ctx


class SNIRecorder:
    def __init__(self, args, other_ctx):
        self.reject = args.sni_reject
        self.other = other_ctx
        self.seen = None

    def __call__(self, tls, name, ctx):
        self.seen = name
        if self.reject:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        if self.other is not None and name == "other.test":
            tls.context = self.other
        return None


# ---------------------------------------------------------------- one connection


def describe(conn, report, sni):
    tls = conn.tls
    report["version"] = tls.version()
    c = tls.cipher()
    report["cipher"] = list(c) if c else None
    report["alpn"] = tls.selected_alpn_protocol()
    report["peercert"] = jsonable(tls.getpeercert())
    der = tls.getpeercert(binary_form=True)
    report["peercert_der_sha256"] = hashlib.sha256(der).hexdigest() if der else None
    report["session_reused"] = tls.session_reused
    report["sni_seen"] = sni.seen if sni else None
    try:
        tu = tls.get_channel_binding("tls-unique")
    except ValueError:
        tu = None
    report["tls_unique"] = tu.hex() if tu else None


def read_until_close(conn, report, hasher, limit=None):
    """Read until the peer closes; count (and hash) what arrives."""
    while True:
        try:
            data = conn.read(CHUNK)
        except ssl.SSLEOFError:
            report["peer_close"] = "eof"
            raise
        if not data:
            report["peer_close"] = "close_notify"
            return
        report["received"] += len(data)
        hasher.update(data)


def run_client_conn(args, ctx, session, report):
    stage = "connect"
    conn = None
    sock = None
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stage = "handshake"
        Conn = ObjConn if args.mode == "sslobject" else SockConn
        conn = Conn(sock, ctx, False, args.server_hostname, session)
        sock = conn.raw()
        conn.handshake()
        describe(conn, report, None)
        if args.sessions > 1 and args.send == 0 and report["version"] == "TLSv1.3":
            # TLS 1.3 tickets come after the handshake; the echo would
            # bring them in, so without data wait for them briefly.
            stage = "read"
            conn.poll(0.5)

        got = hashlib.sha256()
        sent = hashlib.sha256()
        for piece in pattern_chunks(args.send):
            stage = "write"
            conn.write(piece)
            report["sent"] += len(piece)
            sent.update(piece)
            stage = "read"
            need = len(piece)
            while need > 0:
                data = conn.read(min(need, CHUNK))
                if not data:
                    report["peer_close"] = "close_notify"
                    break
                need -= len(data)
                report["received"] += len(data)
                got.update(data)
            if report["peer_close"]:
                break
        report["sent_sha256"] = sent.hexdigest()
        report["sha256"] = got.hexdigest()

        if args.close == "unwrap":
            stage = "unwrap"
            conn.unwrap()
            report["peer_close"] = "close_notify"
        elif args.close == "wait" and not report["peer_close"]:
            stage = "read"
            try:
                read_until_close(conn, report, got)
            finally:
                report["sha256"] = got.hexdigest()
        report["close"] = args.close
        return conn.session()
    except ssl.SSLEOFError as e:
        if stage in ("read", "unwrap"):
            report["peer_close"] = "eof"
        report.update(error_fields(stage, e))
        return conn.session() if conn and report.get("version") else None
    except Exception as e:  # noqa: BLE001 - every failure is reported
        report.update(error_fields(stage, e))
        return None
    finally:
        if sock is not None:
            close_tcp(sock, args.linger)


def run_server_conn(args, lsock, ctx, sni, report):
    stage = "accept"
    sock = None
    try:
        sock, _ = lsock.accept()
        sock.settimeout(args.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stage = "handshake"
        Conn = ObjConn if args.mode == "sslobject" else SockConn
        conn = Conn(sock, ctx, True, None, None)
        sock = conn.raw()
        conn.handshake()
        describe(conn, report, sni)
        if args.pha:
            stage = "pha"
            conn.tls.verify_client_post_handshake()

        got = hashlib.sha256()
        try:
            while args.close_after is None or report["sent"] < args.close_after:
                stage = "read"
                want = CHUNK if args.close_after is None else min(CHUNK, args.close_after - report["sent"])
                data = conn.read(want)
                if not data:
                    report["peer_close"] = "close_notify"
                    break
                report["received"] += len(data)
                got.update(data)
                stage = "write"
                conn.write(data)
                report["sent"] += len(data)
        finally:
            report["sha256"] = got.hexdigest()
            report["sent_sha256"] = report["sha256"]
            if args.pha:
                try:
                    pc = conn.tls.getpeercert()
                except ValueError:
                    pc = None
                report["pha_cert"] = pc is not None
                report["peercert"] = jsonable(pc)

        if args.close == "unwrap":
            stage = "unwrap"
            conn.unwrap()
            report["peer_close"] = "close_notify"
        elif args.close == "wait" and not report["peer_close"]:
            stage = "read"
            try:
                read_until_close(conn, report, got)
            finally:
                report["sha256"] = got.hexdigest()
        report["close"] = args.close
    except ssl.SSLEOFError as e:
        if stage in ("read", "unwrap"):
            report["peer_close"] = "eof"
        report.update(error_fields(stage, e))
    except Exception as e:  # noqa: BLE001 - every failure is reported
        report.update(error_fields(stage, e))
    finally:
        report["sni_seen"] = sni.seen
        if sock is not None:
            close_tcp(sock, args.linger)
    return stage != "accept"


def new_report():
    return {
        "ok": True, "version": None, "cipher": None, "alpn": None, "peercert": None,
        "peercert_der_sha256": None, "session_reused": False, "sni_seen": None,
        "sent": 0, "received": 0, "sha256": None, "sent_sha256": None, "tls_unique": None,
        "close": None, "peer_close": None, "pha_cert": None,
    }


# ---------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--role", choices=["client", "server"], required=True)
    p.add_argument("--mode", choices=["sslobject", "sslsocket"], default="sslobject")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--accept", type=int, default=1, help="server: connections to serve, one after another")
    p.add_argument("--timeout", type=float, default=10.0, help="socket timeout in seconds")
    p.add_argument("--linger", type=float, default=1.0,
                   help="seconds to wait for the peer's TCP close after ours")
    p.add_argument("--cafile")
    p.add_argument("--certfile")
    p.add_argument("--keyfile")
    p.add_argument("--password")
    p.add_argument("--verify", choices=["none", "optional", "required"])
    p.add_argument("--check-hostname", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--server-hostname", help="client: the name to send (SNI) and check")
    p.add_argument("--min-version", choices=["TLSv1_2", "TLSv1_3"])
    p.add_argument("--max-version", choices=["TLSv1_2", "TLSv1_3"])
    p.add_argument("--ciphers")
    p.add_argument("--alpn", help="comma-separated protocol list")
    p.add_argument("--sni-switch", metavar="CERT:KEY",
                   help="server: switch to a context with this certificate when SNI is other.test")
    p.add_argument("--sni-reject", action="store_true", help="server: refuse every SNI name")
    p.add_argument("--pha", action="store_true", help="TLS 1.3 post-handshake client authentication")
    p.add_argument("--num-tickets", type=int)
    p.add_argument("--no-ticket", action="store_true",
                   help="server: OP_NO_TICKET (TLS 1.2 resumes by session id)")
    p.add_argument("--options-ignore-eof", action="store_true")
    p.add_argument("--dhparams", help="server: load_dh_params file")
    p.add_argument("--send", type=int, default=0, help="client: bytes to send and read back")
    p.add_argument("--sessions", type=int, default=1, help="client: connections, each resuming the last")
    p.add_argument("--close", choices=["unwrap", "abrupt", "wait"], default="unwrap")
    p.add_argument("--close-after", type=int, help="server: stop echoing after this many bytes")
    args = p.parse_args(argv)
    if args.role == "client" and args.port == 0:
        p.error("--port is required for a client")
    if args.sni_switch and ":" not in args.sni_switch:
        p.error("--sni-switch wants CERT:KEY")
    if args.send < 0 or args.sessions < 1 or args.accept < 1:
        p.error("--send must be >= 0, --sessions and --accept >= 1")
    return args


def main(argv):
    args = parse_args(argv)
    if args.role == "client":
        try:
            ctx = build_context(args, server=False)
        except Exception as e:  # noqa: BLE001
            emit(error_fields("context", e))
            return 0
        session = None
        for _ in range(args.sessions):
            report = new_report()
            session = run_client_conn(args, ctx, session, report) or session
            emit(report)
        return 0

    try:
        ctx = build_context(args, server=True)
        other = None
        if args.sni_switch:
            cert, key = args.sni_switch.split(":", 1)
            other = build_context(args, server=True, certfile=cert, keyfile=key)
    except Exception as e:  # noqa: BLE001
        emit(error_fields("context", e))
        return 0
    sni = SNIRecorder(args, other)
    ctx.sni_callback = sni
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.port))
    lsock.listen(8)
    lsock.settimeout(args.timeout)
    emit({"listening": lsock.getsockname()[1]})
    try:
        for _ in range(args.accept):
            sni.seen = None
            report = new_report()
            accepted = run_server_conn(args, lsock, ctx, sni, report)
            emit(report)
            if not accepted:
                break
    finally:
        lsock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
