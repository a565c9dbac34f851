package sslobj

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/errors"
)

func TestEncodeHostnameKeepsASCIINamesAsGiven(t *testing.T) {
	for _, h := range []string{"example.test", "Example.Test", "example.test.", "ex ample.test", "127.0.0.1", "::1", "[::1]"} {
		got, err := EncodeHostname(h)
		require.NoError(t, err, h)
		assert.Equal(t, h, got)
	}
}

func TestEncodeHostnameMapsUnicodeLabels(t *testing.T) {
	for in, want := range map[string]string{
		"pythön.org":   "xn--pythn-mua.org",
		"Pythön.Org":   "xn--pythn-mua.Org",
		"straße.de":    "strasse.de",
		"ａｂｃ.test":     "abc.test",
		"abc。test":     "abc.test",
		"例え.テスト":       "xn--r8jz45g.xn--zckzah",
		"bücher.test.": "xn--bcher-kva.test.",
		"ΣΑΣ.gr":       "xn--mxa9ab.gr",
		"Ⅸ.test":       "ix.test",
		"☃.net":        "xn--n3h.net",
	} {
		got, err := EncodeHostname(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestEncodeHostnameErrors(t *testing.T) {
	for _, h := range []string{".example.org", "a..b", ".", "\u200d.x", strings.Repeat("x", 64) + ".y"} {
		_, err := EncodeHostname(h)
		assert.ErrorIs(t, err, errors.ErrValue, h)
		assert.Equal(t, "encoding with 'idna' codec failed (UnicodeError: label empty or too long)", err.Error(), h)
	}
	_, err := EncodeHostname(strings.Repeat("x", 64))
	assert.Equal(t, "encoding with 'idna' codec failed (UnicodeError: label too long)", err.Error())
	_, err = EncodeHostname("a\x00b")
	assert.ErrorIs(t, err, errors.ErrType)
	assert.Equal(t, "argument must be encoded string without null bytes, not str", err.Error())
}

// FuzzEncodeHostname checks that encoding never panics and that what it
// accepts is what OpenSSL can take: ASCII, no NUL, no leading dot, and
// an ASCII name unchanged.
func FuzzEncodeHostname(f *testing.F) {
	for _, s := range []string{"example.test", "pythön.org", ".x", "a..b", "例え.テスト", "a\x00", "\xff", "ß.", "x。"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		got, err := EncodeHostname(s)
		if err != nil {
			if !errors.Is(err, errors.ErrValue) && !errors.Is(err, errors.ErrType) {
				t.Fatalf("%q: unexpected error kind %T %v", s, err, err)
			}
			return
		}
		if !isASCII(got) || strings.IndexByte(got, 0) >= 0 || got == "" || got[0] == '.' {
			t.Fatalf("%q encoded to %q", s, got)
		}
		if isASCII(s) && got != s {
			t.Fatalf("ASCII %q changed to %q", s, got)
		}
	})
}
