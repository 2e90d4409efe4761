package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// kessaiBin is the binary under test, built once by TestMain.
var kessaiBin string

// TestMain builds cmd/kessai once, into a temporary directory that every
// test runs it from (t.TempDir would be removed after the first test).
func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "kessai-cmd-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		// Some tests run the binary as another user.
		if err := os.Chmod(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		kessaiBin = filepath.Join(dir, "kessai")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", kessaiBin, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build ./cmd/kessai: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// testEnv is the environment the binary runs in: the test's own without any
// KESSAI_ variable and with XDG_DATA_HOME in a fresh temporary directory,
// so that nothing reads or writes the user's real data directory; then
// extra, as KEY=VALUE.
func testEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KESSAI_") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "XDG_DATA_HOME="+t.TempDir())
	return append(env, extra...)
}

// requiredHere reports whether tests must run rather than skip for want of
// a tool: under CI, by internal/testdb's rule.
func requiredHere() bool {
	return os.Getenv("CI") != "" || os.Getenv("KESSAI_REQUIRE_POSTGRES") != ""
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// command is one run of the binary: in dir (the test's temporary directory
// if empty), with env (testEnv if nil).
type command struct {
	dir     string
	env     []string
	args    []string
	prepare func(*exec.Cmd) // if set, called before the command starts
}

// runKessai runs the binary with args in a fresh environment and waits for it.
// It may be called from any goroutine.
func runKessai(t *testing.T, args ...string) result {
	t.Helper()
	return command{args: args}.run(t)
}

func (c command) cmd(t *testing.T, ctx context.Context) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, kessaiBin, c.args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir()
	}
	if cmd.Env == nil {
		cmd.Env = testEnv(t)
	}
	cmd.WaitDelay = 5 * time.Second
	if c.prepare != nil {
		c.prepare(cmd)
	}
	return cmd
}

func (c command) run(t *testing.T) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := c.cmd(t, ctx)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil: // t.Error: run may be called from other goroutines
		t.Errorf("kessai %s: %v", strings.Join(c.args, " "), err)
		r.code = -1
	}
	return r
}

// helpFlags returns the flags that a --help text lists, each with its
// description (wrapped lines joined).
func helpFlags(help string) map[string]string {
	flags := map[string]string{}
	var cur string
	for _, line := range strings.Split(help, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "--") || strings.HasPrefix(trimmed, "-h,"):
			name := strings.Fields(strings.TrimPrefix(trimmed, "-h, "))[0]
			name, _, _ = strings.Cut(name, "=")
			cur = name
			flags[cur] = trimmed
		case trimmed == "" || !strings.HasPrefix(line, "  "):
			cur = ""
		case cur != "":
			flags[cur] += " " + trimmed
		}
	}
	return flags
}

func TestHelp_ExitsZeroAndNamesTheCommandsFlags(t *testing.T) {
	t.Parallel()
	common := []string{"--database-url", "--log-level"}
	jobs := []string{"--public-url", "--settle-delay-paypay", "--settle-delay-amazon", "--job-lease", "--job-poll"}
	cases := []struct {
		args  []string
		usage string
		flags []string
		texts []string
	}{
		{[]string{"--help"}, "Usage: kessai <command>", nil, []string{"serve", "worker", "migrate", "accounts create", "demo", "version"}},
		{[]string{"-h"}, "Usage: kessai <command>", nil, nil},
		{[]string{"help"}, "Usage: kessai <command>", nil, nil},
		{[]string{"help", "serve"}, "Usage: kessai serve", []string{"--addr"}, nil},
		{[]string{"serve", "--help"}, "Usage: kessai serve", slices.Concat(common, jobs, []string{"--addr", "--no-worker"}),
			[]string{"KESSAI_MASTER_KEY", "JSON lines on stderr"}},
		{[]string{"worker", "--help"}, "Usage: kessai worker", slices.Concat(common, jobs), []string{"KESSAI_MASTER_KEY"}},
		{[]string{"migrate", "--help"}, "Usage: kessai migrate", common, nil},
		{[]string{"accounts", "--help"}, "Usage: kessai accounts", nil, []string{"accounts create"}},
		{[]string{"accounts", "create", "--help"}, "Usage: kessai accounts create",
			slices.Concat(common, []string{"--name", "--live", "--region", "--json"}), nil},
		{[]string{"demo", "--help"}, "Usage: kessai demo", slices.Concat(common, []string{"--addr"}), []string{"curl"}},
		{[]string{"version", "--help"}, "Usage: kessai version", nil, nil},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runKessai(t, c.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("want exit 0 and nothing on stderr, got %v", r)
			}
			if !strings.HasPrefix(r.stdout, c.usage) {
				t.Errorf("help does not start with %q:\n%s", c.usage, r.stdout)
			}
			listed := helpFlags(r.stdout)
			for _, f := range c.flags {
				if _, ok := listed[f]; !ok {
					t.Errorf("help does not list %s:\n%s", f, r.stdout)
				}
			}
			for name, text := range listed {
				if name != "--help" && name != "--version" && !strings.Contains(text, "($KESSAI_") {
					t.Errorf("flag %s shows no KESSAI_ environment variable: %q", name, text)
				}
			}
			for _, s := range c.texts {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("help does not mention %q:\n%s", s, r.stdout)
				}
			}
		})
	}
}

func TestRun_UsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "a command is required"},
		{"unknown command", []string{"serv"}, "unexpected argument serv"},
		{"unknown flag", []string{"serve", "--bogus"}, "unknown flag --bogus (see 'kessai serve --help')"},
		{"bad region", []string{"accounts", "create", "--name", "x", "--region", "mars"}, "--region must be one of"},
		{"bad log level", []string{"migrate", "--log-level", "loud"}, `--log-level "loud": want debug, info, warn or error`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runKessai(t, c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("want exit 2 and %q on stderr, got %v", c.want, r)
			}
		})
	}
}

func TestVersion_PrintsTheGoVersion(t *testing.T) {
	t.Parallel()
	r := runKessai(t, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "kessai ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Fatalf("want exit 0 and kessai's version with %s, got %v", runtime.Version(), r)
	}
	if !strings.Contains(r.stdout, "commit ") {
		t.Errorf("no commit line: %v", r)
	}
}

func TestAccountsCreate_WithoutNameSaysWhatToDo(t *testing.T) {
	t.Parallel()
	r := runKessai(t, "accounts", "create", "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "k.db"), "--json")
	if r.code == 0 || !strings.Contains(r.stderr, "--name is required: the account's display name") {
		t.Fatalf("want a failure saying --name is required, got %v", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty: %q", r.stdout)
	}
}

// TestAccountsCreate_JSONIsTheSpecContract checks the object that scripts
// read (SPEC §8).
func TestAccountsCreate_JSONIsTheSpecContract(t *testing.T) {
	t.Parallel()
	r := runKessai(t, "accounts", "create", "--name", "shop", "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "k.db"), "--json")
	if r.code != 0 {
		t.Fatal(r)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%v", err, r)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		slices.Sort(k)
		return k
	}
	if want := []string{"id", "mws", "publishable_key", "secret_key", "webhook_token"}; !reflect.DeepEqual(keys(got), want) {
		t.Errorf("keys %v, want %v", keys(got), want)
	}
	mws, _ := got["mws"].(map[string]any)
	if want := []string{"access_key_id", "region", "secret_key", "seller_id"}; !reflect.DeepEqual(keys(mws), want) {
		t.Errorf("mws keys %v, want %v", keys(mws), want)
	}
	if sk, _ := got["secret_key"].(string); !strings.HasPrefix(sk, "sk_test_") {
		t.Errorf("secret_key %q", sk)
	}
}
