package coretest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RedisClusterURL starts a Redis Cluster of three masters from the redis-server on PATH, on
// free ports under tb's temporary directory, waits until every node reports cluster_state:ok,
// stops it when tb ends, and returns its redis+cluster:// URL. Without redis-server and
// redis-cli the test skips, or fails when CI=true.
func RedisClusterURL(tb testing.TB) string {
	tb.Helper()
	skipUnlessServices(tb, "Redis Cluster")
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			msg := bin + " is not installed (apt-get install redis-server): the Redis Cluster tests need it"
			if os.Getenv("CI") == "true" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	dir := tb.TempDir()
	var addrs []string
	for i := range 3 {
		port := freeClusterPort(tb)
		nodeDir := filepath.Join(dir, strconv.Itoa(i))
		if err := os.Mkdir(nodeDir, 0o755); err != nil {
			tb.Fatal(err)
		}
		cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(nodeDir, "nodes.conf"),
			"--cluster-node-timeout", "5000", "--dir", nodeDir, "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--logfile", filepath.Join(nodeDir, "redis.log"))
		if err := cmd.Start(); err != nil {
			tb.Fatalf("coretest.RedisClusterURL: start redis-server: %v", err)
		}
		tb.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		addrs = append(addrs, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	for _, a := range addrs {
		waitRedis(tb, a)
	}
	create := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...),
		"--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		tb.Fatalf("coretest.RedisClusterURL: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		for !clusterOK(a) {
			if time.Now().After(deadline) {
				tb.Fatalf("coretest.RedisClusterURL: node %s never reported cluster_state:ok", a)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// freeClusterPort finds a free port whose cluster bus port (port+10000) is free too.
func freeClusterPort(tb testing.TB) int {
	tb.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		bus.Close()
		return port
	}
	tb.Fatal("coretest.RedisClusterURL: no free port pair for a cluster node")
	return 0
}

// waitRedis waits until the server at addr answers PING.
func waitRedis(tb testing.TB, addr string) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for redisPing(addr, nil) != nil {
		if time.Now().After(deadline) {
			tb.Fatalf("coretest.RedisClusterURL: redis-server at %s did not answer", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterOK reports whether the node at addr answers CLUSTER INFO with cluster_state:ok.
func clusterOK(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprint(conn, "*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n"); err != nil {
		return false
	}
	r := bufio.NewReader(conn)
	header, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(header, "$") {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(header[1:]))
	if err != nil {
		return false
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return false
	}
	return strings.Contains(string(body), "cluster_state:ok")
}
