package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/publish"
	"github.com/nats-io/nats.go"
)

// tailCmd prints events as one JSON line each, from the NATS the gateway's
// configuration names: MLANGO_NATS_URL, or the embedded server's port.
func tailCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	fs := flag.NewFlagSet("mlango tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default mlango.yaml if present)")
	fromStart := fs.Bool("from-start", false, "print the events already stored in the stream first")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mlango tail [-from-start] [-config PATH] [SUBJECT]\n\nSUBJECT defaults to <prefix>.>, e.g. telecom.*.sms.delivery")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path, explicit := config.ConfigPath(*cfgPath, getenv)
	cfg, err := config.Load(path, explicit, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mlango tail: invalid configuration:\n%v\n", err)
		return 1
	}
	url := strings.Join(cfg.NATSURLs(), ",")
	if cfg.Embedded() {
		if cfg.NATS.Listen == config.ListenNone {
			fmt.Fprintln(stderr, "mlango tail: the embedded NATS has no client port (nats.listen is none); set MLANGO_NATS_URL")
			return 1
		}
		url = "nats://" + cfg.NATS.Listen
	}
	subject := cfg.SubjectPrefix + ".>"
	if fs.NArg() > 0 {
		subject = fs.Arg(0)
	}
	nc, err := nats.Connect(url, nats.Name("mlango-tail"))
	if err != nil {
		fmt.Fprintf(stderr, "mlango tail: cannot reach NATS at %s: %v (is the gateway running?)\n", config.RedactURL(url), err)
		return 1
	}
	defer nc.Close()
	if err := publish.Tail(ctx, nc, subject, *fromStart, cfg.Stream.Name, stdout); err != nil {
		fmt.Fprintf(stderr, "mlango tail: %v\n", err)
		return 1
	}
	return 0
}
