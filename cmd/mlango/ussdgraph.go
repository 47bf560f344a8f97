package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/handlers/ussd"
	"github.com/rs/zerolog"
)

const ussdUsage = `usage:
  mlango ussd graph [-config PATH] [FLOW | FILE]  draw a flow as a Mermaid flowchart
  mlango ussd demo                                print the built-in demo menu, to start from

graph draws the menus the gateway would load (the built-in demo when the
config names none): FLOW by name, else the default flow. FILE (.yaml, .yml
or .json) draws that menu file instead, before it is configured.
`

// ussdCmd runs `mlango ussd SUBCOMMAND`.
func ussdCmd(args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	switch {
	case len(args) > 0 && args[0] == "graph":
		return ussdGraphCmd(args[1:], stdout, stderr, getenv)
	case len(args) == 1 && args[0] == "demo":
		_, _ = stdout.Write(ussd.DemoYAML())
		return 0
	}
	fmt.Fprint(stderr, ussdUsage)
	return 2
}

func ussdGraphCmd(args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	fs := flag.NewFlagSet("mlango ussd graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default mlango.yaml if present; env MLANGO_CONFIG)")
	fs.Usage = func() { fmt.Fprint(stderr, ussdUsage+"\nflags:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	path, explicit := config.ConfigPath(*cfgPath, getenv)
	cfg, err := config.Load(path, explicit, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mlango ussd graph: invalid configuration:\n%v\n", err)
		return 1
	}
	arg := fs.Arg(0)
	set, err := graphMenus(cfg.USSD, arg)
	if err != nil {
		fmt.Fprintf(stderr, "mlango ussd graph: invalid USSD menus:\n%v\n", err)
		return 1
	}
	for _, w := range set.Warnings() {
		fmt.Fprintln(stderr, w)
	}
	flow, err := pickFlow(set.Flows(), arg)
	if err != nil {
		fmt.Fprintf(stderr, "mlango ussd graph: %v\n", err)
		return 2
	}
	if err := set.Graph(stdout, flow); err != nil {
		fmt.Fprintf(stderr, "mlango ussd graph: %v\n", err)
		return 1
	}
	return 0
}

// graphMenus loads the menus as the gateway does, or the one file named,
// with the configured budgets, so a file can be drawn (and its problems
// seen) before it is listed under ussd.menus.
func graphMenus(c config.USSDConfig, arg string) (*ussd.MenuSet, error) {
	o := ussdOptions(c, zerolog.Nop())
	if isMenuFile(arg) {
		return ussd.LoadFiles([]string{arg}, o)
	}
	return loadMenus(c, o)
}

// isMenuFile tells a file from a flow name, which cannot hold a dot.
func isMenuFile(arg string) bool {
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// pickFlow returns the flow named, or the default one (a lone flow is the
// default), listing the flows there are when neither exists.
func pickFlow(flows []ussd.FlowInfo, name string) (string, error) {
	if name != "" && !isMenuFile(name) {
		for _, f := range flows {
			if f.Name == name {
				return name, nil
			}
		}
		return "", fmt.Errorf("no flow %q; %s", name, flowList(flows))
	}
	for _, f := range flows {
		if f.Default {
			return f.Name, nil
		}
	}
	return "", fmt.Errorf("no default flow, so name one; %s", flowList(flows))
}

func flowList(flows []ussd.FlowInfo) string {
	var b strings.Builder
	b.WriteString("the flows are:")
	for _, f := range flows {
		fmt.Fprintf(&b, "\n  %s (%s", f.Name, f.File)
		if f.Default {
			b.WriteString(", the default")
		}
		b.WriteString(")")
	}
	return b.String()
}
