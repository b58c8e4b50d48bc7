package realtime_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/config"
)

// childEnv makes the test binary serve instead of testing (see TestMain):
// the crash test needs a real process it can SIGKILL.
const childEnv = "LIVEDESK_TEST_CHILD_DATA_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(serveChild(dir))
	}
	os.Exit(m.Run())
}

// serveChild runs a node on dir and prints its address.
func serveChild(dir string) int {
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "error", LogFormat: "text", SQLiteSync: "normal",
		NATSPrefix: "livedesk", AdminEmail: apptest.AdminEmail, AdminPassword: apptest.AdminPassword}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{Hasher: auth.TestHasher})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Printf("LISTENING %s\n", ln.Addr())
	if err := a.Serve(ctx, ln, time.Second); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild starts a node process on dir and returns it with its base URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTENING ") {
		t.Fatalf("child did not start: %q %v", line, err)
	}
	return cmd, "ws://" + strings.TrimSpace(strings.TrimPrefix(line, "LISTENING "))
}

// TestCrashKeepsAcknowledgedMessages kills the server with SIGKILL while
// visitors send, restarts it on the same data, and checks that every
// message that had been acknowledged is there, with its seq.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd, base := startChild(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The demo site's key, read through the desk API of the child.
	key := childWidgetKey(t, ctx, base)

	type ack struct {
		conv string
		seq  int64
	}
	const senders = 10
	var (
		mu     sync.Mutex
		acked  = map[string]ack{}
		tokens = make([]string, senders)
		convs  = make([]string, senders)
		wg     sync.WaitGroup
		enough = make(chan struct{})
		once   sync.Once
	)
	for i := range senders {
		c, err := client.Dial(ctx, base+"/widget/v1/ws?key="+key, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = c.Welcome.Token
		st, err := c.Do(ctx, "conversation.start", nil)
		if err != nil {
			t.Fatal(err)
		}
		convs[i] = st.ConversationID
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				id := fmt.Sprintf("c%d-%d", i, k)
				f, err := c.Do(ctx, "message.send", map[string]any{"conversation_id": convs[i], "client_msg_id": id, "text": id})
				if err != nil {
					return // the server died under us
				}
				mu.Lock()
				acked[id] = ack{convs[i], f.Seq}
				if len(acked) >= 300 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	<-enough
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() //nolint:errcheck
	wg.Wait()

	_, base = startChild(t, dir)
	mu.Lock()
	defer mu.Unlock()
	for i := range senders {
		s := client.NewSession(base+"/widget/v1/ws?key="+key, client.Options{Token: tokens[i]}, nil)
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Fill(ctx, convs[i], 0); err != nil {
			t.Fatal(err)
		}
		held := s.History(convs[i])
		for id, a := range acked {
			if a.conv != convs[i] {
				continue
			}
			if a.seq > int64(len(held)) || held[a.seq-1].ClientMsgID != id {
				t.Fatalf("acknowledged %s (seq %d) is missing after the crash; %d messages survive", id, a.seq, len(held))
			}
		}
		s.Close()
	}
	t.Logf("%d acknowledged messages, all present after SIGKILL and restart", len(acked))
}

// childWidgetKey signs in to the child and reads the demo site's key.
func childWidgetKey(t *testing.T, ctx context.Context, wsBase string) string {
	t.Helper()
	httpBase := "http" + strings.TrimPrefix(wsBase, "ws")
	login, _ := json.Marshal(map[string]string{"email": apptest.AdminEmail, "password": apptest.AdminPassword})
	resp, err := http.Post(httpBase+"/api/v1/auth/login", "application/json", bytes.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login to the child: %d", resp.StatusCode)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", httpBase+"/api/v1/sites", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sites struct {
		Items []struct {
			WidgetKey string `json:"widget_key"`
		} `json:"items"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/sites on the child: %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&sites); err != nil {
		t.Fatal(err)
	}
	if len(sites.Items) == 0 {
		t.Fatal("no demo site")
	}
	return sites.Items[0].WidgetKey
}
