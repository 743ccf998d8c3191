package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// serve runs on a real Redis Cluster given as redis+cluster:// and is ready on it.
func TestServeOnARedisCluster(t *testing.T) {
	env := sqliteEnv(t)
	env["TICKETBOT_REDIS_URL"] = coretest.RedisClusterURL(t)
	srv := startServe(t, env)
	if body := get(t, srv.base+"/readyz", http.StatusOK); body != "ready\n" {
		t.Fatalf("/readyz = %q\n%s", body, srv.logs.String())
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestServeRefusesAnUnparsableClusterURLInOneLine(t *testing.T) {
	env := sqliteEnv(t)
	env["TICKETBOT_REDIS_URL"] = "redis+cluster://:hunter2@node1:6379,node2:port"
	_, _, err := run(t, env, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "TICKETBOT_REDIS_URL") || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("%v", err)
	}
}
