// Package pki builds the certificates, keys and parameter files that the
// membio tests, the demo and the benchmarks use.
//
// Everything is produced with Go's crypto packages; no external tool is run.
// Key generation (RSA-2048 in particular) is the slow part, so the keys and
// certificates are made once per process and then written out as often as
// needed: Generate and ForTest only write files.
package pki

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostnames and addresses that the server certificates are valid for.
const (
	// Host is the DNS name every "good" server certificate carries.
	Host = "example.test"
	// WildcardHost matches the *.wild.test SAN of the good server certificates.
	WildcardHost = "a.wild.test"
	// OtherHost is the only DNS name of ServerOther.
	OtherHost = "other.test"
	// WrongHost is the only DNS name of WrongHost.
	WrongHost = "wrong.test"
	// IP is the address the good server certificates and IPOnly carry.
	IP = "127.0.0.1"
	// Password protects the key file of EncryptedKey.
	Password = "membio-secret"
)

// Cert is one certificate with its key and the PEM files it was written to.
type Cert struct {
	// Name is the base name of the files, such as "server-rsa".
	Name string
	// CertFile holds the certificate alone, KeyFile the private key
	// (PKCS#8, or encrypted PKCS#1 for PKI.EncryptedKey), and ChainFile the
	// certificate followed by its intermediates, the form that
	// load_cert_chain expects.
	CertFile, KeyFile, ChainFile string
	// Cert is the parsed certificate and DER its encoding.
	Cert *x509.Certificate
	DER  []byte
	// Key is the private key.
	Key crypto.Signer
	// TLS holds the certificate, its intermediates and the key, ready for a
	// crypto/tls Config.
	TLS tls.Certificate
	// chain holds the DER of the intermediates after the leaf.
	chain  [][]byte
	keyPEM []byte
}

// Pool returns a new pool holding only this certificate, for use as a root.
func (c *Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// PKI is a complete set of test certificates written under Dir.
//
// All leaves and the intermediate are signed by Root unless stated
// otherwise. The "good" server certificates (ServerRSA, ServerECDSA,
// ServerViaIntermediate) carry the SANs DNS:example.test, DNS:*.wild.test,
// DNS:localhost and IP:127.0.0.1 (not ::1) and the serverAuth extended key
// usage.
type PKI struct {
	Dir string

	// Root and Intermediate form the trusted hierarchy; OtherRoot is an
	// unrelated CA that nothing trusts.
	Root, Intermediate, OtherRoot *Cert

	// ServerRSA has an RSA-2048 key and ServerECDSA a P-256 key.
	ServerRSA, ServerECDSA *Cert
	// ServerViaIntermediate is signed by Intermediate; its ChainFile and TLS
	// value include the intermediate.
	ServerViaIntermediate *Cert
	// ServerOther is valid for other.test only, for SNI context switching.
	ServerOther *Cert
	// Expired lapsed a year ago; WrongHost is valid for wrong.test only;
	// SelfSigned is a self-signed certificate for the good names.
	Expired, WrongHost, SelfSigned *Cert
	// IPOnly carries the single SAN IP:127.0.0.1.
	IPOnly *Cert
	// UnknownCAServer is a good server certificate signed by OtherRoot.
	UnknownCAServer *Cert
	// Client (RSA) and ClientECDSA carry CN=client and the clientAuth
	// extended key usage.
	Client, ClientECDSA *Cert
	// EncryptedKey is ServerRSA's certificate with its key encrypted under
	// Password in the legacy PEM form (Proc-Type and DEK-Info headers,
	// AES-256-CBC) that OpenSSL reads.
	EncryptedKey *Cert
	Password     string

	// CAFile holds Root; CAFileWithIntermediate holds Root and Intermediate.
	CAFile, CAFileWithIntermediate string
	// DHParamsFile holds the 2048-bit RFC 7919 ffdhe2048 group as
	// "BEGIN DH PARAMETERS".
	DHParamsFile string
}

// Certs returns every certificate of p, in a fixed order.
func (p *PKI) Certs() []*Cert {
	return []*Cert{
		p.Root, p.Intermediate, p.OtherRoot,
		p.ServerRSA, p.ServerECDSA, p.ServerViaIntermediate, p.ServerOther,
		p.Expired, p.WrongHost, p.SelfSigned, p.IPOnly, p.UnknownCAServer,
		p.Client, p.ClientECDSA, p.EncryptedKey,
	}
}

// RootPool returns a new pool holding Root.
func (p *PKI) RootPool() *x509.CertPool { return p.Root.Pool() }

// Generate writes a complete PKI under dir, which must exist, and returns it.
// The file names are fixed (for example "server-rsa.pem", "server-rsa.key",
// "server-rsa-chain.pem", "ca.pem", "dhparams.pem"), so a second call with
// the same dir overwrites the first. The keys and certificates are made once
// per process; every call writes the same material.
func Generate(dir string) (*PKI, error) {
	m, err := loadMaterial()
	if err != nil {
		return nil, err
	}
	return m.write(dir)
}

var (
	forTestOnce sync.Once
	forTestPKI  *PKI
	forTestErr  error
)

// ForTest returns a PKI shared by the whole test process. It is generated on
// the first call into a directory made with os.MkdirTemp; the directory is
// left in place when the process ends, so the files stay valid for the
// process's lifetime whichever test asked first. Callers must not modify the
// files or the returned values.
func ForTest(t testing.TB) *PKI {
	t.Helper()
	forTestOnce.Do(func() {
		var dir string
		dir, forTestErr = os.MkdirTemp("", "membio-pki-")
		if forTestErr != nil {
			return
		}
		forTestPKI, forTestErr = Generate(dir)
	})
	if forTestErr != nil {
		t.Fatalf("pki: %v", forTestErr)
	}
	return forTestPKI
}

// material is the in-memory PKI: certificates and keys, no files.
type material struct {
	certs map[string]*Cert
}

var loadMaterial = sync.OnceValues(buildMaterial)

func ecKey() (crypto.Signer, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func subject(cn string) pkix.Name {
	return pkix.Name{
		Country:            []string{"XY"},
		Province:           []string{"Test Province"},
		Organization:       []string{"membio test"},
		OrganizationalUnit: []string{"testing"},
		CommonName:         cn,
	}
}

func serial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

// leafTemplate returns the template shared by the leaves.
// RSA leaves may also encipher keys (TLS 1.2 RSA key exchange).
func leafTemplate(cn string, isRSA bool, ext x509.ExtKeyUsage, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	ku := x509.KeyUsageDigitalSignature
	if isRSA {
		ku |= x509.KeyUsageKeyEncipherment
	}
	return &x509.Certificate{
		SerialNumber:          sn,
		Subject:               subject(cn),
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              ku,
		ExtKeyUsage:           []x509.ExtKeyUsage{ext},
		BasicConstraintsValid: true,
	}, nil
}

func goodNames(tmpl *x509.Certificate) {
	tmpl.DNSNames = []string{Host, "*.wild.test", "localhost"}
	tmpl.IPAddresses = []net.IP{net.ParseIP(IP)}
}

func caTemplate(cn string, maxPathLen int, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          sn,
		Subject:               subject(cn),
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            maxPathLen,
		MaxPathLenZero:        maxPathLen == 0,
	}, nil
}

// sign creates the certificate; parent nil means self-signed.
func sign(name string, tmpl *x509.Certificate, key crypto.Signer, parent *Cert) (*Cert, error) {
	pCert, pKey := tmpl, key
	var chain [][]byte
	if parent != nil {
		pCert, pKey = parent.Cert, parent.Key
		// Intermediates follow the leaf; roots are never sent.
		if !bytes.Equal(parent.Cert.RawIssuer, parent.Cert.RawSubject) {
			chain = append([][]byte{parent.DER}, parent.chain...)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, pCert, key.Public(), pKey)
	if err != nil {
		return nil, fmt.Errorf("pki: create %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse %s: %w", name, err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal key of %s: %w", name, err)
	}
	c := &Cert{
		Name:   name,
		Cert:   cert,
		DER:    der,
		Key:    key,
		chain:  chain,
		keyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}
	c.TLS = tls.Certificate{
		Certificate: append([][]byte{der}, chain...),
		PrivateKey:  key,
		Leaf:        cert,
	}
	return c, nil
}

func buildMaterial() (*material, error) {
	now := time.Now().Truncate(time.Second)
	nb, na := now.Add(-time.Hour), now.AddDate(1, 0, 0)

	// The two RSA keys are the slow part; make them side by side.
	var rsaKeys [2]*rsa.PrivateKey
	var rsaErrs [2]error
	var wg sync.WaitGroup
	for i := range rsaKeys {
		wg.Go(func() { rsaKeys[i], rsaErrs[i] = rsa.GenerateKey(rand.Reader, 2048) })
	}
	wg.Wait()
	if err := errors.Join(rsaErrs[:]...); err != nil {
		return nil, fmt.Errorf("pki: rsa key: %w", err)
	}
	serverRSAKey, clientRSAKey := rsaKeys[0], rsaKeys[1]

	m := &material{certs: map[string]*Cert{}}
	var firstErr error
	add := func(name string, tmpl *x509.Certificate, err error, key crypto.Signer, parent *Cert) *Cert {
		if firstErr != nil {
			return nil
		}
		if err != nil {
			firstErr = err
			return nil
		}
		if key == nil {
			if key, err = ecKey(); err != nil {
				firstErr = err
				return nil
			}
		}
		c, err := sign(name, tmpl, key, parent)
		if err != nil {
			firstErr = err
			return nil
		}
		m.certs[name] = c
		return c
	}

	tmpl, err := caTemplate("membio test root CA", 1, nb, na.AddDate(1, 0, 0))
	root := add("ca", tmpl, err, nil, nil)
	tmpl, err = caTemplate("membio test intermediate CA", 0, nb, na.AddDate(1, 0, 0))
	add("intermediate", tmpl, err, nil, root)
	tmpl, err = caTemplate("membio other root CA", 1, nb, na.AddDate(1, 0, 0))
	add("other-ca", tmpl, err, nil, nil)
	if firstErr != nil {
		return nil, firstErr
	}
	inter, other := m.certs["intermediate"], m.certs["other-ca"]

	good := func(name, cn string, key crypto.Signer, parent *Cert) {
		tmpl, err := leafTemplate(cn, key != nil, x509.ExtKeyUsageServerAuth, nb, na)
		if err == nil {
			goodNames(tmpl)
		}
		add(name, tmpl, err, key, parent)
	}
	good("server-rsa", Host, serverRSAKey, root)
	good("server-ecdsa", Host, nil, root)
	good("server-intermediate", Host, nil, inter)
	good("unknown-ca-server", Host, nil, other)

	tmpl, err = leafTemplate(OtherHost, false, x509.ExtKeyUsageServerAuth, nb, na)
	if err == nil {
		tmpl.DNSNames = []string{OtherHost}
	}
	add("server-other", tmpl, err, nil, root)

	tmpl, err = leafTemplate(Host, false, x509.ExtKeyUsageServerAuth, now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0))
	if err == nil {
		goodNames(tmpl)
	}
	add("expired", tmpl, err, nil, root)

	tmpl, err = leafTemplate(WrongHost, false, x509.ExtKeyUsageServerAuth, nb, na)
	if err == nil {
		tmpl.DNSNames = []string{WrongHost}
	}
	add("wrong-host", tmpl, err, nil, root)

	tmpl, err = leafTemplate(Host, false, x509.ExtKeyUsageServerAuth, nb, na)
	if err == nil {
		goodNames(tmpl)
	}
	add("self-signed", tmpl, err, nil, nil)

	tmpl, err = leafTemplate(IP, false, x509.ExtKeyUsageServerAuth, nb, na)
	if err == nil {
		tmpl.IPAddresses = []net.IP{net.ParseIP(IP)}
	}
	add("ip-only", tmpl, err, nil, root)

	tmpl, err = leafTemplate("client", true, x509.ExtKeyUsageClientAuth, nb, na)
	add("client", tmpl, err, clientRSAKey, root)
	tmpl, err = leafTemplate("client", false, x509.ExtKeyUsageClientAuth, nb, na)
	add("client-ecdsa", tmpl, err, nil, root)
	if firstErr != nil {
		return nil, firstErr
	}

	// EncryptedKey shares ServerRSA's certificate and key; only its key file
	// differs.
	srv := m.certs["server-rsa"]
	enc := *srv
	enc.Name = "server-rsa-encrypted"
	enc.keyPEM, err = encryptLegacyPEM(x509.MarshalPKCS1PrivateKey(serverRSAKey), Password)
	if err != nil {
		return nil, err
	}
	m.certs[enc.Name] = &enc
	return m, nil
}

// encryptLegacyPEM encrypts a PKCS#1 RSA key in OpenSSL's traditional PEM
// form: AES-256-CBC with the key derived by EVP_BytesToKey (MD5, one round)
// from the password and the first 8 bytes of the IV.
func encryptLegacyPEM(der []byte, password string) ([]byte, error) {
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	key := bytesToKey([]byte(password), iv[:8], 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(der)%aes.BlockSize
	plain := append(bytes.Clone(der), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plain)
	return pem.EncodeToMemory(&pem.Block{
		Type: "RSA PRIVATE KEY",
		Headers: map[string]string{
			"Proc-Type": "4,ENCRYPTED",
			"DEK-Info":  "AES-256-CBC," + strings.ToUpper(hex.EncodeToString(iv)),
		},
		Bytes: out,
	}), nil
}

// bytesToKey is OpenSSL's EVP_BytesToKey with MD5 and a count of one.
func bytesToKey(password, salt []byte, n int) []byte {
	var out, prev []byte
	for len(out) < n {
		h := md5.New()
		h.Write(prev)
		h.Write(password)
		h.Write(salt)
		prev = h.Sum(nil)
		out = append(out, prev...)
	}
	return out[:n]
}

// ffdhe2048P is the prime of the ffdhe2048 group of RFC 7919, appendix A.1;
// its generator is 2.
const ffdhe2048P = "" +
	"FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695" +
	"A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A" +
	"D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935" +
	"984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A" +
	"BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4" +
	"AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61" +
	"9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005" +
	"C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF"

// DHParams returns the ffdhe2048 prime and generator written to DHParamsFile.
func DHParams() (p, g *big.Int) {
	p, ok := new(big.Int).SetString(ffdhe2048P, 16)
	if !ok {
		panic("pki: bad ffdhe2048 constant")
	}
	return p, big.NewInt(2)
}

// dhParamsPEM encodes PKCS#3 DHParameter ::= SEQUENCE { prime, base }.
func dhParamsPEM() ([]byte, error) {
	p, g := DHParams()
	der, err := asn1.Marshal(struct{ P, G *big.Int }{p, g})
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: der}), nil
}

func certPEM(ders ...[]byte) []byte {
	var b bytes.Buffer
	for _, d := range ders {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d})
	}
	return b.Bytes()
}

func (m *material) write(dir string) (*PKI, error) {
	writeFile := func(name string, data []byte) (string, error) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return "", fmt.Errorf("pki: %w", err)
		}
		return path, nil
	}
	out := map[string]*Cert{}
	for name, src := range m.certs {
		c := *src
		var err error
		certName := name
		if name == "server-rsa-encrypted" {
			certName = "server-rsa"
		}
		if c.CertFile, err = writeFile(certName+".pem", certPEM(c.DER)); err != nil {
			return nil, err
		}
		if c.KeyFile, err = writeFile(name+".key", c.keyPEM); err != nil {
			return nil, err
		}
		chain := append([][]byte{c.DER}, c.chain...)
		if c.ChainFile, err = writeFile(certName+"-chain.pem", certPEM(chain...)); err != nil {
			return nil, err
		}
		out[name] = &c
	}
	p := &PKI{
		Dir:                   dir,
		Root:                  out["ca"],
		Intermediate:          out["intermediate"],
		OtherRoot:             out["other-ca"],
		ServerRSA:             out["server-rsa"],
		ServerECDSA:           out["server-ecdsa"],
		ServerViaIntermediate: out["server-intermediate"],
		ServerOther:           out["server-other"],
		Expired:               out["expired"],
		WrongHost:             out["wrong-host"],
		SelfSigned:            out["self-signed"],
		IPOnly:                out["ip-only"],
		UnknownCAServer:       out["unknown-ca-server"],
		Client:                out["client"],
		ClientECDSA:           out["client-ecdsa"],
		EncryptedKey:          out["server-rsa-encrypted"],
		Password:              Password,
	}
	var err error
	p.CAFile = p.Root.CertFile
	if p.CAFileWithIntermediate, err = writeFile("ca-with-intermediate.pem", certPEM(p.Root.DER, p.Intermediate.DER)); err != nil {
		return nil, err
	}
	dh, err := dhParamsPEM()
	if err != nil {
		return nil, err
	}
	if p.DHParamsFile, err = writeFile("dhparams.pem", dh); err != nil {
		return nil, err
	}
	return p, nil
}
