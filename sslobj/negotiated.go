package sslobj

import "github.com/membio/membio/cshim"

// Group returns the name of the key-exchange group the handshake used,
// such as "x25519", "secp256r1" or "ffdhe2048" (Python 3.15's group()),
// and false when there is none: before the client sent its hello, when no
// key exchange took place (a TLS 1.2 resumption reports the group of the
// original handshake), or after Close. The names are OpenSSL's TLS group
// names, those sslctx's GetGroups lists and SetGroups accepts; an alias
// given to SetGroups ("P-256") is reported by its main name ("secp256r1").
//
// Python 3.15 calls SSL_get0_group_name and raises NotImplementedError
// before OpenSSL 3.2; membio does the same with OpenSSL 3.2 and later.
// With OpenSSL 3.0 and 3.1 it takes the group's NID from
// SSL_get_negotiated_group and turns it back into the group's TLS name
// with SSL_group_to_name, which looks it up in the same table
// SSL_get0_group_name reads, so the result is the same. Before OpenSSL
// 3.0 Group reports false.
func (o *SSLObject) Group() (string, bool) {
	var v string
	var ok bool
	o.withConn(func(c *cshim.Conn) { v, ok = c.Group() })
	return v, ok
}

// ClientSigalg returns the name of the signature algorithm the client
// signed its CertificateVerify with (Python 3.15's client_sigalg()), such
// as "rsa_pss_rsae_sha256" or "ecdsa_secp256r1_sha256", and false when the
// client sent no certificate, the handshake has not reached that point,
// the session was resumed, or after Close. It reports the same name on
// both sides of the connection.
//
// Python 3.15 calls SSL_get0_signature_name (client side) or
// SSL_get0_peer_signature_name (server side) and raises
// NotImplementedError before OpenSSL 3.5; membio does the same with
// OpenSSL 3.5 and later. With OpenSSL 3.0 to 3.4 it rebuilds the name from
// what OpenSSL 3.0 exposes about the same signature algorithm: its key
// type and digest (SSL_get_signature_type_nid and SSL_get_signature_nid,
// or their peer forms) and, for RSA-PSS, whether the signing certificate
// has an RSASSA-PSS key (rsa_pss_pss_*) or an RSA one (rsa_pss_rsae_*).
// OpenSSL's signature algorithm table has one entry per such combination,
// so the name is the one 3.5 reports; for the algorithms OpenSSL 3.0 has no
// name for, it is the one OpenSSL 3.4+ uses ("ecdsa_sha1", "dsa_sha256",
// ...; only TLS 1.2 at security level 0 or 1 can choose them), and a TLS
// 1.0 or 1.1 RSA signature is "rsa_pkcs1_md5_sha1". Before OpenSSL 3.0 it
// reports false.
func (o *SSLObject) ClientSigalg() (string, bool) { return o.sigalg(true) }

// ServerSigalg returns the name of the signature algorithm the server
// signed the handshake with (its TLS 1.3 CertificateVerify or TLS 1.2
// ServerKeyExchange; Python 3.15's server_sigalg()), and false when the
// server signed nothing (a resumed session, a handshake not that far) or
// after Close. The details are ClientSigalg's.
func (o *SSLObject) ServerSigalg() (string, bool) { return o.sigalg(false) }

func (o *SSLObject) sigalg(client bool) (string, bool) {
	var v string
	var ok bool
	o.withConn(func(c *cshim.Conn) { v, ok = c.Sigalg(client) })
	return v, ok
}
