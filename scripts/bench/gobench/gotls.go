package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	_ "unsafe" // for go:linkname
)

// crypto/tls has no setting for the TLS 1.3 cipher suites: both ends use
// these preference lists. The benchmark narrows them to the one suite the
// workload names, as the other columns do with their configuration.
//
//go:linkname defaultCipherSuitesTLS13 crypto/tls.defaultCipherSuitesTLS13
var defaultCipherSuitesTLS13 []uint16

//go:linkname defaultCipherSuitesTLS13NoAES crypto/tls.defaultCipherSuitesTLS13NoAES
var defaultCipherSuitesTLS13NoAES []uint16

var goSuites = map[string]uint16{
	"TLS_AES_128_GCM_SHA256":        tls.TLS_AES_128_GCM_SHA256,
	"TLS_AES_256_GCM_SHA384":        tls.TLS_AES_256_GCM_SHA384,
	"TLS_CHACHA20_POLY1305_SHA256":  tls.TLS_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
}

type goTLS struct {
	serverCfg, clientCfg, resumeCfg *tls.Config
}

func init() { impls["gotls"] = newGoTLS }

func newGoTLS() (impl, error) {
	cert, err := tls.LoadX509KeyPair(a.cert, a.key)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(a.ca)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", a.ca)
	}
	var suites13 []uint16
	for _, s := range strings.Split(a.suites, ":") {
		id, ok := goSuites[s]
		if !ok {
			return nil, fmt.Errorf("unknown TLS 1.3 suite %q", s)
		}
		suites13 = append(suites13, id)
	}
	defaultCipherSuitesTLS13 = suites13
	defaultCipherSuitesTLS13NoAES = suites13

	maxVersion := uint16(tls.VersionTLS13)
	var suites12 []uint16
	if a.tls == "1.2" {
		maxVersion = tls.VersionTLS12
		// For TLS 1.2 the cipher list must name suites exactly.
		for _, s := range strings.Split(a.ciphers, ":") {
			id, ok := goSuites[s]
			if !ok {
				return nil, fmt.Errorf("unknown TLS 1.2 suite %q", s)
			}
			suites12 = append(suites12, id)
		}
	}
	base := tls.Config{
		MinVersion:                  tls.VersionTLS12,
		MaxVersion:                  maxVersion,
		CipherSuites:                suites12,
		CurvePreferences:            []tls.CurveID{tls.X25519},
		DynamicRecordSizingDisabled: true,
	}
	g := &goTLS{}
	g.serverCfg = base.Clone()
	g.serverCfg.Certificates = []tls.Certificate{cert}
	g.clientCfg = base.Clone()
	g.clientCfg.RootCAs = roots
	g.clientCfg.ServerName = hostname
	g.resumeCfg = g.clientCfg.Clone()
	g.resumeCfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	return streamBench{g}, nil
}

func (g *goTLS) client(conn net.Conn, resume bool) (streamConn, error) {
	if resume {
		return tls.Client(conn, g.resumeCfg), nil
	}
	return tls.Client(conn, g.clientCfg), nil
}

func (g *goTLS) server(conn net.Conn) (streamConn, error) {
	return tls.Server(conn, g.serverCfg), nil
}

// checkClient has nothing to do: crypto/tls verifies the chain and the
// hostname during the handshake.
func (g *goTLS) checkClient(streamConn) error { return nil }

// save has nothing to do: the client configuration for resumption has a
// session cache, which keeps the newest ticket.
func (g *goTLS) save(streamConn) error { return nil }

func (g *goTLS) state(c streamConn) connState {
	st := c.(*tls.Conn).ConnectionState()
	return connState{
		proto:  strings.Replace(tls.VersionName(st.Version), "TLS 1.", "TLSv1.", 1),
		cipher: tls.CipherSuiteName(st.CipherSuite),
		reused: st.DidResume,
	}
}
