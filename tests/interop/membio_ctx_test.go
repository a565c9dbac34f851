package interop_test

import (
	"fmt"

	"github.com/membio/membio/context"
	"github.com/membio/membio/tests/pki"
)

// membioContext is the context type the endpoint files use.
type membioContext = *sslctx.SSLContext

func tlsVersion(v string) sslctx.TLSVersion {
	switch v {
	case tls12:
		return sslctx.TLSv1_2
	case tls13:
		return sslctx.TLSv1_3
	}
	panic(fmt.Sprintf("unknown TLS version %q", v))
}

// setVersions applies the scenario's bounds for one side.
func setVersions(ctx *sslctx.SSLContext, minV, maxV string) error {
	if minV != "" {
		if err := ctx.SetMinimumVersion(tlsVersion(minV)); err != nil {
			return err
		}
	}
	if maxV != "" {
		if err := ctx.SetMaximumVersion(tlsVersion(maxV)); err != nil {
			return err
		}
	}
	return nil
}

// membioClientContext builds the client's SSLContext for sc, as
// PROTOCOL_TLS_CLIENT: CERT_REQUIRED and hostname checking unless the
// scenario turns it off.
func membioClientContext(p *pki.PKI, sc *scenario) (*sslctx.SSLContext, error) {
	ctx, err := sslctx.New(sslctx.ProtocolTLSClient)
	if err != nil {
		return nil, err
	}
	if sc.noCheckHostname {
		if err := ctx.SetCheckHostname(false); err != nil {
			return nil, err
		}
	}
	if err := ctx.LoadVerifyLocations(sc.clientCAFile(p), "", sslctx.CAData{}); err != nil {
		return nil, err
	}
	if sc.clientCert != nil {
		if err := ctx.LoadCertChain(sc.clientCert.ChainFile, sc.clientCert.KeyFile, nil); err != nil {
			return nil, err
		}
	}
	if err := setVersions(ctx, sc.clientMin, sc.clientMax); err != nil {
		return nil, err
	}
	if sc.clientCiphers != "" {
		if err := ctx.SetCiphers(sc.clientCiphers); err != nil {
			return nil, err
		}
	}
	if len(sc.alpnClient) > 0 {
		if err := ctx.SetALPNProtocols(sc.alpnClient); err != nil {
			return nil, err
		}
	}
	if sc.pha {
		if err := ctx.SetPostHandshakeAuth(true); err != nil {
			return nil, err
		}
	}
	return ctx, nil
}

// membioServerContext builds the server's SSLContext for sc, as
// PROTOCOL_TLS_SERVER. Its SNI callback records the name in sni and, with
// sc.sniSwitch, switches to a context holding ServerOther for other.test.
func membioServerContext(p *pki.PKI, sc *scenario, sni *sniRecorder) (*sslctx.SSLContext, error) {
	build := func(cert *pki.Cert) (*sslctx.SSLContext, error) {
		ctx, err := sslctx.New(sslctx.ProtocolTLSServer)
		if err != nil {
			return nil, err
		}
		if err := ctx.LoadCertChain(cert.ChainFile, cert.KeyFile, nil); err != nil {
			return nil, err
		}
		switch {
		case sc.pha:
			if err := ctx.SetPostHandshakeAuth(true); err != nil {
				return nil, err
			}
			if err := ctx.SetVerifyMode(sslctx.CertRequired); err != nil {
				return nil, err
			}
		case sc.auth == authOptional:
			if err := ctx.SetVerifyMode(sslctx.CertOptional); err != nil {
				return nil, err
			}
		case sc.auth == authRequired:
			if err := ctx.SetVerifyMode(sslctx.CertRequired); err != nil {
				return nil, err
			}
		}
		if sc.pha || sc.auth != authNone {
			if err := ctx.LoadVerifyLocations(sc.serverCAFile(p), "", sslctx.CAData{}); err != nil {
				return nil, err
			}
		}
		if err := setVersions(ctx, sc.serverMin, sc.serverMax); err != nil {
			return nil, err
		}
		if sc.serverCiphers != "" {
			if err := ctx.SetCiphers(sc.serverCiphers); err != nil {
				return nil, err
			}
		}
		if len(sc.alpnServer) > 0 {
			if err := ctx.SetALPNProtocols(sc.alpnServer); err != nil {
				return nil, err
			}
		}
		if sc.noTickets {
			if err := ctx.SetOptions(ctx.Options() | sslctx.OpNoTicket); err != nil {
				return nil, err
			}
		}
		return ctx, nil
	}
	ctx, err := build(sc.cert(p))
	if err != nil {
		return nil, err
	}
	var other *sslctx.SSLContext
	if sc.sniSwitch {
		if other, err = build(p.ServerOther); err != nil {
			return nil, err
		}
	}
	err = ctx.SetSNICallback(func(conn sslctx.SNIConn, name string, _ *sslctx.SSLContext) error {
		sni.set(name)
		if other != nil && name == pki.OtherHost {
			return conn.SetContext(other)
		}
		return nil
	})
	return ctx, err
}
