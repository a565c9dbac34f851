package tests
import (
 _ "github.com/stretchr/testify/require"
 _ "golang.org/x/net/idna"
 _ "github.com/libp2p/go-openssl"
)
