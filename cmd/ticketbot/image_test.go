package main

import (
	"crypto/rand"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// `make image` builds the FROM scratch image from `make build`'s binary with podman, and the
// image serves /healthz, gets ready and passes its own HEALTHCHECK (`ticketbot healthcheck`). Building
// images is optional, on CI machines too: without podman the test skips, also under CI=true.
func TestImageBuildsAndAnswersHealthz(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image")
	}
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed (apt-get install podman runc): the container image is not built; " +
			"building images is optional, on CI machines too, so this skips even under CI=true")
	}
	image := "localhost/ticketbot:test-" + strings.ToLower(rand.Text()[:8])
	make := exec.Command("make", "-C", "../..", "image", "IMAGE="+image, "BUILDER="+podman)
	if out, err := make.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(podman, "rmi", "-f", image).Run() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	name := "ticketbot-test-" + strings.ToLower(rand.Text()[:8])
	args := append([]string{"run", "-d", "--name", name, "-p", "127.0.0.1:" + strconv.Itoa(port) + ":8080"}, podmanRunFlags()...)
	if out, err := exec.Command(podman, append(args, image)...).CombinedOutput(); err != nil {
		t.Fatalf("podman run: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(podman, "rm", "-f", "-t", "2", name).Run() })
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if body := get(t, base+"/healthz", http.StatusOK); body != "ok\n" {
		t.Errorf("/healthz = %q", body)
	}
	// Ready means the non-root user could create and migrate the SQLite file in /data.
	waitStarted(t, base)
	if body := get(t, base+"/readyz", http.StatusOK); body != "ready\n" {
		t.Errorf("/readyz = %q", body)
	}
	if out, err := exec.Command(podman, "healthcheck", "run", name).CombinedOutput(); err != nil {
		logs, _ := exec.Command(podman, "logs", name).CombinedOutput()
		t.Fatalf("the image's HEALTHCHECK failed: %v\n%s\n%s", err, out, logs)
	}
	if out, _ := exec.Command(podman, "exec", name, "/ticketbot", "healthcheck", "--url", "http://127.0.0.1:1").CombinedOutput(); !strings.Contains(string(out), "healthcheck:") {
		t.Errorf("healthcheck against a dead port should fail and say so: %s", out)
	}
}

// podmanRunFlags fit podman to machines where the container may not raise its limits (no
// CAP_SYS_RESOURCE) and crun refuses hybrid cgroups: runc when it is installed, and limits
// no higher than this process's own.
func podmanRunFlags() []string {
	var flags []string
	if _, err := exec.LookPath("runc"); err == nil {
		flags = append(flags, "--runtime", "runc")
	}
	var nofile syscall.Rlimit
	n := uint64(4096)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile) == nil && nofile.Cur < n {
		n = nofile.Cur
	}
	limit := strconv.FormatUint(n, 10)
	return append(flags, "--ulimit", "nofile="+limit+":"+limit, "--ulimit", "nproc=4096:4096")
}
