package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// moduleRoot is the repository this test runs in.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// gitOut runs git in dir and returns its output, trimmed.
func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestVersion_FlagIsTheFirstLineOfTheCommand(t *testing.T) {
	t.Parallel()
	flag := runKessai(t, "--version")
	cmd := runKessai(t, "version")
	if flag.code != 0 || cmd.code != 0 {
		t.Fatalf("want exit 0:\n%v\n%v", flag, cmd)
	}
	first, _, _ := strings.Cut(cmd.stdout, "\n")
	if !strings.HasPrefix(flag.stdout, first) || strings.Count(flag.stdout, "\n") != 1 {
		t.Errorf("--version printed %q, want one line starting with version's first line %q", flag.stdout, first)
	}
}

// taggedCopy copies this work tree (its tracked and untracked files, not
// the ignored ones) into a new git repository with one commit, tagged tag,
// and returns its directory and commit. Go records no VCS information in a
// build of a git worktree (.git a file), and a clone would miss changes not
// committed yet.
func taggedCopy(t *testing.T, tag string) (dir, head string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds kessai from scratch in a copy of the work tree")
	}
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			if requiredHere() {
				t.Fatalf("%s is required under CI: %v", tool, err)
			}
			t.Skipf("no %s: %v", tool, err)
		}
	}
	root := moduleRoot(t)
	dir = filepath.Join(t.TempDir(), "kessai")
	for _, f := range strings.Split(gitOut(t, root, "ls-files", "--cached", "--others", "--exclude-standard"), "\n") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted, not yet committed
		} else if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	id := []string{"-c", "user.name=test", "-c", "user.email=test@example.com"}
	gitOut(t, dir, "init", "--quiet")
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, append(id, "commit", "--quiet", "-m", "test")...)
	if tag != "" {
		gitOut(t, dir, append(id, "tag", "-a", "-m", "test", tag)...)
	}
	return dir, gitOut(t, dir, "rev-parse", "HEAD")
}

// buildIn runs a build command in dir.
func buildIn(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestVersion_StampedFromTheGitTagByTheMakefile builds with 'make build' in
// a repository tagged v9.9.9-test, with -buildvcs=false (as GOFLAGS may
// say): the version and commit come from the Makefile's -ldflags alone.
func TestVersion_StampedFromTheGitTagByTheMakefile(t *testing.T) {
	t.Parallel()
	dir, head := taggedCopy(t, "v9.9.9-test")
	bin := filepath.Join(t.TempDir(), "kessai")
	buildIn(t, dir, []string{"GOFLAGS=-buildvcs=false"}, "make", "build", "BIN="+bin)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "kessai v9.9.9-test" {
		t.Errorf("--version = %q, want %q", got, "kessai v9.9.9-test")
	}
	out, err = exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "commit  "+head+"\n") || !strings.Contains(string(out), "date    ") {
		t.Errorf("version does not name commit %s and its date:\n%s", head, out)
	}
}

// TestVersion_FallsBackOnTheBuildInfo builds with plain 'go build
// -buildvcs=true', without the Makefile's stamp: the version and commit come
// from what the Go toolchain recorded.
func TestVersion_FallsBackOnTheBuildInfo(t *testing.T) {
	t.Parallel()
	dir, head := taggedCopy(t, "")
	bin := filepath.Join(t.TempDir(), "kessai")
	buildIn(t, dir, nil, "go", "build", "-buildvcs=true", "-o", bin, "./cmd/kessai")
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "commit  "+head+"\n") || !strings.HasPrefix(string(out), "kessai v0.0.0-") {
		t.Errorf("version does not give the pseudo-version and commit %s of the build info:\n%s", head, out)
	}
}
