package errors

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNotImplementedErrorIsItsOwnKind(t *testing.T) {
	err := NewNotImplementedError("Getting signature algorithms requires OpenSSL 3.0 or later.")
	assert.Equal(t, "Getting signature algorithms requires OpenSSL 3.0 or later.", err.Error())
	assert.ErrorIs(t, err, ErrNotImplemented)
	assert.NotErrorIs(t, err, ErrValue)
	assert.NotErrorIs(t, err, ErrSSL)
	var ni *NotImplementedError
	require.ErrorAs(t, err, &ni)
	assert.Equal(t, "NotImplementedError", ni.PythonClass())
}
