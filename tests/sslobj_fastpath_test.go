//go:build cgo

package tests

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

// The combined calls alone drive a handshake and carry data.
func TestSSLObjectFastPathsDriveHandshakeAndData(t *testing.T) {
	p := pki.ForTest(t)
	c, s := newPair(t, clientCtx(t, p), serverCtx(t, p, p.ServerRSA), sslobj.Options{ServerHostname: pki.Host})
	wire := make([]byte, 64<<10)
	plain := make([]byte, 16<<10)

	// An empty write drives the handshake and drains what it produced.
	var toS, toC []byte
	cDone, sDone := false, false
	for i := 0; i < 10 && !(cDone && sDone); i++ {
		if !cDone {
			_, err := c.Obj.FeedReadInto(toC, nil)
			require.NoError(t, err)
			toC = nil
			_, m, err := c.Obj.WriteDrain(nil, wire)
			toS = append(toS, wire[:m]...)
			cDone = err == nil
			if !cDone {
				wantRead(t, err)
			}
		}
		if !sDone {
			_, err := s.Obj.FeedReadInto(toS, nil)
			require.NoError(t, err)
			toS = nil
			_, m, err := s.Obj.WriteDrain(nil, wire)
			toC = append(toC, wire[:m]...)
			sDone = err == nil
			if !sDone {
				wantRead(t, err)
			}
		}
	}
	require.True(t, cDone && sDone, "handshake finished")
	if len(toS) > 0 {
		_, err := s.Obj.FeedReadInto(toS, plain)
		wantRead(t, err)
	}
	if len(toC) > 0 {
		_, err := c.Obj.FeedReadInto(toC, plain)
		wantRead(t, err)
	}

	// Steady state: a record each way.
	msg := bytes.Repeat([]byte("x"), 3000)
	n, m, err := s.Obj.WriteDrain(msg, wire)
	require.NoError(t, err)
	assert.Equal(t, len(msg), n)
	assert.Equal(t, 0, s.Out.Pending(), "everything fitted into wire")
	k, err := c.Obj.FeedReadInto(wire[:m], plain)
	require.NoError(t, err)
	assert.Equal(t, msg, plain[:k])

	// A small out leaves the rest in the BIO.
	n, m, err = s.Obj.WriteDrain(msg, wire[:10])
	require.NoError(t, err)
	assert.Equal(t, len(msg), n)
	assert.Equal(t, 10, m)
	assert.Greater(t, s.Out.Pending(), 0)
}

func TestSSLObjectFeedReadIntoRespectsTheIncomingBIO(t *testing.T) {
	c, _ := defaultPair(t)
	require.NoError(t, c.In.WriteEOF())
	_, err := c.Obj.FeedReadInto([]byte("abc"), make([]byte, 5))
	require.Error(t, err)
	assert.Equal(t, "cannot write() after write_eof()", err.Error())
	assert.ErrorIs(t, err, errors.ErrSSL)

	c2, _ := defaultPair(t)
	require.NoError(t, c2.In.Close())
	_, err = c2.Obj.FeedReadInto([]byte("abc"), make([]byte, 5))
	assert.ErrorIs(t, err, bio.ErrClosed)
	require.NoError(t, c2.Out.Close())
	_, _, err = c2.Obj.WriteDrain([]byte("abc"), make([]byte, 5))
	assert.ErrorIs(t, err, bio.ErrClosed)
}
