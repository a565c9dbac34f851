//go:build cgo

package sslctx_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyErr is how Python sees an error: class, str() and errno.
type pyErr struct {
	Class string `json:"class"`
	Str   string `json:"str"`
	Errno *int   `json:"errno"`
}

// viewOf returns Python's view of a Go error.
func viewOf(err error) pyErr {
	if err == nil {
		return pyErr{Class: "ok"}
	}
	intp := func(n int) *int { return &n }
	var se *errors.SSLError
	var oe *errors.OSError
	var ve *errors.ValueError
	var te *errors.TypeError
	switch {
	case errors.As(err, &oe):
		return pyErr{Class: oe.PythonClass(), Str: oe.Error(), Errno: intp(int(oe.Errno))}
	case errors.As(err, &se):
		v := pyErr{Class: "SSLError", Str: se.PythonString()}
		if !se.ArgsOnly {
			v.Errno = intp(se.Errno)
		}
		return v
	case errors.As(err, &ve):
		return pyErr{Class: "ValueError", Str: ve.Msg}
	case errors.As(err, &te):
		return pyErr{Class: "TypeError", Str: te.Msg}
	}
	return pyErr{Class: "other", Str: err.Error()}
}

// stripLine removes CPython's " (_ssl.c:NNN)" suffix.
func stripLine(s string) string {
	if i := strings.Index(s, " (_ssl.c:"); i >= 0 && strings.HasSuffix(s, ")") {
		return s[:i]
	}
	return s
}

const pyErrorCases = `
import json, ssl, sys
paths = json.loads(sys.argv[1])
def ctx():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
cases = {
 "chain_missing": lambda: ctx().load_cert_chain(paths["missing"]),
 "chain_missing_key": lambda: ctx().load_cert_chain(paths["cert"], paths["missing"]),
 "chain_mismatch": lambda: ctx().load_cert_chain(paths["cert"], paths["otherkey"]),
 "chain_no_key": lambda: ctx().load_cert_chain(paths["cert"]),
 "chain_key_as_cert": lambda: ctx().load_cert_chain(paths["key"]),
 "chain_ok": lambda: ctx().load_cert_chain(paths["cert"], paths["key"]),
 "chain_combined_ok": lambda: ctx().load_cert_chain(paths["combined"]),
 "chain_pw_ok": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password=paths["password"]),
 "chain_pw_bytes_ok": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password=paths["password"].encode()),
 "chain_pw_func_ok": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password=lambda: paths["password"]),
 "chain_pw_wrong": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password="wrong"),
 "chain_pw_func_wrong": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password=lambda: b"wrong"),
 "chain_pw_long": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password=b"a" * 2000),
 "chain_pw_func_long": lambda: ctx().load_cert_chain(paths["cert"], paths["enckey"], password=lambda: b"a" * 2000),
 "chain_pw_long_unencrypted": lambda: ctx().load_cert_chain(paths["cert"], paths["key"], password=b"a" * 2000),
 "verify_none": lambda: ctx().load_verify_locations(),
 "verify_missing": lambda: ctx().load_verify_locations(paths["missing"]),
 "verify_missing_capath": lambda: ctx().load_verify_locations(None, paths["missingdir"]),
 "verify_key_as_ca": lambda: ctx().load_verify_locations(paths["key"]),
 "verify_ok": lambda: ctx().load_verify_locations(paths["ca"]),
 "verify_capath_ok": lambda: ctx().load_verify_locations(None, paths["dir"]),
 "cadata_empty_str": lambda: ctx().load_verify_locations(cadata=""),
 "cadata_empty_bytes": lambda: ctx().load_verify_locations(cadata=b""),
 "cadata_garbage_str": lambda: ctx().load_verify_locations(cadata="garbage"),
 "cadata_garbage_bytes": lambda: ctx().load_verify_locations(cadata=b"garbage"),
 "cadata_der_junk": lambda: ctx().load_verify_locations(cadata=open(paths["cader"], "rb").read() + b"junk"),
 "cadata_nonascii": lambda: ctx().load_verify_locations(cadata="\xe9"),
 "cadata_pem_twice": lambda: (lambda c: (c.load_verify_locations(cadata=open(paths["ca"]).read()), c.load_verify_locations(cadata=open(paths["ca"]).read())))(ctx()),
 "cadata_pem_extra_text": lambda: ctx().load_verify_locations(cadata="head\n" + open(paths["ca2"]).read() + "\ntail\n"),
 "cadata_der_two": lambda: ctx().load_verify_locations(cadata=open(paths["cader"], "rb").read() + open(paths["cader2"], "rb").read()),
 "cadata_pem_then_garbage": lambda: ctx().load_verify_locations(cadata=open(paths["ca"]).read() + "-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"),
 "dh_ok": lambda: ctx().load_dh_params(paths["dh"]),
 "dh_missing": lambda: ctx().load_dh_params(paths["missing"]),
 "dh_cert": lambda: ctx().load_dh_params(paths["cert"]),
 "ciphers_foo": lambda: ctx().set_ciphers("foo"),
 "ciphers_empty": lambda: ctx().set_ciphers(""),
 "ciphers_all": lambda: ctx().set_ciphers("ALL"),
 "ciphers_default": lambda: ctx().set_ciphers("DEFAULT"),
 "ecdh_foo": lambda: ctx().set_ecdh_curve("foo"),
 "ecdh_ok": lambda: ctx().set_ecdh_curve("prime256v1"),
 "keylog_missing_dir": lambda: setattr(ctx(), "keylog_filename", paths["missingdir"] + "/x"),
 "alpn_empty": lambda: ctx().set_alpn_protocols(["http/1.1", ""]),
 "alpn_long": lambda: ctx().set_alpn_protocols(["a" * 256]),
 "alpn_ok": lambda: ctx().set_alpn_protocols(["h2", "a" * 255]),
 "num_tickets_negative": lambda: setattr(ctx(), "num_tickets", -1),
 "num_tickets_client": lambda: setattr(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "num_tickets", 1),
 "sni_client": lambda: setattr(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "sni_callback", lambda *a: None),
 "verify_mode_42": lambda: setattr(ctx(), "verify_mode", 42),
 "verify_mode_none_checked": lambda: setattr(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "verify_mode", ssl.CERT_NONE),
 "min_version_bad": lambda: setattr(ctx(), "minimum_version", 0x999),
 "max_version_bad": lambda: setattr(ctx(), "maximum_version", -3),
 "min_version_locked": lambda: setattr(ssl.SSLContext(ssl.PROTOCOL_TLSv1_2), "minimum_version", ssl.TLSVersion.TLSv1_3),
 "protocol_42": lambda: ssl.SSLContext(42),
 "protocol_minus_1": lambda: ssl.SSLContext(-1),
}
out = {}
for name, f in cases.items():
    try:
        f()
        out[name] = {"class": "ok", "str": "", "errno": None}
    except OSError as e:
        out[name] = {"class": type(e).__name__, "str": str(e), "errno": e.errno}
    except Exception as e:
        out[name] = {"class": type(e).__name__, "str": str(e), "errno": None}
json.dump(out, sys.stdout)
`

// Every error case of spec §3.8 (and the validation errors of the
// setters) gives the class, message and errno Python gives for the same
// call on the same files. OSErrors carry the file name here, which Python
// leaves out of some of them, so for those only class and errno are
// compared.
func TestContextErrorsMatchPython(t *testing.T) {
	p := pki.ForTest(t)
	dir := t.TempDir()
	cader := writeFile(t, "ca.der", p.Root.DER)
	cader2 := writeFile(t, "ca2.der", p.OtherRoot.DER)
	combined := writeFile(t, "combined.pem", append(mustRead(t, p.ServerRSA.CertFile), mustRead(t, p.ServerRSA.KeyFile)...))
	paths := map[string]string{
		"missing": dir + "/missing.pem", "missingdir": dir + "/nodir", "dir": dir,
		"cert": p.ServerRSA.CertFile, "key": p.ServerRSA.KeyFile, "otherkey": p.ServerECDSA.KeyFile,
		"enckey": p.EncryptedKey.KeyFile, "password": p.Password, "combined": combined,
		"ca": p.CAFile, "ca2": p.OtherRoot.CertFile, "cader": cader, "cader2": cader2, "dh": p.DHParamsFile,
	}
	var want map[string]pyErr
	pythonJSON(t, pyErrorCases, &want, jsonString(t, paths))

	server := func() *sslctx.SSLContext {
		c, err := sslctx.New(sslctx.ProtocolTLSServer)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	client := func() *sslctx.SSLContext {
		c, err := sslctx.New(sslctx.ProtocolTLSClient)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	pw := p.Password
	long := make([]byte, 2000)
	for i := range long {
		long[i] = 'a'
	}
	caPEM := string(mustRead(t, p.CAFile))
	cases := map[string]func() error{
		"chain_missing":     func() error { return server().LoadCertChain(paths["missing"], "", nil) },
		"chain_missing_key": func() error { return server().LoadCertChain(paths["cert"], paths["missing"], nil) },
		"chain_mismatch":    func() error { return server().LoadCertChain(paths["cert"], paths["otherkey"], nil) },
		"chain_no_key":      func() error { return server().LoadCertChain(paths["cert"], "", nil) },
		"chain_key_as_cert": func() error { return server().LoadCertChain(paths["key"], "", nil) },
		"chain_ok":          func() error { return server().LoadCertChain(paths["cert"], paths["key"], nil) },
		"chain_combined_ok": func() error { return server().LoadCertChain(combined, "", nil) },
		"chain_pw_ok":       func() error { return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordString(pw)) },
		"chain_pw_bytes_ok": func() error {
			return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordBytes([]byte(pw)))
		},
		"chain_pw_func_ok": func() error {
			return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordFunc(func() ([]byte, error) { return []byte(pw), nil }))
		},
		"chain_pw_wrong": func() error {
			return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordString("wrong"))
		},
		"chain_pw_func_wrong": func() error {
			return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordFunc(func() ([]byte, error) { return []byte("wrong"), nil }))
		},
		"chain_pw_long": func() error {
			return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordBytes(long))
		},
		"chain_pw_func_long": func() error {
			return server().LoadCertChain(paths["cert"], paths["enckey"], sslctx.PasswordFunc(func() ([]byte, error) { return long, nil }))
		},
		"chain_pw_long_unencrypted": func() error { return server().LoadCertChain(paths["cert"], paths["key"], sslctx.PasswordBytes(long)) },
		"verify_none":               func() error { return server().LoadVerifyLocations("", "", sslctx.CAData{}) },
		"verify_missing":            func() error { return server().LoadVerifyLocations(paths["missing"], "", sslctx.CAData{}) },
		"verify_missing_capath":     func() error { return server().LoadVerifyLocations("", paths["missingdir"], sslctx.CAData{}) },
		"verify_key_as_ca":          func() error { return server().LoadVerifyLocations(paths["key"], "", sslctx.CAData{}) },
		"verify_ok":                 func() error { return server().LoadVerifyLocations(paths["ca"], "", sslctx.CAData{}) },
		"verify_capath_ok":          func() error { return server().LoadVerifyLocations("", dir, sslctx.CAData{}) },
		"cadata_empty_str":          func() error { return server().LoadVerifyLocations("", "", sslctx.CADataPEM("")) },
		"cadata_empty_bytes":        func() error { return server().LoadVerifyLocations("", "", sslctx.CADataDER(nil)) },
		"cadata_garbage_str":        func() error { return server().LoadVerifyLocations("", "", sslctx.CADataPEM("garbage")) },
		"cadata_garbage_bytes":      func() error { return server().LoadVerifyLocations("", "", sslctx.CADataDER([]byte("garbage"))) },
		"cadata_der_junk": func() error {
			return server().LoadVerifyLocations("", "", sslctx.CADataDER(append(append([]byte{}, p.Root.DER...), "junk"...)))
		},
		"cadata_nonascii": func() error { return server().LoadVerifyLocations("", "", sslctx.CADataPEM("\u00e9")) },
		"cadata_pem_twice": func() error {
			c := server()
			if err := c.LoadVerifyLocations("", "", sslctx.CADataPEM(caPEM)); err != nil {
				return err
			}
			return c.LoadVerifyLocations("", "", sslctx.CADataPEM(caPEM))
		},
		"cadata_pem_extra_text": func() error {
			return server().LoadVerifyLocations("", "", sslctx.CADataPEM("head\n"+string(mustRead(t, p.OtherRoot.CertFile))+"\ntail\n"))
		},
		"cadata_der_two": func() error {
			return server().LoadVerifyLocations("", "", sslctx.CADataDER(append(append([]byte{}, p.Root.DER...), p.OtherRoot.DER...)))
		},
		"cadata_pem_then_garbage": func() error {
			return server().LoadVerifyLocations("", "", sslctx.CADataPEM(caPEM+"-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"))
		},
		"dh_ok":                func() error { return server().LoadDHParams(paths["dh"]) },
		"dh_missing":           func() error { return server().LoadDHParams(paths["missing"]) },
		"dh_cert":              func() error { return server().LoadDHParams(paths["cert"]) },
		"ciphers_foo":          func() error { return server().SetCiphers("foo") },
		"ciphers_empty":        func() error { return server().SetCiphers("") },
		"ciphers_all":          func() error { return server().SetCiphers("ALL") },
		"ciphers_default":      func() error { return server().SetCiphers("DEFAULT") },
		"ecdh_foo":             func() error { return server().SetECDHCurve("foo") },
		"ecdh_ok":              func() error { return server().SetECDHCurve("prime256v1") },
		"keylog_missing_dir":   func() error { return server().SetKeylogFilename(paths["missingdir"] + "/x") },
		"alpn_empty":           func() error { return server().SetALPNProtocols([]string{"http/1.1", ""}) },
		"alpn_long":            func() error { return server().SetALPNProtocols([]string{strings.Repeat("a", 256)}) },
		"alpn_ok":              func() error { return server().SetALPNProtocols([]string{"h2", strings.Repeat("a", 255)}) },
		"num_tickets_negative": func() error { return server().SetNumTickets(-1) },
		"num_tickets_client":   func() error { return client().SetNumTickets(1) },
		"sni_client": func() error {
			return client().SetSNICallback(func(sslctx.SNIConn, string, *sslctx.SSLContext) error { return nil })
		},
		"verify_mode_42":           func() error { return server().SetVerifyMode(42) },
		"verify_mode_none_checked": func() error { return client().SetVerifyMode(sslctx.CertNone) },
		"min_version_bad":          func() error { return server().SetMinimumVersion(0x999) },
		"max_version_bad":          func() error { return server().SetMaximumVersion(-3) },
		"min_version_locked": func() error {
			c, err := sslctx.New(sslctx.ProtocolTLSv1_2)
			require.NoError(t, err)
			defer c.Close()
			return c.SetMinimumVersion(sslctx.TLSv1_3)
		},
		"protocol_42": func() error {
			_, err := sslctx.New(42)
			return err
		},
		"protocol_minus_1": func() error {
			_, err := sslctx.New(-1)
			return err
		},
	}
	require.Len(t, cases, len(want))
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			require.True(t, ok)
			var err error
			assert.True(t, queueEmptyAfter(func() { err = f() }), "OpenSSL error queue left non-empty")
			got := viewOf(err)
			w.Str = stripLine(w.Str)
			if got.Class == "FileNotFoundError" && w.Class == "FileNotFoundError" {
				// Python omits the file name for load_cert_chain and
				// load_verify_locations; compare errno only.
				assert.Equal(t, w.Errno, got.Errno)
				assert.True(t, errors.Is(err, fs.ErrNotExist))
				return
			}
			assert.Equal(t, w, got)
		})
	}
}

// A password function's error or panic is the error of LoadCertChain,
// reachable with errors.Is/As, and the function is not called again after
// failing.
func TestPasswordCallbackErrorsPropagate(t *testing.T) {
	p := pki.ForTest(t)
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	defer c.Close()
	sentinel := errors.New("no password today")
	calls := 0
	err = c.LoadCertChain(p.EncryptedKey.CertFile, p.EncryptedKey.KeyFile, sslctx.PasswordFunc(func() ([]byte, error) {
		calls++
		return nil, sentinel
	}))
	assert.ErrorIs(t, err, sentinel)
	var ce *errors.CallbackError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "password", ce.Callback)
	assert.Equal(t, 1, calls)

	err = c.LoadCertChain(p.EncryptedKey.CertFile, p.EncryptedKey.KeyFile, sslctx.PasswordFunc(func() ([]byte, error) {
		panic("boom")
	}))
	var pe *errors.PanicError
	require.True(t, errors.As(err, &pe), "%v", err)
	assert.Equal(t, "boom", pe.Value)

	// without a password an encrypted key fails instead of prompting
	err = c.LoadCertChain(p.EncryptedKey.CertFile, p.EncryptedKey.KeyFile, nil)
	assert.EqualError(t, err, "[SSL] PEM lib")

	// the context still works afterwards
	require.NoError(t, c.LoadCertChain(p.EncryptedKey.CertFile, p.EncryptedKey.KeyFile, sslctx.PasswordString(p.Password)))
}

// Path arguments report the file that failed: a missing key file names
// the key file, and errors.Is matches the errno.
func TestLoadErrorsNameTheMissingFile(t *testing.T) {
	p := pki.ForTest(t)
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	defer c.Close()
	missing := t.TempDir() + "/nokey.pem"
	err = c.LoadCertChain(p.ServerRSA.CertFile, missing, nil)
	var oe *errors.OSError
	require.True(t, errors.As(err, &oe))
	assert.Equal(t, missing, oe.Filename)
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.Equal(t, "FileNotFoundError", oe.PythonClass())
	assert.EqualError(t, c.LoadCertChain("", "", nil), "certfile should be a valid filesystem path")
	assert.True(t, errors.Is(c.LoadCertChain("a\x00b", "", nil), errors.ErrValue))
	err = c.LoadDHParams(missing)
	require.True(t, errors.As(err, &oe))
	assert.Equal(t, missing, oe.Filename)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

var _ = json.Marshal
