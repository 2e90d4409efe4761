package licenses

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLicenses_DependenciesAllowedAndDocFresh loads kessai's real module
// graph: it fails when a dependency's licence is not allowed beside
// Apache-2.0, or when docs/licenses.md is not what 'make licenses' writes.
func TestLicenses_DependenciesAllowedAndDocFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command over the whole module graph")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := Load(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) < 10 {
		t.Fatalf("only %d modules found: the go list parse is broken", len(mods))
	}
	if err := Check(mods); err != nil {
		t.Errorf("dependencies whose licence is not allowed:\n%v", err)
	}
	for _, m := range mods {
		if m.Path == "modernc.org/sqlite" && !m.InBinary {
			t.Errorf("modernc.org/sqlite not marked as linked into the binary")
		}
		if m.Path == "github.com/chromedp/chromedp" && m.InBinary {
			t.Errorf("chromedp, a test dependency, marked as linked into the binary")
		}
	}
	got, err := os.ReadFile(filepath.Join(root, "docs", "licenses.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := Markdown(mods); !bytes.Equal(got, want) {
		t.Errorf("docs/licenses.md is stale: run 'make licenses' and commit it")
	}
}

const mitText = `Copyright (c) 2024 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`

const gplNotice = `This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.

You should have received a copy of the GNU General Public License
along with this program.  If not, see <https://www.gnu.org/licenses/>.
`

func TestCheck(t *testing.T) {
	t.Parallel()
	mod := func(files ...File) []Module {
		return []Module{{Path: "example.com/m", Version: "v1.0.0", Files: files}}
	}
	tests := []struct {
		name    string
		mods    []Module
		wantErr string
	}{
		{"MIT passes", mod(Classify("LICENSE", []byte(mitText))), ""},
		{"GPL is refused", mod(Classify("COPYING", []byte(gplNotice))), "not a licence allowed"},
		{"MIT with added terms is refused unread", mod(Classify("LICENSE", []byte(mitText+strings.Repeat("You may not use the Software to process payments for a competitor of the author, nor in any country the author names.\n", 12)))), "read it and record it"},
		{"no licence file is refused", mod(), "has no licence file"},
		{"an unrecognised file reviewed passes", mod(Classify("LICENSE", []byte(mitText)), File{Name: "LICENSE-LOGO", Reviewed: &Review{Why: "a link"}}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Check(tt.mods)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Check: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestIsLicenseFile(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"LICENSE": true, "LICENSE.txt": true, "LICENSE-3RD-PARTY.md": true, "licence": true, "COPYING": true,
		"license.go": false, "license_test.go": false, "licenses": false, "NOTICE": false, "README.md": false,
	} {
		if got := isLicenseFile(name); got != want {
			t.Errorf("isLicenseFile(%q) = %v, want %v", name, got, want)
		}
	}
}
