//go:build cgo

package sslctx_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/membio/membio/context"
	"github.com/membio/membio/tests/pki"
)

// FuzzDecodeCertificate feeds arbitrary bytes to the C certificate decoder:
// it must return a certificate or an error, never crash, and a decoded
// certificate must render.
func FuzzDecodeCertificate(f *testing.F) {
	p := pki.ForTest(f)
	for _, c := range p.Certs() {
		f.Add(c.DER)
	}
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := sslctx.DecodeCertificate(der)
		if err != nil {
			assert.Nil(t, c)
			return
		}
		assert.NotEmpty(t, c.PythonRepr())
	})
}
