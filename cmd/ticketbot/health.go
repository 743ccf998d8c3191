package main

import (
	"context"
	"net/http"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// routeHealth registers /healthz (the process runs) and /readyz (the database and, when
// configured, Redis answer).
func routeHealth(mux *http.ServeMux, ready func(ctx context.Context) error) {
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + core.ErrorCode(err) + "\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}

// healthz answers 200 while the process runs.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}
