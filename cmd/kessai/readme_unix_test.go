//go:build unix

package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// walkThroughMarker is the comment in README.md before the sh block that
// TestREADME_WalkThrough runs.
const walkThroughMarker = "<!-- walkthrough:"

// readme returns README.md at the module root.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// walkThrough returns the sh block that follows the marker.
func walkThrough(t *testing.T, readme string) string {
	t.Helper()
	_, after, ok := strings.Cut(readme, walkThroughMarker)
	if !ok {
		t.Fatalf("README.md has no %q marker", walkThroughMarker)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatal("README.md: no ```sh block after the walk-through marker")
	}
	block, _, ok = strings.Cut(block, "\n```")
	if !ok {
		t.Fatal("README.md: the walk-through block does not end")
	}
	return block + "\n"
}

// TestREADME_WalkThrough runs the README's walk-through with bash -euo
// pipefail, the binary first on PATH, a free port and XDG_DATA_HOME in a
// temporary directory.
func TestREADME_WalkThrough(t *testing.T) {
	t.Parallel()
	bash := requireTool(t, "bash")
	requireTool(t, "jq")
	requireTool(t, "curl")

	dir := t.TempDir()
	script := filepath.Join(dir, "walkthrough.sh")
	if err := os.WriteFile(script, []byte(walkThrough(t, readme(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	xdg, tmp := t.TempDir(), t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-euo", "pipefail", script)
	cmd.Dir = dir
	cmd.Env = testEnv(t, "XDG_DATA_HOME="+xdg, "KESSAI_ADDR="+addr, "TMPDIR="+tmp,
		"PATH="+filepath.Dir(kessaiBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	// The script starts the server in the background: its own process
	// group, killed whole if the script fails or hangs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // a server the script left behind
	}
	if err != nil {
		t.Fatalf("the walk-through failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}

	want := []string{
		`^\{"id":"pfw_\w+","status":"succeeded","amount_received":3000\}$`, // the card flow
		`^\{"id":"re_\w+","status":"succeeded","amount":1000\}$`,           // its refund
		`^\[\{"id":"re_\w+","status":"succeeded","amount":1000\}\]$`,       // the list
		`^\{"id":"pfw_\w+","status":"succeeded","amount_received":2000\}$`, // PayPay, approved
		`^\{"id":"re_\w+","status":"pending","amount":500\}$`,              // its refund, pending
		`^\{"now":"[-0-9T:]+Z"\}$`,                                         // the clock moved
		`^\{"id":"re_\w+","status":"succeeded","amount":500\}$`,            // settled
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("the walk-through printed %d lines, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, w := range want {
		if !regexp.MustCompile(w).MatchString(lines[i]) {
			t.Errorf("line %d: %s\nwant it to match %s", i+1, lines[i], w)
		}
	}
	// Its own database, beside a server of "Run it" on the default one.
	serving := "kessai: serving on http://" + addr + ", database sqlite:" + filepath.Join(tmp, "kessai-walkthrough.db")
	if !strings.Contains(stderr.String(), serving) {
		t.Errorf("stderr does not say %q:\n%s", serving, stderr.String())
	}
}

// TestREADME_ListsEveryEnvironmentVariable checks that the README's table
// knows every variable that some --help shows.
func TestREADME_ListsEveryEnvironmentVariable(t *testing.T) {
	t.Parallel()
	text := readme(t)
	env := regexp.MustCompile(`\$(KESSAI_[A-Z_]+)`)
	for _, args := range [][]string{{"serve"}, {"worker"}, {"migrate"}, {"accounts", "create"}, {"accounts", "list"},
		{"accounts", "rotate-key"}, {"accounts", "disable"}, {"accounts", "enable"}, {"backup"}, {"restore"}, {"demo"}, {"bench"}} {
		r := runKessai(t, append(args, "--help")...)
		for _, m := range env.FindAllStringSubmatch(r.stdout, -1) {
			if !strings.Contains(text, "`"+m[1]+"`") {
				t.Errorf("kessai %s --help shows %s, which README.md does not list", strings.Join(args, " "), m[1])
			}
		}
	}
	if !strings.Contains(text, "`KESSAI_MASTER_KEY`") {
		t.Error("README.md does not explain KESSAI_MASTER_KEY")
	}
}
