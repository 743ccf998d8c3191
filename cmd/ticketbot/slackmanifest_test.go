package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated files (docs/slack-manifest*.yaml)")

// The manifests in docs/ are the output of `ticketbot slack manifest`; `make manifests` (this
// test with -update) regenerates them.
func TestSlackManifestFilesAreCurrent(t *testing.T) {
	for file, args := range map[string][]string{
		"slack-manifest.yaml":        {"slack", "manifest", "--url", "https://YOUR_HOST"},
		"slack-manifest-socket.yaml": {"slack", "manifest", "--socket"},
	} {
		t.Run(file, func(t *testing.T) {
			out, _, err := run(t, nil, "", args...)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "..", "docs", file)
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			committed, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(committed) != out {
				t.Fatalf("docs/%s is not what `ticketbot %s` prints; run `make manifests`", file, strings.Join(args, " "))
			}
		})
	}
}

func TestSlackManifestCommand(t *testing.T) {
	t.Run("the URL defaults to TICKETBOT_PUBLIC_URL", func(t *testing.T) {
		out, _, err := run(t, map[string]string{"TICKETBOT_PUBLIC_URL": "https://help.example.com"}, "", "slack", "manifest")
		if err != nil || !strings.Contains(out, "request_url: https://help.example.com/slack/events") {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("json", func(t *testing.T) {
		out, _, err := run(t, nil, "", "slack", "manifest", "--socket", "--format", "json")
		if err != nil || !strings.Contains(out, `"socket_mode_enabled": true`) {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	for name, args := range map[string][]string{
		"over HTTP without a URL": {"slack", "manifest"},
		"an http URL":             {"slack", "manifest", "--url", "http://help.example.com"},
		"an unknown format":       {"slack", "manifest", "--socket", "--format", "toml"},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			out, _, err := run(t, nil, "", args...)
			if err == nil || out != "" {
				t.Fatalf("accepted: %q", out)
			}
		})
	}
}
