package sslobj

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// maxExport bounds ExportKeyingMaterial's length: keying material is a few
// dozen bytes in every protocol that uses it, and the TLS 1.3 exporter
// cannot give more than 255 hash lengths anyway.
const maxExport = 1 << 16

// reservedLabels are the PRF labels of TLS itself, which an exporter must
// not use (RFC 5705, section 4).
var reservedLabels = map[string]bool{
	"client finished": true,
	"server finished": true,
	"master secret":   true,
	"key expansion":   true,
}

// ExportKeyingMaterial derives length bytes of keying material from the
// connection's secrets (RFC 5705 for TLS 1.2, RFC 8446 section 7.5 for TLS
// 1.3), as crypto/tls's ConnectionState.ExportKeyingMaterial does: both
// ends get the same bytes for the same label and context. A nil context
// means no context (which TLS 1.2 distinguishes from an empty one). It
// fails with a *errors.ValueError before the handshake completed, for a
// label TLS reserves ("master secret", ...), or for a length outside 1 to
// 65536; OpenSSL's refusals are *errors.SSLError.
func (o *SSLObject) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if reservedLabels[label] {
		return nil, errors.NewValueError("ExportKeyingMaterial: reserved label " + label)
	}
	if length <= 0 || length > maxExport {
		return nil, errors.NewValueError("ExportKeyingMaterial: length must be between 1 and 65536")
	}
	out := make([]byte, length)
	var st *errors.State
	var done bool
	if err := o.withConn(func(c *cshim.Conn) {
		if done = c.InitFinished(); done {
			st = c.ExportKeyingMaterial(out, label, context, context != nil)
		}
	}); err != nil {
		return nil, err
	}
	if !done {
		return nil, errNotDone
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return out, nil
}

// ExportKeyingMaterial is SSLObject.ExportKeyingMaterial.
func (e *Engine) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	return e.o.ExportKeyingMaterial(label, context, length)
}

// curveIDs maps OpenSSL's group names to crypto/tls's identifiers.
var curveIDs = map[string]tls.CurveID{
	"secp256r1":      tls.CurveP256,
	"prime256v1":     tls.CurveP256,
	"secp384r1":      tls.CurveP384,
	"secp521r1":      tls.CurveP521,
	"x25519":         tls.X25519,
	"X25519":         tls.X25519,
	"X25519MLKEM768": tls.X25519MLKEM768,
}

// ConnectionState describes the connection as crypto/tls's
// *tls.Conn.ConnectionState does, filled from OpenSSL: Version,
// HandshakeComplete, DidResume, CipherSuite, CurveID (for the groups
// crypto/tls names), NegotiatedProtocol, ServerName (the name the client
// sent, on both sides), PeerCertificates (leaf first), VerifiedChains
// (the one chain OpenSSL built, when it verified the peer) and TLSUnique
// (TLS 1.2 only, as crypto/tls). Its ExportKeyingMaterial method cannot
// be filled from outside crypto/tls and always fails: call the Engine's
// or the Conn's ExportKeyingMaterial instead.
func (e *Engine) ConnectionState() tls.ConnectionState {
	return e.o.connectionState()
}

func (o *SSLObject) connectionState() tls.ConnectionState {
	var cs tls.ConnectionState
	var st cshim.ConnState
	var alpn, group string
	var peer, verified [][]byte
	var verifies bool
	var unique []byte
	if o.withConn(func(c *cshim.Conn) {
		st = c.ConnState()
		alpn, _ = c.ALPN()
		group, _ = c.Group()
		verifies = c.CtxVerifyMode()&sslVerifyPeer != 0
		if st.InitFinished {
			peer, _ = c.Chain(false)
			verified, _ = c.Chain(true)
			if st.Version == tls.VersionTLS12 {
				unique = c.TLSUnique()
			}
		}
	}) != nil {
		return cs
	}
	cs.Version = uint16(st.Version)
	cs.HandshakeComplete = st.InitFinished
	cs.DidResume = st.SessionReused
	if st.CipherID >= 0 {
		cs.CipherSuite = uint16(st.CipherID)
	}
	cs.CurveID = curveIDs[group]
	cs.NegotiatedProtocol = alpn
	cs.NegotiatedProtocolIsMutual = true
	if o.serverSide {
		cs.ServerName = st.ServerName
	} else {
		cs.ServerName = o.hostname
	}
	cs.PeerCertificates = parseChain(peer)
	if verifies {
		if chain := parseChain(verified); len(chain) > 0 {
			cs.VerifiedChains = [][]*x509.Certificate{chain}
		}
	}
	cs.TLSUnique = unique
	return cs
}

// parseChain parses DER certificates, leaving out those crypto/x509
// refuses.
func parseChain(ders [][]byte) []*x509.Certificate {
	if len(ders) == 0 {
		return nil
	}
	out := make([]*x509.Certificate, 0, len(ders))
	for _, der := range ders {
		if c, err := x509.ParseCertificate(der); err == nil {
			out = append(out, c)
		}
	}
	return out
}
