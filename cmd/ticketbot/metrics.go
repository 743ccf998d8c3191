package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ticketbot/ticketbot/core"
)

// metrics are the process's Prometheus metrics, on a registry of its own (no globals).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	opened   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ticketbot_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		opened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbot_tickets_opened_total", Help: "Tickets opened by platform.",
		}, []string{"platform"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.opened,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchOutbox exports the outbox backlog and the dispatcher's delivery counts.
func (m *metrics) watchOutbox(ob core.Outbox, d *core.Dispatcher) {
	m.reg.MustRegister(
		backlogGauge("ticketbot_outbox_pending", "Outbox events not yet delivered.", ob.PendingEvents),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_outbox_delivered_total", Help: "Outbox events delivered.",
		}, func() float64 { return float64(d.Stats().Delivered) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_outbox_failures_total", Help: "Failed delivery attempts (retried later).",
		}, func() float64 { return float64(d.Stats().Failed) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_outbox_dropped_total", Help: "Events given up on as undeliverable.",
		}, func() float64 { return float64(d.Stats().Dropped) }),
	)
}

// backlogGauge is a gauge of what count says is waiting in the database (-1 while it cannot
// be read), read at each scrape within a second.
func backlogGauge(name, help string, count func(ctx context.Context) (int64, error)) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
}

// watchIntake exports the stored slash commands not yet done and how they were taken in.
func (m *metrics) watchIntake(in *core.Intake) {
	m.reg.MustRegister(
		backlogGauge("ticketbot_intake_pending", "Stored requests (slash commands) not yet done.", in.Pending),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_intake_queued_total", Help: "Requests acknowledged as queued at once (a backlog waited).",
		}, func() float64 { return float64(in.Stats().Queued) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_intake_inline_total", Help: "Requests done before their acknowledgement was due.",
		}, func() float64 { return float64(in.Stats().Inline) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_intake_retried_total", Help: "Attempts that failed for a passing reason (tried again).",
		}, func() float64 { return float64(in.Stats().Retried) }),
	)
}

// watchLive exports the open event streams and the live updates lost.
func (m *metrics) watchLive(l *core.Live) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ticketbot_live_streams", Help: "Dashboard event streams open on this replica.",
		}, func() float64 { return float64(l.Listeners()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketbot_live_dropped_total", Help: "Live updates not published (queue full or Redis unreachable); dashboards catch up on their next event or reconnect.",
		}, func() float64 { return float64(l.Dropped()) }),
	)
}

// watchDiscord exports how many gateway events the Discord adapter dropped because its
// per-channel queue was full (a slow database).
func (m *metrics) watchDiscord(a interface{ DroppedGatewayEvents() uint64 }) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ticketbot_discord_gateway_dropped_total", Help: "Discord gateway events dropped because a queue was full.",
	}, func() float64 { return float64(a.DroppedGatewayEvents()) }))
}

func (m *metrics) ticketOpened(t core.Ticket) {
	m.opened.WithLabelValues(string(t.Workspace.Platform)).Inc()
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument counts and times every request by the mux pattern that served it, and logs it at
// debug level (the access log). Only the pattern is logged, never the path or query, which may
// carry ids or tokens, and no header.
func (m *metrics) instrument(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		took := time.Since(start)
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		m.latency.WithLabelValues(route).Observe(took.Seconds())
		if log.Enabled(r.Context(), slog.LevelDebug) {
			log.LogAttrs(r.Context(), slog.LevelDebug, "http request", slog.String("method", r.Method),
				slog.String("route", route), slog.Int("status", sw.code), slog.Duration("duration", took))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
