// Package licenses lists the licences of the modules kessai is built and
// tested with, and checks each against an allow-list of licences that an
// Apache-2.0 project may depend on. docs/licenses.md is its output
// (`make licenses`, or `go generate ./internal/licenses`); the package's
// tests fail when a dependency's licence is not allowed or when that file is
// stale.
//
// The licence texts are the files named LICENSE*, LICENCE* or COPYING* at the
// root of each module in the module cache; github.com/google/licensecheck
// (the classifier behind pkg.go.dev) names the licences they hold.
package licenses

//go:generate go run ./mklicenses -o ../../docs/licenses.md

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/google/licensecheck"
)

// Allowed are the licences (SPDX identifiers) that an Apache-2.0 project may
// depend on: the permissive ones, and MPL-2.0, whose copyleft stays in the
// files it covers (the ASF's "category B": used unmodified).
var Allowed = map[string]bool{
	"Apache-2.0":   true,
	"MIT":          true,
	"BSD-2-Clause": true,
	"BSD-3-Clause": true,
	"ISC":          true,
	"0BSD":         true,
	"Zlib":         true,
	"Unlicense":    true,
	"CC0-1.0":      true,
	"MPL-2.0":      true,
}

// MinCoverage is the share of a licence file, in percent, that recognised
// licence texts must cover for the file to pass unread: the rest could add
// terms.
const MinCoverage = 80

// Reviewed are licence files that the classifier does not cover well enough
// and that a person has read, by module@version/file. A new version of the
// module needs a new review.
var Reviewed = map[string]Review{
	"modernc.org/sqlite@v1.61.1/LICENSE-SQLITE":       {"public domain", "SQLite's dedication to the public domain"},
	"modernc.org/sqlite@v1.61.1/LICENSE-3RD-PARTY.md": {"", "the licences of code translated into the module, each recognised: BSD-3-Clause, MIT, Apache-2.0, MPL-2.0"},
	"modernc.org/libc@v1.79.0/LICENSE-3RD-PARTY.md":   {"", "the licences of code translated into the module, each recognised: BSD-3-Clause, MIT"},
	"modernc.org/memory@v1.12.1/LICENSE-LOGO":         {"", "only the address of the logo's source image: no terms for the code"},
}

// Review is what a person found in a licence file.
type Review struct {
	License string // the licence it grants beyond those recognised, if any
	Why     string
}

// Module is one module of the build with its licence files.
type Module struct {
	Path, Version string
	Dir           string // in the module cache
	InBinary      bool   // linked into cmd/kessai, not only used by tests
	Files         []File
}

// File is one licence file of a module, as the classifier read it.
type File struct {
	Name     string
	IDs      []string // the licences recognised, sorted, once each
	Coverage float64  // percent of the text they cover
	Reviewed *Review  // what a person found in it, when the classifier could not tell
}

// Licenses returns the licences of m: every licence its files name, and what
// a review found in the others.
func (m Module) Licenses() []string {
	var ids []string
	for _, f := range m.Files {
		ids = append(ids, f.IDs...)
		if f.Reviewed != nil && f.Reviewed.License != "" {
			ids = append(ids, f.Reviewed.License)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Load lists the modules that the packages of the module at root, and their
// tests, are built from (the main module and the standard library aside),
// and classifies their licence files. It runs the go command, which may
// download modules missing from the cache.
func Load(ctx context.Context, root string) ([]Module, error) {
	all, err := goListModules(ctx, root, "-test", "./...")
	if err != nil {
		return nil, err
	}
	bin, err := goListModules(ctx, root, "./cmd/kessai")
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, m := range all {
		_, m.InBinary = bin[m.Path]
		if m.Dir == "" {
			return nil, fmt.Errorf("licenses: module %s@%s is not in the module cache (run go mod download)", m.Path, m.Version)
		}
		files, err := licenseFiles(m)
		if err != nil {
			return nil, err
		}
		m.Files = files
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	return mods, nil
}

// goListModules returns the modules of the packages that pkgs depend on.
func goListModules(ctx context.Context, root string, args ...string) (map[string]Module, error) {
	args = append([]string{"list", "-deps", "-json=Module"}, args...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("licenses: go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	mods := map[string]Module{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Module *struct {
				Path, Version, Dir string
				Main               bool
				Replace            *struct{ Path, Version, Dir string }
			}
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("licenses: go list: %w", err)
		}
		if p.Module == nil || p.Module.Main {
			continue // the standard library, or kessai itself
		}
		m := Module{Path: p.Module.Path, Version: p.Module.Version, Dir: p.Module.Dir}
		if r := p.Module.Replace; r != nil {
			m.Version, m.Dir = r.Version, r.Dir
		}
		mods[m.Path] = m
	}
	return mods, nil
}

// isLicenseFile reports whether a file at a module's root holds licence
// terms by its name.
func isLicenseFile(name string) bool {
	n := strings.ToUpper(name)
	if strings.HasSuffix(n, ".GO") {
		return false
	}
	for _, base := range []string{"LICENSE", "LICENCE", "COPYING"} {
		if rest, ok := strings.CutPrefix(n, base); ok && (rest == "" || strings.ContainsAny(rest[:1], ".-_")) {
			return true
		}
	}
	return false
}

func licenseFiles(m Module) ([]File, error) {
	ents, err := os.ReadDir(m.Dir)
	if err != nil {
		return nil, fmt.Errorf("licenses: %s: %w", m.Path, err)
	}
	var files []File
	for _, e := range ents {
		if !e.Type().IsRegular() || !isLicenseFile(e.Name()) {
			continue
		}
		text, err := os.ReadFile(filepath.Join(m.Dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("licenses: %s: %w", m.Path, err)
		}
		f := Classify(e.Name(), text)
		if r, ok := Reviewed[m.Path+"@"+m.Version+"/"+e.Name()]; ok {
			f.Reviewed = &r
		}
		files = append(files, f)
	}
	return files, nil
}

// Classify names the licences in text, the content of the licence file name.
func Classify(name string, text []byte) File {
	c := licensecheck.Scan(text)
	f := File{Name: name, Coverage: c.Percent}
	for _, m := range c.Match {
		f.IDs = append(f.IDs, m.ID)
	}
	slices.Sort(f.IDs)
	f.IDs = slices.Compact(f.IDs)
	return f
}

// Check returns an error naming every module whose licence kessai may not
// depend on: a module without a licence file, a licence not in Allowed, or a
// file the classifier covers less than MinCoverage that nobody reviewed.
func Check(mods []Module) error {
	var errs []error
	for _, m := range mods {
		if len(m.Files) == 0 {
			errs = append(errs, fmt.Errorf("%s@%s has no licence file (LICENSE, LICENCE or COPYING)", m.Path, m.Version))
		}
		for _, f := range m.Files {
			for _, id := range f.IDs {
				if !Allowed[id] {
					errs = append(errs, fmt.Errorf("%s@%s: %s is %s, not a licence allowed beside Apache-2.0 (licenses.Allowed)", m.Path, m.Version, f.Name, id))
				}
			}
			if f.Coverage < MinCoverage && f.Reviewed == nil {
				errs = append(errs, fmt.Errorf("%s@%s: %s is only %.0f%% recognised (%s): read it and record it in licenses.Reviewed", m.Path, m.Version, f.Name, f.Coverage, strings.Join(f.IDs, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// Markdown renders docs/licenses.md.
func Markdown(mods []Module) []byte {
	var b bytes.Buffer
	b.WriteString(`# Licences of kessai's dependencies

<!-- Generated by 'make licenses' (go run ./internal/licenses/mklicenses); do not edit. -->

kessai is licensed under the Apache License 2.0 (see LICENSE and NOTICE). These are the modules its
packages and their tests are built from, with the licences that github.com/google/licensecheck
recognises in their licence files. "binary" marks the modules linked into the kessai binary; the
others are used only by tests and tools. The Go standard library is BSD-3-Clause.
Every licence here is one that an Apache-2.0 project may depend on (` + "`licenses.Allowed`" + `: Apache-2.0,
MIT, BSD-2-Clause, BSD-3-Clause, ISC, 0BSD, Zlib, Unlicense, CC0-1.0, MPL-2.0);
` + "`go test ./internal/licenses`" + ` fails when one is not, or when this file is stale.

| module | version | licence | binary | files |
|---|---|---|---|---|
`)
	for _, m := range mods {
		bin := ""
		if m.InBinary {
			bin = "yes"
		}
		var files []string
		for _, f := range m.Files {
			files = append(files, f.Name)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", m.Path, m.Version, strings.Join(m.Licenses(), ", "), bin, strings.Join(files, ", "))
	}
	return b.Bytes()
}
