package main

import (
	"net/http"
	"strings"
	"testing"
)

// A fresh start says where ticketbot is, that nobody can sign in yet and how to fix that, and
// which adapters are off and why; once an admin exists it stops asking for one.
func TestStartupSaysWhatToDoNext(t *testing.T) {
	env := sqliteEnv(t)
	env["TICKETBOT_PUBLIC_URL"] = "https://help.example.com"
	srv := startServe(t, env)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.logs.String()
	for _, want := range []string{
		"url=https://help.example.com",
		"no dashboard account yet",
		"`bin/ticketbot user add admin --role admin --password-stdin`",
		"slack adapter off: SLACK_BOT_TOKEN is not set",
		"discord adapter off: DISCORD_BOT_TOKEN is not set",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs)
		}
	}

	if _, _, err := run(t, env, "correct horse battery staple\n", "user", "add", "root", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	again := startServe(t, env)
	if err := again.stop(); err != nil {
		t.Fatal(err)
	}
	logs = again.logs.String()
	if strings.Contains(logs, "user add") || !strings.Contains(logs, "admins=1") {
		t.Errorf("with an admin the log should count accounts, not ask for one:\n%s", logs)
	}
}

// At debug level every request is logged with its method, route pattern, status and duration,
// and nothing of the path, the query or the headers.
func TestAccessLogAtDebugOmitsSecrets(t *testing.T) {
	env := sqliteEnv(t)
	env["TICKETBOT_LOG_LEVEL"] = "debug"
	srv := startServe(t, env)
	req, _ := http.NewRequest(http.MethodGet, srv.base+"/api/v1/tickets/42?access_token=QUERYSECRET", nil)
	req.Header.Set("Authorization", "Bearer tbk_HEADERSECRET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.logs.String()
	var line string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `msg="http request"`) && strings.Contains(l, "/api/v1/tickets/{id}") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no access log line for the API request:\n%s", logs)
	}
	for _, want := range []string{"method=GET", `route="GET /api/v1/tickets/{id}"`, "status=401", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line lacks %s: %s", want, line)
		}
	}
	for _, secret := range []string{"QUERYSECRET", "HEADERSECRET", "/42"} {
		if strings.Contains(logs, secret) {
			t.Errorf("%s reached the log:\n%s", secret, logs)
		}
	}
}

// At the default level there is no access log.
func TestNoAccessLogAtInfo(t *testing.T) {
	srv := startServe(t, sqliteEnv(t))
	get(t, srv.base+"/healthz", http.StatusOK)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(srv.logs.String(), `msg="http request"`) {
		t.Errorf("access log at info:\n%s", srv.logs.String())
	}
}
