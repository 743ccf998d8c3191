package main

import (
	"log/slog"

	"github.com/ticketbot/ticketbot/config"
)

// applyMemoryLimit makes TICKETBOT_MEMORY_LIMIT the Go runtime's soft memory limit through
// set (debug.SetMemoryLimit: the serve command's; tests call serveWith, which leaves the test
// binary's limit alone). GOMEMLIMIT in the environment wins: the runtime applied it already.
func applyMemoryLimit(cfg config.Config, env map[string]string, log *slog.Logger, set func(int64) int64) {
	if v, ok := env["GOMEMLIMIT"]; ok && v != "" {
		log.Info("memory limit from GOMEMLIMIT", "limit", v)
		return
	}
	if cfg.MemoryLimit <= 0 {
		return
	}
	set(int64(cfg.MemoryLimit))
	log.Info("soft memory limit", "bytes", int64(cfg.MemoryLimit))
}
