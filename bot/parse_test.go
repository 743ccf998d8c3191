package bot_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// syntax reads Slack-style tokens: <@U1|bob> and <#C1|help>.
type syntax struct{}

func (syntax) User(tok string) (core.UserRef, bool) {
	if !strings.HasPrefix(tok, "<@") || !strings.HasSuffix(tok, ">") {
		return core.UserRef{}, false
	}
	id, name, _ := strings.Cut(tok[2:len(tok)-1], "|")
	return core.UserRef{ID: id, Name: name}, id != ""
}

func (syntax) Channel(tok string) (string, bool) {
	if !strings.HasPrefix(tok, "<#") || !strings.HasSuffix(tok, ">") {
		return "", false
	}
	id, _, _ := strings.Cut(tok[2:len(tok)-1], "|")
	return id, id != ""
}

func TestParse(t *testing.T) {
	long := strings.Repeat("word ", 40) // 200 characters
	tests := []struct {
		text    string
		want    bot.Command
		wantErr bool
	}{
		{text: "", want: bot.Command{Name: "open"}},
		{text: "   ", want: bot.Command{Name: "open"}},
		{text: "new", want: bot.Command{Name: "open"}},
		{text: "my VPN is down", want: bot.Command{Name: "open", Title: "my VPN is down"}},
		{text: "new VPN down\nsince this morning\nplease help", want: bot.Command{Name: "open", Title: "VPN down", Description: "since this morning\nplease help"}},
		{text: "List is empty in the app", wantErr: true},
		{text: "new List is empty in the app", want: bot.Command{Name: "open", Title: "List is empty in the app"}},
		{text: "help", want: bot.Command{Name: "help"}},
		{text: "Open Outlook crashes", want: bot.Command{Name: "open", Title: "Open Outlook crashes"}},
		{text: "? printer broken", want: bot.Command{Name: "open", Title: "? printer broken"}},
		{text: "list", want: bot.Command{Name: "list"}},
		{text: "list all mine", want: bot.Command{Name: "list", ListStatus: "all", Mine: true}},
		{text: "list in-progress", want: bot.Command{Name: "list", ListStatus: "in_progress"}},
		{text: "list bogus", wantErr: true},
		{text: "show 12", want: bot.Command{Name: "show", Number: 12}},
		{text: "show #12", want: bot.Command{Name: "show", Number: 12}},
		{text: "show twelve", wantErr: true},
		{text: "show 0", wantErr: true},
		{text: "show", wantErr: true},
		{text: "status 3 waiting asked for logs", want: bot.Command{Name: "status", Number: 3, Status: core.StatusWaiting, Note: "asked for logs"}},
		{text: "status 3 done", wantErr: true},
		{text: "status 3", wantErr: true},
		{text: "close 4 duplicate of #3", want: bot.Command{Name: "close", Number: 4, Note: "duplicate of #3"}},
		{text: "reopen 4", want: bot.Command{Name: "reopen", Number: 4}},
		{text: "claim 5", want: bot.Command{Name: "claim", Number: 5}},
		{text: "claim 5 now", wantErr: true},
		{text: "assign 6 <@U42|bob>", want: bot.Command{Name: "assign", Number: 6, User: core.UserRef{ID: "U42", Name: "bob"}}},
		{text: "assign 6 bob", wantErr: true},
		{text: "setup <#C9|helpdesk>", want: bot.Command{Name: "setup", Channel: "C9"}},
		{text: "setup helpdesk", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := bot.Parse(tt.text, syntax{})
			if tt.wantErr {
				if !core.IsCode(err, core.EInvalid) || !strings.Contains(err.Error(), "usage") {
					t.Fatalf("want a usage error, got %+v, %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("a long first line is cut to a title and kept whole in the description", func(t *testing.T) {
		got, err := bot.Parse(long, syntax{})
		if err != nil {
			t.Fatal(err)
		}
		if n := len([]rune(got.Title)); n > core.MaxTitleRunes || !strings.HasSuffix(got.Title, "…") {
			t.Fatalf("title %q (%d runes)", got.Title, n)
		}
		if got.Description != strings.TrimSpace(long) {
			t.Fatalf("description %q", got.Description)
		}
	})
}

func TestActionRoundTrip(t *testing.T) {
	for _, verb := range []string{"claim", "close", "reopen", "status"} {
		a := bot.Action{Verb: verb, TicketID: 42}
		got, err := bot.ParseAction(a.String())
		if err != nil || got != a {
			t.Fatalf("%s: %+v %v", verb, got, err)
		}
	}
	for _, bad := range []string{"", "tb:claim", "tb:explode:1", "tb:claim:-1", "xx:claim:1", "tb:claim:1:2"} {
		if _, err := bot.ParseAction(bad); !core.IsCode(err, core.EInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestRegistryRejectsDuplicates(t *testing.T) {
	sub := bot.Subcommand{Name: "x", Run: nil}
	if _, err := bot.NewRegistry(sub); err == nil {
		t.Fatal("a subcommand without Run must be rejected")
	}
	reg, err := bot.DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	all := reg.All()
	if _, err := bot.NewRegistry(append(all, all[0])...); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("duplicate accepted: %v", err)
	}
}

func TestHelpListsExactlyTheRegistry(t *testing.T) {
	reg, err := bot.DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	help := bot.Help(reg)
	lines := strings.Split(help, "\n")[1:]
	if len(lines) != len(reg.All()) {
		t.Fatalf("help has %d command lines, registry %d:\n%s", len(lines), len(reg.All()), help)
	}
	for i, s := range reg.All() {
		if !strings.HasPrefix(lines[i], "/ticket "+s.Usage+" — ") {
			t.Errorf("line %d = %q, want usage of %s", i, lines[i], s.Name)
		}
	}
}
