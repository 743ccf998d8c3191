package main

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// watchPools exports the use of the database pools, for sizing TICKETBOT_DB_MAX_OPEN_CONNS and
// TICKETBOT_DB_BATCH_CONNS against the server's max_connections: a wait count that grows means
// a pool is too small.
func (m *metrics) watchPools(stats func() (main, batch sql.DBStats)) {
	for _, pool := range []string{"main", "batch"} {
		get := func() sql.DBStats {
			main, batch := stats()
			if pool == "main" {
				return main
			}
			return batch
		}
		labels := prometheus.Labels{"pool": pool}
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "ticketbot_db_connections_max", Help: "The most connections the pool may open.", ConstLabels: labels,
			}, func() float64 { return float64(get().MaxOpenConnections) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "ticketbot_db_connections_open", Help: "Connections the pool holds open.", ConstLabels: labels,
			}, func() float64 { return float64(get().OpenConnections) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "ticketbot_db_connections_in_use", Help: "Connections busy with a query or transaction.", ConstLabels: labels,
			}, func() float64 { return float64(get().InUse) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "ticketbot_db_connection_waits_total", Help: "Times a query waited for a free connection.", ConstLabels: labels,
			}, func() float64 { return float64(get().WaitCount) }),
		)
	}
}
