//go:build !cgo

package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/sslobj"
)

func TestNewWithoutCgoSaysSo(t *testing.T) {
	_, err := sslobj.New(nil, nil, nil, sslobj.Options{})
	assert.ErrorIs(t, err, cshim.ErrNoCgo)
}
