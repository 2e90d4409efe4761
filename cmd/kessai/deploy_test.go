package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeploy_SystemdUnitVerifies checks deploy/kessai.service with
// systemd-analyze verify (with ExecStart pointing at the binary under test),
// and that every KESSAI_ variable it sets is one that 'kessai serve' reads.
func TestDeploy_SystemdUnitVerifies(t *testing.T) {
	t.Parallel()
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kessai.service"))
	if err != nil {
		t.Fatal(err)
	}
	help := runKessai(t, "serve", "--help").stdout
	for _, m := range regexp.MustCompile(`(?m)^Environment=(KESSAI_[A-Z_]+)=`).FindAllStringSubmatch(string(unit), -1) {
		if !strings.Contains(help, "$"+m[1]) {
			t.Errorf("the unit sets %s, which 'kessai serve' does not read", m[1])
		}
	}
	if !strings.Contains(string(unit), "ExecStart=/usr/local/bin/kessai serve\n") {
		t.Fatal("the unit's ExecStart is not /usr/local/bin/kessai serve")
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skipf("no systemd-analyze: %v", err)
	}
	path := filepath.Join(t.TempDir(), "kessai.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/kessai", kessaiBin)), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on directives it ignores; anything it says is a fault.
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
