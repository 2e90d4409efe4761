package kessai_test

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kessai/kessai"

// deps returns the module's packages that pkg imports, directly or not
// (tests excluded).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		dir := "." + strings.TrimPrefix(p, module)
		bp, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, imp := range bp.Imports {
			if strings.HasPrefix(imp, module) && !seen[imp] {
				seen[imp] = true
				walk(imp)
			}
		}
	}
	walk(pkg)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
	}
	slices.Sort(out)
	return out
}

// TestArchitecture_ArrowsPointInward checks the layers of the README's map:
// faces call the engine and nothing below it (no worker, no store driver);
// the XML face does not depend on the JSON faces' plumbing; the core does
// not know the feature packages above it (payjpflow, amazonorder,
// accounting, notifications, accounts), nor they each other except payjpflow over
// accounting (fees and payment transactions); the store's
// conformance suite knows only the Store; the domain depends on nothing.
func TestArchitecture_ArrowsPointInward(t *testing.T) {
	t.Parallel()
	forbidden := map[string][]string{
		"payjp":         {"worker", "sqlstore", "sqlite", "postgres", "notify"},
		"mws":           {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "payjp"},
		"kessaiapi":     {"worker", "sqlstore", "sqlite", "postgres", "notify"},
		"dashboard":     {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi"},
		"jsonapi":       {"worker", "sqlstore", "sqlite", "postgres"},
		"httpface":      {"engine", "worker", "sqlstore", "sqlite", "postgres"},
		"engine":        {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonorder", "amazonpay", "amazonv2", "notifications", "payjpflow", "accounting", "accounts"},
		"accounts":      {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonorder", "amazonpay", "amazonv2", "notifications", "payjpflow", "accounting"},
		"amazonorder":   {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonv2", "amazonpay", "payjpflow", "accounting"},
		"amazonpay":     {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonv2", "amazonorder", "payjpflow", "accounting"},
		"amazonv2":      {"worker", "sqlstore", "sqlite", "postgres", "notify", "payjp", "mws"},
		"notifications": {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonorder", "amazonpay", "amazonv2", "payjpflow", "accounting"},
		"payjpflow":     {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonorder", "amazonpay", "amazonv2", "notifications"},
		"accounting":    {"worker", "sqlstore", "sqlite", "postgres", "notify", "jsonapi", "httpface", "payjp", "mws", "kessaiapi", "dashboard", "server", "amazonorder", "amazonpay", "amazonv2", "notifications", "payjpflow"},
		"storetest":     {"engine", "worker", "server"},
		"ledger":        {"engine", "sqlstore"},
	}
	for pkg, bad := range forbidden {
		got := deps(t, module+"/"+pkg)
		for _, b := range bad {
			if slices.Contains(got, b) {
				t.Errorf("%s imports %s (its imports: %v)", pkg, b, got)
			}
		}
	}
	if got := deps(t, module); len(got) != 0 {
		t.Errorf("the domain imports %v; it depends on the standard library only", got)
	}
}

// txUse finds a store transaction named or opened.
var txUse = regexp.MustCompile(`kessai\.Tx\b|\.Store\.(View|Update)\(`)

// TestArchitecture_FacesHoldNoTransaction: no face opens a store
// transaction or names one; they read and write through the engine.
func TestArchitecture_FacesHoldNoTransaction(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"payjp", "mws", "amazonv2", "kessaiapi", "dashboard", "jsonapi", "httpface"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if m := txUse.Find(src); m != nil {
				t.Errorf("%s uses %s: faces call the engine, which holds the transactions", f, m)
			}
		}
	}
}
