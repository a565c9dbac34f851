package sslctx

import (
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// Certificate is a certificate decoded as Python's getpeercert() and
// get_ca_certs() decode it (CPython's _decode_certificate), with the
// dictionary's keys as fields. DecodeCertificate makes one; PythonRepr
// renders the dictionary exactly as Python prints it.
//
// The zero Certificate stands for Python's empty dictionary {}, which
// getpeercert() returns when the peer's certificate was not verified.
type Certificate struct {
	// Subject and Issuer are the names as a list of relative
	// distinguished names, in certificate order.
	Subject, Issuer []RDN
	// Version is the X.509 version (3 for v3 certificates).
	Version int
	// SerialNumber is the serial in upper-case hexadecimal with an even
	// number of digits, such as "0A1B" (OpenSSL's i2a_ASN1_INTEGER).
	SerialNumber string
	// NotBefore and NotAfter are the validity bounds in OpenSSL's
	// ASN1_TIME_print form, such as "Mar  3 18:05:08 2029 GMT", which
	// CertTimeToSeconds reads.
	NotBefore, NotAfter string
	// SubjectAltName lists the subject alternative names; nil when the
	// certificate has no such extension, non-nil and empty when the
	// extension lists none.
	SubjectAltName []GeneralName
	// OCSP and CAIssuers are the URIs of the authority information access
	// extension; CRLDistributionPoints the URIs of the CRL distribution
	// points (empty points are skipped). nil when there are none.
	OCSP, CAIssuers, CRLDistributionPoints []string
}

// RDN is one relative distinguished name: usually one attribute, several
// for a multi-valued RDN.
type RDN []AttributeTypeAndValue

// AttributeTypeAndValue is one attribute of a name.
type AttributeTypeAndValue struct {
	// Name is OpenSSL's long name of the attribute type, such as
	// "commonName" or "countryName", or the dotted OID when OpenSSL has no
	// name for it.
	Name string
	// Value is the value converted to UTF-8.
	Value string
	// BitString holds the value's bytes, and is non-nil, when the value is
	// an ASN.1 BIT STRING (Python gives bytes then); Value is "" then.
	BitString []byte
}

// GeneralName is one subject alternative name.
type GeneralName struct {
	// Type is Python's label: "DNS", "email", "URI", "DirName",
	// "IP Address", "Registered ID", or the label of OpenSSL's print form
	// for other kinds ("othername", "X400Name", "EdiPartyName").
	Type string
	// Value is the name as text: the raw string for DNS, email and URI
	// (NUL bytes kept), "a.b.c.d" or eight upper-case hexadecimal groups
	// for IP addresses ("<invalid>" for other lengths), the dotted OID or
	// long name for a registered ID, "<unsupported>" or OpenSSL's text for
	// other names. It is "" for DirName.
	Value string
	// DirName is the name when Type is "DirName".
	DirName []RDN
}

// IsZero reports whether c is the zero Certificate (Python's {}).
func (c *Certificate) IsZero() bool {
	return c.Subject == nil && c.Issuer == nil && c.Version == 0 && c.SerialNumber == "" &&
		c.NotBefore == "" && c.NotAfter == "" && c.SubjectAltName == nil && c.OCSP == nil &&
		c.CAIssuers == nil && c.CRLDistributionPoints == nil
}

// DecodeCertificate decodes a DER certificate as Python does for
// getpeercert(). The decoding runs in OpenSSL with the calls CPython's
// _decode_certificate makes (OBJ_obj2txt for attribute names,
// ASN1_STRING_to_UTF8, i2a_ASN1_INTEGER, ASN1_TIME_print,
// GENERAL_NAME_print), so the result equals Python's on the same OpenSSL,
// whatever names and print forms that version knows. A DER that OpenSSL cannot parse, or a DNS, email or URI
// name that is not valid UTF-8 (Python raises UnicodeDecodeError), is an
// error.
func DecodeCertificate(der []byte) (*Certificate, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	recs, st := cshim.DecodeCertDER(der)
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return certFromRecords(recs)
}

// DecodeCertFile reads the first PEM certificate of the file at path and
// decodes it; it is Python's ssl._ssl._test_decode_cert(path). A file that
// cannot be read is the args-only SSLError "Can't open file"; one without a
// PEM certificate "Error decoding PEM-encoded file".
func DecodeCertFile(path string) (*Certificate, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Plain("Can't open file")
	}
	recs, st := cshim.DecodeCertPEM(data)
	if st != nil {
		return nil, errors.Plain("Error decoding PEM-encoded file")
	}
	return certFromRecords(recs)
}

type recReader struct {
	recs []cshim.Record
	i    int
}

func (r *recReader) peek() (cshim.Record, bool) {
	if r.i >= len(r.recs) {
		return cshim.Record{}, false
	}
	return r.recs[r.i], true
}

func (r *recReader) next() (cshim.Record, bool) {
	rec, ok := r.peek()
	if ok {
		r.i++
	}
	return rec, ok
}

var errBadRecords = errors.New("certificate decoding: malformed record stream")

// readName reads the RDNs that follow a name-start record up to its end.
func (r *recReader) readName() ([]RDN, error) {
	name := []RDN{}
	for {
		rec, ok := r.next()
		if !ok {
			return nil, errBadRecords
		}
		switch rec.Tag {
		case 'E':
			return name, nil
		case 'R':
			name = append(name, RDN{})
		case 'A':
			if len(name) == 0 {
				return nil, errBadRecords
			}
			val, ok := r.next()
			if !ok {
				return nil, errBadRecords
			}
			a := AttributeTypeAndValue{Name: string(rec.Data)}
			switch val.Tag {
			case 'V':
				a.Value = string(val.Data)
			case 'B':
				a.BitString = append([]byte{}, val.Data...)
			default:
				return nil, errBadRecords
			}
			name[len(name)-1] = append(name[len(name)-1], a)
		default:
			return nil, errBadRecords
		}
	}
}

// utf8Value is Python's strict UTF-8 decoding of a raw ASN.1 string.
func utf8Value(b []byte) (string, error) {
	if !utf8.Valid(b) {
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return "", errors.NewValueError("'utf-8' codec can't decode byte 0x" +
					strconv.FormatUint(uint64(b[i]), 16) + " in position " + strconv.Itoa(i) +
					": invalid start byte")
			}
			i += size
		}
	}
	return string(b), nil
}

func certFromRecords(recs []cshim.Record) (*Certificate, error) {
	r := &recReader{recs: recs}
	c := &Certificate{}
	for {
		rec, ok := r.next()
		if !ok {
			break
		}
		var err error
		switch rec.Tag {
		case 'S':
			c.Subject, err = r.readName()
		case 'I':
			c.Issuer, err = r.readName()
		case 'v':
			c.Version, err = strconv.Atoi(string(rec.Data))
		case 's':
			c.SerialNumber = string(rec.Data)
		case 'b':
			c.NotBefore = string(rec.Data)
		case 'a':
			c.NotAfter = string(rec.Data)
		case 'X':
			c.SubjectAltName = []GeneralName{}
		case 'G':
			gn := GeneralName{Type: string(rec.Data)}
			val, ok := r.next()
			if !ok {
				return nil, errBadRecords
			}
			switch val.Tag {
			case 'D':
				gn.DirName, err = r.readName()
			case 'g':
				if gn.Type == "" {
					// OpenSSL printed a name without ':'.
					return nil, errors.NewValueError("Invalid value " + string(val.Data))
				}
				gn.Value, err = utf8Value(val.Data)
			default:
				return nil, errBadRecords
			}
			c.SubjectAltName = append(c.SubjectAltName, gn)
		case 'O', 'C', 'P':
			var s string
			s, err = utf8Value(rec.Data)
			switch rec.Tag {
			case 'O':
				c.OCSP = append(c.OCSP, s)
			case 'C':
				c.CAIssuers = append(c.CAIssuers, s)
			default:
				c.CRLDistributionPoints = append(c.CRLDistributionPoints, s)
			}
		default:
			return nil, errBadRecords
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func reprName(name []RDN) string {
	rdns := make([]string, len(name))
	for i, rdn := range name {
		attrs := make([]string, len(rdn))
		for j, a := range rdn {
			v := errors.PythonRepr(a.Value)
			if a.BitString != nil {
				v = pyBytes(a.BitString)
			}
			attrs[j] = pyTuple([]string{errors.PythonRepr(a.Name), v})
		}
		rdns[i] = pyTuple(attrs)
	}
	return pyTuple(rdns)
}

func reprStrings(ss []string) string {
	items := make([]string, len(ss))
	for i, s := range ss {
		items[i] = errors.PythonRepr(s)
	}
	return pyTuple(items)
}

// PythonRepr returns the text Python prints for the certificate's
// dictionary, such as "{'subject': ((('commonName', 'example.test'),),),
// 'issuer': ..., 'version': 3, ...}", with the keys in Python's order. The
// zero Certificate renders as "{}".
func (c *Certificate) PythonRepr() string {
	if c.IsZero() {
		return "{}"
	}
	var parts []string
	add := func(k, v string) { parts = append(parts, errors.PythonRepr(k)+": "+v) }
	add("subject", reprName(c.Subject))
	add("issuer", reprName(c.Issuer))
	add("version", strconv.Itoa(c.Version))
	add("serialNumber", errors.PythonRepr(c.SerialNumber))
	add("notBefore", errors.PythonRepr(c.NotBefore))
	add("notAfter", errors.PythonRepr(c.NotAfter))
	if c.SubjectAltName != nil {
		items := make([]string, len(c.SubjectAltName))
		for i, gn := range c.SubjectAltName {
			v := errors.PythonRepr(gn.Value)
			if gn.Type == "DirName" {
				v = reprName(gn.DirName)
			}
			items[i] = pyTuple([]string{errors.PythonRepr(gn.Type), v})
		}
		add("subjectAltName", pyTuple(items))
	}
	if len(c.OCSP) > 0 {
		add("OCSP", reprStrings(c.OCSP))
	}
	if len(c.CAIssuers) > 0 {
		add("caIssuers", reprStrings(c.CAIssuers))
	}
	if len(c.CRLDistributionPoints) > 0 {
		add("crlDistributionPoints", reprStrings(c.CRLDistributionPoints))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
