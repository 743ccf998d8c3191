package coretest

import (
	"testing"
	"time"
)

// Eventually waits until cond holds, checking it every few milliseconds, and fails tb naming
// what did not happen once within has passed. It is the one condition wait of the tests that
// have no hook to be told: a cond that already holds returns at once.
func Eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not happen within %v", what, within)
		}
		<-tick.C
	}
}
