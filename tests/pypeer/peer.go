// Package pypeer runs peer.py, a TLS peer built on Python's ssl module, as a
// subprocess for interop tests and the demo.
//
// peer.py talks TLS over TCP on 127.0.0.1 and prints one JSON line per
// connection; see the documentation at the top of peer.py for its flags and
// output. StartServer and RunClient start it and turn those lines into
// Result values.
package pypeer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Deadline bounds how long a peer.py process may run before the helpers kill
// it and fail the test. peer.py's own socket timeouts (--timeout, 10 s by
// default) normally end it much sooner.
var Deadline = 60 * time.Second

// Script returns the absolute path of peer.py.
func Script() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("pypeer: cannot locate peer.py")
	}
	return filepath.Join(filepath.Dir(file), "peer.py")
}

var pythonOnce = sync.OnceValues(func() (string, error) {
	if _, err := exec.LookPath("python3"); err != nil {
		return "", fmt.Errorf("pypeer: python3 not found on PATH; the interop tests with Python's ssl module need it: %w", err)
	}
	path := filepath.Join(filepath.Dir(Script()), "python3")
	out, err := exec.Command(path, "-c", "import ssl; print(ssl.OPENSSL_VERSION)").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pypeer: python3 cannot import ssl: %v\n%s", err, out)
	}
	return path, nil
})

// Python returns the command that runs the python3 on PATH with upstream
// CPython's SSLContext defaults and EOF error (the wrapper script python3
// beside peer.py; upstream/sitecustomize.py says what some distributions'
// builds change), or an error that says what is missing. Tests compare
// membio with the interpreter this returns.
func Python() (string, error) { return pythonOnce() }

// Cipher is the (name, protocol, secret bits) triple of SSLObject.cipher().
type Cipher struct {
	Name     string
	Protocol string
	Bits     int
}

// UnmarshalJSON reads the [name, protocol, bits] array that peer.py prints.
func (c *Cipher) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 3 {
		return fmt.Errorf("pypeer: cipher has %d fields, want 3", len(raw))
	}
	if err := json.Unmarshal(raw[0], &c.Name); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[1], &c.Protocol); err != nil {
		return err
	}
	return json.Unmarshal(raw[2], &c.Bits)
}

// Result is one connection as peer.py reported it. JSON null becomes the
// zero value, except where a pointer keeps "absent" apart.
type Result struct {
	OK                bool           `json:"ok"`
	Version           string         `json:"version"`
	Cipher            *Cipher        `json:"cipher"`
	ALPN              string         `json:"alpn"`
	PeerCert          map[string]any `json:"peercert"` // getpeercert(), tuples as lists
	PeerCertDERSHA256 string         `json:"peercert_der_sha256"`
	SessionReused     bool           `json:"session_reused"`
	SNISeen           *string        `json:"sni_seen"` // server: the name the SNI callback got
	Sent              int64          `json:"sent"`
	Received          int64          `json:"received"`
	SHA256            string         `json:"sha256"`      // hex SHA-256 of the bytes received
	SentSHA256        string         `json:"sent_sha256"` // hex SHA-256 of the bytes sent
	TLSUnique         string         `json:"tls_unique"`  // hex
	Close             string         `json:"close"`       // unwrap, abrupt, wait, or "" after an error
	PeerClose         string         `json:"peer_close"`  // close_notify, eof, or "" when not seen
	PHACert           *bool          `json:"pha_cert"`    // server with --pha: did the client certificate arrive

	// Set when OK is false.
	Stage         string `json:"stage"` // context, connect, accept, handshake, pha, read, write, unwrap
	Class         string `json:"class"` // the Python exception class, e.g. SSLCertVerificationError
	Errno         *int   `json:"errno"`
	Library       string `json:"library"`
	Reason        string `json:"reason"`
	VerifyCode    *int   `json:"verify_code"`
	VerifyMessage string `json:"verify_message"`
	Str           string `json:"str"`

	// Raw is the JSON line itself.
	Raw json.RawMessage `json:"-"`
}

// String returns the JSON line, for test failure messages.
func (r Result) String() string { return string(r.Raw) }

// Pattern returns the first n bytes of the stream a peer.py client sends:
// block i (i = 0, 1, ...) is SHA-256 of i as an 8-byte big-endian integer.
func Pattern(n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [8]byte
	for i := uint64(0); len(out) < n; i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		sum := sha256.Sum256(ctr[:])
		out = append(out, sum[:]...)
	}
	return out[:n]
}

func parseLines(t testing.TB, out []byte) []Result {
	t.Helper()
	var results []Result
	for line := range bytes.Lines(out) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			t.Errorf("pypeer: bad output line %q: %v", line, err)
			continue
		}
		r.Raw = append(json.RawMessage(nil), line...)
		results = append(results, r)
	}
	return results
}

func command(t testing.TB, ctx context.Context, role string, args []string) *exec.Cmd {
	t.Helper()
	py, err := Python()
	if err != nil {
		t.Fatal(err)
	}
	argv := append([]string{Script(), "--role", role}, args...)
	cmd := exec.CommandContext(ctx, py, argv...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// StartServer starts peer.py as a server with the given flags (--role server
// is added), waits for its listening line and returns the port. results
// waits, up to Deadline, for the server to exit (after its --accept
// connections) and returns one Result per connection; it fails the test if
// the process fails or overruns. The process is killed at cleanup if it is
// still running.
func StartServer(t testing.TB, args ...string) (port int, results func() []Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	cmd := command(t, ctx, "server", args)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("pypeer: start server: %v", err)
	}

	type outcome struct {
		out []byte
		err error
	}
	first := make(chan []byte, 1)
	done := make(chan outcome, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadBytes('\n')
		first <- line
		rest, _ := io.ReadAll(r)
		done <- outcome{rest, cmd.Wait()}
	}()

	var finished *outcome
	t.Cleanup(func() {
		cancel()
		if finished == nil {
			o := <-done
			finished = &o
		}
	})

	var line []byte
	select {
	case line = <-first:
	case <-time.After(Deadline):
		cancel()
		o := <-done
		finished = &o
		t.Fatalf("pypeer: server printed no listening line within %v; stderr:\n%s", Deadline, stderr.String())
	}
	var listening struct {
		Listening int `json:"listening"`
	}
	if err := json.Unmarshal(line, &listening); err != nil || listening.Listening == 0 {
		o := <-done
		finished = &o
		t.Fatalf("pypeer: server did not start (%v): stdout %q; stderr:\n%s", o.err, line, stderr.String())
	}

	results = func() []Result {
		t.Helper()
		if finished == nil {
			o := <-done
			finished = &o
		}
		if ctx.Err() != nil {
			t.Fatalf("pypeer: server did not finish within %v; stderr:\n%s", Deadline, stderr.String())
		}
		if finished.err != nil {
			t.Fatalf("pypeer: server failed: %v; stderr:\n%s", finished.err, stderr.String())
		}
		return parseLines(t, finished.out)
	}
	return listening.Listening, results
}

// RunClient runs peer.py as a client with the given flags (--role client is
// added; pass --port), waits up to Deadline for it to exit and returns one
// Result per connection. It fails the test if the process fails.
func RunClient(t testing.TB, args ...string) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	cmd := command(t, ctx, "client", args)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("pypeer: client did not finish within %v; stderr:\n%s", Deadline, stderr.String())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("pypeer: client exited with %d: %s", exit.ExitCode(), strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		t.Fatalf("pypeer: run client: %v", err)
	}
	return parseLines(t, stdout.Bytes())
}

// Port formats a port number for a --port flag.
func Port(port int) string { return fmt.Sprint(port) }
