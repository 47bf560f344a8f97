package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// printSummary prints the whole run's figures and how flat memory and p99
// stayed. The first interval is left out of the trends: it holds the
// start-up (connections, caches, the first JetStream blocks).
func (r *soakResult) printSummary(w io.Writer, cfg soakConfig) {
	t := r.total
	slices.Sort(t.lat)
	fmt.Fprintf(w, "\ntotal: %d requests (", t.requests)
	for k := range kinds {
		if k > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %d", kindNames[k], t.byKind[k])
	}
	fmt.Fprintf(w, "), %d failed, %d units shed\n", t.failed, t.shed)
	fmt.Fprintf(w, "latency ms over the run: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
		msf(percentile(t.lat, 0.5)), msf(percentile(t.lat, 0.99)), msf(percentile(t.lat, 0.999)), msf(percentile(t.lat, 1)))
	for _, f := range topFailures(t.failures, 10) {
		fmt.Fprintf(w, "  failed %dx: %s\n", t.failures[f], f)
	}
	steady := r.samples
	if len(steady) > 1 {
		steady = steady[1:]
	}
	p99s := make([]time.Duration, 0, len(steady))
	for _, s := range steady {
		if s.requests > 0 {
			p99s = append(p99s, s.p99)
		}
	}
	slices.Sort(p99s)
	if len(p99s) > 0 {
		fmt.Fprintf(w, "p99 per interval after the first: min %.2f  median %.2f  max %.2f ms\n",
			msf(p99s[0]), msf(percentile(p99s, 0.5)), msf(p99s[len(p99s)-1]))
	}
	printTrend(w, "gateway RSS", steady, func(s sample) int64 { return s.rss })
	printTrend(w, "gateway Go heap in use", steady, func(s sample) int64 { return s.heap })
	printTrend(w, "gateway GC goal", steady, func(s sample) int64 { return s.gcGoal })
}

// printTrend prints a memory series' first, last, min and max and its
// least-squares slope, for samples where it is known.
func printTrend(w io.Writer, name string, samples []sample, get func(sample) int64) {
	var xs, ys []float64
	for _, s := range samples {
		if v := get(s); v >= 0 {
			xs = append(xs, s.elapsed.Minutes())
			ys = append(ys, float64(v)/(1<<20))
		}
	}
	if len(ys) == 0 {
		return
	}
	fmt.Fprintf(w, "%s MiB after the first interval: first %.1f  last %.1f  min %.1f  max %.1f  slope %+.2f MiB/min\n",
		name, ys[0], ys[len(ys)-1], slices.Min(ys), slices.Max(ys), slope(xs, ys))
}

// slope is the least-squares slope of ys over xs; 0 for fewer than two
// distinct xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if len(xs) < 2 || d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// topFailures lists the n most frequent failure descriptions.
func topFailures(m map[string]int, n int) []string {
	keys := sortedKeys(m)
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	return keys[:min(n, len(keys))]
}
