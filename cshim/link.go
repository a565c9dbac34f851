//go:build cgo && !static

package cshim

// #cgo pkg-config: libssl libcrypto
import "C"
