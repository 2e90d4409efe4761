// Command kessai is the kessai payments server.
//
//	kessai serve            the API and the job worker
//	kessai worker           the job worker only
//	kessai migrate          apply the embedded migrations, print their versions
//	kessai accounts create  a new merchant account; its keys are printed once
//	kessai accounts list    the accounts, without secrets
//	kessai accounts rotate-key|disable|enable ACCOUNT
//	kessai backup           an online, checked copy of a SQLite database
//	kessai restore          a backup put back in place, after a check
//	kessai amazon keys      an account's Amazon Pay API v2 public keys: add, list, revoke
//	kessai demo             an account with payments and refunds, and curl commands to try
//	kessai bench            throughput and latency over real HTTP
//	kessai version          version, commit and Go version (--version: the version)
//
// Every flag can also be set by an environment variable (KESSAI_…), which
// --help shows beside it. The database is --database-url (sqlite:PATH or
// postgres://…), else $KESSAI_DATABASE_URL, else the SQLite file
// $XDG_DATA_HOME/kessai/kessai.db (~/.local/share/kessai/kessai.db): the
// same one whatever the working directory.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/kessai/kessai/engine"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kessai:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// cli is kessai's command line: one field per command. Each command's
// flags are the fields of its struct, with their environment variable,
// default and help in the struct tags.
type cli struct {
	Serve    serveCmd    `cmd:"" help:"Run the API and the job worker."`
	Worker   workerCmd   `cmd:"" help:"Run the job worker only, without the API."`
	Migrate  migrateCmd  `cmd:"" help:"Apply the embedded database migrations and print the versions applied."`
	Accounts accountsCmd `cmd:"" help:"Merchant accounts."`
	Backup   backupCmd   `cmd:"" help:"Copy a SQLite database while kessai serves it, and check the copy (PostgreSQL: how to use pg_dump)."`
	Restore  restoreCmd  `cmd:"" help:"Check a backup and put it in place as a SQLite database."`
	Amazon   amazonCmd   `cmd:"" help:"Amazon Pay API v2: the public keys that verify an account's signed requests."`
	Demo     demoCmd     `cmd:"" help:"Create an account with a paid, partly refunded payment and print curl commands to try on it."`
	Bench    benchCmd    `cmd:"" help:"Measure throughput and latency over HTTP (starts its own server unless given --url)."`
	Version  versionCmd  `cmd:"" help:"Print kessai's version, commit and Go version."`

	VersionFlag kong.VersionFlag `name:"version" help:"Print kessai's version and exit."`
}

const description = `kessai is a payments server: a PAY.JP v2-compatible API over one payments core, on an embedded SQLite file or on PostgreSQL.

Every flag can also be set by the environment variable shown beside it. Logs are JSON lines on stderr; what a command prints for you goes to stdout.`

// streams are where a command writes: its output, and its messages and logs.
type streams struct {
	out, err io.Writer
}

// usageError is a command line that kessai cannot act on; main exits 2.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// run parses args and runs the command they name. Help (-h or --help, on
// any command) prints and returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	helpOut, bare := stdout, len(args) == 0
	if bare {
		// A bare "kessai" is a mistake, but the help is the answer to it.
		args, helpOut = []string{"--help"}, stderr
	}
	if args[0] == "help" { // kessai help [COMMAND…], as before kong
		args = append(slices.Clone(args[1:]), "--help")
	}
	var c cli
	exited := false
	parser, err := kong.New(&c,
		kong.Name("kessai"),
		kong.Description(description),
		kong.Writers(helpOut, stderr),
		// kong calls Exit(0) after printing help; parsing then goes on, and
		// whatever it finds is moot.
		kong.Exit(func(int) { exited = true }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}),
		kong.Vars{
			"version":             readBuildInfo().short(),
			"default_database":    defaultDatabaseHelp(),
			"settle_delay_paypay": engine.DefaultSettleDelayPayPay.String(),
			"settle_delay_amazon": engine.DefaultSettleDelayAmazon.String(),
		},
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(&streams{out: stdout, err: stderr}),
		kong.Bind(os.Stdin),
	)
	if err != nil {
		return err // the struct tags are wrong: a bug, not a usage error
	}
	kctx, err := parser.Parse(args)
	if exited {
		if bare {
			return usageError{errors.New("a command is required")}
		}
		return nil
	}
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) && perr.Context != nil {
			if cmd := perr.Context.Command(); cmd != "" {
				return usageError{fmt.Errorf("%v (see 'kessai %s --help')", err, commandPath(cmd))}
			}
		}
		return usageError{fmt.Errorf("%v (see 'kessai --help')", err)}
	}
	return kctx.Run()
}

// commandPath turns kong's "accounts create <arg>" into "accounts create".
func commandPath(cmd string) string {
	var words []string
	for _, w := range strings.Fields(cmd) {
		if strings.HasPrefix(w, "<") {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}
