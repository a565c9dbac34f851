// Package grpcconn is a gRPC transport credential over membio's Conn: a
// small credentials.TransportCredentials that runs the TLS handshake with
// OpenSSL through sslobj.Client and sslobj.Server and reports the
// connection to gRPC as crypto/tls's would. It lives in its own module so
// that gRPC never becomes a dependency of membio.
package grpcconn

import (
	"context"
	"errors"
	"net"

	"google.golang.org/grpc/credentials"

	"github.com/membio/membio/context"
	"github.com/membio/membio/sslobj"
)

// Credentials are gRPC transport credentials backed by an SSLContext: a
// client context for NewClientCredentials, a server context for
// NewServerCredentials. The context must offer ALPN "h2", which gRPC
// requires.
type Credentials struct {
	ctx        *sslctx.SSLContext
	server     bool
	serverName string
}

// NewClientCredentials returns client credentials. serverName overrides
// the name checked against the server's certificate ("" takes the host of
// the address dialed).
func NewClientCredentials(ctx *sslctx.SSLContext, serverName string) *Credentials {
	return &Credentials{ctx: ctx, serverName: serverName}
}

// NewServerCredentials returns server credentials.
func NewServerCredentials(ctx *sslctx.SSLContext) *Credentials {
	return &Credentials{ctx: ctx, server: true}
}

func authInfo(c *sslobj.Conn) credentials.AuthInfo {
	return credentials.TLSInfo{
		State:          c.ConnectionState(),
		CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity},
	}
}

var errNoH2 = errors.New("grpcconn: the peer did not negotiate ALPN h2")

// ClientHandshake runs the client side of the handshake over raw.
func (c *Credentials) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	name := c.serverName
	if name == "" {
		name = authority
		if h, _, err := net.SplitHostPort(authority); err == nil {
			name = h
		}
	}
	conn, err := sslobj.Client(raw, c.ctx, sslobj.Options{ServerHostname: name})
	if err != nil {
		return nil, nil, err
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, nil, err
	}
	if conn.ConnectionState().NegotiatedProtocol != "h2" {
		conn.Close()
		return nil, nil, errNoH2
	}
	return conn, authInfo(conn), nil
}

// ServerHandshake runs the server side of the handshake over raw.
func (c *Credentials) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, err := sslobj.Server(raw, c.ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := conn.Handshake(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	if conn.ConnectionState().NegotiatedProtocol != "h2" {
		conn.Close()
		return nil, nil, errNoH2
	}
	return conn, authInfo(conn), nil
}

// Info reports the protocol as "tls", as gRPC's own TLS credentials do.
func (c *Credentials) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls", SecurityVersion: "1.2", ServerName: c.serverName}
}

// Clone returns a copy sharing the SSLContext.
func (c *Credentials) Clone() credentials.TransportCredentials {
	d := *c
	return &d
}

// OverrideServerName sets the name checked against the server's
// certificate.
//
// Deprecated: gRPC deprecates it; use grpc.WithAuthority.
func (c *Credentials) OverrideServerName(name string) error {
	c.serverName = name
	return nil
}
