//go:build cgo

package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/errors"
)

// sslErr checks that err is an SSL error of the kind matched by sentinel,
// with Python's errno, library, reason and message.
func sslErr(t testing.TB, err error, sentinel error, errno int, lib, reason, msg string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel, "error %v (%T)", err, err)
	var se *errors.SSLError
	require.True(t, errors.As(err, &se), "error %v (%T) is not an SSLError", err, err)
	assert.Equal(t, errno, se.Errno, "errno of %q", se.Strerror)
	assert.Equal(t, lib, se.Library, "library of %q", se.Strerror)
	assert.Equal(t, reason, se.Reason, "reason of %q", se.Strerror)
	if msg != "" {
		assert.Equal(t, msg, se.Strerror)
	}
}

// libReason checks only the library and reason of an SSL error.
func libReason(t testing.TB, err error, lib, reason string) {
	t.Helper()
	require.Error(t, err)
	var se *errors.SSLError
	require.True(t, errors.As(err, &se), "error %v (%T) is not an SSLError", err, err)
	assert.Equal(t, lib, se.Library, "library of %q", se.Strerror)
	assert.Equal(t, reason, se.Reason, "reason of %q", se.Strerror)
}

// certErr checks a certificate verification failure.
func certErr(t testing.TB, err error, code int64, verifyMsg string) {
	t.Helper()
	require.Error(t, err)
	var ce *errors.SSLCertVerificationError
	require.True(t, errors.As(err, &ce), "error %v (%T) is not an SSLCertVerificationError", err, err)
	assert.Equal(t, 1, ce.Errno)
	assert.Equal(t, "SSL", ce.Library)
	assert.Equal(t, "CERTIFICATE_VERIFY_FAILED", ce.Reason)
	assert.Equal(t, code, ce.VerifyCode)
	assert.Equal(t, verifyMsg, ce.VerifyMessage)
	assert.Equal(t, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "+verifyMsg, ce.Strerror)
	assert.ErrorIs(t, err, errors.ErrValue)
}

func wantRead(t testing.TB, err error) {
	t.Helper()
	sslErr(t, err, errors.ErrWantRead, 2, "", "", "The operation did not complete (read)")
}

func valueErr(t testing.TB, err error, msg string) {
	t.Helper()
	require.Error(t, err)
	var ve *errors.ValueError
	require.True(t, errors.As(err, &ve), "error %v (%T) is not a ValueError", err, err)
	assert.Equal(t, msg, ve.Msg)
}

func typeErr(t testing.TB, err error, msg string) {
	t.Helper()
	require.Error(t, err)
	var te *errors.TypeError
	require.True(t, errors.As(err, &te), "error %v (%T) is not a TypeError", err, err)
	assert.Equal(t, msg, te.Msg)
}
