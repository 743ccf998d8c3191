package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

// Two replicas on one database and one Redis: a dashboard streaming from replica A hears of
// a ticket opened through replica B's API, and A's shutdown ends the stream at once instead of
// waiting out the shutdown timeout.
func TestServeStreamsLiveUpdatesAcrossReplicas(t *testing.T) {
	env := map[string]string{
		"TICKETBOT_DATABASE_URL":     coretest.MySQLURL(t),
		"TICKETBOT_REDIS_URL":        coretest.RedisURL(t),
		"TICKETBOT_SHUTDOWN_TIMEOUT": "20s",
	}
	if _, _, err := run(t, env, "sam-password-long\n", "user", "add", "sam", "--role", "staff", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, env, "", "token", "create", "--name", "live")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	st, err := gormstore.Open(context.Background(), env["TICKETBOT_DATABASE_URL"], nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TLIVE"}
	if err := st.SaveSettings(context.Background(), core.Settings{Workspace: ws, TriageChannel: "C1"}, core.System().User); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	a, b := startServe(t, env), startServe(t, env)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(a.base+"/login", url.Values{"username": {"sam"}, "password": {"sam-password-long"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/events", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("GET /events on A: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if m := get(t, a.base+"/metrics", http.StatusOK); !strings.Contains(m, "ticketbot_live_streams 1\n") {
		t.Errorf("A's /metrics does not count the open stream")
	}
	data := make(chan string, 10)
	go func() {
		defer close(data)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				data <- sc.Text()
			}
		}
	}()

	open, _ := http.NewRequest(http.MethodPost, b.base+"/api/v1/tickets", strings.NewReader(`{"workspace":"slack:TLIVE","title":"Opened on replica B"}`))
	open.Header.Set("Authorization", "Bearer "+token)
	open.Header.Set("Content-Type", "application/json")
	sent := time.Now()
	r, err := http.DefaultClient.Do(open)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/tickets on B: %d %s", r.StatusCode, body)
	}
	var id int64
	if i := strings.Index(string(body), `"id":`); i >= 0 {
		fmt.Sscan(string(body[i+5:]), &id)
	}
	select {
	case got := <-data:
		t.Logf("B's change reached A's stream %v after the request was sent", time.Since(sent))
		if want := fmt.Sprintf(`data: {"id":%d}`, id); got != want {
			t.Errorf("A's stream: %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("A's stream heard nothing of B's ticket within 10s\nA:\n%s\nB:\n%s", a.logs.String(), b.logs.String())
	}

	start := time.Now()
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("A took %v to stop with a stream open", d)
	}
	for range data { // the stream ended
	}
}
