package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlango/mlango/config"
	"github.com/mlango/mlango/normalize"
	"github.com/nats-io/nats.go/jetstream"
)

// statsOptions is what mlango stats was asked to summarise.
type statsOptions struct {
	read       readOptions
	last       time.Duration
	maxFailure float64 // a failure share above it is flagged
	minFinal   int     // fewer final reports are never flagged
}

// statsCmd prints a summary of the events stored in the last -last: counts
// by provider, type and canonical status, and SMS delivery success by
// network operator, flagging operators that fail too often.
func statsCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	fs := flag.NewFlagSet("mlango stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o statsOptions
	cfgPath := fs.String("config", "", "config file (default mlango.yaml if present): NATS, stream, prefix")
	fs.DurationVar(&o.last, "last", 15*time.Minute, "summarise the events stored in this last stretch of time")
	fs.StringVar(&o.read.subject, "subject", "", "subject filter (default <prefix>.>), e.g. 'telecom.africastalking.>'")
	maxFailure := fs.String("max-failure", "10%", "flag an operator whose final delivery reports fail more than this share")
	fs.IntVar(&o.minFinal, "min-final", 10, "flag an operator only with at least this many final delivery reports")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mlango stats [-last 15m] [-subject telecom.>] [-max-failure 10%] [-min-final 10]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if o.maxFailure, err = parseShare(*maxFailure); err != nil || fs.NArg() > 0 || o.last <= 0 || o.minFinal < 0 {
		fmt.Fprintln(stderr, "mlango stats: want -last > 0, -max-failure as 10% or 0.1, -min-final >= 0, and no arguments")
		return 2
	}
	path, explicit := config.ConfigPath(*cfgPath, getenv)
	cfg, err := config.Load(path, explicit, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "mlango stats: invalid configuration:\n%v\n", err)
		return 1
	}
	o.read.stream = cfg.Stream.Name
	if o.read.subject == "" {
		o.read.subject = cfg.SubjectPrefix + ".>"
	}
	nc, err := connectStream(cfg, "mlango-stats")
	if err != nil {
		fmt.Fprintf(stderr, "mlango stats: %v\n", err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "mlango stats: %v\n", err)
		return 1
	}
	now := time.Now().UTC()
	o.read.since = now.Add(-o.last)
	s := newSummary()
	if _, err := readStream(ctx, js, o.read, func(_ context.Context, m stored) error { s.add(m); return nil }); err != nil {
		fmt.Fprintf(stderr, "mlango stats: %v\n", err)
		return 1
	}
	s.print(stdout, o, now)
	return 0
}

// parseShare reads "10%" or "0.1".
func parseShare(s string) (float64, error) {
	pct, isPct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(pct, 64)
	if isPct {
		f /= 100
	}
	if err == nil && (f < 0 || f > 1) {
		err = fmt.Errorf("%s is not a share between 0 and 1", s)
	}
	return f, err
}

// statsData is the part of an event's data stats reads.
type statsData struct {
	Status        string `json:"status"`
	State         string `json:"state"`
	Decision      string `json:"decision"`
	Action        string `json:"action"`
	Final         bool   `json:"final"`
	FailureReason string `json:"failureReason"`
	Network       *struct {
		Code     string `json:"code"`
		Operator string `json:"operator"`
		Country  string `json:"country"`
	} `json:"network"`
}

// status is the event's canonical status, whichever field holds it.
func (d statsData) status() string {
	for _, s := range []string{d.Status, d.State, d.Decision, d.Action} {
		if s != "" {
			return s
		}
	}
	return "-"
}

type typeKey struct{ provider, typ, status string }

type operatorKey struct{ name, code, country string }

// operatorCounts counts one operator's SMS delivery reports.
type operatorCounts struct {
	final, delivered, pending int
	reasons                   map[string]int // failure reasons of final failures
}

func (d *operatorCounts) failed() int { return d.final - d.delivered }

func (d *operatorCounts) failure() float64 { return float64(d.failed()) / float64(max(d.final, 1)) }

// summary is what the stream held in the window.
type summary struct {
	events    int
	other     int // messages that are not canonical events
	byType    map[typeKey]int
	operators map[operatorKey]*operatorCounts
}

func newSummary() *summary {
	return &summary{byType: map[typeKey]int{}, operators: map[operatorKey]*operatorCounts{}}
}

func (s *summary) add(m stored) {
	var ev struct {
		Data statsData `json:"data"`
	}
	if m.ev.Type == "" || json.Unmarshal(m.body, &ev) != nil {
		s.other++
		return
	}
	s.events++
	s.byType[typeKey{m.ev.Provider, m.ev.Type, ev.Data.status()}]++
	if m.ev.Type != normalize.TypeSMSDelivery {
		return
	}
	d := s.operator(m.ev.Provider, ev.Data)
	switch {
	case !ev.Data.Final:
		d.pending++
	case ev.Data.Status == normalize.DeliveryDelivered:
		d.final++
		d.delivered++
	default:
		d.final++
		d.reasons[cmp.Or(ev.Data.FailureReason, ev.Data.Status)]++
	}
}

// operator finds the counts of the report's network: its operator, else
// its code, else "no network" for the provider (webhook providers send
// none).
func (s *summary) operator(provider string, d statsData) *operatorCounts {
	k := operatorKey{name: "(no network, " + provider + ")", code: "-", country: "-"}
	if n := d.Network; n != nil {
		k = operatorKey{name: cmp.Or(n.Operator, "(unknown operator)"), code: cmp.Or(n.Code, "-"), country: cmp.Or(n.Country, "-")}
	}
	if s.operators[k] == nil {
		s.operators[k] = &operatorCounts{reasons: map[string]int{}}
	}
	return s.operators[k]
}

func (s *summary) print(w io.Writer, o statsOptions, now time.Time) {
	fmt.Fprintf(w, "mlango stats: stream %s, subject %s, stored in the last %s (until %s)\n",
		o.read.stream, o.read.subject, o.last, now.Format(time.RFC3339))
	fmt.Fprintf(w, "%d events", s.events)
	if s.other > 0 {
		fmt.Fprintf(w, " (and %d messages that are not Mlango events)", s.other)
	}
	fmt.Fprintln(w)
	if s.events == 0 {
		return
	}
	fmt.Fprintln(w, "\nEvents by provider, type and status")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  provider\ttype\tstatus\tevents")
	keys := slices.SortedFunc(maps.Keys(s.byType), func(a, b typeKey) int {
		return cmp.Or(cmp.Compare(a.provider, b.provider), cmp.Compare(a.typ, b.typ), cmp.Compare(a.status, b.status))
	})
	for _, k := range keys {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", k.provider, k.typ, k.status, s.byType[k])
	}
	tw.Flush()
	if len(s.operators) > 0 {
		s.printOperators(w, o)
	}
}

func (s *summary) printOperators(w io.Writer, o statsOptions) {
	fmt.Fprintln(w, "\nSMS delivery by network operator (success = delivered / final reports; pending: more reports to follow)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  \toperator\tcode\tcountry\tfinal\tdelivered\tfailed\tsuccess\tpending")
	keys := slices.SortedFunc(maps.Keys(s.operators), func(a, b operatorKey) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.code, b.code), cmp.Compare(a.country, b.country))
	})
	var flagged []operatorKey
	for _, k := range keys {
		d := s.operators[k]
		mark, success := "", "-"
		if d.final > 0 {
			success = strconv.FormatFloat(100*(1-d.failure()), 'f', 1, 64) + "%"
		}
		if d.final >= max(o.minFinal, 1) && d.failure() > o.maxFailure {
			mark = "!"
			flagged = append(flagged, k)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%d\n", mark, k.name, k.code, k.country, d.final, d.delivered, d.failed(), success, d.pending)
	}
	tw.Flush()
	fmt.Fprintln(w)
	if len(flagged) == 0 {
		fmt.Fprintf(w, "No operator fails more than %s of at least %d final reports.\n", pct(o.maxFailure), o.minFinal)
	}
	for _, k := range flagged {
		d := s.operators[k]
		fmt.Fprintf(w, "! %s (%s): %s of %d final reports failed (threshold %s); most often %s\n",
			k.name, k.code, pct(d.failure()), d.final, pct(o.maxFailure), topReasons(d.reasons, 3))
	}
}

// topReasons lists the n most frequent failure reasons with their counts.
func topReasons(reasons map[string]int, n int) string {
	keys := slices.SortedFunc(maps.Keys(reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(reasons[b], reasons[a]), cmp.Compare(a, b))
	})
	parts := make([]string, 0, n)
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s (%d)", k, reasons[k]))
	}
	return strings.Join(parts, ", ")
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }
