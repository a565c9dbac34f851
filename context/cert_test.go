//go:build cgo

package sslctx_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/tests/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonDecode returns repr(ssl._ssl._test_decode_cert(path)) for each path.
func pythonDecode(t *testing.T, paths []string) []string {
	t.Helper()
	var out []string
	pythonJSON(t, `
import json, ssl, sys
json.dump([repr(ssl._ssl._test_decode_cert(p)) for p in sys.argv[1:]], sys.stdout)
`, &out, paths...)
	require.Len(t, out, len(paths))
	return out
}

// Every certificate of the test PKI decodes to exactly the dictionary
// Python's _test_decode_cert prints (test_parse_cert).
func TestDecodeCertificateMatchesPythonOnTestPKI(t *testing.T) {
	p := pki.ForTest(t)
	var paths []string
	for _, c := range p.Certs() {
		paths = append(paths, c.CertFile)
	}
	want := pythonDecode(t, paths)
	for i, c := range p.Certs() {
		got, err := sslctx.DecodeCertFile(c.CertFile)
		require.NoError(t, err, c.Name)
		assert.Equal(t, want[i], got.PythonRepr(), c.Name)
		fromDER, err := sslctx.DecodeCertificate(c.DER)
		require.NoError(t, err, c.Name)
		assert.Equal(t, got, fromDER, c.Name)
	}
}

func rawCtx(tag int, compound bool, b []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: compound, Bytes: b}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	require.NoError(t, err)
	return b
}

var (
	oidSAN   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidCDP   = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidAIA   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidOCSP  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1}
	oidCAIss = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 2}
)

// allKindsCert builds a self-signed certificate with every kind of
// subject alternative name, AIA OCSP and caIssuers URIs, CRL distribution
// points including an empty one, a multi-valued RDN, a BIT STRING, a
// BMPString, a T61String and an attribute OpenSSL has no name for.
func allKindsCert(t *testing.T) (der []byte, path string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	bmp := func(s string) []byte {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u>>8), byte(u))
		}
		return b
	}
	subject := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "XY"}},
		{ // multi-valued RDN
			{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "membio"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "decoding"},
		},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 45}, Value: asn1.BitString{Bytes: []byte{0xde, 0xad}, BitLength: 16}}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 7}, Value: asn1.RawValue{Tag: 30, Bytes: bmp("Grüße ☃")}}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 8}, Value: asn1.RawValue{Tag: 20, Bytes: []byte("caf\xe9")}}},
		{{Type: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Value: "unnamed"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "all kinds 'quoted' \"too\""}},
	}
	rawSubject := mustMarshal(t, subject)

	dirName := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "XY"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "dirname example"}},
	}
	otherName := func(oid asn1.ObjectIdentifier, value any) asn1.RawValue {
		inner := mustMarshal(t, value)
		b := append(mustMarshal(t, oid), mustMarshal(t, rawCtx(0, true, inner))...)
		return rawCtx(0, true, b)
	}
	upn := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
	names := []asn1.RawValue{
		rawCtx(2, false, []byte("allsans")),
		otherName(asn1.ObjectIdentifier{1, 2, 3, 4}, "some other identifier"),
		otherName(upn, asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte("user@example.org")}),
		rawCtx(1, false, []byte("user@example.org")),
		rawCtx(2, false, []byte("www.example.org")),
		rawCtx(2, false, []byte("null\x00byte.example.org")),
		rawCtx(4, true, mustMarshal(t, dirName)),
		rawCtx(6, false, []byte("https://www.example.org/")),
		rawCtx(7, false, net.ParseIP("127.0.0.1").To4()),
		rawCtx(7, false, net.ParseIP("::1")),
		rawCtx(7, false, net.ParseIP("2001:db8::ff00:42:8329")),
		rawCtx(8, false, mustMarshal(t, asn1.ObjectIdentifier{1, 2, 3, 4, 5})[2:]),
	}
	san := mustMarshal(t, names)

	type accessDescription struct {
		Method   asn1.ObjectIdentifier
		Location asn1.RawValue
	}
	aia := mustMarshal(t, []accessDescription{
		{oidOCSP, rawCtx(6, false, []byte("http://ocsp.example.org/"))},
		{oidCAIss, rawCtx(6, false, []byte("http://ca.example.org/ca.cer"))},
		{oidOCSP, rawCtx(2, false, []byte("not-a-uri.example.org"))},
		{oidOCSP, rawCtx(6, false, []byte("http://ocsp2.example.org/"))},
	})
	// DistributionPoint ::= SEQUENCE { distributionPoint [0] { fullName [0] GeneralNames } }
	fullName := func(uris ...string) asn1.RawValue {
		var gns []byte
		for _, u := range uris {
			gns = append(gns, mustMarshal(t, rawCtx(6, false, []byte(u)))...)
		}
		dpName := mustMarshal(t, rawCtx(0, true, gns))
		return asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: mustMarshal(t, rawCtx(0, true, dpName))}
	}
	emptyDP := asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: []byte{}}
	cdp := mustMarshal(t, []asn1.RawValue{emptyDP, fullName("http://crl.example.org/a.crl", "http://crl.example.org/b.crl")})

	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetUint64(0xCB2D80995A69525F),
		RawSubject:   rawSubject,
		NotBefore:    time.Date(2018, 8, 29, 14, 23, 16, 0, time.UTC),
		NotAfter:     time.Date(2037, 1, 5, 9, 4, 3, 0, time.UTC),
		ExtraExtensions: []pkix.Extension{
			{Id: oidSAN, Value: san},
			{Id: oidAIA, Value: aia},
			{Id: oidCDP, Value: cdp},
		},
	}
	tmpl.RawIssuer = rawSubject
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	path = writeFile(t, "allkinds.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return der, path
}

// A certificate with every SAN kind, AIA, CDP with an empty point
// (CVE-2019-5010), a NUL in a DNS name (CVE-2013-4238), a multi-valued RDN
// and unusual string types decodes exactly as Python decodes it
// (test_parse_all_sans and friends).
func TestDecodeCertificateMatchesPythonOnEveryNameKind(t *testing.T) {
	der, path := allKindsCert(t)
	want := pythonDecode(t, []string{path})[0]
	got, err := sslctx.DecodeCertificate(der)
	require.NoError(t, err)
	assert.Equal(t, want, got.PythonRepr())

	assert.Equal(t, 3, got.Version)
	assert.Equal(t, "CB2D80995A69525F", got.SerialNumber)
	assert.Equal(t, "Aug 29 14:23:16 2018 GMT", got.NotBefore)
	require.Len(t, got.Subject[1], 2, "multi-valued RDN")
	assert.Equal(t, []byte{0xde, 0xad}, got.Subject[2][0].BitString)
	assert.Equal(t, "1.2.3.4.5", got.Subject[5][0].Name)
	assert.Equal(t, []string{"http://ocsp.example.org/", "http://ocsp2.example.org/"}, got.OCSP)
	assert.Equal(t, []string{"http://ca.example.org/ca.cer"}, got.CAIssuers)
	assert.Equal(t, []string{"http://crl.example.org/a.crl", "http://crl.example.org/b.crl"}, got.CRLDistributionPoints)
	kinds := map[string]bool{}
	for _, gn := range got.SubjectAltName {
		kinds[gn.Type] = true
		if gn.Type == "DirName" {
			assert.Equal(t, "dirname example", gn.DirName[1][0].Value)
		}
	}
	for _, k := range []string{"DNS", "email", "URI", "DirName", "IP Address", "Registered ID", "othername"} {
		assert.True(t, kinds[k], k)
	}
	assert.Contains(t, got.PythonRepr(), `('DNS', 'null\x00byte.example.org')`)
	assert.Contains(t, got.PythonRepr(), `('IP Address', '0:0:0:0:0:0:0:1')`)
}

// A SAN extension that lists no names gives an empty, present
// subjectAltName, as in Python; certificates without one have none.
func TestDecodeCertificateEmptySANIsPresent(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(0),
		Subject:         pkix.Name{CommonName: "empty san"},
		NotBefore:       time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:        time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		ExtraExtensions: []pkix.Extension{{Id: oidSAN, Value: []byte{0x30, 0x00}}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	path := writeFile(t, "emptysan.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	want := pythonDecode(t, []string{path})[0]
	got, err := sslctx.DecodeCertificate(der)
	require.NoError(t, err)
	assert.Equal(t, want, got.PythonRepr())
	assert.NotNil(t, got.SubjectAltName)
	assert.Empty(t, got.SubjectAltName)
	assert.Equal(t, "00", got.SerialNumber)
}

// Bad input is an error, as in Python; the zero Certificate prints as {}.
func TestDecodeCertificateErrors(t *testing.T) {
	_, err := sslctx.DecodeCertificate([]byte("garbage"))
	var se *errors.SSLError
	assert.True(t, errors.As(err, &se), "%v", err)
	_, err = sslctx.DecodeCertificate(nil)
	assert.Error(t, err)
	_, err = sslctx.DecodeCertFile("/nonexistent/cert.pem")
	assert.EqualError(t, err, "Can't open file")
	p := pki.ForTest(t)
	_, err = sslctx.DecodeCertFile(p.ServerRSA.KeyFile)
	assert.EqualError(t, err, "Error decoding PEM-encoded file")
	assert.Equal(t, "{}", (&sslctx.Certificate{}).PythonRepr())
	assert.True(t, strings.HasPrefix((&sslctx.Certificate{Version: 3}).PythonRepr(), "{'subject': ()"))
}
