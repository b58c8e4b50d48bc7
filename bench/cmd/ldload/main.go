// Command ldload is Live Desk's load generator. It starts the server itself
// (a fresh SQLite data dir, or a fresh PostgreSQL schema and NATS prefix),
// or targets one you started (-url), runs one scenario — idle, chat, storm,
// cluster, broadcast or fleet — and prints a summary table and one JSON line per run
// ("RESULT {...}"); with -runs N it also prints the medians ("MEDIAN {...}").
// It only ever connects to 127.0.0.0/8. See docs/benchmarks.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/querytel/livedesk/bench/load"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

type options struct {
	scenario      string
	url, dsn      string
	serverPID     int
	db            string
	pgURL         string
	natsURL       string
	visitors      int
	nodes         int
	conversations int
	rate          float64
	duration      time.Duration
	warmup        time.Duration
	drain         time.Duration
	hold          time.Duration
	workspaces    int
	agents        int
	receipts      bool
	watch         string
	webhooks      bool
	missed        int
	connectRate   float64
	pprofAddr     string
	profileOut    string
	selfProfile   string
	timeout       time.Duration
	runs          int
	keep          bool
	serverBin     string
}

func main() {
	var o options
	fs := flag.NewFlagSet("ldload", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ldload [flags] idle|chat|storm|cluster|broadcast|fleet")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.url, "url", "", "target a running server (http://127.x.x.x:PORT) instead of starting one; needs -dsn (and -server-pid for idle)")
	fs.StringVar(&o.dsn, "dsn", "", "with -url: the server's database (its SQLite file or postgres:// URL), to seed tenants")
	fs.IntVar(&o.serverPID, "server-pid", 0, "with -url: the server's pid, for RSS and CPU")
	fs.StringVar(&o.db, "db", "sqlite", "sqlite or postgres (cluster is always postgres)")
	fs.StringVar(&o.pgURL, "pg-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL to make a fresh schema in")
	fs.StringVar(&o.natsURL, "nats-url", "nats://127.0.0.1:4222", "NATS for cluster runs")
	fs.IntVar(&o.visitors, "n", 0, "visitors: idle [100000], storm [10000], fleet per node [19000]")
	fs.IntVar(&o.nodes, "nodes", 0, "fleet: server processes on NATS and one PostgreSQL, each loaded by a child ldload [5]")
	fs.IntVar(&o.conversations, "conversations", 2000, "chat: concurrent conversations")
	fs.Float64Var(&o.rate, "rate", 5000, "chat: offered messages per second in all")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "chat: measured time")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "chat: unmeasured time first")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "chat: how long to wait, once sending stops, for what is still unacked or undelivered (an overload run's clients are still retrying)")
	fs.DurationVar(&o.hold, "hold", 40*time.Second, "idle: time all sockets are held (≥ one heartbeat period)")
	fs.IntVar(&o.workspaces, "workspaces", 0, "seeded workspaces: chat [50], storm [100]")
	fs.IntVar(&o.agents, "agents", 2, "chat: agents (desk sockets) per workspace")
	fs.BoolVar(&o.webhooks, "webhooks", false, "chat: every workspace has a webhook endpoint (on 127.0.0.1, here) taking message.created; the run waits for each stored message's event")
	fs.StringVar(&o.watch, "watch", "", `chat: the desk.watch scope every desk asks for ("mine": its agent's chats, the queue's and the one shown; default: all, without asking)`)
	fs.BoolVar(&o.receipts, "receipts", false, "chat: clients report what they receive (visitors conversation.delivered, desks conversation.seen)")
	fs.IntVar(&o.missed, "missed", 1, "storm: agent messages per conversation while visitors are away")
	fs.Float64Var(&o.connectRate, "connect-rate", 2000, "idle, storm: first connects per second")
	fs.StringVar(&o.pprofAddr, "pprof-addr", "", "start the (first) server with --pprof-addr, e.g. 127.0.0.1:6060")
	fs.StringVar(&o.profileOut, "profile-out", "", "with -pprof-addr: save the server's CPU profile of the measured window (storm: the reconnect's first 3 s; idle: heap) here")
	fs.StringVar(&o.selfProfile, "self-profile", "", "save this generator's own CPU profile of the whole run here (on a shared machine its CPU is the server's loss)")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	fs.IntVar(&o.runs, "runs", 1, "repeat on a fresh server and print the medians")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data directory")
	fs.StringVar(&o.serverBin, "server-bin", "", "a livedesk binary to start (default: go build ./cmd/livedesk into the temp dir)")
	fs.Parse(os.Args[1:]) //nolint:errcheck // ExitOnError
	if fs.NArg() != 1 {
		fs.Usage()
		os.Exit(2)
	}
	o.scenario = fs.Arg(0)
	if o.runs < 1 || o.runs > 20 {
		fmt.Fprintln(os.Stderr, "ldload: -runs must be 1 to 20")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "ldload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.url != "" {
		if _, err := load.CheckLoopback(o.url); err != nil {
			return err
		}
	}
	if o.selfProfile != "" {
		f, err := os.Create(o.selfProfile)
		if err != nil {
			return fmt.Errorf("self-profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("self-profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	limit := load.RaiseFileLimit(1 << 20)
	fmt.Fprintf(os.Stderr, "ldload: file limit %d (the server, when started here, inherits it)\n", limit)
	var results []*load.Result
	pass := true
	for i := range o.runs {
		if o.runs > 1 {
			fmt.Fprintf(os.Stderr, "ldload: run %d of %d\n", i+1, o.runs)
		}
		res, err := runOnce(ctx, o)
		if err != nil {
			return err
		}
		res.Params["run"] = i + 1
		res.Print(os.Stdout)
		results = append(results, res)
		pass = pass && res.Pass
	}
	if len(results) > 1 {
		printMedians(results)
	}
	if !pass {
		return errors.New("a run failed its checks (see problem lines)")
	}
	return nil
}

// env is the server(s) a run targets.
type env struct {
	urls []string
	dsn  string
	pid  int   // the first node's
	pids []int // every node's started here
	stop func()
}

func startEnv(ctx context.Context, o options, nodes int, postgres bool, args ...string) (*env, error) {
	if o.url != "" {
		if nodes > 1 {
			return nil, errors.New("cluster starts its own nodes; drop -url")
		}
		if o.dsn == "" {
			return nil, errors.New("-url needs -dsn to seed tenants")
		}
		return &env{urls: []string{o.url}, dsn: o.dsn, pid: o.serverPID, stop: func() {}}, nil
	}
	dir, err := os.MkdirTemp("", "ldload-")
	if err != nil {
		return nil, err
	}
	var cleanups []func()
	e := &env{stop: func() {
		for _, f := range slices.Backward(cleanups) {
			f()
		}
	}}
	cleanups = append(cleanups, func() {
		if o.keep {
			fmt.Fprintln(os.Stderr, "ldload: kept", dir)
			return
		}
		os.RemoveAll(dir)
	})
	fail := func(err error) (*env, error) { e.stop(); return nil, err }
	bin := o.serverBin
	if bin == "" {
		if bin, err = load.BuildServer(ctx, dir); err != nil {
			return fail(err)
		}
	}
	nc := load.NodeConfig{Bin: bin, Args: args}
	if postgres {
		u, drop, err := load.CreateSchema(ctx, o.pgURL)
		if err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, func() {
			if err := drop(); err != nil {
				fmt.Fprintln(os.Stderr, "ldload: drop schema:", err)
			}
		})
		nc.DatabaseURL = u
	}
	if nodes > 1 {
		nc.NATSURL, nc.NATSPrefix = o.natsURL, fmt.Sprintf("ldload%d", time.Now().UnixNano())
	}
	for i := range nodes {
		c := nc
		c.DataDir = filepath.Join(dir, fmt.Sprint("node", i))
		if i == 0 {
			c.PprofAddr = o.pprofAddr
		}
		n, err := load.StartNode(ctx, c)
		if err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, n.Stop)
		e.urls = append(e.urls, n.URL)
		e.pids = append(e.pids, n.PID)
		if i == 0 {
			e.dsn, e.pid = n.DSN, n.PID
		}
	}
	return e, nil
}

func runOnce(ctx context.Context, o options) (*load.Result, error) {
	logw := os.Stderr
	switch o.scenario {
	case "chat", "cluster":
		nodes, pg := 1, o.db == "postgres"
		if o.scenario == "cluster" {
			nodes, pg = 2, true
		}
		var args []string
		if o.webhooks {
			args = append(args, "--webhooks-allow-private")
		}
		e, err := startEnv(ctx, o, nodes, pg, args...)
		if err != nil {
			return nil, err
		}
		defer e.stop()
		w := orDefault(o.workspaces, 50)
		seed := load.SeedOptions{}
		if o.watch == load.WatchMine {
			// Every chat is held by an agent (the desks follow only
			// theirs): room for each agent's share, and more; and
			// supervisors, so that an agent may take a chat the queue
			// handed to another while it asked.
			seed.MaxChats = 2*o.conversations/(w*o.agents) + 1
			seed.Role = auth.Supervisor
		}
		tenants, err := load.SeedDSNWith(ctx, e.dsn, w, o.agents, seed)
		if err != nil {
			return nil, err
		}
		var sink *load.WebhookSink
		if o.webhooks {
			if sink, err = load.StartWebhookSink(); err != nil {
				return nil, err
			}
			defer sink.Close()
			if err := load.AddWebhooksDSN(ctx, e.dsn, tenants, sink.URL(), []string{store.EventMessageCreated}); err != nil {
				return nil, err
			}
		}
		cfg := load.ChatConfig{
			URLs: e.urls, Tenants: tenants, Conversations: o.conversations, Rate: o.rate,
			Warmup: o.warmup, Duration: o.duration, Drain: o.drain, Dialer: load.NewDialer(8), Log: logw, ServerPIDs: e.pids,
			Receipts: o.receipts, Webhooks: sink, Watch: o.watch,
		}
		if o.pprofAddr != "" && o.profileOut != "" {
			cfg.OnMeasure = func(d time.Duration) {
				secs := max(1, int(d.Seconds())-1)
				if err := load.FetchProfile(o.pprofAddr, fmt.Sprintf("profile?seconds=%d", secs), o.profileOut); err != nil {
					fmt.Fprintln(os.Stderr, "ldload: profile:", err)
				}
			}
		}
		res, err := load.Chat(ctx, cfg)
		if err != nil {
			return nil, err
		}
		res.Scenario = o.scenario
		res.Params["database"] = map[bool]string{true: "postgres", false: "sqlite"}[pg]
		return res, nil
	case "idle":
		// Thousands of visitors of one site arrive within seconds: more
		// than a site's default budget of new visitors and sockets.
		e, err := startEnv(ctx, o, 1, o.db == "postgres", "--limit-site-visitors", "0", "--limit-site-sockets", "0")
		if err != nil {
			return nil, err
		}
		defer e.stop()
		if e.pid == 0 {
			return nil, errors.New("idle needs the server's pid (-server-pid)")
		}
		tenants, err := load.SeedDSN(ctx, e.dsn, 1, 1)
		if err != nil {
			return nil, err
		}
		n := orDefault(o.visitors, 100000)
		cfg := load.IdleConfig{
			URL: e.urls[0], SiteKey: tenants[0].SiteKey, Visitors: n, ConnectRate: o.connectRate, Hold: o.hold,
			ServerPID: e.pid, Dialer: load.NewDialer(n/20000 + 2), Log: logw, PprofAddr: o.pprofAddr,
		}
		if o.pprofAddr != "" && o.profileOut != "" {
			cfg.OnHeld = func() {
				if err := load.FetchProfile(o.pprofAddr, "heap", o.profileOut); err != nil {
					fmt.Fprintln(os.Stderr, "ldload: profile:", err)
				}
			}
		}
		res, err := load.Idle(ctx, cfg)
		if err != nil {
			return nil, err
		}
		res.Params["database"] = o.db
		return res, nil
	case "fleet":
		return runFleet(ctx, o)
	case "storm":
		e, err := startEnv(ctx, o, 1, o.db == "postgres")
		if err != nil {
			return nil, err
		}
		defer e.stop()
		tenants, err := load.SeedDSN(ctx, e.dsn, orDefault(o.workspaces, 100), 1)
		if err != nil {
			return nil, err
		}
		n := orDefault(o.visitors, 10000)
		cfg := load.StormConfig{
			URL: e.urls[0], Tenants: tenants, Visitors: n, Missed: o.missed, ConnectRate: o.connectRate,
			Dialer: load.NewDialer(n/20000 + 2), Log: logw, ServerPID: e.pid,
		}
		if o.pprofAddr != "" && o.profileOut != "" {
			cfg.OnStorm = func() {
				// The reconnect lasts about 4 s on a quiet machine: 3
				// covers its bulk and not the verification after it.
				if err := load.FetchProfile(o.pprofAddr, "profile?seconds=3", o.profileOut); err != nil {
					fmt.Fprintln(os.Stderr, "ldload: profile:", err)
				}
			}
		}
		res, err := load.Storm(ctx, cfg)
		if err != nil {
			return nil, err
		}
		res.Params["database"] = o.db
		return res, nil
	case "broadcast":
		e, err := startEnv(ctx, o, 1, o.db == "postgres")
		if err != nil {
			return nil, err
		}
		defer e.stop()
		tenants, err := load.SeedDSNWith(ctx, e.dsn, 1, 1, load.SeedOptions{Role: auth.Owner})
		if err != nil {
			return nil, err
		}
		n := orDefault(o.visitors, 10000)
		cfg := load.BroadcastConfig{URL: e.urls[0], Tenant: tenants[0], Visitors: n, ConnectRate: o.connectRate,
			Dialer: load.NewDialer(n/20000 + 2), Log: logw}
		if e.pid != 0 {
			cfg.CPU = func() (time.Duration, error) { return load.CPUTime(e.pid) }
		}
		res, err := load.Broadcast(ctx, cfg)
		if err != nil {
			return nil, err
		}
		res.Params["database"] = o.db
		return res, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (idle, chat, storm, cluster, broadcast, fleet)", o.scenario)
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// printMedians prints, for every numeric metric, the median over the runs
// and the raw values, then one "MEDIAN {...}" JSON line.
func printMedians(results []*load.Result) {
	med := map[string]any{"scenario": results[0].Scenario, "runs": len(results)}
	fmt.Printf("\nmedians of %d runs (raw values in brackets)\n", len(results))
	for i, m := range results[0].Metrics {
		var vals []float64
		for _, r := range results {
			if i < len(r.Metrics) {
				if f, ok := toFloat(r.Metrics[i].Value); ok {
					vals = append(vals, f)
				}
			}
		}
		if len(vals) != len(results) {
			continue
		}
		sorted := slices.Clone(vals)
		slices.Sort(sorted)
		mv := sorted[len(sorted)/2]
		if len(sorted)%2 == 0 {
			mv = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
		}
		fmt.Printf("%32s %12g %-12s %v\n", m.Name, mv, m.Unit, vals)
		key := m.Name
		if m.Unit != "" {
			key += "_" + strings.ReplaceAll(m.Unit, "/", "_per_")
		}
		med[strings.ReplaceAll(key, " ", "_")] = map[string]any{"median": mv, "runs": vals}
	}
	b, _ := json.Marshal(med)
	fmt.Println("MEDIAN " + string(b))
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
