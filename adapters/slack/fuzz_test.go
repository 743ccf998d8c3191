package slack

// Fuzz tests for what Slack (or anyone reaching the request URLs) sends: the request
// signature, the Events API envelope, slash command forms, interaction payloads, and the
// escaping of user text that goes back out. Internal tests: the parsers are unexported.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/ticketbot/ticketbot/core"
)

// sign is Slack's v0 signature, computed here independently of verify.
func sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// FuzzVerify: a request passes exactly when it carries the right HMAC of its timestamp and
// body under the secret and was signed within five minutes; any other signature, a changed
// body or a stale timestamp is refused.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("token=x&team_id=T1&text=hello"), "8f742231b10e8888abcd99yyyzzz85a5", "", int64(0), "v0=00")
	f.Add([]byte(`{"type":"event_callback"}`), "s", "1700000000", int64(299), "")
	f.Add([]byte(""), "", "", int64(-301), "v0=")
	f.Add([]byte("a"), "secret", "+1700000000", int64(1e12), "V0=ABC")
	f.Fuzz(func(t *testing.T, body []byte, secret, tsHeader string, delta int64, otherSig string) {
		now := time.Unix(1_700_000_000, 0)
		ts := tsHeader
		if ts == "" {
			ts = strconv.FormatInt(now.Unix()+delta%(1<<40), 10)
		}
		good := sign(secret, ts, body)
		h := http.Header{}
		h.Set("X-Slack-Signature", good)
		h.Set("X-Slack-Request-Timestamp", ts)
		err := verify(h, body, secret, now)

		// The header as it arrives: net/http has already trimmed the spaces around a value
		// read off the wire, so a timestamp with spaces left in it is not Slack's and is refused.
		sec, perr := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
		fresh := perr == nil && h.Get("X-Slack-Request-Timestamp") != "" &&
			now.Sub(time.Unix(sec, 0)).Abs() <= signatureWindow
		switch {
		case secret == "":
			if err != errNoSecret {
				t.Fatalf("no secret: err = %v, want errNoSecret", err)
			}
			return
		case h.Get("X-Slack-Request-Timestamp") == "":
			if err == nil {
				t.Fatal("accepted without a timestamp")
			}
			return
		case fresh && err != nil:
			t.Fatalf("correctly signed fresh request refused: %v", err)
		case !fresh && err == nil:
			t.Fatalf("request with timestamp %q accepted at %v", ts, now)
		}
		if err != nil {
			return
		}
		tampered := append(append([]byte{}, body...), 'x')
		if verify(h, tampered, secret, now) == nil {
			t.Fatal("a changed body kept its signature")
		}
		if verify(h, body, secret+"x", now) == nil {
			t.Fatal("another secret accepted the signature")
		}
		h.Set("X-Slack-Signature", otherSig)
		if err := verify(h, body, secret, now); (err == nil) != (otherSig == good) {
			t.Fatalf("signature %q: err = %v (the right one is %q)", otherSig, err, good)
		}
	})
}

// FuzzParseEnvelope: an accepted envelope has a type, and an event_callback names its event
// id, a valid team and an event; everything else is errMalformed.
func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`))
	f.Add([]byte(`{"type":"event_callback","team_id":"T024BE7LD","event_id":"Ev0PV52K21","event":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1.2","thread_ts":"1.1"}}`))
	f.Add([]byte(`{"type":"event_callback","team_id":"T1\n","event_id":"Ev1","event":{}}`))
	f.Add([]byte(`{"type":"event_callback","team_id":"T1","event_id":"","event":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"type":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		env, err := parseEnvelope(raw)
		if err != nil {
			if err != errMalformed {
				t.Fatalf("err = %v, want errMalformed", err)
			}
			return
		}
		if !json.Valid(raw) || env.Type == "" {
			t.Fatalf("accepted %q as %+v", raw, env)
		}
		if env.Type == slackevents.CallbackEvent {
			if env.EventID == "" || len(env.Event) == 0 {
				t.Fatalf("event_callback without event id or event accepted: %+v", env)
			}
			checkTeam(t, env.TeamID)
		}
	})
}

// checkTeam asserts that a team accepted as valid names exactly the workspace it becomes.
func checkTeam(t *testing.T, team string) {
	t.Helper()
	if !validTeam(team) {
		t.Fatalf("team %q accepted but not valid", team)
	}
	ws := workspace(team)
	back, err := core.ParseWorkspace(ws.String())
	if err != nil || back != ws {
		t.Fatalf("team %q becomes workspace %q, which reads back as %+v, %v", team, ws, back, err)
	}
}

// FuzzSlashCommandForm: a form body either fails to parse or becomes a command that carries
// exactly the form's fields; a command accepted as valid names its team and user and has at
// most 8000 bytes of text.
func FuzzSlashCommandForm(f *testing.F) {
	f.Add("token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=%2Fticket&text=my+VPN+is+down&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0")
	f.Add("team_id=T1&user_id=U1&text=close+%2342+fixed")
	f.Add("team_id=&user_id=U1")
	f.Add("team_id=T1%0A&user_id=U1")
	f.Add("%zz=1")
	f.Add("team_id=T1;user_id=U1")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		sc := commandFromForm(form)
		for name, got := range map[string]string{"team_id": sc.TeamID, "user_id": sc.UserID,
			"channel_id": sc.ChannelID, "text": sc.Text, "command": sc.Command, "trigger_id": sc.TriggerID,
			"response_url": sc.ResponseURL} {
			if got != form.Get(name) {
				t.Fatalf("%s = %q, form has %q", name, got, form.Get(name))
			}
		}
		if !validCommand(sc) {
			return
		}
		if sc.UserID == "" || len(sc.Text) > 8000 {
			t.Fatalf("invalid command accepted: %+v", sc)
		}
		checkTeam(t, sc.TeamID)
	})
}

// FuzzInteractionPayload decodes an interactivity body the way serveInteractivity does and
// checks what the handlers read from it: a view submission's id is its trigger id, else its
// view id and hash, and never the same for two different views.
func FuzzInteractionPayload(f *testing.F) {
	f.Add("payload=" + url.QueryEscape(`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1","name":"maya"},"trigger_id":"1.2.3","response_url":"https://hooks.slack.com/actions/1","actions":[{"action_id":"ticket_close","block_id":"b","value":"42","type":"button"}]}`))
	f.Add("payload=" + url.QueryEscape(`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V1","hash":"h1","callback_id":"ticket_open","state":{"values":{"title":{"title":{"type":"plain_text_input","value":"VPN"}}}}}}`))
	f.Add("payload=" + url.QueryEscape(`{"type":"view_submission","view":{"id":"","hash":"x"}}`))
	f.Add("payload=%7B%22actions%22%3A%5Bnull%5D%7D")
	f.Add("payload=")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil || form.Get("payload") == "" {
			return
		}
		var cb slackgo.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			return
		}
		team := cb.Team.ID
		if team == "" {
			team = cb.User.TeamID
		}
		if validTeam(team) {
			checkTeam(t, team)
		}
		id := submissionID(cb)
		switch {
		case cb.TriggerID != "":
			if id != cb.TriggerID {
				t.Fatalf("submission id %q, want the trigger id %q", id, cb.TriggerID)
			}
		case cb.View.ID == "":
			if id != "" {
				t.Fatalf("submission id %q for a payload without trigger or view", id)
			}
		default:
			other := cb
			other.View.Hash += "x"
			if id == "" || id == submissionID(other) {
				t.Fatalf("submission id %q does not tell view hashes apart", id)
			}
		}
	})
}

// liveSlackMention matches what Slack turns into a ping: <!here>, <!channel>, <!everyone>,
// <!subteam^…>, <@U…>, and, were link_names ever set, the plain words.
var liveSlackMention = regexp.MustCompile(`(?i)<[!@#]|@(here|channel|everyone)`)

// FuzzEscape: escaped user text never holds a mention Slack would ping or a link, and reads
// back as what was typed once Slack's entities are undone and the zero-width spaces dropped;
// escapeCut stays within its limit and never ends in half an entity.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"<!channel> hi", "@here please", "<!here|here>", "<!everyone>", "&lt;!channel&gt;",
		"<@U024BE7LH>", "<!subteam^S012>", "@@everyone", "@\u200beveryone", "AT&T <b>", "@Here and @CHANNEL", "ok", ""} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		e := escape(s)
		if liveSlackMention.MatchString(e) {
			t.Fatalf("escape(%q) = %q holds a live mention", s, e)
		}
		if strings.ContainsAny(e, "<>") {
			t.Fatalf("escape(%q) = %q holds markup", s, e)
		}
		back := strings.ReplaceAll(unescape(e), "@"+zeroWidthSpace, "@")
		if want := strings.ReplaceAll(s, "@"+zeroWidthSpace, "@"); back != want {
			t.Fatalf("escape(%q) reads back as %q", s, back)
		}
		if max < 2 || max > 5000 {
			return
		}
		c := escapeCut(s, max)
		if n := utf8.RuneCountInString(c); n > max {
			t.Fatalf("escapeCut(%q, %d) has %d runes", s, max, n)
		}
		if liveSlackMention.MatchString(c) || strings.ContainsAny(c, "<>") {
			t.Fatalf("escapeCut(%q, %d) = %q holds a live mention or markup", s, max, c)
		}
		if i := strings.LastIndexByte(c, '&'); i >= 0 && !strings.Contains(c[i:], ";") {
			t.Fatalf("escapeCut(%q, %d) = %q ends in half an entity", s, max, c)
		}
	})
}
