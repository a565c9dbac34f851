//go:build !cgo

package cshim

import "github.com/membio/membio/errors"

// BIO is the cgo-less stand-in for an OpenSSL memory BIO; NewBIO never
// returns one.
type BIO struct{}

// NewBIO cannot allocate without cgo; callers check Available first.
func NewBIO() (*BIO, *errors.State) { return nil, &errors.State{VerifyResult: -1} }

func (b *BIO) Lock()                               {}
func (b *BIO) Unlock()                             {}
func LockPair(a, b *BIO)                           {}
func UnlockPair(a, b *BIO)                         {}
func (b *BIO) Closed() bool                        { return true }
func (b *BIO) Free()                               {}
func (b *BIO) Pending() int                        { return 0 }
func (b *BIO) EOFWritten() bool                    { return true }
func (b *BIO) Read(p []byte) (int, *errors.State)  { return 0, nil }
func (b *BIO) Write(p []byte) (int, *errors.State) { return 0, nil }
func (b *BIO) WriteEOF()                           {}

// Pair is the cgo-less stand-in for a lock-ordered pair of BIOs.
type Pair struct{}

func MakePair(a, b *BIO) Pair { return Pair{} }
func (p Pair) Lock()          {}
func (p Pair) Unlock()        {}
