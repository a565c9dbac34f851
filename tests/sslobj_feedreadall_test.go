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
	"github.com/membio/membio/tests/memtest"
)

// records writes each message as its own record on from and returns the
// ciphertext of all of them, drained from from's outgoing BIO.
func records(t *testing.T, from *memtest.Peer, msgs ...[]byte) []byte {
	t.Helper()
	for _, m := range msgs {
		n, err := from.Obj.Write(m)
		require.NoError(t, err)
		require.Equal(t, len(m), n)
	}
	wire, err := from.Out.Read(-1)
	require.NoError(t, err)
	return wire
}

func TestSSLObjectFeedReadAllDecryptsEveryRecordAndReportsWantRead(t *testing.T) {
	c, s := defaultPair(t)
	a, b, d := bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("b"), 2000), bytes.Repeat([]byte("c"), 16<<10)
	wire := records(t, c, a, b, d)

	p := make([]byte, 64<<10)
	n, _, err := s.Obj.FeedReadAll(wire, p, nil)
	wantRead(t, err)
	assert.Equal(t, append(append(append([]byte{}, a...), b...), d...), p[:n])
	assert.Zero(t, s.In.Pending(), "every byte fed and consumed")

	// Nothing left: a plain want-read, as ReadInto reports it.
	n, _, err = s.Obj.FeedReadAll(nil, p, nil)
	wantRead(t, err)
	assert.Zero(t, n)
}

func TestSSLObjectFeedReadAllStopsWhenTheBufferIsFull(t *testing.T) {
	c, s := defaultPair(t)
	wire := records(t, c, []byte("0123456789"), []byte("abcdefghij"))

	p := make([]byte, 15)
	n, _, err := s.Obj.FeedReadAll(wire, p, nil)
	require.NoError(t, err, "a full buffer is not an error: more may be waiting")
	assert.Equal(t, "0123456789abcde", string(p[:n]))

	n, _, err = s.Obj.FeedReadAll(nil, p, nil)
	wantRead(t, err)
	assert.Equal(t, "fghij", string(p[:n]))
}

func TestSSLObjectFeedReadAllWithAnEmptyBufferOnlyFeeds(t *testing.T) {
	c, s := defaultPair(t)
	wire := records(t, c, []byte("hello"))

	n, _, err := s.Obj.FeedReadAll(wire, nil, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, len(wire), s.In.Pending())

	got, err := s.Obj.Read(100)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))
}

func TestSSLObjectFeedReadAllReturnsTheDataBeforeCloseNotify(t *testing.T) {
	c, s := defaultPair(t)
	wire := records(t, c, []byte("last words"))
	wantRead(t, c.Obj.Unwrap())
	closeNotify, err := c.Out.Read(-1)
	require.NoError(t, err)

	p := make([]byte, 1024)
	n, _, err := s.Obj.FeedReadAll(append(wire, closeNotify...), p, nil)
	require.NoError(t, err, "close_notify reads as the end of the data, as with ReadInto")
	assert.Equal(t, "last words", string(p[:n]))

	n, _, err = s.Obj.FeedReadAll(nil, p, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestSSLObjectFeedReadAllReturnsTheDataBeforeAFailingRecord(t *testing.T) {
	c, s := defaultPair(t)
	good := records(t, c, []byte("intact"))
	bad := records(t, c, []byte("tampered"))
	bad[len(bad)-1] ^= 0xff

	p := make([]byte, 1024)
	out := make([]byte, 1024)
	n, m, err := s.Obj.FeedReadAll(append(good, bad...), p, out)
	assert.Equal(t, "intact", string(p[:n]))
	require.Error(t, err)
	assert.NotErrorIs(t, err, errors.ErrWantRead)
	var sslErr *errors.SSLError
	require.ErrorAs(t, err, &sslErr)
	assert.Equal(t, "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", sslErr.Reason)

	// The fatal alert the failed read produced is drained into out (one
	// record, which TLS 1.3 sends as application data).
	require.Greater(t, m, 5)
	assert.Equal(t, byte(23), out[0])
	assert.Equal(t, m-5, int(out[3])<<8|int(out[4]), "one whole record")
	assert.Zero(t, s.Out.Pending())
}

func TestSSLObjectFeedReadAllDrainsTheOutgoingBIO(t *testing.T) {
	c, s := defaultPair(t)
	wire := records(t, c, []byte("ping"))
	n, err := s.Obj.Write([]byte("pong"))
	require.NoError(t, err)
	require.Equal(t, 4, n)
	pending := s.Out.Pending()
	require.Greater(t, pending, 0)

	p := make([]byte, 100)
	out := make([]byte, 10)
	n, m, err := s.Obj.FeedReadAll(wire, p, out)
	wantRead(t, err)
	assert.Equal(t, "ping", string(p[:n]))
	assert.Equal(t, 10, m, "out holds what fits")
	assert.Equal(t, pending-10, s.Out.Pending(), "the rest stays in the BIO")

	rest := make([]byte, 100)
	n, m, err = s.Obj.FeedReadAll(nil, nil, rest)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, pending-10, m)

	n, _, err = c.Obj.FeedReadAll(append(out, rest[:m]...), p, nil)
	wantRead(t, err)
	assert.Equal(t, "pong", string(p[:n]), "the drained bytes are the record")
}

func TestSSLObjectFeedReadAllRespectsTheBIOs(t *testing.T) {
	c, _ := defaultPair(t)
	require.NoError(t, c.In.WriteEOF())
	_, _, err := c.Obj.FeedReadAll([]byte("abc"), make([]byte, 5), nil)
	require.Error(t, err)
	assert.Equal(t, "cannot write() after write_eof()", err.Error())

	c2, _ := defaultPair(t)
	require.NoError(t, c2.In.Close())
	_, _, err = c2.Obj.FeedReadAll([]byte("abc"), make([]byte, 5), nil)
	assert.ErrorIs(t, err, bio.ErrClosed)

	c3, _ := defaultPair(t)
	require.NoError(t, c3.Out.Close())
	_, _, err = c3.Obj.FeedReadAll(nil, make([]byte, 5), make([]byte, 5))
	assert.ErrorIs(t, err, bio.ErrClosed)
	_, _, err = c3.Obj.FeedReadAll(nil, make([]byte, 5), nil)
	wantRead(t, err)
}

func TestSSLObjectReleaseBuffersIsOnByDefaultAndCanBeTurnedOff(t *testing.T) {
	c, s := defaultPair(t)
	assert.True(t, c.Obj.ReleaseBuffers(), "as Python's SSLContext sets it")
	require.NoError(t, c.Obj.SetReleaseBuffers(false))
	require.NoError(t, s.Obj.SetReleaseBuffers(false))
	assert.False(t, c.Obj.ReleaseBuffers())

	msg := bytes.Repeat([]byte("z"), 5000)
	for i := 0; i < 3; i++ {
		got, err := memtest.Send(c, s, msg)
		require.NoError(t, err)
		assert.Equal(t, msg, got)
	}
	assert.True(t, c.Obj.FreeBuffers(), "idle: nothing buffered")
	assert.True(t, s.Obj.FreeBuffers())
	got, err := memtest.Send(s, c, msg)
	require.NoError(t, err)
	assert.Equal(t, msg, got, "the buffers come back when needed")

	require.NoError(t, c.Obj.SetReleaseBuffers(true))
	assert.True(t, c.Obj.ReleaseBuffers())

	require.NoError(t, c.Obj.Close())
	assert.ErrorIs(t, c.Obj.SetReleaseBuffers(false), sslobj.ErrClosed)
	assert.False(t, c.Obj.ReleaseBuffers())
	assert.False(t, c.Obj.FreeBuffers())
}

func TestSSLObjectFreeBuffersKeepsUnprocessedRecords(t *testing.T) {
	c, s := defaultPair(t)
	require.NoError(t, s.Obj.SetReleaseBuffers(false))
	wire := records(t, c, []byte("first"), []byte("second"))

	// One read takes the first record; the second may stay in OpenSSL's
	// read buffer or in the BIO, and FreeBuffers must not lose it.
	p := make([]byte, 5)
	n, _, err := s.Obj.FeedReadAll(wire, p, nil)
	require.NoError(t, err)
	assert.Equal(t, "first", string(p[:n]))
	s.Obj.FreeBuffers()
	got, err := s.Obj.Read(100)
	require.NoError(t, err)
	assert.Equal(t, "second", string(got))
}

func TestSSLObjectFeedReadAllDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c, s := defaultPair(t)
	msg := make([]byte, 1024)
	wire := make([]byte, 64<<10)
	plain := make([]byte, 64<<10)
	assertStepDoesNotAllocate(t, func() error {
		_, m, err := c.Obj.WriteDrain(msg, wire)
		if err != nil {
			return err
		}
		if _, _, err := s.Obj.FeedReadAll(wire[:m], plain, wire); !errors.Is(err, errors.ErrWantRead) {
			return err
		}
		return nil
	})
}

// In release-buffers mode the memory BIOs give back their storage when a
// call empties them; what the BIOs report must not change.
func TestMemoryBIOsOfAReleasingObjectBehaveAfterTheirStorageIsFreed(t *testing.T) {
	c, s := defaultPair(t)
	require.True(t, c.Obj.ReleaseBuffers())
	for i := 0; i < 3; i++ {
		got, err := memtest.Send(c, s, []byte("round trip"))
		require.NoError(t, err)
		assert.Equal(t, "round trip", string(got))
		got, err = memtest.Send(s, c, bytes.Repeat([]byte("y"), 20000))
		require.NoError(t, err)
		assert.Len(t, got, 20000)
	}
	for _, b := range []*bio.MemoryBIO{c.In, c.Out, s.In, s.Out} {
		assert.Zero(t, b.Pending())
		assert.False(t, b.EOF())
		got, err := b.Read(-1)
		require.NoError(t, err)
		assert.Empty(t, got)
	}

	// The emptied outgoing BIO takes new bytes, and an emptied incoming
	// BIO still reports the end of the transport to the object.
	n, err := c.Out.Write([]byte("raw"))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, 3, c.Out.Pending())
	got, err := c.Out.Read(-1)
	require.NoError(t, err)
	assert.Equal(t, "raw", string(got))

	require.NoError(t, s.In.WriteEOF())
	assert.True(t, s.In.EOF())
	_, err = s.Obj.ReadInto(make([]byte, 10))
	assert.ErrorIs(t, err, errors.ErrEOF)
}

// Inputs of a few KiB are decrypted where they lie instead of being copied
// into the incoming BIO first; what the reads leave must still end up in
// the BIO, in order.
func TestSSLObjectFeedReadAllKeepsWhatALargeInputLeaves(t *testing.T) {
	c, s := defaultPair(t)
	msgs := [][]byte{bytes.Repeat([]byte("1"), 3000), bytes.Repeat([]byte("2"), 5000), bytes.Repeat([]byte("3"), 7000)}
	wire := records(t, c, msgs...)
	want := bytes.Join(msgs, nil)

	// A buffer smaller than the plaintext: the rest stays readable.
	p := make([]byte, 4000)
	n, _, err := s.Obj.FeedReadAll(wire, p, nil)
	require.NoError(t, err)
	got := append([]byte{}, p[:n]...)
	for {
		n, _, err = s.Obj.FeedReadAll(nil, p, nil)
		got = append(got, p[:n]...)
		if err != nil {
			wantRead(t, err)
			break
		}
	}
	assert.Equal(t, want, got)
	assert.Zero(t, s.In.Pending())

	// A large input cut in the middle of a record, then the rest.
	wire = records(t, c, msgs...)
	cut := len(wire) - 2500
	big := make([]byte, 64<<10)
	n1, _, err := s.Obj.FeedReadAll(wire[:cut], big, nil)
	wantRead(t, err)
	n2, _, err := s.Obj.FeedReadAll(wire[cut:], big[n1:], nil)
	wantRead(t, err)
	assert.Equal(t, want, big[:n1+n2])

	// Leftover bytes go to the incoming BIO after what it already held.
	wire = records(t, c, msgs...)
	_, err = s.In.Write(wire[:10])
	require.NoError(t, err)
	n, _, err = s.Obj.FeedReadAll(wire[10:], big, nil)
	wantRead(t, err)
	assert.Equal(t, want, big[:n])
}

func TestSSLObjectFeedReadAllReportsABadRecordInALargeInput(t *testing.T) {
	c, s := defaultPair(t)
	good := records(t, c, bytes.Repeat([]byte("g"), 4000))
	bad := records(t, c, bytes.Repeat([]byte("b"), 4000))
	bad[len(bad)-1] ^= 0xff

	p := make([]byte, 64<<10)
	n, _, err := s.Obj.FeedReadAll(append(good, bad...), p, nil)
	assert.Equal(t, 4000, n)
	var sslErr *errors.SSLError
	require.ErrorAs(t, err, &sslErr)
	assert.Equal(t, "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", sslErr.Reason)
}

// Large writes are encrypted straight into WriteDrain's out; what does not
// fit must follow in the outgoing BIO, after what it already held.
func TestSSLObjectWriteDrainOfLargeWritesKeepsTheRecordOrder(t *testing.T) {
	c, s := defaultPair(t)
	msg := bytes.Repeat([]byte("w"), 40000) // three records
	plain := make([]byte, 64<<10)

	for _, outLen := range []int{64 << 10, 20000, 100} {
		out := make([]byte, outLen)
		n, m, err := c.Obj.WriteDrain(msg, out)
		require.NoError(t, err)
		require.Equal(t, len(msg), n)
		rest, err := c.Out.Read(-1)
		require.NoError(t, err)
		if outLen > len(msg)+3*22 {
			assert.Empty(t, rest, "everything fitted")
		} else {
			assert.Equal(t, outLen, m, "out filled up")
		}
		k, _, err := s.Obj.FeedReadAll(append(out[:m], rest...), plain, nil)
		wantRead(t, err)
		assert.Equal(t, msg, plain[:k], "out %d", outLen)
	}

	// Bytes already waiting in the outgoing BIO come first.
	_, err := c.Obj.Write([]byte("first"))
	require.NoError(t, err)
	out := make([]byte, 64<<10)
	_, m, err := c.Obj.WriteDrain(msg, out)
	require.NoError(t, err)
	k, _, err := s.Obj.FeedReadAll(out[:m], plain, nil)
	wantRead(t, err)
	assert.Equal(t, append([]byte("first"), msg...), plain[:k])
}
