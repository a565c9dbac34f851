package errors

import "sort"

//go:generate go run ../scripts/generrtables -o tables_gen.go

// reasonName is one entry of the generated reason table.
type reasonName struct {
	lib    uint8
	reason int32
	name   string
}

// LibName returns the mnemonic of the OpenSSL error library lib (an
// ERR_LIB_* value), such as "SSL" for 20 or "PEM" for 9, and false when
// the table has no name for it.
func LibName(lib int) (string, bool) {
	if lib < 0 || lib >= len(libNames) || libNames[lib] == "" {
		return "", false
	}
	return libNames[lib], true
}

// ReasonName returns the mnemonic of reason in the OpenSSL error library
// lib, such as "CERTIFICATE_VERIFY_FAILED" for (20, 134), and false when
// the table has no name for it. reason is ERR_GET_REASON of the packed
// code, flags included, so the reasons common to all libraries
// (ERR_R_*, with RFlagCommon set) have no name, as in Python.
//
// The tables are generated from the OpenSSL headers named by
// TablesVersion. Library and reason codes are stable across OpenSSL
// releases, so they also serve other versions, minus the reasons those
// add.
func ReasonName(lib, reason int) (string, bool) {
	i := sort.Search(len(reasonNames), func(i int) bool {
		r := &reasonNames[i]
		return int(r.lib) > lib || (int(r.lib) == lib && int(r.reason) >= reason)
	})
	if i < len(reasonNames) && int(reasonNames[i].lib) == lib && int(reasonNames[i].reason) == reason {
		return reasonNames[i].name, true
	}
	return "", false
}

// ReasonCode returns the library and reason codes of the mnemonics
// libName and reasonName, such as (20, 134) for ("SSL",
// "CERTIFICATE_VERIFY_FAILED"), and false when the tables have no such
// pair. It is the inverse of LibName and ReasonName, and Python's
// _ssl.err_names_to_codes qualified by library (Python's dictionary is
// keyed by the reason mnemonic alone, which several libraries share).
func ReasonCode(libName, reasonName string) (lib, reason int, ok bool) {
	for l, name := range libNames {
		if name != libName {
			continue
		}
		for i := range reasonNames {
			r := &reasonNames[i]
			if int(r.lib) == l && r.name == reasonName {
				return l, int(r.reason), true
			}
		}
	}
	return 0, 0, false
}

// TablesVersion returns OPENSSL_VERSION_TEXT of the OpenSSL headers the
// name tables were generated from, such as "OpenSSL 3.0.19 27 Jan 2026".
func TablesVersion() string { return tablesVersion }
