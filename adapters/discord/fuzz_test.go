package discord

// Fuzz tests for what reaches POST /discord/interactions — the Ed25519 signature check and
// the decoding of the interaction — and for the escaping of user text that goes back out.
// Internal tests: the parsers are unexported.

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/core/coretest"
)

// FuzzVerify: a request passes exactly when its Ed25519 signature over timestamp+body is the
// application key's and its timestamp is within five minutes; a changed body, another key's
// signature or any other signature header is refused.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"type":1}`), "", int64(0), "00")
	f.Add([]byte(`{"type":2,"id":"1","token":"t","data":{"name":"ticket"}}`), "1700000000", int64(0), "")
	f.Add([]byte(""), "", int64(301), "zz")
	f.Add([]byte("x"), "+1700000000", int64(-299), strings.Repeat("ab", 64))
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	otherPriv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	now := time.Unix(1_700_000_000, 0)
	a := &Adapter{pub: priv.Public().(ed25519.PublicKey), clock: coretest.NewFakeClock(now)}
	request := func(ts, sig string, body []byte) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
		r.Header.Set("X-Signature-Timestamp", ts)
		r.Header.Set("X-Signature-Ed25519", sig)
		return r
	}
	f.Fuzz(func(t *testing.T, body []byte, tsHeader string, delta int64, otherSig string) {
		ts := tsHeader
		if ts == "" {
			ts = strconv.FormatInt(now.Unix()+delta%(1<<40), 10)
		}
		good := hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...)))
		sec, err := strconv.ParseInt(ts, 10, 64)
		fresh := err == nil && now.Sub(time.Unix(sec, 0)).Abs() <= signatureWindow
		if got := a.verify(request(ts, good, body), body); got != fresh {
			t.Fatalf("signed request with timestamp %q: verify = %v, want %v", ts, got, fresh)
		}
		if !fresh {
			return
		}
		tampered := append(append([]byte{}, body...), ' ')
		if a.verify(request(ts, good, tampered), tampered) {
			t.Fatal("a changed body kept its signature")
		}
		foreign := hex.EncodeToString(ed25519.Sign(otherPriv, append([]byte(ts), body...)))
		if a.verify(request(ts, foreign, body), body) {
			t.Fatal("another key's signature accepted")
		}
		if !strings.EqualFold(otherSig, good) && a.verify(request(ts, otherSig, body), body) {
			t.Fatalf("signature %q accepted (the right one is %q)", otherSig, good)
		}
	})
}

// FuzzInteraction decodes a body as serveHTTP does and walks it as handle does: decoding
// never panics, the data's type matches the interaction's type, and a modal's values are
// exactly its text inputs, trimmed.
func FuzzInteraction(f *testing.F) {
	for _, s := range []string{
		`{"type":1}`,
		`{"type":2,"id":"1160","token":"tok","guild_id":"80351110224678912","channel_id":"1","member":{"user":{"id":"53908232506183680","username":"maya"},"roles":["41771983423143936"]},"data":{"id":"9","name":"ticket","type":1,"options":[{"name":"open","type":1,"options":[{"name":"title","type":3,"value":"VPN down"},{"name":"priority","type":3,"value":"high"}]}]}}`,
		`{"type":3,"id":"2","token":"t","guild_id":"1","member":{"user":{"id":"2"}},"data":{"custom_id":"ticket:close:42","component_type":2}}`,
		`{"type":4,"id":"3","token":"t","data":{"id":"9","name":"ticket","options":[{"name":"close","type":1,"options":[{"name":"number","type":4,"value":"4","focused":true}]}]}}`,
		`{"type":5,"id":"4","token":"t","data":{"custom_id":"ticket:open","components":[{"type":1,"components":[{"type":4,"custom_id":"title","value":"  Printer jam  "}]},{"type":1,"components":[{"type":4,"custom_id":"description","value":"floor 3"}]}]}}`,
		`{"type":5,"data":{"components":[{"type":1,"components":null}]}}`,
		`{"type":2,"data":null}`,
		`{"type":99,"data":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var it discordgo.Interaction
		if err := json.Unmarshal(body, &it); err != nil || it.Type == 0 {
			return
		}
		switch d := it.Data.(type) {
		case discordgo.ApplicationCommandInteractionData:
			if it.Type != discordgo.InteractionApplicationCommand && it.Type != discordgo.InteractionApplicationCommandAutocomplete {
				t.Fatalf("command data in an interaction of type %d", it.Type)
			}
		case discordgo.MessageComponentInteractionData:
			if it.Type != discordgo.InteractionMessageComponent {
				t.Fatalf("component data in an interaction of type %d", it.Type)
			}
		case discordgo.ModalSubmitInteractionData:
			if it.Type != discordgo.InteractionModalSubmit {
				t.Fatalf("modal data in an interaction of type %d", it.Type)
			}
			vals := modalValues(d.Components)
			inputs := 0
			for _, row := range d.Components {
				r, ok := row.(*discordgo.ActionsRow)
				if !ok {
					continue
				}
				for _, c := range r.Components {
					if in, ok := c.(*discordgo.TextInput); ok {
						inputs++
						if got, ok := vals[in.CustomID]; !ok || got != strings.TrimSpace(got) {
							t.Fatalf("modal value %q for %q: %q", in.Value, in.CustomID, got)
						}
					}
				}
			}
			if len(vals) > inputs {
				t.Fatalf("modalValues found %d values in %d text inputs", len(vals), inputs)
			}
		}
	})
}

// FuzzEscapeText: escaped user text never pings (every "@" is followed by a zero-width
// space, so no @everyone, @here, <@id> or <@&role>), and it reads back as what was typed
// once the backslashes and those spaces are removed.
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"@everyone look", "@here", "<@80351110224678912>", "<@&41771983423143936>", "<@!1>",
		"**bold** _it_ ~~s~~ `code` ||spoiler||", "# heading\n- item\n> quote", "a\\@everyone", "@\u200beveryone", "[link](https://x)", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeText(s)
		for i := 0; i < len(e); i++ {
			if e[i] == '@' && !strings.HasPrefix(e[i+1:], zwsp) {
				t.Fatalf("escapeText(%q) = %q has a live @ at byte %d", s, e, i)
			}
		}
		// Invalid UTF-8 comes out as U+FFFD, one per bad byte, as []rune reads it.
		if back := unescapeText(e); back != string([]rune(s)) {
			t.Fatalf("escapeText(%q) = %q reads back as %q", s, e, back)
		}
	})
}

// unescapeText undoes escapeText: a backslash takes the next rune literally, and the
// zero-width space after each "@" goes.
func unescapeText(e string) string {
	var b strings.Builder
	rs := []rune(e)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			i++
			b.WriteRune(rs[i])
		case rs[i] == '@' && i+1 < len(rs) && string(rs[i+1]) == zwsp:
			b.WriteRune('@')
			i++
		default:
			b.WriteRune(rs[i])
		}
	}
	return b.String()
}
