// Command mklicenses writes docs/licenses.md: the licences of the modules
// kessai is built from (package licenses). It fails, writing nothing, when a
// licence is not allowed beside Apache-2.0.
//
//	go run ./internal/licenses/mklicenses -o docs/licenses.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kessai/kessai/internal/licenses"
)

func main() {
	out := flag.String("o", "", "write to this file instead of stdout")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mklicenses:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	ctx := context.Background()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	mods, err := licenses.Load(ctx, filepath.Dir(strings.TrimSpace(string(gomod))))
	if err != nil {
		return err
	}
	if err := licenses.Check(mods); err != nil {
		return err
	}
	md := licenses.Markdown(mods)
	if out == "" {
		_, err := os.Stdout.Write(md)
		return err
	}
	return os.WriteFile(out, md, 0o644)
}
