package load

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Latencies collects send→receive samples from many goroutines.
type Latencies struct {
	mu      sync.Mutex
	samples []time.Duration
}

// Add records one sample.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.samples = append(l.samples, d)
	l.mu.Unlock()
}

// Percentiles returns the count and the p50, p95, p99 and max in
// milliseconds.
func (l *Latencies) Percentiles() (n int, p50, p95, p99, maxMS float64) {
	l.mu.Lock()
	s := slices.Clone(l.samples)
	l.mu.Unlock()
	if len(s) == 0 {
		return 0, 0, 0, 0, 0
	}
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return ms(s[min(max(i, 0), len(s)-1)])
	}
	return len(s), at(0.50), at(0.95), at(0.99), ms(s[len(s)-1])
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Metric is one reported figure.
type Metric struct {
	Name  string
	Value any
	Unit  string
}

// Result is what a scenario reports: one table and one JSON line.
type Result struct {
	Scenario string
	Params   map[string]any
	Metrics  []Metric
	// Pass says whether the scenario's own checks held (nothing lost,
	// doubled or refused); the targets are judged by the reader.
	Pass     bool
	Problems []string
}

// Add appends a metric.
func (r *Result) Add(name string, v any, unit string) {
	r.Metrics = append(r.Metrics, Metric{Name: name, Value: v, Unit: unit})
}

// Fail marks the run failed with a problem line (the first 20 are kept).
func (r *Result) Fail(format string, args ...any) {
	r.Pass = false
	if len(r.Problems) < 20 {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Print writes the summary table and then the JSON line, which starts with
// "RESULT " so that scripts can grep it.
func (r *Result) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\t%s\t\t\n", r.Scenario)
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%v\t\t\n", k, r.Params[k])
	}
	fmt.Fprintf(tw, "\t\t\t\n")
	for _, m := range r.Metrics {
		fmt.Fprintf(tw, "%s\t%v\t%s\t\n", m.Name, m.Value, m.Unit)
	}
	fmt.Fprintf(tw, "pass\t%v\t\t\n", r.Pass)
	tw.Flush()
	for _, p := range r.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
	fmt.Fprintln(w, "RESULT "+string(r.JSON()))
}

// JSON is the machine-readable form: scenario, params, pass, problems and
// every metric as name_unit: value.
func (r *Result) JSON() []byte {
	m := map[string]any{"scenario": r.Scenario, "params": r.Params, "pass": r.Pass}
	if len(r.Problems) > 0 {
		m["problems"] = r.Problems
	}
	for _, x := range r.Metrics {
		k := x.Name
		if x.Unit != "" {
			k += "_" + strings.ReplaceAll(x.Unit, "/", "_per_")
		}
		m[strings.ReplaceAll(k, " ", "_")] = x.Value
	}
	b, _ := json.Marshal(m)
	return b
}

// Round is v to digits decimals, as results show it.
func Round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
