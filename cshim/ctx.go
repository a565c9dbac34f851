//go:build cgo

package cshim

/*
#include "ctx.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"unsafe"

	"github.com/membio/membio/errors"
)

// Method selects the SSL_METHOD of a new SSL_CTX.
type Method int

// Methods for NewCtx and NewDefaultCtx.
const (
	MethodTLS       Method = C.MEMBIO_METHOD_TLS
	MethodTLSClient Method = C.MEMBIO_METHOD_TLS_CLIENT
	MethodTLSServer Method = C.MEMBIO_METHOD_TLS_SERVER
	MethodTLSv1     Method = C.MEMBIO_METHOD_TLSv1
	MethodTLSv1_1   Method = C.MEMBIO_METHOD_TLSv1_1
	MethodTLSv1_2   Method = C.MEMBIO_METHOD_TLSv1_2
)

// DefaultCiphers is CPython's default cipher string (_ssl._DEFAULT_CIPHERS),
// which NewDefaultCtx applies.
const DefaultCiphers = C.MEMBIO_DEFAULT_CIPHERS

// SessionIDContext is the session id context of server-side SSL objects.
// NewDefaultCtx sets it on MethodTLSServer contexts; SSL objects on the
// server side of the other methods need SSL_set_session_id_context with it
// when they are created (as CPython 3.14 does for every server-side
// object). Client-side objects must not have one: OpenSSL then rejects
// TLS 1.3 PSK sessions made by the PSK client callback.
const SessionIDContext = C.MEMBIO_SID_CTX

// Ctx is an OpenSSL SSL_CTX. Its Go owner is context.SSLContext, which
// serialises configuration calls and frees it with Free.
//
// The SSL_CTX carries a small C structure in its ex_data (the ALPN list of
// the server selection callback and the integer handle of the Go hooks);
// it is freed with the SSL_CTX, which SSL objects keep alive.
type Ctx struct {
	c     *C.SSL_CTX
	hooks cgo.Handle // 0 when no hooks are installed
}

// NewCtx creates an SSL_CTX with OpenSSL's defaults for method m.
func NewCtx(m Method) (*Ctx, *errors.State) {
	var c *C.SSL_CTX
	st := call(func(e *C.membio_err) bool {
		c = C.membio_ctx_new(C.int(m), e)
		return c != nil
	})
	if st != nil {
		return nil, st
	}
	return &Ctx{c: c}, nil
}

// DefaultStage tells which step of NewDefaultCtx failed.
type DefaultStage int

// Stages of NewDefaultCtx.
const (
	StageOK        DefaultStage = 0
	StageNew       DefaultStage = 1 // SSL_CTX_new (or an unavailable method)
	StageCiphers   DefaultStage = 2 // SSL_CTX_set_cipher_list(DefaultCiphers)
	StageMinimum   DefaultStage = 3 // SSL_CTX_set_min_proto_version(TLS1_2)
	StageSessionID DefaultStage = 4 // SSL_CTX_set_session_id_context
)

// NewDefaultCtx creates an SSL_CTX for method m with CPython's SSLContext
// defaults applied in the same C call: verify mode (REQUIRED when
// verifyRequired, else NONE), options OP_ALL without
// DONT_INSERT_EMPTY_FRAGMENTS plus NO_SSLv2, NO_SSLv3, NO_COMPRESSION,
// CIPHER_SERVER_PREFERENCE, SINGLE_DH_USE and SINGLE_ECDH_USE,
// DefaultCiphers, minimum TLS 1.2 (for the version-flexible methods),
// SSL_MODE_RELEASE_BUFFERS, SessionIDContext (MethodTLSServer only),
// X509_V_FLAG_TRUSTED_FIRST,
// the NO_PARTIAL_WILDCARDS host flag, and post-handshake authentication
// off. On failure it reports the failed stage with the captured state.
func NewDefaultCtx(m Method, verifyRequired bool) (*Ctx, DefaultStage, *errors.State) {
	var c *C.SSL_CTX
	var stage C.int
	vr := C.int(0)
	if verifyRequired {
		vr = 1
	}
	st := call(func(e *C.membio_err) bool {
		c = C.membio_ctx_new_default(C.int(m), vr, &stage, e)
		return c != nil
	})
	if st != nil {
		return nil, DefaultStage(stage), st
	}
	return &Ctx{c: c}, StageOK, nil
}

// Free uninstalls the hooks, deletes their handle and drops the Go owner's
// reference to the SSL_CTX. SSL objects created from it hold their own
// references; a callback that runs on one of them later finds no hooks and
// does nothing. Free is idempotent.
func (x *Ctx) Free() {
	if x == nil || x.c == nil {
		return
	}
	if x.hooks != 0 {
		C.membio_ctx_set_handle(x.c, 0)
		x.hooks.Delete()
		x.hooks = 0
	}
	C.membio_ctx_free(x.c)
	x.c = nil
}

// Closed reports whether Free has run.
func (x *Ctx) Closed() bool { return x == nil || x.c == nil }

// SetHooks installs h as the receiver of this context's Go callbacks (SNI,
// keylog, PSK, ...), replacing any previous hooks. The hooks object is
// stored in a cgo.Handle until Free; it must not keep the context's Go owner
// reachable.
func (x *Ctx) SetHooks(h Hooks) {
	old := x.hooks
	if h == nil {
		x.hooks = 0
		C.membio_ctx_set_handle(x.c, 0)
	} else {
		x.hooks = cgo.NewHandle(h)
		C.membio_ctx_set_handle(x.c, C.uintptr_t(x.hooks))
	}
	if old != 0 {
		old.Delete()
	}
}

// Options returns SSL_CTX_get_options.
func (x *Ctx) Options() uint64 {
	v := uint64(C.membio_ctx_get_options(x.c))
	runtime.KeepAlive(x)
	return v
}

// UpdateOptions sets the bits of set and clears those of clear.
func (x *Ctx) UpdateOptions(set, clear uint64) {
	C.membio_ctx_set_options(x.c, C.uint64_t(set), C.uint64_t(clear))
}

// VerifyMode returns SSL_CTX_get_verify_mode (SSL_VERIFY_* bits).
func (x *Ctx) VerifyMode() int { return int(C.membio_ctx_get_verify_mode(x.c)) }

// SetVerifyMode sets the SSL_VERIFY_* bits, keeping the verify callback.
func (x *Ctx) SetVerifyMode(mode int) { C.membio_ctx_set_verify_mode(x.c, C.int(mode)) }

// VerifyFlags returns X509_VERIFY_PARAM_get_flags of the context.
func (x *Ctx) VerifyFlags() uint64 { return uint64(C.membio_ctx_get_verify_flags(x.c)) }

// UpdateVerifyFlags clears then sets X509_V_FLAG_* bits.
func (x *Ctx) UpdateVerifyFlags(set, clear uint64) *errors.State {
	return call(func(e *C.membio_err) bool {
		return C.membio_ctx_set_verify_flags(x.c, C.ulong(set), C.ulong(clear), e) != 0
	})
}

// SetHostFlags sets X509_VERIFY_PARAM_set_hostflags of the context.
func (x *Ctx) SetHostFlags(flags uint32) { C.membio_ctx_set_host_flags(x.c, C.uint(flags)) }

// MinVersion and MaxVersion return SSL_CTX_get_min/max_proto_version.
func (x *Ctx) MinVersion() int { return int(C.membio_ctx_get_min_version(x.c)) }

// MaxVersion returns SSL_CTX_get_max_proto_version.
func (x *Ctx) MaxVersion() int { return int(C.membio_ctx_get_max_version(x.c)) }

// SetMinVersion calls SSL_CTX_set_min_proto_version.
func (x *Ctx) SetMinVersion(v int) *errors.State {
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_min_version(x.c, C.int(v), e) != 0 })
}

// SetMaxVersion calls SSL_CTX_set_max_proto_version.
func (x *Ctx) SetMaxVersion(v int) *errors.State {
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_max_version(x.c, C.int(v), e) != 0 })
}

// NumTickets returns SSL_CTX_get_num_tickets.
func (x *Ctx) NumTickets() uint64 { return uint64(C.membio_ctx_get_num_tickets(x.c)) }

// SetNumTickets calls SSL_CTX_set_num_tickets.
func (x *Ctx) SetNumTickets(n uint64) *errors.State {
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_num_tickets(x.c, C.size_t(n), e) != 0 })
}

// SecurityLevel returns SSL_CTX_get_security_level.
func (x *Ctx) SecurityLevel() int { return int(C.membio_ctx_get_security_level(x.c)) }

// SetPostHandshakeAuth calls SSL_CTX_set_post_handshake_auth.
func (x *Ctx) SetPostHandshakeAuth(on bool) { C.membio_ctx_set_post_handshake_auth(x.c, cbool(on)) }

// cstr returns a C copy of s; free it with C.free.
func cstr(s string) *C.char { return C.CString(s) }

// SetCiphers calls SSL_CTX_set_cipher_list.
func (x *Ctx) SetCiphers(list string) *errors.State {
	cs := cstr(list)
	defer C.free(unsafe.Pointer(cs))
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_ciphers(x.c, cs, e) != 0 })
}

// CipherInfo is one entry of Ciphers: OpenSSL's SSL_CIPHER getters. Empty
// strings stand for NULL.
type CipherInfo struct {
	ID                           uint64
	Name, Protocol, Description  string
	Symmetric, Digest, KEA, Auth string
	StrengthBits, AlgBits        int
	AEAD                         bool
}

func goStr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// Ciphers lists the ciphers an SSL made from this context would offer, in
// order (a temporary SSL_new, then SSL_get_ciphers).
func (x *Ctx) Ciphers() ([]CipherInfo, *errors.State) {
	var p *C.membio_cipher_info
	var n C.int
	st := call(func(e *C.membio_err) bool { return C.membio_ctx_get_ciphers(x.c, &p, &n, e) != 0 })
	if st != nil {
		return nil, st
	}
	defer C.free(unsafe.Pointer(p))
	in := unsafe.Slice(p, int(n))
	out := make([]CipherInfo, len(in))
	for i := range in {
		c := &in[i]
		out[i] = CipherInfo{
			ID:           uint64(c.id),
			Name:         goStr(c.name),
			Protocol:     goStr(c.protocol),
			Description:  C.GoString(&c.description[0]),
			Symmetric:    goStr(c.symmetric),
			Digest:       goStr(c.digest),
			KEA:          goStr(c.kea),
			Auth:         goStr(c.auth),
			StrengthBits: int(c.strength_bits),
			AlgBits:      int(c.alg_bits),
			AEAD:         c.aead != 0,
		}
	}
	return out, nil
}

// LoadStage tells which step of LoadCertChain failed.
type LoadStage int

// Stages of LoadCertChain.
const (
	LoadOK         LoadStage = 0
	LoadChain      LoadStage = 1 // SSL_CTX_use_certificate_chain_file
	LoadPrivateKey LoadStage = 2 // SSL_CTX_use_PrivateKey_file
	LoadCheckKey   LoadStage = 3 // SSL_CTX_check_private_key
)

// PasswordFailure tells why the password callback failed.
type PasswordFailure int

// Password failures.
const (
	PasswordOK       PasswordFailure = 0
	PasswordCallback PasswordFailure = 1 // the Go source returned an error
	PasswordTooLong  PasswordFailure = 2 // longer than the buffer OpenSSL offered
)

// PasswordSource supplies a key password on demand, during LoadCertChain.
// Password is called at most once per OpenSSL request with the size of the
// buffer OpenSSL offers; it returns the password, or an error that
// LoadCertChain's caller reports. It runs on the calling goroutine, inside
// the C call.
type PasswordSource interface {
	Password(max int) ([]byte, error)
}

// LoadResult is the outcome of LoadCertChain.
type LoadResult struct {
	Stage  LoadStage
	PwFail PasswordFailure
	PwMax  int // the buffer size OpenSSL offered to the password callback
	State  *errors.State
}

// LoadCertChain loads certfile's chain and the key of keyfile (certfile
// when keyfile is "") and checks they match, in one C call. Exactly one of
// fixed and src may supply a password; with neither, an encrypted key fails
// instead of prompting on the terminal.
func (x *Ctx) LoadCertChain(certfile, keyfile string, fixed []byte, src PasswordSource) LoadResult {
	ccert := cstr(certfile)
	defer C.free(unsafe.Pointer(ccert))
	var ckey *C.char
	if keyfile != "" {
		ckey = cstr(keyfile)
		defer C.free(unsafe.Pointer(ckey))
	}
	mode := C.int(C.MEMBIO_PW_NONE)
	var pw *C.char
	var pwlen C.int
	var h cgo.Handle
	switch {
	case src != nil:
		mode = C.MEMBIO_PW_GO
		h = cgo.NewHandle(src)
		defer h.Delete()
	case fixed != nil:
		mode = C.MEMBIO_PW_FIXED
		pw = (*C.char)(C.CBytes(fixed))
		pwlen = C.int(len(fixed))
		defer func() {
			clear(unsafe.Slice((*byte)(unsafe.Pointer(pw)), len(fixed)))
			C.free(unsafe.Pointer(pw))
		}()
	}
	var res C.membio_load_result
	st := call(func(e *C.membio_err) bool {
		return C.membio_ctx_load_cert_chain(x.c, ccert, ckey, mode, pw, pwlen, C.uintptr_t(h), &res, e) != 0
	})
	return LoadResult{Stage: LoadStage(res.stage), PwFail: PasswordFailure(res.pw_error), PwMax: int(res.pw_max), State: st}
}

// CAData result codes of AddCACerts.
const (
	CADataOK         = C.MEMBIO_CADATA_OK
	CADataNoneLoaded = C.MEMBIO_CADATA_NONE_LOADED
	CADataLib        = C.MEMBIO_CADATA_LIB
)

// AddCACerts adds the certificates of data (DER when der, else PEM) to the
// context's store, as CPython's _add_ca_certs: it returns CADataOK,
// CADataNoneLoaded when no certificate was found, or CADataLib with the
// captured state.
func (x *Ctx) AddCACerts(data []byte, der bool) (int, *errors.State) {
	var code C.int
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	st := call(func(e *C.membio_err) bool {
		code = C.membio_ctx_add_ca_certs(x.c, p, C.size_t(len(data)), cbool(der), e)
		return code == C.MEMBIO_CADATA_OK
	})
	runtime.KeepAlive(data)
	return int(code), st
}

// LoadVerifyLocations calls SSL_CTX_load_verify_locations; an empty string
// stands for NULL.
func (x *Ctx) LoadVerifyLocations(cafile, capath string) *errors.State {
	var cf, cp *C.char
	if cafile != "" {
		cf = cstr(cafile)
		defer C.free(unsafe.Pointer(cf))
	}
	if capath != "" {
		cp = cstr(capath)
		defer C.free(unsafe.Pointer(cp))
	}
	return call(func(e *C.membio_err) bool { return C.membio_ctx_load_verify_locations(x.c, cf, cp, e) != 0 })
}

// SetDefaultVerifyPaths calls SSL_CTX_set_default_verify_paths.
func (x *Ctx) SetDefaultVerifyPaths() *errors.State {
	return call(func(e *C.membio_err) bool { return C.membio_ctx_set_default_verify_paths(x.c, e) != 0 })
}

// LoadDHParams reads DH parameters from path (PEM_read_DHparams) and sets
// them. A state with a non-zero Errno means the file could not be read.
func (x *Ctx) LoadDHParams(path string) *errors.State {
	cp := cstr(path)
	defer C.free(unsafe.Pointer(cp))
	return call(func(e *C.membio_err) bool { return C.membio_ctx_load_dh_params(x.c, cp, e) != 0 })
}

// SetECDHCurve sets the single key-exchange group named by its OpenSSL
// short name. known is false for an unknown name.
func (x *Ctx) SetECDHCurve(name string) (known bool, st *errors.State) {
	cn := cstr(name)
	defer C.free(unsafe.Pointer(cn))
	var r C.int
	st = call(func(e *C.membio_err) bool {
		r = C.membio_ctx_set_ecdh_curve(x.c, cn, e)
		return r != 0
	})
	return r != -1, st
}

// SessionStats are the SSL_CTX_sess_* counters.
type SessionStats struct {
	Number, Connect, ConnectGood, ConnectRenegotiate, Accept, AcceptGood,
	AcceptRenegotiate, Hits, Misses, Timeouts, CacheFull int64
}

// SessionStats returns the SSL_CTX_sess_* counters.
func (x *Ctx) SessionStats() SessionStats {
	var s C.membio_sess_stats
	C.membio_ctx_session_stats(x.c, &s)
	return SessionStats{
		Number: int64(s.number), Connect: int64(s.connect), ConnectGood: int64(s.connect_good),
		ConnectRenegotiate: int64(s.connect_renegotiate), Accept: int64(s.accept),
		AcceptGood: int64(s.accept_good), AcceptRenegotiate: int64(s.accept_renegotiate),
		Hits: int64(s.hits), Misses: int64(s.misses), Timeouts: int64(s.timeouts),
		CacheFull: int64(s.cache_full),
	}
}

// CertStoreStats counts the certificates, CRLs and CA certificates in the
// context's store.
func (x *Ctx) CertStoreStats() (x509, crl, x509CA int) {
	var a, b, c C.int
	C.membio_ctx_cert_store_stats(x.c, &a, &b, &c)
	return int(a), int(b), int(c)
}

// CACerts returns the DER of the CA certificates in the context's store.
func (x *Ctx) CACerts() ([][]byte, *errors.State) {
	var p *C.uchar
	var n C.size_t
	st := call(func(e *C.membio_err) bool { return C.membio_ctx_get_ca_certs(x.c, &p, &n, e) != 0 })
	if st != nil {
		return nil, st
	}
	buf := C.GoBytes(unsafe.Pointer(p), C.int(n))
	C.free(unsafe.Pointer(p))
	var out [][]byte
	for _, r := range ParseRecords(buf) {
		out = append(out, r.Data)
	}
	return out, nil
}

// Record is one entry of a record stream produced by the C side (a 1-byte
// tag, a 4-byte little-endian length, the bytes).
type Record struct {
	Tag  byte
	Data []byte
}

// ParseRecords splits a record stream. A truncated trailing record is
// dropped.
func ParseRecords(b []byte) []Record {
	var out []Record
	for len(b) >= 5 {
		n := int(uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24)
		if n < 0 || len(b)-5 < n {
			break
		}
		out = append(out, Record{Tag: b[0], Data: b[5 : 5+n : 5+n]})
		b = b[5+n:]
	}
	return out
}

// SetALPN stores the ALPN list in wire format (length-prefixed names) as the
// client's offer and the server's preference, and installs the server
// selection callback (SSL_select_next_proto in C; no overlap means no ALPN).
func (x *Ctx) SetALPN(wire []byte) *errors.State {
	var p *C.uchar
	if len(wire) > 0 {
		p = (*C.uchar)(unsafe.Pointer(&wire[0]))
	}
	st := call(func(e *C.membio_err) bool { return C.membio_ctx_set_alpn(x.c, p, C.uint(len(wire)), e) != 0 })
	runtime.KeepAlive(wire)
	return st
}

// EnableSNI installs or removes the servername callback, which calls
// Hooks.ServerName.
func (x *Ctx) EnableSNI(on bool) { C.membio_ctx_enable_sni(x.c, cbool(on)) }

// EnableKeylog installs or removes the keylog callback, which calls
// Hooks.KeylogLine.
func (x *Ctx) EnableKeylog(on bool) { C.membio_ctx_enable_keylog(x.c, cbool(on)) }

// EnablePSKClient installs or removes the PSK client callback, which calls
// Hooks.PSKClient.
func (x *Ctx) EnablePSKClient(on bool) { C.membio_ctx_enable_psk_client(x.c, cbool(on)) }

// EnablePSKServer installs or removes the PSK server callback, which calls
// Hooks.PSKServer, and sets the identity hint ("" for none).
func (x *Ctx) EnablePSKServer(on bool, hint string) *errors.State {
	var ch *C.char
	if hint != "" {
		ch = cstr(hint)
		defer C.free(unsafe.Pointer(ch))
	}
	return call(func(e *C.membio_err) bool { return C.membio_ctx_enable_psk_server(x.c, cbool(on), ch, e) != 0 })
}

// DecodeCertDER decodes a DER certificate the way CPython's
// _decode_certificate does and returns the record stream.
func DecodeCertDER(der []byte) ([]Record, *errors.State) {
	var p unsafe.Pointer
	if len(der) > 0 {
		p = unsafe.Pointer(&der[0])
	}
	var out *C.uchar
	var n C.size_t
	st := call(func(e *C.membio_err) bool {
		return C.membio_decode_cert_der((*C.uchar)(p), C.size_t(len(der)), &out, &n, e) != 0
	})
	runtime.KeepAlive(der)
	if st != nil {
		return nil, st
	}
	buf := C.GoBytes(unsafe.Pointer(out), C.int(n))
	C.free(unsafe.Pointer(out))
	return ParseRecords(buf), nil
}

// DecodeCertPEM is DecodeCertDER for the first PEM certificate of pem.
func DecodeCertPEM(pem []byte) ([]Record, *errors.State) {
	var p unsafe.Pointer
	if len(pem) > 0 {
		p = unsafe.Pointer(&pem[0])
	}
	var out *C.uchar
	var n C.size_t
	st := call(func(e *C.membio_err) bool {
		return C.membio_decode_cert_pem((*C.uchar)(p), C.size_t(len(pem)), &out, &n, e) != 0
	})
	runtime.KeepAlive(pem)
	if st != nil {
		return nil, st
	}
	buf := C.GoBytes(unsafe.Pointer(out), C.int(n))
	C.free(unsafe.Pointer(out))
	return ParseRecords(buf), nil
}

// ObjInfo describes an ASN.1 object: its NID, short and long names and
// dotted OID ("" when OpenSSL has none).
type ObjInfo struct {
	NID                 int
	ShortName, LongName string
	OID                 string
}

func objInfo(r C.int, o *C.membio_obj_info) (ObjInfo, int) {
	if r != 1 {
		return ObjInfo{}, int(r)
	}
	return ObjInfo{NID: int(o.nid), ShortName: goStr(o.sn), LongName: goStr(o.ln), OID: C.GoString(&o.oid[0])}, 1
}

// ObjFromNID looks up an object by NID. The int is 1 on success, 0 for an
// unknown NID, -1 for an object without NID.
func ObjFromNID(nid int) (ObjInfo, int) {
	var o C.membio_obj_info
	return objInfo(C.membio_obj_from_nid(C.int(nid), &o), &o)
}

// ObjFromText looks up an object by dotted OID, or also by short or long
// name unless oidOnly.
func ObjFromText(txt string, oidOnly bool) (ObjInfo, int) {
	ct := cstr(txt)
	defer C.free(unsafe.Pointer(ct))
	var o C.membio_obj_info
	return objInfo(C.membio_obj_from_txt(ct, cbool(oidOnly), &o), &o)
}

// DefaultVerifyPaths returns OpenSSL's compiled-in default CA file and
// directory and the names of the environment variables that override them.
func DefaultVerifyPaths() (fileEnv, file, dirEnv, dir string) {
	var a, b, c, d *C.char
	C.membio_default_verify_paths(&a, &b, &c, &d)
	return goStr(a), goStr(b), goStr(c), goStr(d)
}

// RandBytes fills p from OpenSSL's CSPRNG.
func RandBytes(p []byte) *errors.State {
	if len(p) == 0 {
		return nil
	}
	st := call(func(e *C.membio_err) bool {
		return C.membio_rand_bytes((*C.uchar)(unsafe.Pointer(&p[0])), C.int(len(p)), e) != 0
	})
	runtime.KeepAlive(p)
	return st
}

// RandStatus returns RAND_status() == 1.
func RandStatus() bool { return C.membio_rand_status() == 1 }

// RandAdd mixes p into OpenSSL's CSPRNG with the given entropy estimate.
func RandAdd(p []byte, entropy float64) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	C.membio_rand_add(ptr, C.int(len(p)), C.double(entropy))
	runtime.KeepAlive(p)
}
