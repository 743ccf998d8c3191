package main

import (
	"log/slog"
	"testing"

	"github.com/ticketbot/ticketbot/config"
)

func TestApplyMemoryLimit(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		limit config.ByteSize
		want  int64 // -1: not set
	}{
		{"the configured limit is set", map[string]string{}, 48 << 20, 48 << 20},
		{"off sets none", map[string]string{}, 0, -1},
		{"GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "1GiB"}, 48 << 20, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := int64(-1)
			applyMemoryLimit(config.Config{MemoryLimit: tt.limit}, tt.env, slog.New(slog.DiscardHandler), func(n int64) int64 { got = n; return 0 })
			if got != tt.want {
				t.Errorf("limit set to %d, want %d", got, tt.want)
			}
		})
	}
}
