package main

import (
	"net/http"
	"sync/atomic"
)

// startingHandler serves while serve starts up: /healthz answers 200 (the process runs),
// /readyz and every other path 503 with the current phase ("migrating", "starting"). Once
// ready is called it hands every request to the real handler.
type startingHandler struct {
	phase atomic.Pointer[string]
	next  atomic.Pointer[http.ServeMux]
	boot  *http.ServeMux
}

func newStartingHandler(phase string) *startingHandler {
	h := &startingHandler{boot: http.NewServeMux()}
	h.setPhase(phase)
	h.boot.HandleFunc("GET /healthz", healthz)
	notYet := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, *h.phase.Load(), http.StatusServiceUnavailable)
	}
	h.boot.HandleFunc("GET /readyz", notYet)
	h.boot.HandleFunc("/", notYet)
	return h
}

func (h *startingHandler) setPhase(p string) { h.phase.Store(&p) }

// ready sends every request from now on to mux.
func (h *startingHandler) ready(mux *http.ServeMux) { h.next.Store(mux) }

func (h *startingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if mux := h.next.Load(); mux != nil {
		mux.ServeHTTP(w, r)
		return
	}
	h.boot.ServeHTTP(w, r)
}
