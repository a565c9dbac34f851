package bio_test

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/errors"
)

func newBIO(t testing.TB) *bio.MemoryBIO {
	t.Helper()
	m, err := bio.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestMemoryBIOReadWriteIsFIFOWithPartialReads(t *testing.T) {
	m := newBIO(t)
	got, err := m.Read(-1)
	require.NoError(t, err)
	assert.Empty(t, got, "an empty BIO reads as empty, not as an error")

	n, err := m.Write([]byte("foo"))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	got, err = m.Read(-1)
	require.NoError(t, err)
	assert.Equal(t, []byte("foo"), got)
	got, _ = m.Read(-1)
	assert.Empty(t, got)

	_, _ = m.Write([]byte("foo"))
	_, _ = m.Write([]byte("bar"))
	got, _ = m.Read(-1)
	assert.Equal(t, []byte("foobar"), got)

	_, _ = m.Write([]byte("baz"))
	got, _ = m.Read(2)
	assert.Equal(t, []byte("ba"), got)
	got, _ = m.Read(1)
	assert.Equal(t, []byte("z"), got)
	got, _ = m.Read(1)
	assert.Empty(t, got)
}

func TestMemoryBIOReadSizeRules(t *testing.T) {
	m := newBIO(t)
	_, _ = m.Write([]byte("abc"))

	got, err := m.Read(0)
	require.NoError(t, err)
	assert.Empty(t, got, "read(0) reads nothing")
	assert.Equal(t, 3, m.Pending(), "read(0) leaves the buffer alone")

	got, _ = m.Read(100)
	assert.Equal(t, []byte("abc"), got, "a size above pending is clamped")

	_, _ = m.Write([]byte("abc"))
	got, _ = m.Read(-100)
	assert.Equal(t, []byte("abc"), got, "any negative size reads everything")

	_, _ = m.Write([]byte("abc"))
	got, _ = m.Read(1 << 40)
	assert.Equal(t, []byte("abc"), got, "a huge size is clamped, not an overflow")
}

func TestMemoryBIOPendingIsByteAccurate(t *testing.T) {
	m := newBIO(t)
	assert.Equal(t, 0, m.Pending())
	_, _ = m.Write([]byte("foo"))
	assert.Equal(t, 3, m.Pending())
	for i := 0; i < 10; i++ {
		_, _ = m.Write([]byte("foobar"))
	}
	assert.Equal(t, 63, m.Pending())
	_, _ = m.Read(5)
	assert.Equal(t, 58, m.Pending())
	_, _ = m.Read(-1)
	assert.Equal(t, 0, m.Pending())
}

func TestMemoryBIOEOFOnlyAfterWriteEOFAndDrain(t *testing.T) {
	m := newBIO(t)
	assert.False(t, m.EOF())
	_, _ = m.Write([]byte("foo"))
	assert.False(t, m.EOF())
	require.NoError(t, m.WriteEOF())
	assert.False(t, m.EOF(), "bytes are still buffered")
	got, _ := m.Read(2)
	assert.Equal(t, []byte("fo"), got)
	assert.False(t, m.EOF())
	got, _ = m.Read(1)
	assert.Equal(t, []byte("o"), got)
	assert.True(t, m.EOF())
	got, err := m.Read(-1)
	require.NoError(t, err)
	assert.Empty(t, got, "reading at EOF gives empty, not an error")
	assert.True(t, m.EOF())
}

func TestMemoryBIOEmptyReadDoesNotSetEOF(t *testing.T) {
	m := newBIO(t)
	_, _ = m.Read(-1)
	assert.False(t, m.EOF())
}

func TestMemoryBIOWriteAfterWriteEOFFailsAndKeepsBuffer(t *testing.T) {
	m := newBIO(t)
	_, _ = m.Write([]byte("keep"))
	require.NoError(t, m.WriteEOF())
	require.NoError(t, m.WriteEOF(), "write_eof is idempotent")

	for _, p := range [][]byte{[]byte("x"), {}, nil} {
		n, err := m.Write(p)
		assert.Equal(t, 0, n)
		var se *errors.SSLError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "cannot write() after write_eof()", err.Error())
		assert.Empty(t, se.Library, "a plain SSLError has no library")
		assert.ErrorIs(t, err, errors.ErrSSL)
	}
	assert.Equal(t, 4, m.Pending(), "nothing buffered is lost")
	got, _ := m.Read(-1)
	assert.Equal(t, []byte("keep"), got)
}

func TestMemoryBIOWriteEmptyReturnsZero(t *testing.T) {
	m := newBIO(t)
	n, err := m.Write(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	n, err = m.Write([]byte{})
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	assert.Equal(t, 0, m.Pending())
}

func TestMemoryBIOReadIntoCopiesWithoutAllocating(t *testing.T) {
	m := newBIO(t)
	buf := make([]byte, 4)
	n, err := m.ReadInto(buf)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "empty BIO: 0 bytes, no error, no io.EOF")

	_, _ = m.Write([]byte("hello"))
	n, err = m.ReadInto(buf)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, []byte("hell"), buf)
	n, _ = m.ReadInto(buf)
	assert.Equal(t, 1, n)
	assert.Equal(t, byte('o'), buf[0])
	n, _ = m.ReadInto(nil)
	assert.Equal(t, 0, n)

	payload := bytes.Repeat([]byte{7}, 512)
	out := make([]byte, 512)
	allocs := testing.AllocsPerRun(200, func() {
		_, _ = m.Write(payload)
		_, _ = m.ReadInto(out)
	})
	assert.Zero(t, allocs, "Write and ReadInto must not allocate")
}

func TestMemoryBIOIsAnIOWriter(t *testing.T) {
	m := newBIO(t)
	var w io.Writer = m
	n, err := io.Copy(w, bytes.NewReader(bytes.Repeat([]byte("z"), 100000)))
	require.NoError(t, err)
	assert.EqualValues(t, 100000, n)
	assert.Equal(t, 100000, m.Pending())
}

func TestMemoryBIOLargeWriteAndRead(t *testing.T) {
	m := newBIO(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	n, err := m.Write(big)
	require.NoError(t, err)
	assert.Equal(t, len(big), n)
	got, err := m.Read(-1)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, got))
}

func TestMemoryBIOCallsAfterCloseReturnErrors(t *testing.T) {
	m, err := bio.New()
	require.NoError(t, err)
	_, _ = m.Write([]byte("abc"))
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close is idempotent")

	_, err = m.Read(-1)
	assert.ErrorIs(t, err, bio.ErrClosed)
	_, err = m.ReadInto(make([]byte, 3))
	assert.ErrorIs(t, err, bio.ErrClosed)
	_, err = m.Write([]byte("x"))
	assert.ErrorIs(t, err, bio.ErrClosed)
	assert.ErrorIs(t, m.WriteEOF(), bio.ErrClosed)
	assert.Equal(t, 0, m.Pending())
	assert.True(t, m.EOF())
}

func TestMemoryBIONilReceiverReturnsErrors(t *testing.T) {
	var m *bio.MemoryBIO
	_, err := m.Read(1)
	assert.ErrorIs(t, err, bio.ErrNilBIO)
	_, err = m.ReadInto(make([]byte, 1))
	assert.ErrorIs(t, err, bio.ErrNilBIO)
	_, err = m.Write([]byte("x"))
	assert.ErrorIs(t, err, bio.ErrNilBIO)
	assert.ErrorIs(t, m.WriteEOF(), bio.ErrNilBIO)
	assert.NoError(t, m.Close())
	assert.Equal(t, 0, m.Pending())
}

func TestMemoryBIOConcurrentWriterAndReaderLoseNothing(t *testing.T) {
	m := newBIO(t)
	const chunks, size = 2000, 257
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := make([]byte, size)
		for i := 0; i < chunks; i++ {
			for j := range p {
				p[j] = byte(i + j)
			}
			_, err := m.Write(p)
			assert.NoError(t, err)
		}
		assert.NoError(t, m.WriteEOF())
	}()
	var got []byte
	buf := make([]byte, 1000)
	for !m.EOF() {
		n, err := m.ReadInto(buf)
		require.NoError(t, err)
		got = append(got, buf[:n]...)
		if n == 0 {
			runtime.Gosched()
		}
	}
	wg.Wait()
	require.Len(t, got, chunks*size)
	for i := 0; i < chunks; i++ {
		for j := 0; j < size; j++ {
			if got[i*size+j] != byte(i+j) {
				t.Fatalf("byte %d of chunk %d is wrong", j, i)
			}
		}
	}
}

func TestMemoryBIOCloseRacingWithCallsNeverCrashes(t *testing.T) {
	for round := 0; round < 50; round++ {
		m, err := bio.New()
		require.NoError(t, err)
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 16)
				for i := 0; i < 100; i++ {
					_, _ = m.Write([]byte("data"))
					_, _ = m.ReadInto(buf)
					_, _ = m.Read(-1)
					_ = m.Pending()
					_ = m.EOF()
				}
			}()
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = m.Close() }()
		wg.Wait()
		_ = m.Close()
	}
}

func FuzzMemoryBIO(f *testing.F) {
	f.Add([]byte("hello"), 3, false)
	f.Add([]byte{}, -1, true)
	f.Add(bytes.Repeat([]byte{1}, 5000), 0, true)
	f.Fuzz(func(t *testing.T, data []byte, n int, eof bool) {
		m, err := bio.New()
		require.NoError(t, err)
		defer m.Close()
		_, err = m.Write(data)
		require.NoError(t, err)
		if eof {
			require.NoError(t, m.WriteEOF())
		}
		var got []byte
		for m.Pending() > 0 {
			p, err := m.Read(n)
			require.NoError(t, err)
			if len(p) == 0 {
				// n == 0 reads nothing: drain the rest.
				p, _ = m.Read(-1)
			}
			got = append(got, p...)
		}
		assert.Equal(t, len(data), len(got))
		assert.True(t, bytes.Equal(data, got))
		assert.Equal(t, eof, m.EOF())
	})
}
