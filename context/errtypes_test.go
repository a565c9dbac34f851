package sslctx_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
)

// The package's sentinel errors are typed like the rest: a closed context
// is a ValueError, as a closed MemoryBIO or SSLObject is, and NPN is not
// implemented.
func TestContextSentinelErrorsAreTyped(t *testing.T) {
	var ve *errors.ValueError
	assert.ErrorAs(t, sslctx.ErrClosed, &ve)
	assert.ErrorIs(t, sslctx.ErrClosed, errors.ErrValue)
	var ni *errors.NotImplementedError
	assert.ErrorAs(t, sslctx.ErrNPNUnsupported, &ni)
	assert.ErrorIs(t, sslctx.ErrNPNUnsupported, errors.ErrNotImplemented)
}
