package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/membio/membio/tests/pki"
	"github.com/membio/membio/tests/pypeer"
)

// Time limits. Every process, connection and test below is bounded by one
// of these; nothing waits forever.
const (
	// connTimeout bounds one TLS connection (handshake, data, close) on the
	// Go side: it is the deadline set on every net.Conn.
	connTimeout = 20 * time.Second
	// procTimeout bounds the life of one peer process.
	procTimeout = 45 * time.Second
	// startTimeout bounds how long a server may take to start listening.
	startTimeout = 10 * time.Second
	// lingerTimeout bounds how long a closing side waits for the peer's
	// TCP close after its own.
	lingerTimeout = 2 * time.Second
)

// testPKI returns the shared certificates.
func testPKI(t testing.TB) *pki.PKI { return pki.ForTest(t) }

// sha hex-encodes the SHA-256 of b.
func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// binaryPattern is the data the Go clients send: the SHA-256 counter stream
// that the Python peer also sends.
func binaryPattern(n int) []byte { return pypeer.Pattern(n) }

// textPattern is the data sent to and through the command-line peers, whose
// echo paths handle text lines only (gnutls-serv --echo works on C strings
// and on lines; openssl s_server reads command letters at the start of a
// chunk). It is lines of 64 bytes: 62 lowercase hex digits from the SHA-256
// counter stream, a '.', and '\n'. The last byte is always '\n', so the
// one-byte pattern is "\n".
func textPattern(n int) []byte {
	if n <= 0 {
		return nil
	}
	src := hex.EncodeToString(pypeer.Pattern(n + 64))
	out := make([]byte, 0, n+64)
	for len(out) < n {
		k := len(out) / 64
		out = append(out, src[k*62:k*62+62]...)
		out = append(out, '.', '\n')
	}
	out = out[:n]
	out[n-1] = '\n'
	return out
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers,
// that can wait for its content to satisfy a condition.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	closed bool
	notify chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{notify: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	close(b.notify)
	b.notify = make(chan struct{})
	return n, err
}

// closeWrite records that no more data will come.
func (b *syncBuffer) closeWrite() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.notify)
		b.notify = make(chan struct{})
	}
}

// Bytes returns a copy of the content.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *syncBuffer) String() string { return string(b.Bytes()) }

// waitFor waits until cond holds for the content, the writer is done, or
// the deadline passes; it reports whether cond held.
func (b *syncBuffer) waitFor(deadline time.Time, cond func([]byte) bool) bool {
	for {
		b.mu.Lock()
		ok := cond(b.buf.Bytes())
		closed := b.closed
		ch := b.notify
		b.mu.Unlock()
		if ok {
			return true
		}
		if closed {
			return false
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-ch:
		case <-time.After(left):
		}
	}
}

// waitContains waits until the content contains s.
func (b *syncBuffer) waitContains(deadline time.Time, s string) bool {
	return b.waitFor(deadline, func(p []byte) bool { return bytes.Contains(p, []byte(s)) })
}

// process is a peer program started by a test. Its stdout and stderr are
// captured; it is killed when the test ends or procTimeout passes.
type process struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error // Wait's result, valid after done is closed
	cancel context.CancelFunc
}

// lookTool fails the test when a peer tool is missing: the interop tests
// never pass silently because a peer was absent. make deps installs them.
func lookTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH (Debian package %s; run make deps): %v", name, pkg, err)
	}
	return path
}

// startProcess starts argv with stdout and stderr captured. With withStdin
// the process gets a pipe for stdin; otherwise stdin is empty.
func startProcess(t testing.TB, withStdin bool, argv ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 2 * time.Second
	// SIGTERM first: gnutls-serv flushes its buffered report on SIGTERM.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	p := &process{name: argv[0], cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{}), cancel: cancel}
	cmd.Stdout = p.stdout
	cmd.Stderr = p.stderr
	if withStdin {
		w, err := cmd.StdinPipe()
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		p.stdin = w
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", strings.Join(argv, " "), err)
	}
	go func() {
		p.err = cmd.Wait()
		p.stdout.closeWrite()
		p.stderr.closeWrite()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop() })
	return p
}

// stop terminates the process (SIGTERM, then SIGKILL after WaitDelay) and
// waits for it. It is idempotent.
func (p *process) stop() {
	p.cancel()
	<-p.done
}

// wait waits up to d for the process to exit by itself; it reports whether
// it did.
func (p *process) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// closeStdin closes the process's stdin; errors are ignored (the process
// may be gone).
func (p *process) closeStdin() {
	if p.stdin != nil {
		_ = p.stdin.Close()
	}
}

// writeStdin writes b to the process's stdin, ignoring a closed pipe.
func (p *process) writeStdin(b []byte) {
	if p.stdin != nil {
		_, _ = p.stdin.Write(b)
	}
}

// log is the process's output, for failure messages.
func (p *process) log() string {
	return fmt.Sprintf("%s\n--- stdout ---\n%s\n--- stderr ---\n%s", strings.Join(p.cmd.Args, " "),
		clipN(p.stdout.String(), 1500), clip(p.stderr.String()))
}

// clip shortens long output for failure messages.
func clip(s string) string { return clipN(s, 6000) }

func clipN(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max/2] + fmt.Sprintf("\n[... %d bytes ...]\n", len(s)-max) + s[len(s)-max/2:]
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago, for
// the peers that cannot listen on port 0 and report the port they got.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// listening reports whether some socket listens on port (IPv4 or IPv6), from
// /proc/net/tcp{,6}. ok is false when that cannot be known (not Linux).
func listening(port int) (yes, ok bool) {
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		ok = true
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // TCP_LISTEN
				continue
			}
			i := strings.LastIndexByte(fields[1], ':')
			if i < 0 {
				continue
			}
			p, err := strconv.ParseUint(fields[1][i+1:], 16, 16)
			if err == nil && int(p) == port {
				fh.Close()
				return true, true
			}
		}
		fh.Close()
	}
	return false, ok
}

// waitListening waits until a socket listens on port, or the process ends,
// or startTimeout passes. Where /proc is not available it waits a fixed
// half second.
func waitListening(p *process, port int) bool {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		yes, ok := listening(port)
		if !ok {
			time.Sleep(500 * time.Millisecond)
			return true
		}
		if yes {
			return true
		}
		select {
		case <-p.done:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// dialRetry connects to addr, retrying while the connection is refused (the
// server is not listening yet) until startTimeout passes.
func dialRetry(addr string) (net.Conn, error) {
	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, startTimeout)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "refused") {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveTCP runs an in-process server for sc: it listens on 127.0.0.1 and,
// in one goroutine, accepts sc.conns() connections one after the other and
// hands each to handle, which owns the connection and returns its result.
// It returns the address and a function that waits for the results; name
// labels the server in failure messages.
func serveTCP(t *testing.T, name string, sc *scenario, handle func(net.Conn) result) (string, func() []result) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(procTimeout))
	t.Cleanup(func() { ln.Close() })
	ch := make(chan []result, 1)
	go func() {
		var out []result
		defer func() { ch <- out }()
		for range sc.conns() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			out = append(out, handle(conn))
		}
	}()
	var once sync.Once
	var res []result
	return ln.Addr().String(), func() []result {
		once.Do(func() {
			// The client is done: connections it never made will not come.
			// Wait a moment for one still in the accept queue, then stop.
			select {
			case res = <-ch:
			case <-time.After(connTimeout):
				t.Errorf("%s server: not done %v after the client", name, connTimeout)
			}
			ln.Close()
		})
		return res
	}
}

// echoPieces sends data over c in 64 KiB pieces and reads each piece's echo
// before the next, adding what arrives to h and r.received. It records a
// failure with fail (stage "write" or "read") and then reports false.
func echoPieces(c io.ReadWriter, data []byte, h hash.Hash, r *result, fail func(stage string, err error)) bool {
	buf := make([]byte, 64<<10)
	for off := 0; off < len(data); {
		piece := data[off:min(off+len(buf), len(data))]
		off += len(piece)
		if _, err := c.Write(piece); err != nil {
			fail("write", err)
			return false
		}
		n, err := io.ReadFull(c, buf[:len(piece)])
		h.Write(buf[:n])
		r.received += int64(n)
		if err != nil {
			fail("read", err)
			return false
		}
	}
	return true
}

// Alerts, by their TLS number and by the mnemonic OpenSSL (and so Python's
// SSLError.reason) gives the alert when it receives one.
var alertNames = map[int]string{
	10:  "SSLV3_ALERT_UNEXPECTED_MESSAGE",
	20:  "SSLV3_ALERT_BAD_RECORD_MAC",
	40:  "SSLV3_ALERT_HANDSHAKE_FAILURE",
	42:  "SSLV3_ALERT_BAD_CERTIFICATE",
	43:  "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
	44:  "SSLV3_ALERT_CERTIFICATE_REVOKED",
	45:  "SSLV3_ALERT_CERTIFICATE_EXPIRED",
	46:  "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
	47:  "SSLV3_ALERT_ILLEGAL_PARAMETER",
	48:  "TLSV1_ALERT_UNKNOWN_CA",
	49:  "TLSV1_ALERT_ACCESS_DENIED",
	50:  "TLSV1_ALERT_DECODE_ERROR",
	51:  "TLSV1_ALERT_DECRYPT_ERROR",
	70:  "TLSV1_ALERT_PROTOCOL_VERSION",
	71:  "TLSV1_ALERT_INSUFFICIENT_SECURITY",
	80:  "TLSV1_ALERT_INTERNAL_ERROR",
	86:  "TLSV1_ALERT_INAPPROPRIATE_FALLBACK",
	90:  "TLSV1_ALERT_USER_CANCELLED",
	109: "TLSV13_ALERT_MISSING_EXTENSION",
	110: "TLSV1_UNSUPPORTED_EXTENSION",
	112: "TLSV1_UNRECOGNIZED_NAME",
	116: "TLSV13_ALERT_CERTIFICATE_REQUIRED",
	120: "TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
}

// alertName returns the mnemonic of alert number n, or "ALERT_n".
func alertName(n int) string {
	if s, ok := alertNames[n]; ok {
		return s
	}
	return "ALERT_" + strconv.Itoa(n)
}

// isAlertReason reports whether an OpenSSL reason mnemonic names a received
// alert.
func isAlertReason(reason string) bool {
	for _, s := range alertNames {
		if s == reason {
			return true
		}
	}
	return false
}

// reasonFromText turns OpenSSL's reason text ("tlsv1 alert unknown ca") into
// the mnemonic ("TLSV1_ALERT_UNKNOWN_CA").
func reasonFromText(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", "_"))
}
