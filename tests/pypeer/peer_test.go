package pypeer_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/membio/membio/tests/pki"
	"github.com/membio/membio/tests/pypeer"
)

var modes = []string{"sslobject", "sslsocket"}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// pair runs one server and one client and returns their single results.
func pair(t *testing.T, serverArgs, clientArgs []string) (server, client pypeer.Result) {
	t.Helper()
	port, results := pypeer.StartServer(t, serverArgs...)
	c := pypeer.RunClient(t, append([]string{"--port", pypeer.Port(port)}, clientArgs...)...)
	s := results()
	require.Len(t, c, 1, "client output")
	require.Len(t, s, 1, "server output")
	return s[0], c[0]
}

func serverArgs(p *pki.PKI, mode string, extra ...string) []string {
	return append([]string{"--mode", mode, "--certfile", p.ServerRSA.CertFile, "--keyfile", p.ServerRSA.KeyFile}, extra...)
}

func clientArgs(p *pki.PKI, mode string, extra ...string) []string {
	return append([]string{"--mode", mode, "--cafile", p.CAFile, "--server-hostname", pki.Host}, extra...)
}

func subjectCN(t *testing.T, cert map[string]any) string {
	t.Helper()
	require.NotNil(t, cert, "peercert")
	rdns, ok := cert["subject"].([]any)
	require.True(t, ok, "subject is a list: %v", cert["subject"])
	for _, rdn := range rdns {
		for _, attr := range rdn.([]any) {
			kv := attr.([]any)
			if kv[0] == "commonName" {
				return kv[1].(string)
			}
		}
	}
	return ""
}

func TestPatternIsTheSHA256CounterStream(t *testing.T) {
	p := pypeer.Pattern(70)
	require.Len(t, p, 70)
	first := sha256.Sum256(make([]byte, 8))
	assert.Equal(t, first[:], p[:32])
	second := sha256.Sum256([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	assert.Equal(t, second[:], p[32:64])
	assert.Empty(t, pypeer.Pattern(0))
}

func TestPythonPeersHandshakeAndEchoInEveryModeAndVersion(t *testing.T) {
	p := pki.ForTest(t)
	for _, version := range []string{"TLSv1_2", "TLSv1_3"} {
		for _, sm := range modes {
			for _, cm := range modes {
				t.Run(fmt.Sprintf("%s/server-%s/client-%s", version, sm, cm), func(t *testing.T) {
					t.Parallel()
					const n = 100_000
					s, c := pair(t,
						serverArgs(p, sm, "--max-version", version),
						clientArgs(p, cm, "--min-version", version, "--send", fmt.Sprint(n)))
					require.True(t, c.OK, "client: %s", c)
					require.True(t, s.OK, "server: %s", s)

					want := map[string]string{"TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3"}[version]
					assert.Equal(t, want, c.Version)
					assert.Equal(t, want, s.Version)
					require.NotNil(t, c.Cipher)
					assert.Equal(t, *c.Cipher, *s.Cipher)
					assert.Equal(t, pki.Host, subjectCN(t, c.PeerCert))
					assert.Equal(t, sha(p.ServerRSA.DER), c.PeerCertDERSHA256)
					assert.Nil(t, s.PeerCert, "no client certificate was asked for")
					require.NotNil(t, s.SNISeen)
					assert.Equal(t, pki.Host, *s.SNISeen)
					assert.NotEmpty(t, c.TLSUnique)
					assert.Equal(t, c.TLSUnique, s.TLSUnique)

					wantSHA := sha(pypeer.Pattern(n))
					assert.EqualValues(t, n, c.Sent)
					assert.EqualValues(t, n, c.Received)
					assert.Equal(t, wantSHA, c.SentSHA256)
					assert.Equal(t, wantSHA, c.SHA256)
					assert.EqualValues(t, n, s.Received)
					assert.Equal(t, wantSHA, s.SHA256)

					assert.Equal(t, "unwrap", c.Close)
					assert.Equal(t, "close_notify", c.PeerClose)
					assert.Equal(t, "unwrap", s.Close)
					assert.Equal(t, "close_notify", s.PeerClose)
				})
			}
		}
	}
}

func TestPythonPeersNegotiateALPN(t *testing.T) {
	p := pki.ForTest(t)
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s, c := pair(t,
				serverArgs(p, mode, "--alpn", "http/1.1,h2"),
				clientArgs(p, mode, "--alpn", "h2,http/1.1"))
			require.True(t, c.OK, "client: %s", c)
			require.True(t, s.OK, "server: %s", s)
			// Python's server picks the first protocol of its own list that
			// the client offers.
			assert.Equal(t, "http/1.1", s.ALPN)
			assert.Equal(t, "http/1.1", c.ALPN)
		})
	}
}

func TestPythonClientResumesItsSessionFromTheSecondConnection(t *testing.T) {
	p := pki.ForTest(t)
	for _, version := range []string{"TLSv1_2", "TLSv1_3"} {
		for _, mode := range modes {
			for _, send := range []string{"0", "1000"} {
				t.Run(version+"/"+mode+"/send-"+send, func(t *testing.T) {
					t.Parallel()
					port, results := pypeer.StartServer(t, serverArgs(p, mode, "--accept", "3", "--max-version", version)...)
					cs := pypeer.RunClient(t, clientArgs(p, mode, "--port", pypeer.Port(port),
						"--sessions", "3", "--send", send, "--max-version", version)...)
					ss := results()
					require.Len(t, cs, 3)
					require.Len(t, ss, 3)
					for i := range 3 {
						require.True(t, cs[i].OK, "client %d: %s", i, cs[i])
						require.True(t, ss[i].OK, "server %d: %s", i, ss[i])
						assert.Equal(t, i > 0, cs[i].SessionReused, "client connection %d", i)
						assert.Equal(t, i > 0, ss[i].SessionReused, "server connection %d", i)
					}
				})
			}
		}
	}
}

func TestPythonClientRejectsAnUnknownCAAndTheServerGetsTheAlert(t *testing.T) {
	p := pki.ForTest(t)
	for _, sm := range modes {
		for _, cm := range modes {
			t.Run("server-"+sm+"/client-"+cm, func(t *testing.T) {
				t.Parallel()
				s, c := pair(t,
					[]string{"--mode", sm, "--certfile", p.UnknownCAServer.CertFile, "--keyfile", p.UnknownCAServer.KeyFile},
					clientArgs(p, cm, "--send", "10"))
				assert.False(t, c.OK)
				assert.Equal(t, "handshake", c.Stage)
				assert.Equal(t, "SSLCertVerificationError", c.Class)
				assert.Equal(t, "CERTIFICATE_VERIFY_FAILED", c.Reason)
				require.NotNil(t, c.VerifyCode)
				assert.Equal(t, 20, *c.VerifyCode)
				assert.Equal(t, "unable to get local issuer certificate", c.VerifyMessage)

				// The server can only know this if the client's alert reached it.
				assert.False(t, s.OK)
				assert.Equal(t, "handshake", s.Stage)
				assert.Equal(t, "SSLError", s.Class)
				assert.Equal(t, "SSL", s.Library)
				assert.Equal(t, "TLSV1_ALERT_UNKNOWN_CA", s.Reason)
				assert.Contains(t, s.Str, "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca")
			})
		}
	}
}

func TestPythonPeersEcho16MiBIntact(t *testing.T) {
	p := pki.ForTest(t)
	const n = 16 << 20
	want := sha(pypeer.Pattern(n))
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s, c := pair(t, serverArgs(p, mode), clientArgs(p, mode, "--send", fmt.Sprint(n)))
			require.True(t, c.OK, "client: %s", c)
			require.True(t, s.OK, "server: %s", s)
			assert.EqualValues(t, n, c.Received)
			assert.Equal(t, want, c.SHA256)
			assert.EqualValues(t, n, s.Received)
			assert.Equal(t, want, s.SHA256)
		})
	}
}

func TestAbruptCloseIsAnEOFErrorForThePeer(t *testing.T) {
	p := pki.ForTest(t)
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s, c := pair(t, serverArgs(p, mode), clientArgs(p, mode, "--send", "100", "--close", "abrupt"))
			require.True(t, c.OK, "client: %s", c)
			assert.Equal(t, "abrupt", c.Close)

			assert.False(t, s.OK)
			assert.Equal(t, "read", s.Stage)
			assert.Equal(t, "SSLEOFError", s.Class)
			assert.Equal(t, "UNEXPECTED_EOF_WHILE_READING", s.Reason)
			assert.Equal(t, "eof", s.PeerClose)
			assert.EqualValues(t, 100, s.Received, "the data before the EOF was echoed")
		})
	}
}

func TestIgnoreUnexpectedEOFTurnsAnAbruptCloseIntoACleanOne(t *testing.T) {
	p := pki.ForTest(t)
	s, c := pair(t,
		serverArgs(p, "sslobject", "--options-ignore-eof", "--close", "wait"),
		clientArgs(p, "sslobject", "--send", "10", "--close", "abrupt"))
	require.True(t, c.OK, "client: %s", c)
	assert.True(t, s.OK, "server: %s", s)
	assert.Equal(t, "close_notify", s.PeerClose)
}

func TestServerCloseAfterEndsTheConnectionFromTheServerSide(t *testing.T) {
	p := pki.ForTest(t)
	t.Run("unwrap to an unwrapping client is clean on both sides", func(t *testing.T) {
		t.Parallel()
		s, c := pair(t,
			serverArgs(p, "sslobject", "--close-after", "50", "--close", "unwrap"),
			clientArgs(p, "sslobject", "--send", "50", "--close", "unwrap"))
		require.True(t, c.OK, "client: %s", c)
		require.True(t, s.OK, "server: %s", s)
		assert.Equal(t, "close_notify", c.PeerClose)
		assert.Equal(t, "close_notify", s.PeerClose)
	})
	t.Run("unwrap to a waiting client leaves the server without a reply", func(t *testing.T) {
		t.Parallel()
		s, c := pair(t,
			serverArgs(p, "sslobject", "--close-after", "50", "--close", "unwrap"),
			clientArgs(p, "sslobject", "--send", "50", "--close", "wait"))
		require.True(t, c.OK, "client: %s", c)
		assert.Equal(t, "wait", c.Close)
		assert.Equal(t, "close_notify", c.PeerClose)
		assert.EqualValues(t, 50, c.Received)
		assert.False(t, s.OK)
		assert.Equal(t, "unwrap", s.Stage)
		assert.Equal(t, "SSLEOFError", s.Class)
	})
	t.Run("abrupt gives a waiting client an EOF error", func(t *testing.T) {
		t.Parallel()
		s, c := pair(t,
			serverArgs(p, "sslsocket", "--close-after", "50", "--close", "abrupt"),
			clientArgs(p, "sslsocket", "--send", "50", "--close", "wait"))
		require.True(t, s.OK, "server: %s", s)
		assert.Equal(t, "abrupt", s.Close)
		assert.False(t, c.OK)
		assert.Equal(t, "read", c.Stage)
		assert.Equal(t, "SSLEOFError", c.Class)
		assert.Equal(t, "eof", c.PeerClose)
		assert.EqualValues(t, 50, c.Received)
	})
}

func TestServerSwitchesContextOnSNI(t *testing.T) {
	p := pki.ForTest(t)
	sw := p.ServerOther.CertFile + ":" + p.ServerOther.KeyFile
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s, c := pair(t,
				serverArgs(p, mode, "--sni-switch", sw),
				[]string{"--mode", mode, "--cafile", p.CAFile, "--server-hostname", pki.OtherHost})
			require.True(t, c.OK, "client: %s", c)
			require.True(t, s.OK, "server: %s", s)
			assert.Equal(t, pki.OtherHost, subjectCN(t, c.PeerCert))
			require.NotNil(t, s.SNISeen)
			assert.Equal(t, pki.OtherHost, *s.SNISeen)
		})
	}
}

func TestServerSNIRejectionReachesTheClient(t *testing.T) {
	p := pki.ForTest(t)
	s, c := pair(t, serverArgs(p, "sslobject", "--sni-reject"), clientArgs(p, "sslobject"))
	assert.False(t, s.OK)
	assert.Equal(t, "handshake", s.Stage)
	assert.False(t, c.OK)
	assert.Equal(t, "handshake", c.Stage)
	assert.Equal(t, "TLSV1_UNRECOGNIZED_NAME", c.Reason, "client: %s", c)
}

func TestPostHandshakeAuthDeliversTheClientCertificate(t *testing.T) {
	p := pki.ForTest(t)
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s, c := pair(t,
				serverArgs(p, mode, "--pha", "--cafile", p.CAFile),
				clientArgs(p, mode, "--pha", "--certfile", p.Client.CertFile, "--keyfile", p.Client.KeyFile, "--send", "100"))
			require.True(t, c.OK, "client: %s", c)
			require.True(t, s.OK, "server: %s", s)
			require.NotNil(t, s.PHACert)
			assert.True(t, *s.PHACert)
			assert.Equal(t, "client", subjectCN(t, s.PeerCert))
		})
	}
}

func TestServerLoadsAnEncryptedKeyAndDHParams(t *testing.T) {
	p := pki.ForTest(t)
	s, c := pair(t,
		[]string{"--certfile", p.EncryptedKey.CertFile, "--keyfile", p.EncryptedKey.KeyFile, "--password", p.Password,
			"--dhparams", p.DHParamsFile, "--max-version", "TLSv1_2", "--ciphers", "DHE-RSA-AES128-GCM-SHA256"},
		clientArgs(p, "sslobject", "--send", "10"))
	require.True(t, c.OK, "client: %s", c)
	require.True(t, s.OK, "server: %s", s)
	require.NotNil(t, c.Cipher)
	assert.Equal(t, "DHE-RSA-AES128-GCM-SHA256", c.Cipher.Name)
}

func TestPythonIsAvailable(t *testing.T) {
	py, err := pypeer.Python()
	require.NoError(t, err)
	assert.NotEmpty(t, py)
}

func TestPeerTimesOutInsteadOfHanging(t *testing.T) {
	p := pki.ForTest(t)
	// Both sides wait for the other to close; the client's timeout ends it.
	s, c := pair(t, serverArgs(p, "sslobject"), clientArgs(p, "sslobject", "--send", "10", "--close", "wait", "--timeout", "0.5"))
	assert.False(t, c.OK)
	assert.Equal(t, "read", c.Stage)
	assert.Equal(t, "TimeoutError", c.Class)
	assert.False(t, s.OK)
	assert.Equal(t, "SSLEOFError", s.Class)
}

func TestPeerRejectsBadUsageWithANonzeroExit(t *testing.T) {
	py, err := pypeer.Python()
	require.NoError(t, err)
	for _, args := range [][]string{
		{"--role", "client"},                // no --port
		{"--role", "server", "--mode", "x"}, // unknown mode
		{"--role", "server", "--sni-switch", "nocolon"},
	} {
		out, err := exec.Command(py, append([]string{pypeer.Script()}, args...)...).CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%v: %s", args, out)
		assert.Equal(t, 2, exit.ExitCode(), "%v", args)
		assert.Contains(t, string(out), "usage:")
	}
}
