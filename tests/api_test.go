package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The public packages expose no type of package cshim, membio's cgo
// boundary: no exported function, method, field, variable or type takes,
// returns or is one. The check walks the source: a cshim type can only be
// named as cshim.X, or through a local alias of one.
func TestPublicAPIExposesNoCshimType(t *testing.T) {
	for _, dir := range []string{"bio", "context", "sslobj", "errors"} {
		t.Run(dir, func(t *testing.T) {
			for _, bad := range cshimInAPI(t, filepath.Join("..", dir)) {
				t.Error(bad)
			}
		})
	}
}

func cshimInAPI(t *testing.T, dir string) []string {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files)

	// Local type names that are (aliases of) cshim types.
	aliases := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, sp := range gd.Specs {
				ts := sp.(*ast.TypeSpec)
				switch ts.Type.(type) {
				case *ast.StructType, *ast.InterfaceType, *ast.FuncType:
					continue // a new type; its exported parts are checked below
				}
				if mentionsCshim(ts.Type, nil) {
					aliases[ts.Name.Name] = true
				}
			}
		}
	}

	var bad []string
	report := func(pos token.Pos, what string) {
		bad = append(bad, fset.Position(pos).String()+": "+what+" exposes a cshim type")
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil && !exportedRecv(d.Recv) {
					continue
				}
				if mentionsCshim(d.Type, aliases) {
					report(d.Pos(), "func "+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						if !sp.Name.IsExported() {
							continue
						}
						if exposesCshim(sp.Type, aliases) {
							report(sp.Pos(), "type "+sp.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							if n.IsExported() && sp.Type != nil && mentionsCshim(sp.Type, aliases) {
								report(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
	}
	return bad
}

func exportedRecv(fl *ast.FieldList) bool {
	x := fl.List[0].Type
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if ix, ok := x.(*ast.IndexExpr); ok {
		x = ix.X
	}
	id, ok := x.(*ast.Ident)
	return ok && id.IsExported()
}

// exposesCshim reports whether a type definition shows a cshim type: as
// the type itself (a defined type or an alias), or in an exported field or
// interface method. Unexported fields, embedded or not, are hidden.
func exposesCshim(x ast.Expr, aliases map[string]bool) bool {
	switch x := x.(type) {
	case *ast.StructType:
		for _, fld := range x.Fields.List {
			if len(fld.Names) == 0 {
				if embeddedName(fld.Type).IsExported() && mentionsCshim(fld.Type, aliases) {
					return true
				}
				continue
			}
			for _, n := range fld.Names {
				if n.IsExported() && mentionsCshim(fld.Type, aliases) {
					return true
				}
			}
		}
		return false
	case *ast.InterfaceType:
		for _, m := range x.Methods.List {
			if mentionsCshim(m.Type, aliases) {
				return true
			}
		}
		return false
	}
	return mentionsCshim(x, aliases)
}

func embeddedName(x ast.Expr) *ast.Ident {
	switch x := x.(type) {
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel
	case *ast.Ident:
		return x
	}
	return ast.NewIdent("_")
}

func mentionsCshim(x ast.Node, aliases map[string]bool) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Name == "cshim" {
				found = true
			}
		case *ast.Ident:
			if aliases[n.Name] {
				found = true
			}
		}
		return !found
	})
	return found
}

// The check itself finds what it looks for.
func TestPublicAPICheckFindsCshimTypes(t *testing.T) {
	dir := t.TempDir()
	src := `package p
import "github.com/membio/membio/cshim"
type link = cshim.BIOLink
type Open struct{ Raw *cshim.BIO }
type Hidden struct{ link; raw *cshim.BIO }
func (h *Hidden) Raw() *cshim.BIO { return nil }
func (h *Hidden) Link() *link { return nil }
func (h *Hidden) fine() *cshim.BIO { return nil }
var V *cshim.Ctx
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644))
	bad := cshimInAPI(t, dir)
	require.Len(t, bad, 4, strings.Join(bad, "\n"))
}
