//go:build !cgo

package cshim

import "github.com/membio/membio/errors"

func (x *Ctx) SetCiphersuites(list string) *errors.State         { return noCgoState() }
func (x *Ctx) SetGroups(list string) *errors.State               { return noCgoState() }
func (x *Ctx) SetSigalgs(list string, client bool) *errors.State { return noCgoState() }
func (x *Ctx) EnableMsgCallback(on bool)                         {}
func (c *Conn) Group() (string, bool)                            { return "", false }
func (c *Conn) Sigalg(client bool) (string, bool)                { return "", false }
func (x *Ctx) Groups(includeAliases bool) ([]string, bool, *errors.State) {
	return nil, true, noCgoState()
}

// Sigalgs fails without cgo.
func Sigalgs() ([]string, bool, *errors.State) { return nil, true, noCgoState() }
