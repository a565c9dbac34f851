//go:build cgo

package main

import (
	"net"
	"os"
	"strings"
	"syscall"
	_ "unsafe" // for go:linkname

	openssl "github.com/libp2p/go-openssl"
)

// go-openssl sets a saved session only from DialSession, which dials a
// real network; the benchmark calls the method DialSession uses.
//
//go:linkname goOpenSSLSetSession github.com/libp2p/go-openssl.(*Conn).setSession
func goOpenSSLSetSession(c *openssl.Conn, session []byte) error

// pythonOptions are the SSL_CTX options that Python's SSLContext sets on
// OpenSSL 3.0 (see cbench.c).
const pythonOptions = openssl.Options(0x82520050)

type goOpenSSL struct {
	sctx, cctx *openssl.Ctx
	session    []byte
}

func init() { impls["goopenssl"] = newGoOpenSSL }

func newGoOpenSSLCtx() (*openssl.Ctx, error) {
	ctx, err := openssl.NewCtxWithVersion(openssl.AnyVersion)
	if err != nil {
		return nil, err
	}
	ctx.ClearOptions(ctx.GetOptions())
	ctx.SetOptions(pythonOptions)
	if err := ctx.SetSessionId([]byte(a.sidctx)); err != nil {
		return nil, err
	}
	ctx.SetMinProtoVersion(openssl.TLS1_2_VERSION)
	if a.tls == "1.2" {
		ctx.SetMaxProtoVersion(openssl.TLS1_2_VERSION)
	} else {
		ctx.SetMaxProtoVersion(openssl.TLS1_3_VERSION)
	}
	// The TLS 1.3 suites come from OPENSSL_CONF: go-openssl has no call
	// for them.
	if err := ctx.SetCipherList(a.ciphers); err != nil {
		return nil, err
	}
	if a.rb {
		ctx.SetMode(openssl.ReleaseBuffers)
	}
	return ctx, nil
}

func newGoOpenSSL() (impl, error) {
	g := &goOpenSSL{}
	var err error
	if g.sctx, err = newGoOpenSSLCtx(); err != nil {
		return nil, err
	}
	chain, err := os.ReadFile(a.cert)
	if err != nil {
		return nil, err
	}
	for i, block := range openssl.SplitPEM(chain) {
		cert, err := openssl.LoadCertificateFromPEM(block)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			err = g.sctx.UseCertificate(cert)
		} else {
			err = g.sctx.AddChainCertificate(cert)
		}
		if err != nil {
			return nil, err
		}
	}
	keyPEM, err := os.ReadFile(a.key)
	if err != nil {
		return nil, err
	}
	key, err := openssl.LoadPrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	if err := g.sctx.UsePrivateKey(key); err != nil {
		return nil, err
	}

	if g.cctx, err = newGoOpenSSLCtx(); err != nil {
		return nil, err
	}
	if err := g.cctx.LoadVerifyLocations(a.ca, ""); err != nil {
		return nil, err
	}
	g.cctx.SetVerify(openssl.VerifyPeer, nil)
	return streamBench{g}, nil
}

func (g *goOpenSSL) client(conn net.Conn, resume bool) (streamConn, error) {
	c, err := openssl.Client(conn, g.cctx)
	if err != nil {
		return nil, err
	}
	if err := c.SetTlsExtHostName(hostname); err != nil {
		return nil, err
	}
	if resume && g.session != nil {
		if err := goOpenSSLSetSession(c, g.session); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (g *goOpenSSL) server(conn net.Conn) (streamConn, error) {
	return openssl.Server(conn, g.sctx)
}

// checkClient verifies the hostname, which go-openssl leaves to the caller
// of Client; the chain was verified in the handshake (SSL_VERIFY_PEER).
func (g *goOpenSSL) checkClient(c streamConn) error {
	return c.(*openssl.Conn).VerifyHostname(hostname)
}

// save keeps the DER encoding of the session, the only form go-openssl
// offers. setSession hands C a pointer to a pointer into the slice, which
// the cgo pointer check rejects for Go memory, so the copy lives in memory
// mapped outside the Go heap.
func (g *goOpenSSL) save(c streamConn) error {
	der, err := c.(*openssl.Conn).GetSession()
	if err != nil {
		return err
	}
	mem, err := syscall.Mmap(-1, 0, len(der), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return err
	}
	g.session = mem[:copy(mem, der)]
	return nil
}

func (g *goOpenSSL) state(c streamConn) connState {
	conn := c.(*openssl.Conn)
	name, _ := conn.CurrentCipher()
	// go-openssl does not report the protocol version; on this benchmark's
	// suites the name tells it.
	proto := "TLSv1.2"
	if strings.HasPrefix(name, "TLS_") {
		proto = "TLSv1.3"
	}
	return connState{proto: proto, cipher: standardName(name), reused: conn.SessionReused()}
}
