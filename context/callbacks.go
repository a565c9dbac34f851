package sslctx

import (
	"fmt"
	"strconv"

	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
	"weak"
)

// SNIConn is what an SNI callback receives for the connection being
// negotiated: Python passes the SSLObject. *sslobj.SSLObject implements it.
//
// The methods are called from inside the handshake, on the goroutine that
// runs it; implementations must not wait for that handshake.
type SNIConn interface {
	// ServerSide reports whether the object is the server side (always
	// true in an SNI callback).
	ServerSide() bool
	// ServerHostname returns the object's server_hostname ("" for none;
	// always "" on the server side).
	ServerHostname() string
	// Context returns the object's current SSLContext.
	Context() *SSLContext
	// SetContext switches the object to ctx (certificates, key, and the
	// callbacks OpenSSL reads from the context later in the handshake),
	// as Python's sslobj.context = ctx.
	SetContext(ctx *SSLContext) error
}

// SNICallback is called on the server when a client's ClientHello has been
// read, with the server name the client sent (the A-label, as OpenSSL
// received it; "" when it sent none, for example when it connected to an
// IP address) and the context the callback was set on.
//
// Returning nil continues the handshake; the callback may first switch
// conn to another context. Returning an *AlertError (see Alert) aborts the
// handshake with that alert, and the server's handshake fails with
// OpenSSL's "[SSL: CALLBACK_FAILED]". Any other error, or a panic, aborts
// with the handshake_failure alert and becomes the error of the server's
// handshake step, wrapped in an *errors.CallbackError (errors.Is and
// errors.As reach the callback's error).
type SNICallback func(conn SNIConn, serverName string, ctx *SSLContext) error

// AlertError makes an SNI callback abort the handshake with a chosen TLS
// alert (Python's callback returning an integer).
type AlertError struct {
	Description AlertDescription
}

// Alert returns an *AlertError for d.
func Alert(d AlertDescription) error { return &AlertError{Description: d} }

// Error returns "TLS alert " and the alert's name.
func (e *AlertError) Error() string { return "TLS alert " + e.Description.String() }

// PSKClientCallback returns the identity and pre-shared key a client uses
// for the server's identity hint ("" when the server sent none, Python's
// None). An error, a panic, an identity of 128 bytes or more (OpenSSL's
// limit), or a key longer than OpenSSL's limit (512 bytes) aborts the
// handshake and becomes the error of the client's handshake step.
type PSKClientCallback func(hint string) (identity string, psk []byte, err error)

// PSKServerCallback returns the pre-shared key for the identity a client
// sent ("" for none). An empty key refuses the identity. An error or a
// panic aborts the handshake and becomes the error of the server's
// handshake step.
type PSKServerCallback func(identity string) (psk []byte, err error)

// SNICallback returns the SNI callback, or nil.
func (c *SSLContext) SNICallback() SNICallback {
	if c.lockGet() == nil {
		return nil
	}
	c.mu.Unlock()
	c.cbmu.Lock()
	defer c.cbmu.Unlock()
	return c.sni
}

// SetSNICallback sets (or with nil removes) the SNI callback, Python's
// sni_callback. On a ProtocolTLSClient context it is a *errors.ValueError
// "sni_callback cannot be set on TLS_CLIENT context".
func (c *SSLContext) SetSNICallback(cb SNICallback) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if c.protocol == ProtocolTLSClient {
		return errors.NewValueError("sni_callback cannot be set on TLS_CLIENT context")
	}
	c.cbmu.Lock()
	c.sni = cb
	c.cbmu.Unlock()
	raw.EnableSNI(cb != nil)
	return nil
}

// SetServernameCallback is Python's legacy set_servername_callback: it sets
// an SNI callback that calls cb. Python's shim re-encodes the name with
// IDNA, so the callback receives the A-label, as here (the Python
// documentation says otherwise). nil removes the callback.
func (c *SSLContext) SetServernameCallback(cb func(conn SNIConn, serverName string, ctx *SSLContext) error) error {
	if cb == nil {
		return c.SetSNICallback(nil)
	}
	return c.SetSNICallback(func(conn SNIConn, serverName string, ctx *SSLContext) error {
		return cb(conn, serverName, ctx)
	})
}

// SetPSKClientCallback sets (or with nil removes) the TLS-PSK client
// callback (Python 3.13). On a ProtocolTLSServer context it is an
// *errors.SSLError "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER
// context".
func (c *SSLContext) SetPSKClientCallback(cb PSKClientCallback) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if c.protocol == ProtocolTLSServer {
		return errors.FromLibMessage("Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context")
	}
	c.cbmu.Lock()
	c.pskClient = cb
	c.cbmu.Unlock()
	raw.EnablePSKClient(cb != nil)
	return nil
}

// SetPSKServerCallback sets (or with nil removes) the TLS-PSK server
// callback and the identity hint sent to clients ("" for none; TLS 1.2
// only) (Python 3.13). On a ProtocolTLSClient context it is an
// *errors.SSLError "Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT
// context".
func (c *SSLContext) SetPSKServerCallback(cb PSKServerCallback, identityHint string) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	if c.protocol == ProtocolTLSClient {
		return errors.FromLibMessage("Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context")
	}
	if st := raw.EnablePSKServer(cb != nil, identityHint); st != nil {
		return errors.NewValueError("failed to set identity hint")
	}
	c.cbmu.Lock()
	c.pskServer = cb
	c.cbmu.Unlock()
	return nil
}

// ctxHooks receives the OpenSSL callbacks of one context through a
// cgo.Handle. It refers to the SSLContext weakly, so the handle table
// does not keep the context alive.
type ctxHooks struct {
	w weak.Pointer[SSLContext]
}

var _ cshim.Hooks = (*ctxHooks)(nil)

func (h *ctxHooks) ServerName(conn *cshim.Conn, name string, sent bool) (int, int) {
	c := h.w.Value()
	if c == nil {
		return cshim.ServerNameOK, 0
	}
	c.cbmu.Lock()
	cb := c.sni
	c.cbmu.Unlock()
	if cb == nil {
		return cshim.ServerNameOK, 0
	}
	fail := func(alert int, err error) (int, int) {
		if conn != nil && err != nil {
			conn.SetCallbackError(err)
		}
		return cshim.ServerNameAlertFatal, alert
	}
	if conn == nil {
		return fail(cshim.AlertInternalError, nil)
	}
	owner, _ := conn.Owner().(SNIConn)
	if owner == nil {
		// Python: the owner is gone.
		return fail(cshim.AlertInternalError, nil)
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return fail(cshim.AlertInternalError, errors.WrapCallback("sni",
				errors.NewValueError("server name is not ASCII: "+strconv.Quote(name))))
		}
	}
	err := runSNI(conn, cb, owner, name, c)
	if err == nil {
		return cshim.ServerNameOK, 0
	}
	var ae *AlertError
	if errors.As(err, &ae) {
		return cshim.ServerNameAlertFatal, int(ae.Description)
	}
	return fail(cshim.AlertHandshakeFailure, err)
}

// runSNI calls the user callback between EnterCallback and ExitCallback,
// turning a panic into an error.
func runSNI(conn *cshim.Conn, cb SNICallback, owner SNIConn, name string, c *SSLContext) (err error) {
	conn.EnterCallback()
	defer conn.ExitCallback()
	defer func() {
		if v := recover(); v != nil {
			err = errors.RecoverCallback("sni", v)
		}
	}()
	if err := cb(owner, name, c); err != nil {
		var ae *AlertError
		if errors.As(err, &ae) {
			return err
		}
		return errors.WrapCallback("sni", err)
	}
	return nil
}

func (h *ctxHooks) KeylogLine(conn *cshim.Conn, line string) {
	c := h.w.Value()
	if c == nil {
		return
	}
	c.cbmu.Lock()
	defer c.cbmu.Unlock()
	if c.keylogFile == nil {
		return
	}
	if _, err := c.keylogFile.WriteString(line + "\n"); err != nil && conn != nil {
		conn.SetCallbackError(errors.WrapCallback("keylog", pathError("keylog_filename", c.keylogName, err)))
	}
}

func (h *ctxHooks) PSKClient(conn *cshim.Conn, hint string, maxIdentity, maxPSK int) (id string, psk []byte, ok bool) {
	c := h.w.Value()
	if c == nil {
		return "", nil, false
	}
	c.cbmu.Lock()
	cb := c.pskClient
	c.cbmu.Unlock()
	if cb == nil {
		return "", nil, false
	}
	record := func(err error) {
		if conn != nil {
			conn.SetCallbackError(err)
		}
	}
	defer func() {
		if v := recover(); v != nil {
			record(errors.RecoverCallback("psk_client", v))
			id, psk, ok = "", nil, false
		}
	}()
	id, psk, err := cb(hint)
	if err != nil {
		record(errors.WrapCallback("psk_client", err))
		return "", nil, false
	}
	if len(id)+1 > maxIdentity {
		record(errors.WrapCallback("psk_client", errors.NewValueError(
			fmt.Sprintf("PSK identity longer than %d bytes", maxIdentity-1))))
		return "", nil, false
	}
	if len(psk) > maxPSK {
		record(errors.WrapCallback("psk_client", errors.NewValueError(
			fmt.Sprintf("PSK longer than %d bytes", maxPSK))))
		return "", nil, false
	}
	return id, psk, true
}

func (h *ctxHooks) PSKServer(conn *cshim.Conn, identity string, maxPSK int) (psk []byte, ok bool) {
	c := h.w.Value()
	if c == nil {
		return nil, false
	}
	c.cbmu.Lock()
	cb := c.pskServer
	c.cbmu.Unlock()
	if cb == nil {
		return nil, false
	}
	record := func(err error) {
		if conn != nil {
			conn.SetCallbackError(err)
		}
	}
	defer func() {
		if v := recover(); v != nil {
			record(errors.RecoverCallback("psk_server", v))
			psk, ok = nil, false
		}
	}()
	psk, err := cb(identity)
	if err != nil {
		record(errors.WrapCallback("psk_server", err))
		return nil, false
	}
	if len(psk) > maxPSK {
		record(errors.WrapCallback("psk_server", errors.NewValueError(
			fmt.Sprintf("PSK longer than %d bytes", maxPSK))))
		return nil, false
	}
	return psk, true
}
