package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// newHealthcheckCmd is `ticketbot healthcheck`: a probe for container runtimes whose image
// has no curl (the image is FROM scratch). It GETs /healthz (or /readyz with --ready) of the
// ticketbot listening on TICKETBOT_ADDR on this machine and exits non-zero unless it is 200.
func newHealthcheckCmd(env map[string]string) *cobra.Command {
	var (
		ready   bool
		base    string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "healthcheck [--ready] [--url http://127.0.0.1:8080]",
		Short: "Probe the local ticketbot's /healthz (or /readyz); exit 1 unless it answers 200",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if base == "" {
				addr := env["TICKETBOT_ADDR"]
				if addr == "" {
					addr = ":8080"
				}
				var err error
				if base, err = loopbackURL(addr); err != nil {
					return err
				}
			}
			path := "/healthz"
			if ready {
				path = "/readyz"
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
			if err != nil {
				return fmt.Errorf("healthcheck: %w", err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("healthcheck: %w", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("healthcheck: %s answered %d %s", path, resp.StatusCode, body)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s", path, body)
			return err
		},
	}
	cmd.Flags().BoolVar(&ready, "ready", false, "probe /readyz (database and Redis answer) instead of /healthz")
	cmd.Flags().StringVar(&base, "url", "", "base URL to probe [http://127.0.0.1:PORT of TICKETBOT_ADDR]")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

// loopbackURL turns a listen address (":8080", "0.0.0.0:8080", "[::]:8080", "10.0.0.5:8080")
// into the URL that reaches it from this machine.
func loopbackURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("TICKETBOT_ADDR %q is not a host:port listen address", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
