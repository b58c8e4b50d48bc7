package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/querytel/livedesk/internal/pgtest"
)

// AdminPassword is the owner's password on servers the harness starts.
const AdminPassword = "bench password, loopback only"

// BuildServer compiles cmd/livedesk of the module in the working directory
// into dir and returns the binary's path.
func BuildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "livedesk")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/livedesk")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build server (run from the repository root): %w: %s", err, out)
	}
	return bin, nil
}

// NodeConfig says how to start one server process.
type NodeConfig struct {
	Bin         string
	DataDir     string // also where its log goes
	DatabaseURL string // "" = SQLite in DataDir
	NATSURL     string
	NATSPrefix  string
	PprofAddr   string   // a loopback host:port, or ""
	Args        []string // more flags for `livedesk serve`
}

// Node is a server process the harness started.
type Node struct {
	URL string // http://127.0.0.1:PORT
	PID int
	DSN string // what the server opened: for seeding
	cmd *exec.Cmd
	log *os.File
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// StartNode starts a server and waits until /readyz answers.
func StartNode(ctx context.Context, nc NodeConfig) (*Node, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	// The load comes from one machine: the per-address limits would
	// refuse most of it.
	args := []string{"serve", "--addr", addr, "--data-dir", nc.DataDir, "--log-level", "warn", "--limits-per-ip=false", "--max-conns", "0"}
	if nc.DatabaseURL != "" {
		args = append(args, "--database-url", nc.DatabaseURL)
	}
	if nc.NATSURL != "" {
		args = append(args, "--nats-url", nc.NATSURL, "--nats-prefix", nc.NATSPrefix)
	}
	if nc.PprofAddr != "" {
		args = append(args, "--pprof-addr", nc.PprofAddr)
	}
	args = append(args, nc.Args...)
	if err := os.MkdirAll(nc.DataDir, 0o750); err != nil {
		return nil, err
	}
	lf, err := os.Create(filepath.Join(nc.DataDir, "server-"+strconv.Itoa(port)+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(nc.Bin, args...)
	cmd.Env = append(os.Environ(), "LIVEDESK_ADMIN_PASSWORD="+AdminPassword)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start server: %w", err)
	}
	n := &Node{URL: "http://" + addr, PID: cmd.Process.Pid, cmd: cmd, log: lf, DSN: nc.DatabaseURL}
	if n.DSN == "" {
		n.DSN = filepath.Join(nc.DataDir, "livedesk.db")
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the exit is reported below
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			lf.Close()
			return nil, fmt.Errorf("server exited at start; see %s", lf.Name())
		case <-ctx.Done():
			n.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(n.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				go func() { <-exited; lf.Close() }()
				n.cmd = cmd
				return n, nil
			}
		}
	}
	n.Stop()
	return nil, fmt.Errorf("server not ready in 60 s; see %s", lf.Name())
}

// Stop asks the server to shut down (SIGTERM) and kills it after 30 s.
func (n *Node) Stop() {
	if n == nil || n.cmd.Process == nil {
		return
	}
	n.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
	done := make(chan struct{})
	go func() {
		for syscall.Kill(n.PID, 0) == nil {
			time.Sleep(50 * time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		n.cmd.Process.Kill() //nolint:errcheck
	}
}

// RSS is a process's resident set size in bytes (VmRSS).
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// CPUTime is a process's user+system CPU time so far.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 14th and 15th fields.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// Postgres schemas: each run gets a fresh one and drops it afterwards.

// CreateSchema makes a fresh schema in the database at base (which must be
// on 127/8) and returns base with search_path set to it, and a func that
// drops it.
func CreateSchema(ctx context.Context, base string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("load: %q is not a postgres:// URL", base)
	}
	if !loopbackHost(u.Hostname()) {
		return "", nil, fmt.Errorf("load: postgres at %q: %w", u.Host, ErrNotLoopback)
	}
	dsn, drop, err := pgtest.CreateSchema(ctx, base, "ldload_")
	if err != nil {
		return "", nil, fmt.Errorf("load: %w", err)
	}
	return dsn, drop, nil
}

// HeapAlloc is the server's live heap in bytes, right after a collection
// it forces (pprof's heap endpoint with gc=1; its text form ends with the
// runtime's MemStats).
func HeapAlloc(pprofAddr string) (int64, error) {
	if !loopbackHost(strings.Split(pprofAddr, ":")[0]) {
		return 0, ErrNotLoopback
	}
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "# HeapAlloc = "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no HeapAlloc in the heap profile")
}

// FetchProfile saves /debug/pprof/WHAT (e.g. "profile?seconds=20" or
// "heap") from a loopback pprof address to path.
func FetchProfile(pprofAddr, what, path string) error {
	if !loopbackHost(strings.Split(pprofAddr, ":")[0]) {
		return ErrNotLoopback
	}
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/" + what)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	return errors.Join(err, f.Close())
}

// windowCPU is the CPU time the servers and this process spent in a
// measured window.
type windowCPU struct {
	mu           sync.Mutex
	done         bool
	server, self time.Duration
}

// measure samples CPU times after wait and again after window; it gives
// up when ctx ends first.
func (w *windowCPU) measure(ctx context.Context, pids []int, wait, window time.Duration) {
	sample := func() (server, self time.Duration, ok bool) {
		for _, pid := range pids {
			t, err := CPUTime(pid)
			if err != nil {
				return 0, 0, false
			}
			server += t
		}
		self, err := CPUTime(os.Getpid())
		return server, self, err == nil && len(pids) > 0
	}
	if !sleep(ctx, wait) {
		return
	}
	s0, m0, ok := sample()
	if !ok || !sleep(ctx, window) {
		return
	}
	s1, m1, ok := sample()
	if !ok {
		return
	}
	w.mu.Lock()
	w.done, w.server, w.self = true, s1-s0, m1-m0
	w.mu.Unlock()
}

func (w *windowCPU) result() (server, self time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.server, w.self, w.done
}

// sleep waits d, or less when ctx ends first; it reports whether the whole
// d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
