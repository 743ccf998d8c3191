// Command tbbench measures ticketbot against the real MariaDB and Redis of this machine and
// prints one "bench: NAME VALUE UNIT" line per figure, each beside a baseline measured in the
// same run. `make bench` runs it; `tbbench -suite store` runs one suite.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"
)

// suite is one group of measurements.
type suite struct {
	name string
	run  func(ctx context.Context, e *env) error
}

// suites lists every suite in the order they run.
func suites() []suite {
	return []suite{
		{"store", runStore},
		{"scale", runScale}, // 1M tickets (flag -scale-tickets)
		{"api", runAPI},
		{"discord", runDiscord},
		{"outbox", runOutbox},
		{"slack", runSlack},      // with the relay of triage-thread messages (relay.go)
		{"relay", runRelaySuite}, // the relay alone (also part of the slack suite)
		{"reports", runReports},
		{"rss", runBotRSS}, // the ticketbot binary as a process of its own (botrss.go)
	}
}

func main() {
	var names []string
	for _, s := range suites() {
		names = append(names, s.name)
	}
	only := flag.String("suite", "", "run only the suites named here (comma-separated): "+strings.Join(names, ", "))
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	flag.Parse()
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tbbench:", err)
			os.Exit(1)
		}
		defer stopProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e, err := newEnv(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tbbench:", err)
		os.Exit(1)
	}
	defer e.Close()
	failed := false
	for _, s := range suites() {
		if *only != "" && !strings.Contains(","+*only+",", ","+s.name+",") {
			continue
		}
		start := time.Now()
		if err := s.run(ctx, e); err != nil {
			fmt.Fprintf(os.Stderr, "tbbench: suite %s: %v\n", s.name, err)
			failed = true
			continue
		}
		e.log.Info("suite done", "suite", s.name, "took", time.Since(start).Round(time.Millisecond))
	}
	if failed {
		if *cpuProfile != "" {
			pprof.StopCPUProfile()
		}
		e.Close() // os.Exit skips the deferred Close: drop this run's databases first
		os.Exit(1)
	}
}

// report prints one figure in the format `make bench` promises.
func report(name string, value float64, unit string) {
	fmt.Printf("bench: %s %.2f %s\n", name, value, unit)
}

// env holds what suites share: the server URLs of this run.
type env struct {
	log      *slog.Logger
	mysqlURL string // server URL without database: mysql://root@127.0.0.1:3306
	redisURL string
	// dbPrefix starts the name of every database a run creates (TICKETBOT_BENCH_DB_PREFIX), so
	// runs side by side on one server can tell theirs apart.
	dbPrefix string
	cleanup  []func()
}

func (e *env) Close() {
	for i := len(e.cleanup) - 1; i >= 0; i-- {
		e.cleanup[i]()
	}
	e.cleanup = nil
}
