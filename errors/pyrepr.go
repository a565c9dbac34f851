package errors

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PythonRepr returns Python's repr() of the str s, for messages and reprs
// in Python's format: single quotes unless s contains a single quote and no
// double quote, backslash escapes for the quote, backslash, \t, \n and \r,
// and \xNN, \uNNNN or \UNNNNNNNN for the characters Python's
// str.isprintable() rejects (control and format characters such as U+00AD,
// separators other than the space, unassigned and private-use code points).
// Invalid UTF-8 bytes are shown as \xNN, as Python would show the
// surrogate-escaped characters it decodes them to (\udcNN); the difference
// only matters for non-UTF-8 file names.
func PythonRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case r < 0x80 || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case r <= 0xffff:
			b.WriteString(`\u`)
			b.WriteString(pad(strconv.FormatInt(int64(r), 16), 4))
		default:
			b.WriteString(`\U`)
			b.WriteString(pad(strconv.FormatInt(int64(r), 16), 8))
		}
		i += size
	}
	b.WriteByte(quote)
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

func pad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
