package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/querytel/livedesk/bench/load"
)

// runFleet is idle across server processes (issue 21's ~100,000 sockets):
// a process holds at most its file limit of sockets (20,000 on the
// machine the figures come from), on the server's side and on the
// generator's, so -nodes servers are joined by NATS on one PostgreSQL and
// each is loaded by a child ldload of its own (this binary, scenario idle,
// -url at its node), all at once. The result adds theirs up.
func runFleet(ctx context.Context, o options) (*load.Result, error) {
	nodes := orDefault(o.nodes, 5)
	per := orDefault(o.visitors, 19000)
	e, err := startEnv(ctx, o, nodes, true, "--limit-site-visitors", "0", "--limit-site-sockets", "0")
	if err != nil {
		return nil, err
	}
	defer e.stop()
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	outs := make([]bytes.Buffer, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		args := []string{"-url", e.urls[i], "-dsn", e.dsn, "-server-pid", strconv.Itoa(e.pids[i]),
			"-n", strconv.Itoa(per), "-hold", o.hold.String(), "-connect-rate", strconv.FormatFloat(o.connectRate/float64(nodes), 'f', -1, 64),
			"-timeout", o.timeout.String(), "idle"}
		cmd := exec.CommandContext(ctx, self, args...)
		cmd.Stdout = &outs[i]
		log := prefixed(os.Stderr, fmt.Sprintf("node %d: ", i))
		cmd.Stderr = log
		wg.Go(func() {
			errs[i] = cmd.Run()
			log.Close()
		})
	}
	wg.Wait()

	res := &load.Result{Scenario: "fleet", Pass: true,
		Params: map[string]any{"nodes": nodes, "visitors_per_node": per, "hold_s": o.hold.Seconds(), "database": "postgres"}}
	sum := map[string]float64{}
	for i := range nodes {
		got, problems, err := childResult(outs[i].Bytes())
		if err != nil {
			if errs[i] != nil {
				err = fmt.Errorf("%w (%v)", err, errs[i])
			}
			return nil, fmt.Errorf("fleet: node %d: %w", i, err)
		}
		for k, v := range got {
			sum[k] += v
		}
		for _, p := range problems {
			res.Fail("node %d: %s", i, p)
		}
	}
	connected := sum["connected"] - sum["dropped"]
	res.Add("connected", int64(sum["connected"]), "")
	res.Add("dropped", int64(sum["dropped"]), "")
	res.Add("heartbeat errors", int64(sum["heartbeat_errors"]), "")
	res.Add("heartbeat rate", load.Round(sum["heartbeat_rate__per_s"], 1), "/s")
	res.Add("servers' RSS before", int64(sum["server_RSS_before_MiB"]), "MiB")
	res.Add("servers' RSS held", int64(sum["server_RSS_held_MiB"]), "MiB")
	if connected > 0 {
		res.Add("memory per connection", load.Round((sum["server_RSS_held_MiB"]-sum["server_RSS_before_MiB"])*1024/connected, 1), "KiB")
	}
	res.Add("servers' CPU while idle", load.Round(sum["server_CPU_while_idle_%_of_a_core"], 1), "% of a core")
	if hb := sum["heartbeat_rate__per_s"]; hb > 0 {
		res.Add("server CPU per heartbeat", load.Round(sum["server_CPU_while_idle_%_of_a_core"]*1e4/hb, 1), "µs")
	}
	return res, nil
}

// childResult reads a child's RESULT line: its numeric metrics and its
// problems.
func childResult(out []byte) (map[string]float64, []string, error) {
	for line := range strings.Lines(string(out)) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "RESULT ")
		if !ok {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(rest), &m); err != nil {
			return nil, nil, fmt.Errorf("its result: %w", err)
		}
		nums := map[string]float64{}
		for k, v := range m {
			if f, ok := v.(float64); ok {
				nums[k] = f
			}
		}
		var problems []string
		if ps, ok := m["problems"].([]any); ok {
			for _, p := range ps {
				problems = append(problems, fmt.Sprint(p))
			}
		}
		return nums, problems, nil
	}
	return nil, nil, fmt.Errorf("no RESULT line in its output")
}

// prefixed writes each line written to it to w after prefix, until it is
// closed.
func prefixed(w io.Writer, prefix string) io.WriteCloser {
	r, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			fmt.Fprintln(w, prefix+sc.Text())
		}
		io.Copy(io.Discard, r) //nolint:errcheck // a line too long: drain the rest
	}()
	return pw
}
