package coretest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

func nameStore(t *testing.T, s core.Store) core.NameStore {
	t.Helper()
	ns, ok := s.(core.NameStore)
	if !ok {
		t.Fatalf("%T does not keep names (core.NameStore)", s)
	}
	return ns
}

func identityLinkStore(t *testing.T, s core.Store) core.IdentityLinkStore {
	t.Helper()
	ls, ok := s.(core.IdentityLinkStore)
	if !ok {
		t.Fatalf("%T does not keep identity links (core.IdentityLinkStore)", s)
	}
	return ls
}

func nameTests() []storeTest {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return []storeTest{
		{"settings names come back for the workspaces asked, past one chunk of variables", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			sn, ok := s.(core.SettingNamesStore)
			if !ok {
				t.Fatalf("%T reads no settings names (core.SettingNamesStore)", s)
			}
			var asked []core.Workspace
			want := map[core.Workspace]string{}
			for i := range 1200 {
				ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: fmt.Sprintf("TN%04d", i)}
				asked = append(asked, ws)
				st := core.Settings{Workspace: ws, TriageChannel: "C1"}
				if i%3 != 0 { // every third has no name of its own
					st.Name = fmt.Sprintf("Team %d", i)
					want[ws] = st.Name
				}
				if i%2 == 0 || i == 1199 {
					if err := s.SaveSettings(ctx, st, staff); err != nil {
						t.Fatal(err)
					}
				} else {
					delete(want, ws) // never saved: no settings at all
				}
			}
			unasked := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "99"}
			if err := s.SaveSettings(ctx, core.Settings{Workspace: unasked, SupportChannel: "1", Name: "not asked"}, staff); err != nil {
				t.Fatal(err)
			}
			got, err := sn.SettingNames(ctx, asked)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("SettingNames: %d names, %v; want %d", len(got), err, len(want))
			}
			if got, err := sn.SettingNames(ctx, nil); err != nil || len(got) != 0 {
				t.Errorf("SettingNames(nil) = %v, %v", got, err)
			}
		}},
		{"a list, count and search of several assignees finds the tickets of each", func(t *testing.T, s core.Store) {
			ctx := t.Context()
			web := core.UserRef{ID: "web:sam", Name: "sam"}
			mkTicket(t, s, wsA, "printer one", func(tk *core.Ticket) { tk.Assignee = staff })                               // 1
			mkTicket(t, s, wsA, "printer two", func(tk *core.Ticket) { tk.Assignee = web; tk.Status = core.StatusWaiting }) // 2
			mkTicket(t, s, wsA, "printer three", func(tk *core.Ticket) { tk.Assignee = bob })                               // 3
			mkTicket(t, s, wsA, "printer four")                                                                             // 4
			f := core.ListFilter{Workspace: wsA, Assignee: staff.ID, Assignees: []string{web.ID}}
			for _, sort := range core.ListSorts() {
				f.Sort = sort
				want := []int64{2, 1}
				if sort == core.SortDue {
					want = []int64{1, 2} // no due times: the oldest first
				}
				got, err := s.ListTickets(ctx, f)
				if err != nil || !slices.Equal(numbers(got), want) {
					t.Errorf("sorted by %s: %v, %v; want %v", sort, numbers(got), err, want)
				}
			}
			f.Sort, f.Query = core.SortCreated, "printer"
			if got, err := s.ListTickets(ctx, f); err != nil || len(got) != 2 {
				t.Errorf("search: %v, %v; want 2 tickets", numbers(got), err)
			}
			f.Query = ""
			c, err := s.CountTickets(ctx, f)
			if err != nil || c[core.StatusOpen] != 1 || c[core.StatusWaiting] != 1 || c.Total() != 2 {
				t.Errorf("counts = %v, %v", c, err)
			}
		}},
		{"names are kept per workspace and person, replaced, and read in one call", func(t *testing.T, s core.Store) {
			ns, ctx := nameStore(t, s), t.Context()
			recs := []core.NameRecord{
				{Key: core.WorkspaceKey(wsA), Name: "Acme", Fetched: true, UpdatedAt: now},
				{Key: core.PersonKey(wsA, "U1"), Name: "ada", UpdatedAt: now},
				{Key: core.PersonKey(wsD, "80351110224678912"), Name: "Grace ☕", Fetched: true, UpdatedAt: now},
			}
			for _, r := range recs {
				if err := ns.SaveName(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			later := now.Add(time.Hour)
			if err := ns.SaveName(ctx, core.NameRecord{Key: core.PersonKey(wsA, "U1"), Name: "Ada Lovelace", Fetched: true, UpdatedAt: later}); err != nil {
				t.Fatal(err)
			}
			got, err := ns.Names(ctx, []core.NameKey{core.WorkspaceKey(wsA), core.PersonKey(wsA, "U1"), core.PersonKey(wsA, "U404"),
				core.PersonKey(wsD, "80351110224678912"), core.PersonKey(wsB, "U1")})
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[core.NameKey]core.NameRecord{}
			for _, r := range got {
				byKey[r.Key] = r
			}
			want := map[core.NameKey]core.NameRecord{
				core.WorkspaceKey(wsA):                   recs[0],
				core.PersonKey(wsA, "U1"):                {Key: core.PersonKey(wsA, "U1"), Name: "Ada Lovelace", Fetched: true, UpdatedAt: later},
				core.PersonKey(wsD, "80351110224678912"): recs[2],
			}
			if len(byKey) != len(want) {
				t.Fatalf("Names = %+v, want %+v", byKey, want)
			}
			for k, w := range want {
				g := byKey[k]
				if g.Name != w.Name || g.Fetched != w.Fetched || !g.UpdatedAt.Equal(w.UpdatedAt) {
					t.Errorf("%v = %+v, want %+v", k, g, w)
				}
			}
		}},
		{"an identity is linked to one account, listed, found and unlinked", func(t *testing.T, s core.Store) {
			ls, ctx := identityLinkStore(t, s), t.Context()
			slack := core.IdentityLink{Account: "alice", Platform: core.PlatformSlack, User: core.UserRef{ID: "U1", Name: "Alice"}, Workspace: wsA, CreatedAt: now}
			disc := core.IdentityLink{Account: "alice", Platform: core.PlatformDiscord, User: core.UserRef{ID: "8035", Name: "al"}, Workspace: wsD, CreatedAt: now}
			for _, l := range []core.IdentityLink{slack, disc, slack} {
				if err := ls.SaveIdentityLink(ctx, l); err != nil {
					t.Fatalf("SaveIdentityLink(%+v) = %v", l, err)
				}
			}
			other := slack
			other.Account = "bob"
			if err := ls.SaveIdentityLink(ctx, other); !core.IsCode(err, core.EConflict) {
				t.Fatalf("linking alice's Slack identity to bob: %v, want conflict", err)
			}
			got, err := ls.IdentityLinks(ctx, "alice")
			if err != nil || len(got) != 2 || got[0].User != slack.User || got[1].User != disc.User || got[0].Workspace != wsA || !got[0].CreatedAt.Equal(now) {
				t.Fatalf("Links = %+v, %v", got, err)
			}
			if l, err := ls.IdentityLinkOf(ctx, core.PlatformDiscord, "8035"); err != nil || !reflect.DeepEqual(l, disc) {
				t.Fatalf("IdentityLinkOf = %+v, %v; want %+v", l, err, disc)
			}
			if _, err := ls.IdentityLinkOf(ctx, core.PlatformSlack, "8035"); !core.IsCode(err, core.ENotFound) {
				t.Fatalf("IdentityLinkOf another platform: %v, want not_found", err)
			}
			if err := ls.DeleteIdentityLink(ctx, "alice", core.PlatformSlack, "U1"); err != nil {
				t.Fatal(err)
			}
			if got, _ := ls.IdentityLinks(ctx, "alice"); len(got) != 1 {
				t.Fatalf("after unlink: %+v", got)
			}
		}},
		{"an identity session keeps its chosen workspace and re-checked roles", func(t *testing.T, s core.Store) {
			is, ctx := identityStore(t, s), t.Context()
			ident := core.Identity{Platform: core.PlatformDiscord, User: core.UserRef{ID: "8035", Name: "al"},
				Memberships: []core.Membership{{Workspace: wsD, Role: core.RoleStaff}}}
			sess := core.IdentitySession{Hash: tokenHash("id-ws"), Identity: ident, CSRF: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now}
			if err := is.CreateIdentitySession(ctx, &sess); err != nil {
				t.Fatal(err)
			}
			if got, _ := is.IdentitySessionByHash(ctx, sess.Hash); !got.Workspace.IsZero() || !got.RolesCheckedAt.IsZero() {
				t.Fatalf("new session: workspace %v, checked %v; want none", got.Workspace, got.RolesCheckedAt)
			}
			if err := is.SetIdentityWorkspace(ctx, sess.ID, wsD); err != nil {
				t.Fatal(err)
			}
			ms := []core.Membership{{Workspace: wsD, Role: core.RoleRequester}}
			at := now.Add(10 * time.Minute)
			if err := is.SetIdentityRoles(ctx, sess.ID, ms, at); err != nil {
				t.Fatal(err)
			}
			got, err := is.IdentitySessionByHash(ctx, sess.Hash)
			if err != nil || got.Workspace != wsD || !got.RolesCheckedAt.Equal(at) || !reflect.DeepEqual(got.Identity.Memberships, ms) {
				t.Fatalf("session = %+v, %v", got, err)
			}
		}},
	}
}
