//go:build cgo

package tests

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/memtest"
	"github.com/membio/membio/tests/pki"
	"github.com/membio/membio/tests/pypeer"
)

// hostnameCases are names whose encoding is compared with Python's
// str.encode("idna") followed by _wrap_bio's checks.
var hostnameCases = []string{
	"example.test", "Example.Test", "EXAMPLE.TEST", "example.test.", "a.", "ex ample.test",
	"pythön.org", "Pythön.Org", "straße.de", "ΣΑΣ.gr", "ａｂｃ.test", "abc。test", "例え.テスト",
	"☃.net", "Á.test", "xn--pythn-mua.org", "1.2.3.4", "::1", "[::1]",
	".example.org", ".", "a..b", "a.b..", "\u200d.x",
	strings.Repeat("x", 63), strings.Repeat("x", 64), strings.Repeat("x", 64) + ".y",
	strings.Repeat("é", 70), strings.Repeat("a", 300) + ".test",
	"a\x00b", "exa\x00mple.test",
}

const pyHostnameScript = `
import json, sys
out = []
for name in json.load(sys.stdin):
    try:
        a = name.encode('idna').decode('ascii')
    except UnicodeError as e:
        out.append('ValueError: ' + str(e)); continue
    if '\x00' in a:
        out.append('TypeError: argument must be encoded string without null bytes, not str'); continue
    if a == '' or a.startswith('.'):
        out.append('ValueError: server_hostname cannot be an empty string or start with a leading dot.'); continue
    out.append('ok: ' + a)
print(json.dumps(out))
`

func TestEncodeHostnameMatchesPython(t *testing.T) {
	py, err := pypeer.Python()
	require.NoError(t, err, "python3 is needed for the parity tests (make deps)")
	in, err := json.Marshal(hostnameCases)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", pyHostnameScript)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []string
	require.NoError(t, json.Unmarshal(out, &want))
	require.Len(t, want, len(hostnameCases))
	for i, name := range hostnameCases {
		got, err := sslobj.EncodeHostname(name)
		var res string
		switch {
		case err == nil:
			res = "ok: " + got
		case errors.Is(err, errors.ErrType):
			res = "TypeError: " + err.Error()
		case errors.Is(err, errors.ErrValue):
			res = "ValueError: " + err.Error()
		default:
			res = "other: " + err.Error()
		}
		assert.Equal(t, want[i], res, "hostname %q", name)
	}
}

func TestNewRejectsBadServerHostnames(t *testing.T) {
	p := pki.ForTest(t)
	ctx := clientCtx(t, p)
	in, out := newBIOs(t)
	for _, h := range []string{".example.org", "a..b"} {
		_, err := sslobj.New(ctx, in, out, sslobj.Options{ServerHostname: h})
		valueErr(t, err, "encoding with 'idna' codec failed (UnicodeError: label empty or too long)")
	}
	_, err := sslobj.New(ctx, in, out, sslobj.Options{ServerHostname: "exa\x00mple.test"})
	typeErr(t, err, "argument must be encoded string without null bytes, not str")
}

func TestSSLObjectServerHostnameIsTheALabel(t *testing.T) {
	p := pki.ForTest(t)
	c := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: "Pythön.Org"})
	assert.Equal(t, "xn--pythn-mua.Org", c.Obj.ServerHostname())
	c = newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: "::1"})
	assert.Equal(t, "::1", c.Obj.ServerHostname())
	// Python accepts a hostname on the server side and keeps it.
	s := newPeer(t, serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerSide: true, ServerHostname: "x.test"})
	assert.Equal(t, "x.test", s.Obj.ServerHostname())
}

// clientHello returns the first flight of a client for hostname.
func clientHello(t *testing.T, hostname string) []byte {
	p := pki.ForTest(t)
	c := newPeer(t, clientCtx(t, p), sslobj.Options{ServerHostname: hostname})
	wantRead(t, c.Obj.DoHandshake())
	b, err := c.Out.Read(-1)
	require.NoError(t, err)
	return b
}

func TestSSLObjectSendsSNIForNamesOnly(t *testing.T) {
	assert.True(t, bytes.Contains(clientHello(t, "sni.example.test"), []byte("sni.example.test")), "a name goes into SNI")
	assert.True(t, bytes.Contains(clientHello(t, "xn--pythn-mua.org"), []byte("xn--pythn-mua.org")))
	assert.True(t, bytes.Contains(clientHello(t, "pythön.org"), []byte("xn--pythn-mua.org")), "SNI carries the A-label")
	assert.False(t, bytes.Contains(clientHello(t, "127.0.0.1"), []byte("127.0.0.1")), "an IP address is not sent")
	ch := clientHello(t, "[::1]")
	assert.True(t, bytes.Contains(ch, []byte("[::1]")), "a bracketed IPv6 address is a name for a2i_IPADDRESS")
}

func TestSSLObjectWithoutHostnameChecksNoName(t *testing.T) {
	// wrap_bio(server_hostname=None) on a check_hostname context succeeds
	// and verifies the chain only.
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.WrongHost), sslobj.Options{})
	cerr, serr := memtest.Handshake(c, s)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	assert.Equal(t, "", c.Obj.ServerHostname())
}

func TestSSLObjectHostnameCheckIsCapturedAtCreation(t *testing.T) {
	p := pki.ForTest(t)
	cctx := clientCtx(t, p)
	c := newPeer(t, cctx, sslobj.Options{ServerHostname: pki.Host})
	setCheckHostname(t, cctx, false)
	s := newPeer(t, serverCtx(t, p, p.WrongHost), sslobj.Options{ServerSide: true})
	cerr, _ := memtest.Handshake(c, s)
	certErr(t, cerr, 62, "Hostname mismatch, certificate is not valid for 'example.test'.")
}
