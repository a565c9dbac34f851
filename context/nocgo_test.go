//go:build !cgo

package sslctx_test

import (
	"testing"

	"github.com/membio/membio/context"
	"github.com/membio/membio/cshim"
	"github.com/stretchr/testify/assert"
)

// Without cgo the constructors return cshim.ErrNoCgo instead of crashing.
func TestConstructorsWithoutCgo(t *testing.T) {
	_, err := sslctx.New(sslctx.ProtocolTLSClient)
	assert.ErrorIs(t, err, cshim.ErrNoCgo)
	_, err = sslctx.CreateDefaultContext(sslctx.PurposeServerAuth, "", "", sslctx.CAData{})
	assert.ErrorIs(t, err, cshim.ErrNoCgo)
	_, err = sslctx.DecodeCertificate([]byte{0x30})
	assert.ErrorIs(t, err, cshim.ErrNoCgo)
	_, err = sslctx.RANDBytes(1)
	assert.ErrorIs(t, err, cshim.ErrNoCgo)
}
