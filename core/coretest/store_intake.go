package coretest

import (
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// RunIntakeSuite checks that the stores made by newStore keep acknowledged requests as
// core.IntakeStore documents. newStore must return a fresh, empty, migrated store for each
// subtest and close it in t.Cleanup.
func RunIntakeSuite(t *testing.T, newStore func(t *testing.T) core.IntakeStore) {
	for _, tc := range intakeTests() {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

type intakeTest struct {
	name string
	fn   func(t *testing.T, s core.IntakeStore)
}

// addIntake stores a Slack request under key, leased to owner when set, or fails t.
func addIntake(t *testing.T, s core.IntakeStore, key, owner string, until time.Time) (core.IntakeRequest, bool) {
	t.Helper()
	r, created, err := s.AddIntake(t.Context(), core.IntakeRequest{Key: key, Platform: core.PlatformSlack, Payload: []byte(`{"k":"` + key + `"}`)}, owner, until)
	if err != nil {
		t.Fatalf("AddIntake(%s): %v", key, err)
	}
	return r, created
}

// claimIntake calls ClaimIntake or fails t.
func claimIntake(t *testing.T, s core.IntakeStore, owner string, now time.Time, limit int, ps ...core.Platform) []core.IntakeRequest {
	t.Helper()
	rs, err := s.ClaimIntake(t.Context(), owner, now, time.Minute, limit, ps...)
	if err != nil {
		t.Fatalf("ClaimIntake(%s): %v", owner, err)
	}
	return rs
}

func pendingIntake(t *testing.T, s core.IntakeStore) int64 {
	t.Helper()
	n, err := s.PendingIntake(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func intakeTests() []intakeTest {
	return []intakeTest{
		{"a request is stored once per key, with its payload", func(t *testing.T, s core.IntakeStore) {
			first, created := addIntake(t, s, "slack:T1:cmd:a", "", time.Time{})
			if !created || first.ID == 0 {
				t.Fatalf("first AddIntake = %+v, created %v", first, created)
			}
			again, created := addIntake(t, s, "slack:T1:cmd:a", "", time.Time{})
			if created || again.ID != first.ID || again.DoneAt != nil {
				t.Fatalf("replayed AddIntake = %+v, created %v; want request %d back, nothing stored", again, created, first.ID)
			}
			if n := pendingIntake(t, s); n != 1 {
				t.Fatalf("pending = %d, want 1", n)
			}
			rs := claimIntake(t, s, "w1", time.Now().Add(time.Second), 10)
			if len(rs) != 1 || string(rs[0].Payload) != `{"k":"slack:T1:cmd:a"}` || rs[0].Key != "slack:T1:cmd:a" || rs[0].Attempts != 1 {
				t.Fatalf("claimed %+v", rs)
			}
		}},
		{"a request stored leased to its acceptor is not claimed until the lease ends", func(t *testing.T, s core.IntakeStore) {
			now := time.Now()
			r, _ := addIntake(t, s, "k", "acceptor", now.Add(time.Minute))
			if rs := claimIntake(t, s, "w1", now.Add(time.Second), 10); len(rs) != 0 {
				t.Fatalf("claimed a leased request: %+v", rs)
			}
			rs := claimIntake(t, s, "w1", now.Add(2*time.Minute), 10)
			if len(rs) != 1 || rs[0].ID != r.ID || rs[0].Attempts != 2 {
				t.Fatalf("after the lease: claimed %+v; want request %d on its second attempt", rs, r.ID)
			}
			if err := s.FinishIntake(t.Context(), r.ID, "acceptor", now); !core.IsCode(err, core.EConflict) {
				t.Fatalf("the acceptor that lost its lease finished it: %v", err)
			}
		}},
		{"only the lease holder finishes a request, and a finished one is not claimed again", func(t *testing.T, s core.IntakeStore) {
			r, _ := addIntake(t, s, "k", "", time.Time{})
			now := time.Now().Add(time.Second)
			claimIntake(t, s, "w1", now, 10)
			if rs := claimIntake(t, s, "w2", now, 10); len(rs) != 0 {
				t.Fatalf("a second owner claimed a held request: %+v", rs)
			}
			if err := s.FinishIntake(t.Context(), r.ID, "w2", now); !core.IsCode(err, core.EConflict) {
				t.Fatalf("FinishIntake by another owner = %v, want conflict", err)
			}
			if err := s.FinishIntake(t.Context(), r.ID, "w1", now); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishIntake(t.Context(), r.ID, "w1", now); !core.IsCode(err, core.EConflict) {
				t.Fatalf("finished twice: %v", err)
			}
			if rs := claimIntake(t, s, "w2", now.Add(time.Hour), 10); len(rs) != 0 {
				t.Fatalf("claimed a finished request: %+v", rs)
			}
			if n := pendingIntake(t, s); n != 0 {
				t.Fatalf("pending = %d after finishing", n)
			}
			again, created := addIntake(t, s, "k", "", time.Time{})
			if created || again.DoneAt == nil {
				t.Fatalf("a replay of a finished request = %+v, created %v; want it finished, nothing stored", again, created)
			}
		}},
		{"a retried request is due again at its next attempt, not before", func(t *testing.T, s core.IntakeStore) {
			r, _ := addIntake(t, s, "k", "", time.Time{})
			now := time.Now().Add(time.Second)
			claimIntake(t, s, "w1", now, 10)
			if err := s.RetryIntake(t.Context(), r.ID, "w2", now, "x"); !core.IsCode(err, core.EConflict) {
				t.Fatalf("RetryIntake by another owner = %v, want conflict", err)
			}
			if err := s.RetryIntake(t.Context(), r.ID, "w1", now.Add(time.Minute), "database busy"); err != nil {
				t.Fatal(err)
			}
			if rs := claimIntake(t, s, "w2", now.Add(30*time.Second), 10); len(rs) != 0 {
				t.Fatalf("claimed before its next attempt: %+v", rs)
			}
			if rs := claimIntake(t, s, "w2", now.Add(2*time.Minute), 10); len(rs) != 1 || rs[0].Attempts != 2 {
				t.Fatalf("at its next attempt: claimed %+v", rs)
			}
		}},
		{"claims are oldest first, up to the limit, of the platforms asked for", func(t *testing.T, s core.IntakeStore) {
			var want []int64
			for _, k := range []string{"a", "b", "c"} {
				r, _ := addIntake(t, s, k, "", time.Time{})
				want = append(want, r.ID)
			}
			d, _, err := s.AddIntake(t.Context(), core.IntakeRequest{Key: "d", Platform: core.PlatformDiscord}, "", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().Add(time.Second)
			rs := claimIntake(t, s, "w1", now, 2, core.PlatformSlack)
			if len(rs) != 2 || rs[0].ID != want[0] || rs[1].ID != want[1] {
				t.Fatalf("claimed %+v; want %v first", rs, want[:2])
			}
			rs = claimIntake(t, s, "w1", now, 10, core.PlatformSlack)
			if len(rs) != 1 || rs[0].ID != want[2] {
				t.Fatalf("claimed %+v; want only %d (the Discord request waits for its platform)", rs, want[2])
			}
			if rs := claimIntake(t, s, "w1", now, 10, core.PlatformDiscord); len(rs) != 1 || rs[0].ID != d.ID {
				t.Fatalf("Discord claim = %+v", rs)
			}
		}},
		{"concurrent claimers never hold one request together", func(t *testing.T, s core.IntakeStore) {
			const n = 40
			for i := range n {
				addIntake(t, s, "k"+string(rune('A'+i)), "", time.Time{})
			}
			now := time.Now().Add(time.Second)
			var mu sync.Mutex
			seen := map[int64]int{}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for range 20 {
						rs, err := s.ClaimIntake(t.Context(), "w"+string(rune('0'+w)), now, time.Minute, 3)
						if err != nil {
							if core.IsCode(err, core.EUnavailable) {
								continue // SQLite busy: another claimer holds the write lock
							}
							t.Error(err)
							return
						}
						mu.Lock()
						for _, r := range rs {
							seen[r.ID]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			for id, c := range seen {
				if c != 1 {
					t.Errorf("request %d claimed %d times", id, c)
				}
			}
		}},
		{"concurrent requests, replays among them, are each stored once with their own id", func(t *testing.T, s core.IntakeStore) {
			const keys, copies = 30, 3
			type result struct {
				r       core.IntakeRequest
				created bool
			}
			var mu sync.Mutex
			got := map[string][]result{}
			var wg sync.WaitGroup
			for i := range keys * copies {
				wg.Go(func() {
					key := "k" + string(rune('A'+i%keys))
					owner := ""
					if i%keys%2 == 0 {
						owner = "acceptor" // its acceptor needs its id; a queued one's may be 0
					}
					r, created, err := s.AddIntake(t.Context(), core.IntakeRequest{Key: key, Platform: core.PlatformSlack, Payload: []byte(key)}, owner, time.Now().Add(-time.Minute))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got[key] = append(got[key], result{r, created})
					mu.Unlock()
				})
			}
			wg.Wait()
			ids := map[int64]string{}
			for key, rs := range got {
				created := 0
				for _, x := range rs {
					if x.created {
						created++
					}
					leased := (key[1]-'A')%2 == 0
					if (leased && x.r.ID == 0) || x.r.Key != key {
						t.Errorf("%s: stored as %+v", key, x.r)
					}
					if x.r.ID == 0 {
						continue
					}
					if k, ok := ids[x.r.ID]; ok && k != key {
						t.Errorf("id %d given to %s and %s", x.r.ID, k, key)
					}
					ids[x.r.ID] = key
				}
				if created != 1 {
					t.Errorf("%s created %d times, want once", key, created)
				}
			}
			rs := claimIntake(t, s, "w1", time.Now().Add(time.Second), 100)
			if len(rs) != keys {
				t.Fatalf("claimed %d requests, want %d", len(rs), keys)
			}
			for _, r := range rs {
				if k, ok := ids[r.ID]; (ok && k != r.Key) || string(r.Payload) != r.Key {
					t.Errorf("request %d: key %s payload %q; AddIntake gave that id to %s", r.ID, r.Key, r.Payload, ids[r.ID])
				}
			}
		}},
		{"purge deletes only requests finished before the cut-off", func(t *testing.T, s core.IntakeStore) {
			old, _ := addIntake(t, s, "old", "", time.Time{})
			addIntake(t, s, "open", "", time.Time{})
			now := time.Now().Add(time.Second)
			claimIntake(t, s, "w1", now, 1)
			if err := s.FinishIntake(t.Context(), old.ID, "w1", now); err != nil {
				t.Fatal(err)
			}
			n, err := s.PurgeIntake(t.Context(), now.Add(time.Minute), 10)
			if err != nil || n != 1 {
				t.Fatalf("PurgeIntake = %d, %v; want 1", n, err)
			}
			if p := pendingIntake(t, s); p != 1 {
				t.Fatalf("pending = %d after the purge; the unfinished request must stay", p)
			}
		}},
	}
}
