package sslobj

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/membio/membio/errors"
)

// idnaLabel maps one non-ASCII label the way IDNA 2003's nameprep and
// ToASCII do, as closely as UTS #46 transitional processing allows: case
// folding, NFKC, ß to ss, joiners removed, the Bidi rule, no STD3 limits.
var idnaLabel = idna.New(
	idna.MapForLookup(),
	idna.Transitional(true),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.BidiRule(),
)

// idnaError returns the error Python's str.encode("idna") raises, a
// UnicodeError (a ValueError subclass), with its text.
func idnaError(reason string) error {
	return errors.NewValueError("encoding with 'idna' codec failed (UnicodeError: " + reason + ")")
}

const errLabel = "label empty or too long"

// isDot reports whether r is one of the label separators of Python's idna
// codec: U+002E, U+3002, U+FF0E and U+FF61.
func isDot(r rune) bool {
	return r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// EncodeHostname returns the A-label form of a server hostname, as Python's
// SSLContext._encode_hostname does with the "idna" codec (IDNA 2003), and
// then applies the checks of _ssl's _wrap_bio and _ssl_configure_hostname.
//
// An all-ASCII name is kept as given, case included ("Example.Test" stays
// so; verification is case-insensitive), with only the codec's label length
// checks: every label but the last must be 1 to 63 bytes, the last at most
// 63 (so a trailing dot is accepted). Characters outside DNS's alphabet,
// such as a space, are accepted as Python accepts them.
//
// Non-ASCII labels are mapped with golang.org/x/net/idna (UTS #46
// transitional processing) and Punycode-encoded with the "xn--" prefix;
// ASCII labels of a non-ASCII name are kept as given. UTS #46 differs from
// IDNA 2003's nameprep in corner cases: characters unassigned in Unicode
// 3.2 or prohibited by stringprep but valid in UTS #46 (and the reverse),
// and the error text, which is x/net's rather than Python's "Invalid
// character" or "Violation of BIDI requirement".
//
// The errors are a *errors.ValueError with Python's UnicodeError text
// ("encoding with 'idna' codec failed (UnicodeError: label empty or too
// long)") for a bad label, which includes an empty name part and a leading
// dot, and a *errors.TypeError for an embedded NUL ("argument must be
// encoded string without null bytes, not str"). The empty string is not a
// hostname: callers treat it as "none" before calling.
func EncodeHostname(name string) (string, error) {
	var out string
	if isASCII(name) {
		labels := strings.Split(name, ".")
		for _, l := range labels[:len(labels)-1] {
			if len(l) == 0 || len(l) >= 64 {
				return "", idnaError(errLabel)
			}
		}
		if len(labels[len(labels)-1]) >= 64 {
			return "", idnaError("label too long")
		}
		out = name
	} else {
		labels := splitFunc(name, isDot)
		trailingDot := false
		if len(labels) > 0 && labels[len(labels)-1] == "" {
			trailingDot = true
			labels = labels[:len(labels)-1]
		}
		var b strings.Builder
		for i, l := range labels {
			a, err := toASCIILabel(l)
			if err != nil {
				return "", err
			}
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(a)
		}
		if trailingDot {
			b.WriteByte('.')
		}
		out = b.String()
	}
	if strings.IndexByte(out, 0) >= 0 {
		return "", errors.NewTypeError("argument must be encoded string without null bytes, not str")
	}
	if out == "" || out[0] == '.' {
		return "", errors.NewValueError("server_hostname cannot be an empty string or start with a leading dot.")
	}
	return out, nil
}

func splitFunc(s string, sep func(rune) bool) []string {
	var parts []string
	start := 0
	for i, r := range s {
		if sep(r) {
			parts = append(parts, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	return append(parts, s[start:])
}

// toASCIILabel is the codec's ToASCII for one label.
func toASCIILabel(l string) (string, error) {
	if isASCII(l) {
		if len(l) == 0 || len(l) >= 64 {
			return "", idnaError(errLabel)
		}
		return l, nil
	}
	a, err := idnaLabel.ToASCII(l)
	if err != nil {
		return "", idnaError(err.Error())
	}
	if strings.ContainsRune(a, '.') {
		// The mapping produced a separator (for example from U+2024);
		// IDNA 2003 would keep it inside one label.
		return "", idnaError("Invalid character in label")
	}
	if len(a) == 0 || len(a) >= 64 {
		return "", idnaError(errLabel)
	}
	return a, nil
}
