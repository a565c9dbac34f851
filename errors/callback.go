package errors

import (
	"fmt"
	"runtime/debug"
)

// CallbackError is the error of a call during which a user callback (the
// SNI callback, a password callback, a PSK callback, ...) failed.
//
// Python stores an exception raised inside a callback and re-raises it
// when the OpenSSL call returns, with the SSLError that the failure caused
// as its __context__. Likewise Unwrap returns the callback's own error,
// so errors.Is and errors.As reach it, and Context holds the error the
// call itself ended with. Context is not reached by Unwrap: as in Python,
// catching ssl.SSLError does not catch the callback's exception.
type CallbackError struct {
	// Callback names the callback, such as "sni" or "password".
	Callback string
	// Err is the error the callback returned, or a *PanicError when it
	// panicked.
	Err error
	// Context is the error the OpenSSL call ended with because the
	// callback failed, or nil.
	Context error
}

// Error returns "<callback> callback: <error of the callback>".
func (e *CallbackError) Error() string { return e.Callback + " callback: " + e.Err.Error() }

// Unwrap returns Err.
func (e *CallbackError) Unwrap() error { return e.Err }

// PanicError is a panic recovered from a callback, turned into an error.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the time of the recovery.
	Stack []byte
}

// Error returns "panic: " followed by the panic value.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error, and nil otherwise.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// WrapCallback returns err, the error returned by the callback named
// callback, wrapped in a *CallbackError. It returns nil when err is nil
// and err itself when it is already a *CallbackError.
func WrapCallback(callback string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*CallbackError); ok {
		return err
	}
	return &CallbackError{Callback: callback, Err: err}
}

// RecoverCallback turns v, a value recovered from a panic in the callback
// named callback, into a *CallbackError whose Err is a *PanicError that
// records v and the stack. Call it from the deferred function that calls
// recover; it returns nil when v is nil.
func RecoverCallback(callback string, v any) error {
	if v == nil {
		return nil
	}
	return &CallbackError{Callback: callback, Err: &PanicError{Value: v, Stack: debug.Stack()}}
}

// ChainCallback returns the error of a call that ran a callback, as
// Python's PySSL_ChainExceptions does: callbackErr when the callback
// failed, with callErr recorded as its Context, and callErr otherwise.
// callbackErr is wrapped with WrapCallback under the name "callback" if
// it is not already a *CallbackError.
func ChainCallback(callbackErr, callErr error) error {
	if callbackErr == nil {
		return callErr
	}
	ce, ok := callbackErr.(*CallbackError)
	if !ok {
		ce = &CallbackError{Callback: "callback", Err: callbackErr}
	}
	if ce.Context == nil && callErr != nil {
		ce.Context = callErr
	}
	return ce
}
