package core_test

import (
	"context"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                      "plain",
		"  two\nlines\tand tab  ":    "two\nlines\tand tab",
		"bell\a and esc\x1b[31m red": "bell and esc[31m red",
		"crlf\r\nline":               "crlf\nline",
		"del\x7f c1\u0085\u009b":     "del c1",
		"trojan \u202eevil\u202c":    "trojan evil",
		"isolate \u2066x\u2069":      "isolate x",
		"bad utf8 \xff":              "bad utf8 \uFFFD",
		"emoji 🎫 and accents é ok":   "emoji 🎫 and accents é ok",
		"\x00\x01\x02":               "",
	} {
		if got := core.CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServiceCleansText: every input path of the Service stores cleaned text.
func TestServiceCleansText(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := context.Background()
		rep := actor(wsA, "U1", core.RoleRequester)
		staff := actor(wsA, "U2", core.RoleStaff)
		tk, err := svc.OpenTicket(ctx, rep, core.OpenInput{Title: "hi\u202e\x1b there", Description: "d\x00esc\u0085"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Title != "hi there" || tk.Description != "desc" {
			t.Errorf("ticket %q / %q", tk.Title, tk.Description)
		}
		m, _, err := svc.AddMessage(ctx, rep, tk.ID, core.MessageInput{ExternalID: "m1", Content: "a\x07b\u2066c", Source: "web", Deliver: true})
		if err != nil || m.Content != "abc" {
			t.Errorf("message %q %v", m.Content, err)
		}
		tk, err = svc.SetStatus(ctx, staff, tk.ID, core.StatusWaiting, "why\x1b[2J")
		if err != nil || tk.StatusNote != "why[2J" {
			t.Errorf("note %q %v", tk.StatusNote, err)
		}
		_, _, err = svc.AddMessage(ctx, rep, tk.ID, core.MessageInput{ExternalID: "m2", Content: "\x01\x02", Source: "web", Deliver: true})
		wantCode(t, err, core.EInvalid)
	})
}
