"""Give the test interpreter upstream CPython's SSLContext defaults.

membio follows upstream CPython (the 3.13+ rules), and its tests compare it
with the python3 on the machine. Some interpreters are built or patched to
start from other defaults:

* Debian 12's python3.11 is configured with --with-ssl-default-suites=openssl:
  its contexts take OpenSSL's cipher list ("ALL:!COMPLEMENTOFDEFAULT:!eNULL",
  60 ciphers) and OpenSSL's minimum version instead of Python's own
  cipher string and TLS 1.2.
* CPython 3.10 and early 3.11 releases (Debian's 3.11.2 among them) set
  OP_IGNORE_UNEXPECTED_EOF on every new context, so a truncated stream read
  as a clean close; later releases dropped that default.
* The same early releases raise a plain SSLError for OpenSSL 3's transport
  EOF reason (UNEXPECTED_EOF_WHILE_READING); later ones, and 3.13+, raise
  SSLEOFError (errno 8, "EOF occurred in violation of protocol").

This module, found first on PYTHONPATH by the wrapper script beside it
(tests/pypeer/python3), restores upstream's defaults in every new
SSLContext and raises SSLEOFError where upstream does, so the tests compare membio with upstream Python whatever the
distribution did. It changes nothing on an interpreter that already has
them.
"""

import ssl

UPSTREAM_CIPHERS = (
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:"
    "!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"
)

_GENERIC = (ssl.PROTOCOL_TLS, ssl.PROTOCOL_TLS_CLIENT, ssl.PROTOCOL_TLS_SERVER)
_distro_ciphers = ssl._DEFAULT_CIPHERS != UPSTREAM_CIPHERS
_new = ssl.SSLContext.__new__


def _upstream_new(cls, protocol=None, *args, **kwargs):
    ctx = _new(cls, protocol, *args, **kwargs)
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    if _distro_ciphers:
        ctx.set_ciphers(UPSTREAM_CIPHERS)
        if ctx.protocol in _GENERIC and ctx.minimum_version == ssl.TLSVersion.MINIMUM_SUPPORTED:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


ssl.SSLContext.__new__ = _upstream_new
ssl._DEFAULT_CIPHERS = UPSTREAM_CIPHERS


def _upstream_eof(method):
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ssl.SSLError as e:
            if type(e) is not ssl.SSLError or e.reason != "UNEXPECTED_EOF_WHILE_READING":
                raise
            msg = e.strerror
            if isinstance(msg, str):
                msg = msg.replace("unexpected eof while reading", "EOF occurred in violation of protocol")
            eof = ssl.SSLEOFError(ssl.SSL_ERROR_EOF, msg)
            eof.library, eof.reason = e.library, e.reason
            raise eof from None

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


for _cls, _names in (
    (ssl.SSLObject, ("do_handshake", "read", "write", "unwrap")),
    (ssl.SSLSocket, ("do_handshake", "read", "write", "recv", "recv_into", "send", "sendall", "unwrap")),
):
    for _name in _names:
        setattr(_cls, _name, _upstream_eof(getattr(_cls, _name)))
