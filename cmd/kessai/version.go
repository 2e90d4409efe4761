package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// buildInfo is what the binary knows about its own build.
type buildInfo struct {
	Version  string // module version: a tag, a pseudo-version, or "(devel)"
	Commit   string // VCS revision, "" when built without VCS stamping
	Time     string // commit time
	Modified bool   // built from a work tree with uncommitted changes
	Go       string // Go version, GOOS/GOARCH
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
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
	return b
}

// versionCmd prints the version, commit and Go version.
type versionCmd struct{}

// Run prints the build information.
func (versionCmd) Run(s *streams) error {
	b := readBuildInfo()
	commit := b.Commit
	switch {
	case commit == "":
		commit = "unknown (built without VCS information, e.g. -buildvcs=false)"
	case b.Modified:
		commit += " (with uncommitted changes)"
	}
	fmt.Fprintf(s.out, "kessai %s\ncommit  %s\n", b.Version, commit)
	if b.Time != "" {
		fmt.Fprintf(s.out, "date    %s\n", b.Time)
	}
	fmt.Fprintf(s.out, "go      %s\n", b.Go)
	return nil
}
