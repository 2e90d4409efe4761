//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package sqlite

// claim claims nothing where flock is missing: there the rule of one
// process per SQLite file is the operator's to keep.
func claim(path, owner string) (*Claimed, error) {
	return &Claimed{}, nil
}
