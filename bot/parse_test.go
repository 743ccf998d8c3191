package bot_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// syntax reads Slack-style tokens: <@U1|bob>, <#C1|help> and <!subteam^S1|@help>.
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

func (syntax) Group(tok string) (string, bool) {
	if !strings.HasPrefix(tok, "<!subteam^") || !strings.HasSuffix(tok, ">") {
		return "", false
	}
	id, _, _ := strings.Cut(tok[len("<!subteam^"):len(tok)-1], "|")
	return id, id != ""
}

func registry(t *testing.T) *bot.Registry {
	t.Helper()
	reg, err := bot.DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func cmd(name string, args bot.Args) bot.Command { return bot.Command{Name: name, Args: args} }

func TestParse(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		text    string
		want    bot.Command
		wantErr bool
	}{
		{text: "", want: cmd("open", bot.Args{})},
		{text: "   ", want: cmd("open", bot.Args{})},
		{text: "new", want: cmd("open", bot.Args{})},
		{text: "my VPN is down", want: cmd("open", bot.Args{"text": "my VPN is down"})},
		{text: "new VPN down\nsince this morning", want: cmd("open", bot.Args{"text": "VPN down\nsince this morning"})},
		{text: "List is empty in the app", wantErr: true},
		{text: "new List is empty in the app", want: cmd("open", bot.Args{"text": "List is empty in the app"})},
		{text: "help", want: cmd("help", bot.Args{})},
		{text: "Open Outlook crashes", want: cmd("open", bot.Args{"text": "Open Outlook crashes"})},
		{text: "list", want: cmd("list", bot.Args{})},
		{text: "list all mine", want: cmd("list", bot.Args{"status": "all", "mine": true})},
		{text: "list mine", want: cmd("list", bot.Args{"mine": true})},
		{text: "list in-progress", want: cmd("list", bot.Args{"status": core.StatusInProgress})},
		{text: "list bogus", wantErr: true},
		{text: "list open q printer jam", want: cmd("list", bot.Args{"status": core.StatusOpen, "query": "printer jam"})},
		{text: "list q Ärger", want: cmd("list", bot.Args{"query": "Ärger"})},
		{text: "list q", wantErr: true},
		{text: "show 12", want: cmd("show", bot.Args{"number": int64(12)})},
		{text: "show #12", want: cmd("show", bot.Args{"number": int64(12)})},
		{text: "show twelve", wantErr: true},
		{text: "show 0", wantErr: true},
		{text: "show", wantErr: true},
		{text: "status 3 waiting asked for logs", want: cmd("status", bot.Args{"number": int64(3), "status": core.StatusWaiting, "note": "asked for logs"})},
		{text: "status 3 done", wantErr: true},
		{text: "status 3", wantErr: true},
		{text: "close 4 duplicate of #3", want: cmd("close", bot.Args{"number": int64(4), "reason": "duplicate of #3"})},
		{text: "reopen 4", want: cmd("reopen", bot.Args{"number": int64(4)})},
		{text: "claim 5", want: cmd("claim", bot.Args{"number": int64(5)})},
		{text: "claim 5 now", wantErr: true},
		{text: "assign 6 <@U42|bob>", want: cmd("assign", bot.Args{"number": int64(6), "user": core.UserRef{ID: "U42", Name: "bob"}})},
		{text: "assign 6 bob", wantErr: true},
		{text: "reply 7 have you tried turning it off\nand on", want: cmd("reply", bot.Args{"number": int64(7), "text": "have you tried turning it off\nand on"})},
		{text: "reply 7", want: cmd("reply", bot.Args{"number": int64(7)})}, // Run asks for the text
		{text: "reply 7 !vpn", want: cmd("reply", bot.Args{"number": int64(7), "text": "!vpn"})},
		{text: "note 7 VIP customer", want: cmd("note", bot.Args{"number": int64(7), "text": "VIP customer"})},
		{text: "setup", want: cmd("setup", bot.Args{})},
		{text: "setup <#C9|helpdesk>", want: cmd("setup", bot.Args{"triage": "C9"})},
		{text: "setup helpdesk", wantErr: true},
		{text: "setup staff <!subteam^S1|@help>", want: cmd("setup", bot.Args{"staff": "S1"})},
		{text: "setup requests <#C5|it-help> auto", want: cmd("setup", bot.Args{"requests": "C5", "auto": true})},
		{text: "setup requests <#C5|it-help>", want: cmd("setup", bot.Args{"requests": "C5"})},
		{text: "setup requests <#C5|it-help> off", want: cmd("setup", bot.Args{"requests": "C5", "off": true})},
		{text: "setup replies NOTES", want: cmd("setup", bot.Args{"replies": "notes"})},
		{text: "setup replies some", wantErr: true},
		{text: "panel", want: cmd("open", bot.Args{"text": "panel"})}, // panel exists only as an option command
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := reg.Parse(tt.text, syntax{})
			if tt.wantErr {
				if !core.IsCode(err, core.EInvalid) || !strings.Contains(err.Error(), "usage: /ticket") {
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
}

func TestSplitText(t *testing.T) {
	long := strings.Repeat("word ", 40) // 200 characters
	title, desc := bot.SplitText(long)
	if n := len([]rune(title)); n > core.MaxTitleRunes || !strings.HasSuffix(title, "…") {
		t.Fatalf("title %q (%d runes)", title, n)
	}
	if desc != strings.TrimSpace(long) {
		t.Fatalf("a cut first line must be kept whole in the description: %q", desc)
	}
	if title, desc := bot.SplitText("VPN down\nsince 9\n"); title != "VPN down" || desc != "since 9" {
		t.Fatalf("split = %q, %q", title, desc)
	}
}

func TestDecodeOptions(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		name    string
		sub     string
		opts    []bot.Option
		want    bot.Args
		wantErr string
	}{
		{"a number arrives as a float", "show", []bot.Option{{Name: "number", Value: 12.0}}, bot.Args{"number": int64(12)}, ""},
		{"autocomplete sends what was typed", "show", []bot.Option{{Name: "number", Value: "#12"}}, bot.Args{"number": int64(12)}, ""},
		{"a fraction is no ticket number", "show", []bot.Option{{Name: "number", Value: 1.5}}, nil, "ticket's number"},
		{"a missing required option is named", "status", []bot.Option{{Name: "status", Value: "waiting"}}, nil, "ticket's number"},
		{"a status is parsed", "status", []bot.Option{{Name: "number", Value: 3.0}, {Name: "status", Value: "in_progress"}}, bot.Args{"number": int64(3), "status": core.StatusInProgress}, ""},
		{"an unknown status is refused", "status", []bot.Option{{Name: "number", Value: 3.0}, {Name: "status", Value: "done"}}, nil, "unknown status"},
		{"a user arrives resolved", "assign", []bot.Option{{Name: "number", Value: 3.0}, {Name: "user", Value: core.UserRef{ID: "42", Name: "bob"}}}, bot.Args{"number": int64(3), "user": core.UserRef{ID: "42", Name: "bob"}}, ""},
		{"setup options use their schema names", "setup", []bot.Option{{Name: "channel", Value: "100"}, {Name: "staff_role", Value: "200"}, {Name: "staff_channel", Value: "300"}}, bot.Args{"support": "100", "staff": "200", "triage": "300"}, ""},
		{"a text-only argument is no option", "setup", []bot.Option{{Name: "replies", Value: "notes"}}, nil, "unknown option"},
		{"open takes title, description and priority", "open", []bot.Option{{Name: "title", Value: "VPN"}, {Name: "priority", Value: "high"}}, bot.Args{"title": "VPN", "priority": core.PriorityHigh}, ""},
		{"a too long title is refused", "open", []bot.Option{{Name: "title", Value: strings.Repeat("x", core.MaxTitleRunes+1)}}, nil, "limit is"},
		{"a wrongly typed value is refused", "list", []bot.Option{{Name: "mine", Value: "yes"}}, nil, "wrong kind"},
		{"an empty string is no value", "list", []bot.Option{{Name: "status", Value: ""}}, bot.Args{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reg.DecodeOptions(tt.sub, tt.opts)
			if tt.wantErr != "" {
				if !core.IsCode(err, core.EInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an invalid error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got.Args, tt.want) || got.Name != tt.sub {
				t.Fatalf("got %+v, %v; want args %+v", got, err, tt.want)
			}
		})
	}
	if _, err := reg.DecodeOptions("nope", nil); !core.IsCode(err, core.EInvalid) {
		t.Fatalf("unknown subcommand: %v", err)
	}
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

func TestRegistryRejectsBadDeclarations(t *testing.T) {
	run := registry(t).All()[0].Run
	tests := []struct {
		name string
		subs []bot.Subcommand
		want string
	}{
		{"no Run", []bot.Subcommand{{Name: "x"}}, "needs a name and a Run"},
		{"a duplicate name", []bot.Subcommand{{Name: "x", Run: run}, {Name: "x", Run: run}}, "duplicate"},
		{"two subcommands typed alike", []bot.Subcommand{{Name: "x", Word: "y", Run: run}, {Name: "y", Run: run}}, "both typed"},
		{"two fallbacks", []bot.Subcommand{{Name: "x", Fallback: true, Run: run}, {Name: "y", Fallback: true, Run: run}}, "both the fallback"},
		{"an argument after free text", []bot.Subcommand{{Name: "x", Run: run, Args: []bot.Arg{{Name: "t", Type: bot.ArgText}, {Name: "n", Type: bot.ArgTicket}}}}, "after free text"},
		{"an argument declared twice", []bot.Subcommand{{Name: "x", Run: run, Args: []bot.Arg{{Name: "n", Type: bot.ArgTicket}, {Name: "n", Type: bot.ArgTicket}}}}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := bot.NewRegistry(tt.subs...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestHelpListsWhatTheCallerMayRunOnTheirSurface(t *testing.T) {
	reg := registry(t)
	slack := bot.Request{Surface: bot.SurfaceText}
	discord := bot.Request{Surface: bot.SurfaceOptions, Words: bot.Words{Command: func(n string, g bot.Group) string {
		if g == bot.GroupAdmin {
			return "/ticket-admin " + n
		}
		return "/ticket " + n
	}}}
	count := func(surface bot.Surface, role core.Role) int {
		n := 0
		for _, s := range reg.All() {
			if s.On(surface) && role.AtLeast(s.MinRole) {
				n++
			}
		}
		return n
	}
	for _, tt := range []struct {
		name string
		req  bot.Request
		role core.Role
		has  []string
		not  []string
	}{
		{"text, requester", slack, core.RoleRequester, []string{"/ticket new [TEXT] — ", "/ticket status N STATUS [note] — "}, []string{"/ticket claim", "/ticket setup", "panel"}},
		{"text, admin", slack, core.RoleAdmin, []string{"/ticket setup [#channel] [staff @group] [requests #channel] [auto] [off] [replies all|notes] — ", "/ticket note N TEXT — "}, []string{"panel"}},
		{"options, admin", discord, core.RoleAdmin, []string{"/ticket-admin setup [channel:] [staff_channel:] [staff_role:] [transcript_channel:] — ", "/ticket-admin panel [channel:] [per_category:] — post an \"Open a ticket\" button, or one per category", "/ticket open [title:] [description:] [priority:] [category:] — ", "/ticket help — "}, []string{"replies"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			help := reg.Help(tt.req, tt.role)
			lines := strings.Split(help, "\n")[1:]
			if len(lines) != count(tt.req.Surface, tt.role) {
				t.Fatalf("help has %d lines, want %d:\n%s", len(lines), count(tt.req.Surface, tt.role), help)
			}
			for _, h := range tt.has {
				if !strings.Contains(help, h) {
					t.Errorf("help lacks %q:\n%s", h, help)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(help, n) {
					t.Errorf("help has %q:\n%s", n, help)
				}
			}
		})
	}
}
