//go:build cgo

package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/errors"
)

// The data path allocates nothing in Go: Write, ReadInto, a want-read
// result and the MemoryBIO calls that move ciphertext.
func TestSSLObjectDataPathDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c, s := defaultPair(t)
	msg := make([]byte, 1024)
	wire := make([]byte, 64<<10)
	plain := make([]byte, 16<<10)

	// Warm up: tickets and buffers.
	for i := 0; i < 3; i++ {
		_, err := c.Obj.Write(msg)
		require.NoError(t, err)
		n, err := c.Out.ReadInto(wire)
		require.NoError(t, err)
		_, err = s.In.Write(wire[:n])
		require.NoError(t, err)
		_, err = s.Obj.ReadInto(plain)
		require.NoError(t, err)
	}
	var failed error
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := c.Obj.Write(msg); err != nil {
			failed = err
		}
		n, err := c.Out.ReadInto(wire)
		if err != nil {
			failed = err
		}
		if _, err := s.In.Write(wire[:n]); err != nil {
			failed = err
		}
		if _, err := s.Obj.ReadInto(plain); err != nil {
			failed = err
		}
	})
	require.NoError(t, failed)
	assert.Zero(t, allocs, "Write + MemoryBIO.ReadInto + MemoryBIO.Write + ReadInto")

	allocs = testing.AllocsPerRun(200, func() {
		_, err := s.Obj.ReadInto(plain)
		if err != errors.WantRead() {
			failed = err
		}
	})
	require.NoError(t, failed)
	assert.Zero(t, allocs, "a want-read ReadInto")

	allocs = testing.AllocsPerRun(200, func() {
		if err := c.Obj.DoHandshake(); err != nil {
			failed = err
		}
		c.Obj.Pending()
	})
	require.NoError(t, failed)
	assert.Zero(t, allocs, "DoHandshake after the handshake, Pending")
}

func TestSSLObjectFastPathsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c, s := defaultPair(t)
	msg := make([]byte, 1024)
	wire := make([]byte, 64<<10)
	plain := make([]byte, 16<<10)
	assertStepDoesNotAllocate(t, func() error {
		_, m, err := c.Obj.WriteDrain(msg, wire)
		if err != nil {
			return err
		}
		_, err = s.Obj.FeedReadInto(wire[:m], plain)
		return err
	})
}

// assertStepDoesNotAllocate warms step up, then checks that it allocates
// nothing and never fails.
func assertStepDoesNotAllocate(t *testing.T, step func() error) {
	t.Helper()
	var failed error
	run := func() {
		if err := step(); err != nil && failed == nil {
			failed = err
		}
	}
	for i := 0; i < 3; i++ {
		run()
	}
	allocs := testing.AllocsPerRun(200, run)
	require.NoError(t, failed)
	assert.Zero(t, allocs)
}
