package sslctx

import (
	"strings"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// This file holds Python 3.15's cipher suite, key-exchange group and
// signature algorithm settings (gh-137197, gh-136306, gh-138252).

// errEmbeddedNUL is Python's error for a str argument holding a NUL.
func errEmbeddedNUL() error { return errors.NewValueError("embedded null character") }

// SetCiphersuites sets the TLS 1.3 cipher suites with an OpenSSL
// ciphersuites string, a colon-separated list such as
// "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256" (Python 3.15's
// set_ciphersuites; SetCiphers covers TLS 1.2 and older). OpenSSL ignores
// unknown names in the list, and an empty string leaves no TLS 1.3 suite,
// so TLS 1.3 cannot be negotiated. When no suite can be selected, the
// error is the args-only SSLError "No cipher suite can be selected."
// (errors.Plain), worded and built as SetCiphers' error; Python 3.15 raises
// an SSLError here too, but its exact text and form could not be checked
// against a running 3.15. A NUL in the string is a *errors.ValueError.
//
// Like the cipher list, the suites are copied into each SSL object when it
// is created.
func (c *SSLContext) SetCiphersuites(ciphersuites string) error {
	if strings.IndexByte(ciphersuites, 0) >= 0 {
		return errEmbeddedNUL()
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.SetCiphersuites(ciphersuites); st != nil {
		return errors.Plain("No cipher suite can be selected.")
	}
	return nil
}

// SetGroups sets the key-exchange groups offered (client) or accepted
// (server), most preferred first, with an OpenSSL group list such as
// "X25519:secp256r1" (Python 3.15's set_groups; SSL_CTX_set1_groups_list).
// Names are OpenSSL's (GetGroups lists them); aliases such as "P-256" are
// accepted. An unknown name, a duplicate or an empty list is an
// *errors.SSLError "unrecognized group" with errno 0 and no library or
// reason (the form of Python's _setSSLError with a message). Python 3.15
// raises an SSLError here too (test_set_groups); its exact text could not
// be checked against a running 3.15. A NUL in the string is a
// *errors.ValueError.
//
// The groups are copied into each SSL object when it is created.
func (c *SSLContext) SetGroups(groups string) error {
	if strings.IndexByte(groups, 0) >= 0 {
		return errEmbeddedNUL()
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.SetGroups(groups); st != nil {
		return errors.FromLibMessage("unrecognized group")
	}
	return nil
}

// GetGroups returns the names of the key-exchange groups OpenSSL
// implements for the context's current MinimumVersion and MaximumVersion
// (Python 3.15's get_groups), in ascending order of their TLS group
// number: for example "secp256r1", "secp384r1", "secp521r1", "x25519",
// "x448", "ffdhe2048", ... With includeAliases, alternative names (such as
// "P-256" after "secp256r1") follow the group they name.
//
// Python 3.15 reads the list with SSL_CTX_get0_implemented_groups and
// raises NotImplementedError before OpenSSL 3.5; membio does the same with
// OpenSSL 3.5 and later. With OpenSSL 3.0 to 3.4 it builds the same list
// from the TLS-GROUP capabilities of the loaded providers, the source
// libssl itself builds its group table from, keeping the groups whose key
// management is available, filtering them by version as OpenSSL 3.5 does.
// The names are then 3.0's: no post-quantum groups, and the brainpool
// TLS 1.3 names appear only from OpenSSL 3.2. Before OpenSSL 3.0 the
// result is a *errors.NotImplementedError. After Close it is ErrClosed.
func (c *SSLContext) GetGroups(includeAliases bool) ([]string, error) {
	raw := c.lockGet()
	if raw == nil {
		return nil, ErrClosed
	}
	defer c.mu.Unlock()
	names, ok, st := raw.Groups(includeAliases)
	if !ok {
		return nil, errors.NewNotImplementedError("Getting implemented groups requires OpenSSL 3.0 or later.")
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return names, nil
}

// SetClientSigalgs sets the signature algorithms allowed for client
// authentication, most preferred first (Python 3.15's set_client_sigalgs;
// SSL_CTX_set1_client_sigalgs_list): on a server, the list its
// CertificateRequest offers; on a client, the algorithms it may sign with.
// The names are OpenSSL's TLS 1.3 style names such as
// "rsa_pss_rsae_sha256" or "ecdsa_secp256r1_sha256" (GetSigalgs lists
// them), or "KEY+HASH" forms such as "RSA+SHA256". An unknown name is an
// *errors.SSLError "unrecognized signature algorithm" with errno 0 and no
// library or reason; Python 3.15 raises an SSLError here too
// (test_set_sigalgs), whose exact text could not be checked against a
// running 3.15. A NUL in the string is a *errors.ValueError.
func (c *SSLContext) SetClientSigalgs(sigalgs string) error { return c.setSigalgs(sigalgs, true) }

// SetServerSigalgs sets the signature algorithms allowed for the server's
// handshake signature, most preferred first (Python 3.15's
// set_server_sigalgs; SSL_CTX_set1_sigalgs_list): on a client, the
// signature_algorithms it sends; on a server, the algorithms it may sign
// with. Names and errors are SetClientSigalgs'.
func (c *SSLContext) SetServerSigalgs(sigalgs string) error { return c.setSigalgs(sigalgs, false) }

func (c *SSLContext) setSigalgs(sigalgs string, client bool) error {
	if strings.IndexByte(sigalgs, 0) >= 0 {
		return errEmbeddedNUL()
	}
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if st := raw.SetSigalgs(sigalgs, client); st != nil {
		return errors.FromLibMessage("unrecognized signature algorithm")
	}
	return nil
}

// GetSigalgs returns the names of the TLS signature algorithms OpenSSL can
// use for a server's handshake signature or a client's authentication
// (Python 3.15's get_sigalgs), such as "ecdsa_secp256r1_sha256", "ed25519"
// and "rsa_pss_rsae_sha256", in OpenSSL's table order.
//
// Python 3.15 calls SSL_get1_builtin_sigalgs and raises
// NotImplementedError before OpenSSL 3.4; membio does the same with
// OpenSSL 3.4 and later. With OpenSSL 3.0 to 3.3 it walks the same
// built-in table, keeps the entries whose digest and key type the loaded
// providers implement (the test SSL_get1_builtin_sigalgs applies) and
// whose name that OpenSSL accepts in SetServerSigalgs: OpenSSL 3.0 has no
// name for ecdsa_sha224, ecdsa_sha1 and the DSA entries (only the
// "ECDSA+SHA1" forms), so they are left out, as are the GOST entries and
// provider-defined algorithms. Before OpenSSL 3.0 the result is a
// *errors.NotImplementedError.
func GetSigalgs() ([]string, error) {
	if !cshim.Available {
		return nil, cshim.ErrNoCgo
	}
	names, ok, st := cshim.Sigalgs()
	if !ok {
		return nil, errors.NewNotImplementedError("Getting signature algorithms requires OpenSSL 3.0 or later.")
	}
	if st != nil {
		return nil, errors.FromLib(st)
	}
	return names, nil
}
