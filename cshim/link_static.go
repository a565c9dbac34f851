//go:build cgo && static

package cshim

// #cgo pkg-config: --static libssl libcrypto
// #cgo LDFLAGS: -static
import "C"
