package coretest

import (
	"sync"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// linkStore returns s as a LinkStore or skips t.
func linkStore(t *testing.T, s core.Store) core.LinkStore {
	t.Helper()
	ls, ok := s.(core.LinkStore)
	if !ok {
		t.Skip("not a LinkStore")
	}
	return ls
}

// saveCode stores code for wsD (Discord), valid until exp.
func saveCode(t *testing.T, ls core.LinkStore, code string, exp time.Time) {
	t.Helper()
	err := ls.SaveLinkCode(t.Context(), core.LinkCode{Hash: core.HashLinkCode(code), Workspace: wsD, Name: "Gophers",
		By: bob, CreatedAt: exp.Add(-core.LinkCodeTTL), ExpiresAt: exp})
	if err != nil {
		t.Fatalf("SaveLinkCode: %v", err)
	}
}

func slackSide(ws core.Workspace) core.Link {
	return core.Link{StaffWorkspace: ws, StaffChannel: "CTRIAGE", By: staff, CreatedAt: time.Now()}
}

func linkTests() []storeTest {
	return []storeTest{
		{"UseLinkCode links once; a used, expired or unknown code changes nothing", func(t *testing.T, s core.Store) {
			ls := linkStore(t, s)
			ctx := t.Context()
			now := time.Now().UTC()
			saveCode(t, ls, "AAAA-BBBB-CCCC", now.Add(core.LinkCodeTTL))
			saveCode(t, ls, "OLD0-OLD0-OLD0", now.Add(-time.Second))
			_, err := ls.UseLinkCode(ctx, core.HashLinkCode("OLD0-OLD0-OLD0"), now, slackSide(wsA))
			mustCode(t, err, core.ENotFound)
			_, err = ls.UseLinkCode(ctx, core.HashLinkCode("NOPE-NOPE-NOPE"), now, slackSide(wsA))
			mustCode(t, err, core.ENotFound)
			_, err = ls.LinkOf(ctx, wsD)
			mustCode(t, err, core.ENotFound)

			l, err := ls.UseLinkCode(ctx, core.HashLinkCode("aaaa bbbb cccc"), now, slackSide(wsA))
			if err != nil {
				t.Fatalf("UseLinkCode: %v", err)
			}
			if l.Workspace != wsD || l.StaffWorkspace != wsA || l.StaffChannel != "CTRIAGE" || l.Name != "Gophers" {
				t.Fatalf("link = %+v", l)
			}
			for _, ws := range []core.Workspace{wsD, wsA} {
				got, err := ls.LinkOf(ctx, ws)
				if err != nil || got.Workspace != wsD || got.StaffWorkspace != wsA {
					t.Fatalf("LinkOf(%s) = %+v, %v", ws, got, err)
				}
			}
			_, err = ls.LinkOf(ctx, wsB)
			mustCode(t, err, core.ENotFound)
			_, err = ls.UseLinkCode(ctx, core.HashLinkCode("AAAA-BBBB-CCCC"), now, slackSide(wsB))
			mustCode(t, err, core.ENotFound)
			if got, _ := ls.LinkOf(ctx, wsD); got.StaffWorkspace != wsA {
				t.Fatalf("a used code changed the link: %+v", got)
			}
		}},
		{"UseLinkCode refuses a second link and keeps the code for later", func(t *testing.T, s core.Store) {
			ls := linkStore(t, s)
			ctx := t.Context()
			now := time.Now().UTC()
			saveCode(t, ls, "ONE1-ONE1-ONE1", now.Add(time.Minute))
			if _, err := ls.UseLinkCode(ctx, core.HashLinkCode("ONE1-ONE1-ONE1"), now, slackSide(wsA)); err != nil {
				t.Fatal(err)
			}
			saveCode(t, ls, "TWO2-TWO2-TWO2", now.Add(time.Minute))
			_, err := ls.UseLinkCode(ctx, core.HashLinkCode("TWO2-TWO2-TWO2"), now, slackSide(wsB))
			mustCode(t, err, core.EConflict)
			if _, err := ls.DeleteLink(ctx, wsA, staff, now); err != nil {
				t.Fatalf("DeleteLink from the staff side: %v", err)
			}
			_, err = ls.DeleteLink(ctx, wsD, bob, now)
			mustCode(t, err, core.ENotFound)
			l, err := ls.UseLinkCode(ctx, core.HashLinkCode("TWO2-TWO2-TWO2"), now, slackSide(wsB))
			if err != nil || l.StaffWorkspace != wsB {
				t.Fatalf("the refused code did not work later: %+v, %v", l, err)
			}
			h, err := ls.LinkHistory(ctx, wsD, 10)
			if err != nil || len(h) != 3 {
				t.Fatalf("LinkHistory = %+v, %v; want 3 entries", h, err)
			}
			if h[0].Action != core.LinkLinked || h[0].Link.StaffWorkspace != wsB || h[1].Action != core.LinkUnlinked ||
				h[1].By != staff || h[2].Action != core.LinkLinked || h[2].Link.StaffWorkspace != wsA {
				t.Fatalf("LinkHistory (newest first) = %+v", h)
			}
			if h, _ := ls.LinkHistory(ctx, wsA, 10); len(h) != 2 {
				t.Fatalf("wsA's history = %+v, want its link and unlink", h)
			}
		}},
		{"UseLinkCode refuses linking two workspaces of one platform", func(t *testing.T, s core.Store) {
			ls := linkStore(t, s)
			now := time.Now().UTC()
			saveCode(t, ls, "SAME-SAME-SAME", now.Add(time.Minute))
			_, err := ls.UseLinkCode(t.Context(), core.HashLinkCode("SAME-SAME-SAME"), now,
				slackSide(core.Workspace{Platform: core.PlatformDiscord, ExternalID: "42"}))
			mustCode(t, err, core.EInvalid)
		}},
		{"UseLinkCode works once when many callers race with one code", func(t *testing.T, s core.Store) {
			ls := linkStore(t, s)
			now := time.Now().UTC()
			saveCode(t, ls, "RACE-RACE-RACE", now.Add(time.Minute))
			const n = 8
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: "TR" + string(rune('A'+i))}
					_, errs[i] = ls.UseLinkCode(t.Context(), core.HashLinkCode("RACE-RACE-RACE"), now, slackSide(ws))
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case core.IsCode(err, core.ENotFound), core.IsCode(err, core.EConflict), core.IsCode(err, core.EUnavailable):
				default:
					t.Errorf("UseLinkCode: %v", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d callers linked with one code, want 1 (%v)", ok, errs)
			}
		}},
		{"a linked workspace's ticket events go to the staffing platform too, until unlinked", func(t *testing.T, s core.Store) {
			ls := linkStore(t, s)
			ctx := t.Context()
			now := time.Now().UTC()
			saveCode(t, ls, "FANS-FANS-FANS", now.Add(time.Minute))
			if _, err := ls.UseLinkCode(ctx, core.HashLinkCode("FANS-FANS-FANS"), now, slackSide(wsA)); err != nil {
				t.Fatal(err)
			}
			tk := mkTicket(t, s, wsD, "linked")
			changeStatus(t, s, tk.ID, core.StatusWaiting)
			other := mkTicket(t, s, wsB, "not linked")
			var got []string
			for _, e := range drain(t, s) {
				if e.TicketID == tk.ID || e.TicketID == other.ID {
					got = append(got, string(e.Kind)+"@"+string(e.Target())+"#"+e.Workspace.ExternalID)
				}
			}
			want := map[string]int{
				"ticket.opened@discord#" + wsD.ExternalID: 1, "ticket.opened@slack#" + wsD.ExternalID: 1,
				"ticket.changed@discord#" + wsD.ExternalID: 1, "ticket.changed@slack#" + wsD.ExternalID: 1,
				"ticket.opened@slack#" + wsB.ExternalID: 1,
			}
			counts := map[string]int{}
			for _, g := range got {
				counts[g]++
			}
			if len(counts) != len(want) {
				t.Fatalf("events = %v, want %v", got, want)
			}
			for k, n := range want {
				if counts[k] != n {
					t.Fatalf("events = %v, want %v", got, want)
				}
			}
			if _, err := ls.DeleteLink(ctx, wsD, bob, now); err != nil {
				t.Fatal(err)
			}
			changeStatus(t, s, tk.ID, core.StatusOpen)
			for _, e := range drain(t, s) {
				if e.Target() == core.PlatformSlack && e.TicketID == tk.ID {
					t.Fatalf("an event for the unlinked platform was written: %+v", e)
				}
			}
		}},
	}
}
