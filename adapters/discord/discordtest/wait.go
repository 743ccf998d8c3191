package discordtest

import (
	"sync"
	"time"
)

// waitUntil polls cond each time the fake signals a change (the channel current returns is
// closed), and at least every 20 ms, until cond holds or timeout passes. The API and the
// gateway share it.
func waitUntil(mu *sync.Mutex, current func() chan struct{}, timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		mu.Lock()
		ch := current()
		mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-time.After(20 * time.Millisecond):
		case <-deadline.C:
			return cond()
		}
	}
}
