package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Stamped by the Makefile's build from git (go build -ldflags "-X
// main.version=… -X main.commit=… -X main.date=…"); empty in any other
// build, which falls back on what the Go toolchain recorded (debug.ReadBuildInfo).
var (
	version string // git describe --tags: v0.1.0, v0.1.0-3-gabc1234, …-dirty
	commit  string // the full commit hash
	date    string // the commit's time, RFC 3339
)

// buildInfo is what the binary knows about its own build.
type buildInfo struct {
	Version  string // a tag, a pseudo-version, or "(devel)"
	Commit   string // VCS revision, "" when built without VCS stamping
	Time     string // commit time
	Modified bool   // built from a work tree with uncommitted changes
	Go       string // Go version, GOOS/GOARCH
}

// readBuildInfo returns the stamped version, else the module's build
// information: its version when built by 'go install module@version', and
// the VCS revision when built in a git work tree with -buildvcs.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
		b.Modified = strings.HasSuffix(version, "-dirty")
	}
	if commit != "" {
		b.Commit = commit
	}
	if date != "" {
		b.Time = date
	}
	return b
}

// short is the one line of 'kessai --version': the version, and the
// commit when there is no version.
func (b buildInfo) short() string {
	s := "kessai " + b.Version
	if b.Version == "(devel)" && b.Commit != "" {
		s += " (commit " + b.Commit[:min(len(b.Commit), 12)] + ")"
	}
	return s
}

// versionCmd prints the version, commit and Go version.
type versionCmd struct{}

// Help is the long help of 'kessai version --help'.
func (versionCmd) Help() string {
	return `Prints the version (the git tag the Makefile's build was made from, 'git describe --tags'), the commit, its date and the Go version. A binary built otherwise shows what Go recorded: the module version of 'go install', the commit of a build in a git work tree, else (devel). 'kessai --version' prints the first line only.`
}

// Run prints the build information.
func (versionCmd) Run(s *streams) error {
	b := readBuildInfo()
	c := b.Commit
	switch {
	case c == "":
		c = "unknown (built without VCS information, e.g. -buildvcs=false; 'make build' stamps it)"
	case b.Modified:
		c += " (with uncommitted changes)"
	}
	fmt.Fprintf(s.out, "kessai %s\ncommit  %s\n", b.Version, c)
	if b.Time != "" {
		fmt.Fprintf(s.out, "date    %s\n", b.Time)
	}
	fmt.Fprintf(s.out, "go      %s\n", b.Go)
	return nil
}
