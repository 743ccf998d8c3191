// Command ticketbot is the helpdesk bot for Slack and Discord: `ticketbot serve` runs the HTTP
// server, the adapters and the outbox dispatcher; the other subcommands manage the schema,
// dashboard accounts and API tokens. See the README for configuration.
//
//go:generate go test -count=1 -run TestSlackManifestFilesAreCurrent -update .
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…" (the one package-level
// variable, written only by the linker).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd(ctx, streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Environ()).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ticketbot:", err)
		os.Exit(1)
	}
}

// streams are the process's standard files, injected so commands are testable.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}
