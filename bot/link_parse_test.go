package bot_test

import (
	"reflect"
	"testing"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/core"
)

// The link subcommands are typed in two words under setup, and a linked ticket is referred
// to by its platform's letter and number.
func TestParseLinkCommandsAndReferences(t *testing.T) {
	reg := registry(t)
	for _, tc := range []struct {
		text    string
		want    bot.Command
		wantErr bool
	}{
		{text: "setup link ABCD-EFGH-JKLM", want: cmd("link", bot.Args{"code": "ABCD-EFGH-JKLM"})},
		{text: "SETUP LINK abcd", want: cmd("link", bot.Args{"code": "abcd"})},
		{text: "setup link", wantErr: true},
		{text: "setup unlink", want: cmd("unlink", bot.Args{})},
		{text: "setup <#C1|triage>", want: cmd("setup", bot.Args{"triage": "C1"})},
		{text: "setup", want: cmd("setup", bot.Args{})},
		{text: "status d12 waiting", want: cmd("status", bot.Args{"number": bot.TicketRef{Prefix: "d", Number: 12}, "status": core.StatusWaiting})},
		{text: "close D3 done", want: cmd("close", bot.Args{"number": bot.TicketRef{Prefix: "d", Number: 3}, "reason": "done"})},
		{text: "status #12 waiting", want: cmd("status", bot.Args{"number": int64(12), "status": core.StatusWaiting})},
		{text: "status d-1 waiting", wantErr: true},
		{text: "status d waiting", wantErr: true},
	} {
		got, err := reg.Parse(tc.text, syntax{})
		if tc.wantErr {
			if err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", tc.text, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
	}
	if n := (bot.Args{"number": bot.TicketRef{Prefix: "d", Number: 7}}).Int("number"); n != 7 {
		t.Errorf("Int of a reference = %d, want 7", n)
	}
}

func TestRefOf(t *testing.T) {
	tk := core.Ticket{Number: 12, Workspace: core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1"}}
	if got := bot.RefOf(tk, tk.Workspace); got != "#12" {
		t.Errorf("in its own workspace: %q", got)
	}
	if got := bot.RefOf(tk, core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}); got != "d12" {
		t.Errorf("from the staffing workspace: %q", got)
	}
	ref, ok := bot.ParseTicketRef(bot.RefOf(tk, core.Workspace{Platform: core.PlatformSlack, ExternalID: "T1"}))
	if !ok || ref.Number != 12 {
		t.Errorf("a reference does not read back: %+v %v", ref, ok)
	}
}
