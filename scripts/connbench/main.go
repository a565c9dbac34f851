// Command connbench compares sslobj.Conn with crypto/tls's *tls.Conn over
// loopback TCP (part of make bench): handshakes per second and throughput
// with 16 KiB and 1 KiB writes, both ends in this process, the same
// certificate (ECDSA P-256) and TLS 1.3 on both. Each round runs every
// workload on both implementations; the table shows the median of the
// rounds, the min-max, and the median of the per-round ratios of membio to
// crypto/tls.
//
// Usage:
//
//	go run ./scripts/connbench [-rounds 3] [-quick]
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/membio/membio/context"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

type impl struct {
	name   string
	dial   func(raw net.Conn) (net.Conn, error) // client side, handshake done
	accept func(raw net.Conn) (net.Conn, error) // server side, handshake done
}

type workload struct {
	name string
	unit string
	run  func(im impl, n int) (float64, error)
	n    int
}

func main() {
	rounds := flag.Int("rounds", 3, "rounds")
	quick := flag.Bool("quick", false, "tiny counts, one round")
	flag.Parse()
	if err := run(*rounds, *quick, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "connbench:", err)
		os.Exit(1)
	}
}

func run(rounds int, quick bool, out io.Writer) error {
	dir, err := os.MkdirTemp("", "connbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := pki.Generate(dir)
	if err != nil {
		return err
	}
	impls, err := implementations(p)
	if err != nil {
		return err
	}
	scale := 1
	if quick {
		scale, rounds = 50, 1
	}
	ws := []workload{
		{"full handshake TLS1.3 ECDSA-P256", "hs/s", handshakes, 2000 / scale},
		{"throughput, 16 KiB writes", "MB/s", throughput(16 << 10), (512 << 20) / scale},
		{"throughput, 1 KiB writes", "MB/s", throughput(1 << 10), (128 << 20) / scale},
	}
	type cell struct{ vals, ratios []float64 }
	cells := map[string]*cell{}
	for r := 0; r < rounds; r++ {
		for _, w := range ws {
			var base float64
			for i, im := range impls {
				v, err := w.run(im, w.n)
				if err != nil {
					return fmt.Errorf("%s / %s: %w", w.name, im.name, err)
				}
				k := w.name + "/" + im.name
				if cells[k] == nil {
					cells[k] = &cell{}
				}
				cells[k].vals = append(cells[k].vals, v)
				if i == 0 {
					base = v
				}
				cells[k].ratios = append(cells[k].ratios, v/base)
			}
		}
	}
	fmt.Fprintf(out, "| workload | unit |")
	for _, im := range impls {
		fmt.Fprintf(out, " %s |", im.name)
	}
	fmt.Fprintf(out, "\n|---|---|")
	for range impls {
		fmt.Fprintf(out, "---|")
	}
	fmt.Fprintln(out)
	for _, w := range ws {
		fmt.Fprintf(out, "| %s | %s |", w.name, w.unit)
		for _, im := range impls {
			c := cells[w.name+"/"+im.name]
			fmt.Fprintf(out, " %.0f (%.0f–%.0f) %.2fx |", median(c.vals), slices.Min(c.vals), slices.Max(c.vals), median(c.ratios))
		}
		fmt.Fprintln(out)
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func implementations(p *pki.PKI) ([]impl, error) {
	ccfg := &tls.Config{RootCAs: p.RootPool(), ServerName: pki.Host, MinVersion: tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.X25519}}
	scfg := &tls.Config{Certificates: []tls.Certificate{p.ServerECDSA.TLS}, MinVersion: tls.VersionTLS13,
		SessionTicketsDisabled: true}
	cctx, err := sslctx.New(sslctx.ProtocolTLSClient)
	if err != nil {
		return nil, err
	}
	if err := cctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}); err != nil {
		return nil, err
	}
	sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
	if err != nil {
		return nil, err
	}
	if err := sctx.LoadCertChain(p.ServerECDSA.ChainFile, p.ServerECDSA.KeyFile, nil); err != nil {
		return nil, err
	}
	// As the crypto/tls server: no tickets, so both sides do the same work.
	if err := sctx.SetNumTickets(0); err != nil {
		return nil, err
	}
	for _, c := range []*sslctx.SSLContext{cctx, sctx} {
		if err := c.SetMinimumVersion(sslctx.TLSv1_3); err != nil {
			return nil, err
		}
	}
	return []impl{
		{
			name: "crypto/tls",
			dial: func(raw net.Conn) (net.Conn, error) {
				c := tls.Client(raw, ccfg)
				return c, c.Handshake()
			},
			accept: func(raw net.Conn) (net.Conn, error) {
				c := tls.Server(raw, scfg)
				return c, c.Handshake()
			},
		},
		{
			name: "membio Conn",
			dial: func(raw net.Conn) (net.Conn, error) {
				c, err := sslobj.Client(raw, cctx, sslobj.Options{ServerHostname: pki.Host})
				if err != nil {
					return nil, err
				}
				return c, c.HandshakeContext(context.Background())
			},
			accept: func(raw net.Conn) (net.Conn, error) {
				c, err := sslobj.Server(raw, sctx)
				if err != nil {
					return nil, err
				}
				return c, c.Handshake()
			},
		},
	}, nil
}

// pair returns the two ends of a fresh loopback TCP connection.
func pair(l net.Listener) (client, server net.Conn, err error) {
	ch := make(chan net.Conn, 1)
	errc := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			errc <- err
			return
		}
		ch <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	select {
	case server = <-ch:
	case err = <-errc:
	}
	return client, server, err
}

// connect runs both handshakes of im over a new loopback connection.
func connect(im impl, l net.Listener) (client, server net.Conn, err error) {
	rc, rs, err := pair(l)
	if err != nil {
		return nil, nil, err
	}
	var wg sync.WaitGroup
	var serr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		server, serr = im.accept(rs)
	}()
	client, err = im.dial(rc)
	wg.Wait()
	if err == nil {
		err = serr
	}
	return client, server, err
}

func handshakes(im impl, n int) (float64, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	start := time.Now()
	for i := 0; i < n; i++ {
		c, s, err := connect(im, l)
		if err != nil {
			return 0, err
		}
		c.(interface{ NetConn() net.Conn }).NetConn().Close()
		s.(interface{ NetConn() net.Conn }).NetConn().Close()
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func throughput(size int) func(im impl, n int) (float64, error) {
	return func(im impl, total int) (float64, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer l.Close()
		c, s, err := connect(im, l)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		defer s.Close()
		buf := make([]byte, size)
		start := time.Now()
		errc := make(chan error, 1)
		go func() {
			for sent := 0; sent < total; sent += size {
				if _, err := c.Write(buf); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		rbuf := make([]byte, 64<<10)
		for got := 0; got < total; {
			n, err := s.Read(rbuf)
			if err != nil {
				return 0, err
			}
			got += n
		}
		if err := <-errc; err != nil {
			return 0, err
		}
		return float64(total) / 1e6 / time.Since(start).Seconds(), nil
	}
}
