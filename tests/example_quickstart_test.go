//go:build cgo

package tests

import (
	"fmt"
	"log"
	"os"

	"github.com/membio/membio/bio"
	"github.com/membio/membio/context"
	"github.com/membio/membio/errors"
	"github.com/membio/membio/sslobj"
	"github.com/membio/membio/tests/pki"
)

// Example_quickstart runs a client and a server in one process: each side
// is an SSLObject with an incoming and an outgoing MemoryBIO, and the
// program moves the ciphertext between them. A network program does the
// same with a socket in the middle.
func Example_quickstart() {
	dir, _ := os.MkdirTemp("", "membio-example-")
	defer os.RemoveAll(dir)
	p, err := pki.Generate(dir) // test certificates for example.test
	if err != nil {
		log.Fatal(err)
	}

	// Contexts, as in Python: the client verifies the chain and the name.
	cctx, _ := sslctx.New(sslctx.ProtocolTLSClient)
	defer cctx.Close()
	if err := cctx.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}); err != nil {
		log.Fatal(err)
	}
	sctx, _ := sslctx.New(sslctx.ProtocolTLSServer)
	defer sctx.Close()
	if err := sctx.LoadCertChain(p.ServerECDSA.ChainFile, p.ServerECDSA.KeyFile, nil); err != nil {
		log.Fatal(err)
	}

	// One SSLObject per end, each between two MemoryBIOs.
	cin, _ := bio.New()
	cout, _ := bio.New()
	client, err := sslobj.New(cctx, cin, cout, sslobj.Options{ServerHostname: "example.test"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	sin, _ := bio.New()
	sout, _ := bio.New()
	server, err := sslobj.New(sctx, sin, sout, sslobj.Options{ServerSide: true})
	if err != nil {
		log.Fatal(err)
	}
	defer server.Close()

	// move is the network: what one side wrote becomes the other's input.
	buf := make([]byte, 16<<10)
	move := func(from, to *bio.MemoryBIO) {
		for {
			n, _ := from.ReadInto(buf)
			if n == 0 {
				return
			}
			to.Write(buf[:n])
		}
	}

	// Handshake: call DoHandshake on both sides until neither wants to
	// read; after every call, move the bytes it produced.
	for {
		cerr := client.DoHandshake()
		move(cout, sin)
		serr := server.DoHandshake()
		move(sout, cin)
		if cerr == nil && serr == nil {
			break
		}
		for _, err := range []error{cerr, serr} {
			if err != nil && !errors.Is(err, errors.ErrWantRead) {
				log.Fatal(err) // e.g. *errors.SSLCertVerificationError
			}
		}
	}
	version, _ := client.Version()
	fmt.Println("handshake done:", version)

	// Application data: Write encrypts into the outgoing BIO; Read
	// decrypts from the incoming one, or asks for more with want-read.
	client.Write([]byte("hello over memory"))
	move(cout, sin)
	msg, _ := server.Read(1024)
	fmt.Printf("server read %q\n", msg)
	_, err = server.Read(1024)
	fmt.Println("nothing more:", errors.Is(err, errors.ErrWantRead))

	// Output:
	// handshake done: TLSv1.3
	// server read "hello over memory"
	// nothing more: true
}
