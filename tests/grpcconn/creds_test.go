package grpcconn_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/peer"

	"github.com/membio/membio/context"
	"github.com/membio/membio/tests/grpcconn"
	"github.com/membio/membio/tests/pki"
)

// echoServer answers UnaryCall with the payload it received, and reports
// the TLS state gRPC saw.
type echoServer struct {
	testpb.UnimplementedTestServiceServer
}

func (echoServer) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	resp := &testpb.SimpleResponse{Payload: req.GetPayload()}
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok {
			resp.Username = info.State.NegotiatedProtocol + " " + tls.VersionName(info.State.Version)
		}
	}
	return resp, nil
}

func serverContext(t *testing.T, p *pki.PKI) *sslctx.SSLContext {
	c, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, c.LoadCertChain(p.ServerECDSA.ChainFile, p.ServerECDSA.KeyFile, nil))
	require.NoError(t, c.SetALPNProtocols([]string{"h2"}))
	return c
}

func clientContext(t *testing.T, p *pki.PKI) *sslctx.SSLContext {
	c, err := sslctx.New(sslctx.ProtocolTLSClient)
	require.NoError(t, err)
	require.NoError(t, c.LoadVerifyLocations(p.CAFile, "", sslctx.CAData{}))
	require.NoError(t, c.SetALPNProtocols([]string{"h2"}))
	return c
}

func serve(t *testing.T, creds credentials.TransportCredentials) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := grpc.NewServer(grpc.Creds(creds))
	testpb.RegisterTestServiceServer(s, echoServer{})
	go s.Serve(l)
	t.Cleanup(s.Stop)
	return l.Addr().String()
}

func call(t *testing.T, addr string, creds credentials.TransportCredentials) {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds), grpc.WithAuthority(pki.Host))
	require.NoError(t, err)
	defer cc.Close()
	client := testpb.NewTestServiceClient(cc)
	for _, size := range []int{1, 1000, 300000} {
		body := bytes.Repeat([]byte{byte(size)}, size)
		resp, err := client.UnaryCall(context.Background(), &testpb.SimpleRequest{Payload: &testpb.Payload{Body: body}})
		require.NoError(t, err)
		assert.Equal(t, body, resp.GetPayload().GetBody())
		assert.Equal(t, "h2 TLS 1.3", resp.GetUsername())
	}
}

func TestGRPCOverMembioBothEnds(t *testing.T) {
	p := pki.ForTest(t)
	addr := serve(t, grpcconn.NewServerCredentials(serverContext(t, p)))
	call(t, addr, grpcconn.NewClientCredentials(clientContext(t, p), ""))
}

func TestGRPCMembioServerCryptoTLSClient(t *testing.T) {
	p := pki.ForTest(t)
	addr := serve(t, grpcconn.NewServerCredentials(serverContext(t, p)))
	call(t, addr, credentials.NewTLS(&tls.Config{RootCAs: p.RootPool(), ServerName: pki.Host}))
}

func TestGRPCCryptoTLSServerMembioClient(t *testing.T) {
	p := pki.ForTest(t)
	addr := serve(t, credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{p.ServerECDSA.TLS}}))
	call(t, addr, grpcconn.NewClientCredentials(clientContext(t, p), pki.Host))
}

func TestGRPCRefusesAServerWithoutH2(t *testing.T) {
	p := pki.ForTest(t)
	sctx, err := sslctx.New(sslctx.ProtocolTLSServer)
	require.NoError(t, err)
	require.NoError(t, sctx.LoadCertChain(p.ServerECDSA.ChainFile, p.ServerECDSA.KeyFile, nil))
	addr := serve(t, grpcconn.NewServerCredentials(sctx))
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(grpcconn.NewClientCredentials(clientContext(t, p), pki.Host)))
	require.NoError(t, err)
	defer cc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = testpb.NewTestServiceClient(cc).UnaryCall(ctx, &testpb.SimpleRequest{}, grpc.WaitForReady(false))
	require.Error(t, err)
}
