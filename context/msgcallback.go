package sslctx

import (
	"github.com/membio/membio/cshim"
	"github.com/membio/membio/errors"
)

// MsgCallback is a TLS message callback, Python's private
// SSLContext._msg_callback debug hook. It is called for every TLS protocol
// message an SSL object sends or receives (record headers, handshake
// messages, alerts, change_cipher_spec, TLS 1.3 inner content types), but
// never with application data, on the goroutine that runs the SSL call
// (DoHandshake, Read, Write, Unwrap, ...), inside that call:
//
//   - conn is the SSL object (a *sslobj.SSLObject); the callback may call
//     ServerSide, ServerHostname, Context and SetContext, while the
//     object's other methods, which would wait for the call running the
//     callback, fail with sslobj.ErrInCallback (or report "none");
//   - direction is "read" or "write";
//   - version is the protocol version, or for a record header the version
//     field of the header (TLSv1 for the first ClientHello record, TLSv1_2
//     for every TLS 1.3 record);
//   - contentType is the record's content type, or OpenSSL's pseudo type
//     TLSContentTypeHeader (a 5-byte record header) or
//     TLSContentTypeInnerContentType (the content type byte inside a TLS 1.3
//     record);
//   - msgType depends on contentType, as in Python: for
//     TLSContentTypeHeader the record's content type (a TLSContentType),
//     for TLSContentTypeAlert the alert description (a TLSAlertType), and
//     otherwise a TLSMessageType (TLSMessageTypeChangeCipherSpec for a
//     change_cipher_spec record); -1 when there is none. MsgTypeString
//     names it;
//   - data is the message as OpenSSL handled it (decrypted), a copy the
//     callback may keep.
//
// As in Python the callback cannot filter traffic or abort the connection.
// An error it returns, or a panic, is recorded and becomes the error of the
// SSL call during which it ran, wrapped in an *errors.CallbackError (the
// first one wins); the TLS exchange itself goes on.
type MsgCallback func(conn SNIConn, direction string, version TLSVersion, contentType TLSContentType, msgType int, data []byte) error

// MsgCallback returns the message callback, or nil.
func (c *SSLContext) MsgCallback() MsgCallback {
	if c.lockGet() == nil {
		return nil
	}
	c.mu.Unlock()
	c.cbmu.Lock()
	defer c.cbmu.Unlock()
	return c.msgCb
}

// SetMsgCallback sets (or with nil removes) the message callback (Python's
// private _msg_callback setter). SSL objects created from the context
// afterwards call it, as do objects that switch to this context with
// SetContext; an object created earlier keeps the setting its context had
// then (OpenSSL copies it into the SSL object), but removing the callback
// silences every object of the context.
func (c *SSLContext) SetMsgCallback(cb MsgCallback) error {
	raw, err := c.lockSet()
	if err != nil {
		return err
	}
	defer c.unlockSet()
	c.cbmu.Lock()
	c.msgCb = cb
	c.cbmu.Unlock()
	raw.EnableMsgCallback(cb != nil)
	return nil
}

// Message dispatches one message to the context's message callback.
func (h *ctxHooks) Message(conn *cshim.Conn, write bool, version, contentType, msgType int, data []byte) {
	c := h.w.Value()
	if c == nil || conn == nil {
		return
	}
	c.cbmu.Lock()
	cb := c.msgCb
	c.cbmu.Unlock()
	if cb == nil {
		return
	}
	owner, _ := conn.Owner().(SNIConn)
	if owner == nil {
		return
	}
	direction := "read"
	if write {
		direction = "write"
	}
	buf := make([]byte, len(data))
	copy(buf, data)
	if err := runMsg(conn, cb, owner, direction, version, contentType, msgType, buf); err != nil {
		conn.SetCallbackError(err)
	}
}

// runMsg calls the user callback, marking the connection as inside a
// callback (unless a callback already runs), and turns a panic into an
// error.
func runMsg(conn *cshim.Conn, cb MsgCallback, owner SNIConn, direction string, version, contentType, msgType int, data []byte) (err error) {
	if !conn.InCallback() {
		conn.EnterCallback()
		defer conn.ExitCallback()
	}
	defer func() {
		if v := recover(); v != nil {
			err = errors.RecoverCallback("msg_callback", v)
		}
	}()
	return errors.WrapCallback("msg_callback",
		cb(owner, direction, TLSVersion(version), TLSContentType(contentType), msgType, data))
}
