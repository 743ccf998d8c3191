package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ticketbot/ticketbot/adapters/slack"
)

// newSlackCmd is `ticketbot slack …`: helpers for setting up the Slack app.
func newSlackCmd(env map[string]string) *cobra.Command {
	cmd := &cobra.Command{Use: "slack", Short: "Set up the Slack app"}
	var (
		base   string
		socket bool
		format string
	)
	manifest := &cobra.Command{
		Use:   "manifest --url https://HOST [--socket] [--format yaml|json]",
		Short: "Print the Slack app manifest of this version (every scope, event and shortcut it needs)",
		Long: "Print the Slack app manifest of this version. Paste it at https://api.slack.com/apps →\n" +
			"Create New App → From an app manifest. --url defaults to TICKETBOT_PUBLIC_URL; it is\n" +
			"required over HTTP and optional with --socket (it then only gives the OAuth redirect URLs).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if base == "" {
				base = env["TICKETBOT_PUBLIC_URL"]
			}
			out, err := slackManifest(base, socket, format)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	manifest.Flags().StringVar(&base, "url", "", "the public https URL that serves ticketbot [TICKETBOT_PUBLIC_URL]")
	manifest.Flags().BoolVar(&socket, "socket", false, "Socket Mode: Slack is reached over a WebSocket, no request URLs")
	manifest.Flags().StringVar(&format, "format", "yaml", "yaml or json")
	cmd.AddCommand(manifest)
	return cmd
}

// slackManifest renders the manifest for base in format.
func slackManifest(base string, socket bool, format string) ([]byte, error) {
	m, err := slack.NewManifest(slack.ManifestOptions{URL: base, Socket: socket})
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	switch format {
	case "json":
		return m.JSON()
	case "yaml":
		return m.YAML(manifestHeader(base, socket))
	default:
		return nil, fmt.Errorf("--format must be yaml or json, not %q", format)
	}
}

// manifestHeader is the comment above the YAML manifest: how it was made and what to do with it.
func manifestHeader(base string, socket bool) string {
	how, mode := "ticketbot slack manifest --url "+base, "HTTP (Slack calls the request URLs below)"
	if socket {
		how, mode = "ticketbot slack manifest --socket", "Socket Mode (ticketbot connects to Slack; no public URL needed)"
		if base != "" {
			how += " --url " + base
		}
	}
	return "Slack app manifest for ticketbot over " + mode + ".\n" +
		"Made by `" + how + "`: regenerate it rather than editing it.\n" +
		"Create the app at https://api.slack.com/apps → Create New App → From an app manifest (docs/slack.md)."
}
