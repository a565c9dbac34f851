// Command demo shows membio at work: it makes a throwaway PKI, then runs
// TLS between a membio client and a membio server in memory, between a
// membio client and a Python ssl server over 127.0.0.1, and between a
// Python ssl client and a membio server over 127.0.0.1. For each exchange it
// prints what both ends negotiated and checks the echoed bytes.
//
// Run it with `make demo` (or `go run ./scripts/demo` from the repository
// root, with python3 on PATH).
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
	"github.com/membio/membio/tests/pypeer"
)

// payloadSize is how many bytes each exchange echoes: more than a TLS
// record and not a multiple of one.
const payloadSize = 1<<20 + 17

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "membio-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := pki.Generate(dir)
	if err != nil {
		return fmt.Errorf("generating the PKI: %w", err)
	}
	fmt.Printf("membio demo: %s; throwaway PKI in %s\n", sslctx.OpenSSLVersion(), dir)
	data := pypeer.Pattern(payloadSize)
	fmt.Printf("payload: %d bytes, sha256 %s\n\n", len(data), digest(data))

	failed := false
	steps := []struct {
		title string
		run   func(*pki.PKI, []byte) error
	}{
		{"membio client <-> membio server, in memory", inMemory},
		{"membio client -> Python ssl server, TCP 127.0.0.1", membioClientPythonServer},
		{"Python ssl client -> membio server, TCP 127.0.0.1", pythonClientMembioServer},
	}
	for i, s := range steps {
		fmt.Printf("[%d] %s\n", i+1, s.title)
		if err := s.run(p, data); err != nil {
			fmt.Printf("    FAILED: %v\n", err)
			failed = true
		}
		fmt.Println()
	}
	if failed {
		return fmt.Errorf("at least one exchange failed")
	}
	fmt.Println("all exchanges completed; every echo matched and both ends agreed on tls-unique")
	return nil
}

func serverContext(p *pki.PKI) (*sslctx.SSLContext, error) {
	ctx, err := sslctx.New(sslctx.ProtocolTLSServer)
	if err != nil {
		return nil, err
	}
	if err := ctx.LoadCertChain(p.ServerECDSA.ChainFile, p.ServerECDSA.KeyFile, nil); err != nil {
		return nil, err
	}
	return ctx, ctx.SetALPNProtocols([]string{"http/1.1"})
}

func clientContext(p *pki.PKI) (*sslctx.SSLContext, error) {
	ctx, err := sslctx.New(sslctx.ProtocolTLSClient) // CERT_REQUIRED + check_hostname
	if err != nil {
		return nil, err
	}
	if err := ctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}); err != nil {
		return nil, err
	}
	return ctx, ctx.SetALPNProtocols([]string{"h2", "http/1.1"})
}

// endpoint is an SSLObject with its two MemoryBIOs.
type endpoint struct {
	obj     *sslobj.SSLObject
	in, out *bio.MemoryBIO
}

func newEndpoint(ctx *sslctx.SSLContext, opts sslobj.Options) (*endpoint, error) {
	in, err := bio.New()
	if err != nil {
		return nil, err
	}
	out, err := bio.New()
	if err != nil {
		return nil, err
	}
	obj, err := sslobj.New(ctx, in, out, opts)
	if err != nil {
		return nil, err
	}
	return &endpoint{obj: obj, in: in, out: out}, nil
}

func (e *endpoint) Close() {
	e.obj.Close()
	e.in.Close()
	e.out.Close()
}

// move copies what from wrote into to's incoming BIO.
func move(from, to *endpoint, buf []byte) (int, error) {
	total := 0
	for {
		n, err := from.out.ReadInto(buf)
		if err != nil || n == 0 {
			return total, err
		}
		if _, err := to.in.Write(buf[:n]); err != nil {
			return total, err
		}
		total += n
	}
}

func inMemory(p *pki.PKI, data []byte) error {
	sctx, err := serverContext(p)
	if err != nil {
		return err
	}
	defer sctx.Close()
	cctx, err := clientContext(p)
	if err != nil {
		return err
	}
	defer cctx.Close()
	client, err := newEndpoint(cctx, sslobj.Options{ServerHostname: pki.Host})
	if err != nil {
		return err
	}
	defer client.Close()
	server, err := newEndpoint(sctx, sslobj.Options{ServerSide: true})
	if err != nil {
		return err
	}
	defer server.Close()

	// Handshake: step both sides, moving bytes between them, until neither
	// asks for more.
	buf := make([]byte, 32<<10)
	for done := false; !done; {
		cerr := client.obj.DoHandshake()
		if _, err := move(client, server, buf); err != nil {
			return err
		}
		serr := server.obj.DoHandshake()
		if _, err := move(server, client, buf); err != nil {
			return err
		}
		for _, err := range []error{cerr, serr} {
			if err != nil && !errors.Is(err, errors.ErrWantRead) {
				return fmt.Errorf("handshake: %w", err)
			}
		}
		done = cerr == nil && serr == nil
	}
	if report("client", client.obj) != report("server", server.obj) {
		return fmt.Errorf("the two ends disagree on tls-unique")
	}

	// Echo: the client writes, the server reads and writes back.
	var echoed []byte
	plain := make([]byte, 16<<10)
	for off := 0; off < len(data); off += len(plain) {
		end := min(off+len(plain), len(data))
		if _, err := client.obj.Write(data[off:end]); err != nil {
			return err
		}
		if _, err := move(client, server, buf); err != nil {
			return err
		}
		for {
			n, err := server.obj.ReadInto(plain)
			if errors.Is(err, errors.ErrWantRead) {
				break
			}
			if err != nil {
				return err
			}
			if _, err := server.obj.Write(plain[:n]); err != nil {
				return err
			}
		}
		if _, err := move(server, client, buf); err != nil {
			return err
		}
		for {
			n, err := client.obj.ReadInto(plain)
			if errors.Is(err, errors.ErrWantRead) {
				break
			}
			if err != nil {
				return err
			}
			echoed = append(echoed, plain[:n]...)
		}
	}
	if err := checkEcho(data, echoed); err != nil {
		return err
	}

	// Shutdown: the client's first Unwrap sends close_notify and waits for
	// the server's.
	if err := client.obj.Unwrap(); !errors.Is(err, errors.ErrWantRead) {
		return fmt.Errorf("client unwrap: want a want-read, got %v", err)
	}
	move(client, server, buf)
	if err := server.obj.Unwrap(); err != nil {
		return fmt.Errorf("server unwrap: %w", err)
	}
	move(server, client, buf)
	if err := client.obj.Unwrap(); err != nil {
		return fmt.Errorf("client unwrap: %w", err)
	}
	fmt.Println("    shutdown: close_notify exchanged both ways")
	return nil
}

// pythonResult is the JSON line tests/pypeer/peer.py prints per connection.
type pythonResult = pypeer.Result

func startPython(args ...string) (*exec.Cmd, *bufio.Scanner, error) {
	py, err := pypeer.Python()
	if err != nil {
		return nil, nil, fmt.Errorf("%w (make deps installs python3)", err)
	}
	cmd := exec.Command(py, append([]string{pypeer.Script()}, args...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return cmd, sc, nil
}

func readResult(sc *bufio.Scanner) (*pythonResult, error) {
	if !sc.Scan() {
		return nil, fmt.Errorf("python peer printed no result: %v", sc.Err())
	}
	var r pythonResult
	if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("python peer output %q: %w", sc.Text(), err)
	}
	return &r, nil
}

func membioClientPythonServer(p *pki.PKI, data []byte) error {
	cmd, sc, err := startPython("--role", "server", "--certfile", p.ServerECDSA.ChainFile,
		"--keyfile", p.ServerECDSA.KeyFile, "--alpn", "http/1.1", "--timeout", "20")
	if err != nil {
		return err
	}
	defer cmd.Process.Kill()
	if !sc.Scan() {
		return fmt.Errorf("python server did not start: %v", sc.Err())
	}
	var listening struct{ Listening int }
	if err := json.Unmarshal(sc.Bytes(), &listening); err != nil || listening.Listening == 0 {
		return fmt.Errorf("python server said %q", sc.Text())
	}

	cctx, err := clientContext(p)
	if err != nil {
		return err
	}
	defer cctx.Close()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(listening.Listening)), 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	client, err := newEndpoint(cctx, sslobj.Options{ServerHostname: pki.Host})
	if err != nil {
		return err
	}
	defer client.Close()
	pump := &netPump{obj: client.obj, in: client.in, out: client.out, conn: conn, buf: make([]byte, 32<<10)}
	if err := pump.do(client.obj.DoHandshake); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	unique := report("membio client", client.obj)
	echoed, err := pump.echo(data)
	if err != nil {
		return err
	}
	if err := checkEcho(data, echoed); err != nil {
		return err
	}
	if err := pump.do(client.obj.Unwrap); err != nil {
		return fmt.Errorf("unwrap: %w", err)
	}
	r, err := readResult(sc)
	if err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	return reportPython("Python server", r, len(data), unique)
}

func pythonClientMembioServer(p *pki.PKI, data []byte) error {
	sctx, err := serverContext(p)
	if err != nil {
		return err
	}
	defer sctx.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	cmd, sc, err := startPython("--role", "client", "--port", strconv.Itoa(port),
		"--cafile", p.CAFile, "--server-hostname", pki.Host, "--alpn", "h2,http/1.1",
		"--send", strconv.Itoa(len(data)), "--timeout", "20")
	if err != nil {
		return err
	}
	defer cmd.Process.Kill()

	ln.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	server, err := newEndpoint(sctx, sslobj.Options{ServerSide: true})
	if err != nil {
		return err
	}
	defer server.Close()
	pump := &netPump{obj: server.obj, in: server.in, out: server.out, conn: conn, buf: make([]byte, 32<<10)}
	if err := pump.do(server.obj.DoHandshake); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	unique := report("membio server", server.obj)
	n, err := pump.serveEcho()
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	fmt.Printf("    membio server echoed %d bytes and answered close_notify\n", n)
	r, err := readResult(sc)
	if err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	return reportPython("Python client", r, len(data), unique)
}

// report prints what obj negotiated and returns its tls-unique in hex.
func report(who string, obj *sslobj.SSLObject) string {
	version, _ := obj.Version()
	cipher, _ := obj.Cipher()
	alpn, ok := obj.SelectedALPNProtocol()
	if !ok {
		alpn = "(none)"
	}
	subject := "(no certificate)"
	if cert, err := obj.GetPeerCert(); err == nil && cert != nil {
		subject = nameString(cert.Subject)
	}
	cb, _ := obj.GetChannelBinding("tls-unique")
	fmt.Printf("    %s: %s %s (%d bits), ALPN %s\n", who, version, cipher.Name, cipher.Bits, alpn)
	fmt.Printf("      peer subject: %s\n", subject)
	fmt.Printf("      tls-unique:   %s\n", hex.EncodeToString(cb))
	return hex.EncodeToString(cb)
}

func reportPython(who string, r *pythonResult, want int, unique string) error {
	if !r.OK {
		return fmt.Errorf("%s failed at %s: %s %s", who, r.Stage, r.Class, r.Str)
	}
	fmt.Printf("    %s: %s %s, ALPN %v, session reused %v\n", who, r.Version, r.Cipher.Name, r.ALPN, r.SessionReused)
	if subj := pythonSubject(r.PeerCert); subj != "" {
		fmt.Printf("      peer subject: %s\n", subj)
	}
	fmt.Printf("      tls-unique:   %s\n", r.TLSUnique)
	fmt.Printf("      received %d bytes, sha256 %s, close %v\n", r.Received, r.SHA256, r.Close)
	if r.TLSUnique != unique {
		return fmt.Errorf("%s has tls-unique %s, membio %s", who, r.TLSUnique, unique)
	}
	if r.Received != int64(want) {
		return fmt.Errorf("%s received %d bytes, want %d", who, r.Received, want)
	}
	return nil
}

// pythonSubject renders the subject of a getpeercert() dictionary, which
// JSON turned into lists of [name, value] pairs.
func pythonSubject(cert map[string]any) string {
	rdns, _ := cert["subject"].([]any)
	var parts []string
	for _, rdn := range rdns {
		atvs, _ := rdn.([]any)
		for _, atv := range atvs {
			if pair, ok := atv.([]any); ok && len(pair) == 2 {
				parts = append(parts, fmt.Sprint(pair[0])+"="+fmt.Sprint(pair[1]))
			}
		}
	}
	return strings.Join(parts, ", ")
}

func nameString(rdns []sslctx.RDN) string {
	var parts []string
	for _, rdn := range rdns {
		for _, atv := range rdn {
			parts = append(parts, atv.Name+"="+atv.Value)
		}
	}
	return strings.Join(parts, ", ")
}

func checkEcho(sent, got []byte) error {
	if !bytes.Equal(sent, got) {
		return fmt.Errorf("echo mismatch: sent %d bytes (sha256 %s), got %d (sha256 %s)",
			len(sent), digest(sent), len(got), digest(got))
	}
	fmt.Printf("    echoed %d bytes, sha256 %s: match\n", len(got), digest(got))
	return nil
}

func digest(p []byte) string {
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:])
}
