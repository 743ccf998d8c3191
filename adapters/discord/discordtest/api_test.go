package discordtest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
)

const token = "discordtest-token"

func session(t *testing.T, a *discordtest.API) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	// discordgo builds its URLs from package variables: send them to the fake instead.
	s.Client = &http.Client{Transport: rebase{from: discordgo.EndpointAPI, to: a.URL()}}
	s.MaxRestRetries = 0
	return s
}

type rebase struct{ from, to string }

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(strings.Replace(req.URL.String(), r.from, r.to, 1))
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.URL, req.Host = u, u.Host
	return http.DefaultTransport.RoundTrip(req)
}

// post sends a JSON request as the bot and returns the status and the decoded answer.
func post(t *testing.T, a *discordtest.API, c *http.Client, method, path string, body any) (int, map[string]any, error) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, a.URL()+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bot "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, nil
}

// Discord answers a repeated nonce with enforce_nonce with the first message: a retried post
// whose answer was lost posts nothing twice.
func TestNonceReturnsTheFirstMessage(t *testing.T) {
	a := discordtest.StartAPI(t, token)
	msg := map[string]any{"content": "card", "nonce": "ticket-7-card", "enforce_nonce": true, "allowed_mentions": map[string]any{"parse": []any{}}}
	_, first, err := post(t, a, http.DefaultClient, "POST", "channels/100/messages", msg)
	if err != nil {
		t.Fatal(err)
	}
	_, again, _ := post(t, a, http.DefaultClient, "POST", "channels/100/messages", msg)
	if again["id"] != first["id"] || again["nonce"] != "ticket-7-card" {
		t.Errorf("second answer %v, first %v", again, first)
	}
	if n := len(a.MessagesIn("100")); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	delete(msg, "enforce_nonce") // without it a nonce does not dedupe
	_, _, _ = post(t, a, http.DefaultClient, "POST", "channels/100/messages", msg)
	if n := len(a.MessagesIn("100")); n != 2 {
		t.Errorf("%d messages without enforce_nonce, want 2", n)
	}
}

func TestLateAnswerPostsButTheClientTimesOut(t *testing.T) {
	a := discordtest.StartAPI(t, token)
	a.LateAnswer("POST", "channels/*/messages", 2*time.Second, 1)
	start := time.Now()
	_, _, err := post(t, a, &http.Client{Timeout: 200 * time.Millisecond}, "POST", "channels/100/messages", map[string]any{"content": "lost answer"})
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	if ms := a.MessagesIn("100"); len(ms) != 1 || ms[0].Content != "lost answer" {
		t.Errorf("messages %+v", ms)
	}
}

func TestHangUntilReleased(t *testing.T) {
	a := discordtest.StartAPI(t, token)
	release := a.Hang("GET", "guilds/*")
	a.AddGuild(discordtest.Guild{ID: "1", Name: "Acme"})
	done := make(chan int, 1)
	go func() { st, _, _ := post(t, a, http.DefaultClient, "GET", "guilds/1", nil); done <- st }()
	select {
	case st := <-done:
		t.Fatalf("answered %d during the hang", st)
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if st := <-done; st != 200 {
		t.Errorf("status %d", st)
	}
}

func TestGuildsChannelsAndApplication(t *testing.T) {
	a := discordtest.StartAPI(t, token)
	a.AddGuild(discordtest.Guild{ID: "10", Name: "Acme", OwnerID: "1", Roles: []discordtest.Role{{ID: "20", Name: "Staff", Permissions: discordtest.PermManageGuild, Position: 1}}})
	a.AddMember("10", discordtest.Member{User: discordtest.User{ID: "2", Name: "sam"}, Nick: "Sam S", Roles: []string{"20"}})
	a.AddChannel(discordtest.Channel{ID: "30", GuildID: "10", Name: "staff", Type: 0, ParentID: "40",
		Overwrites: []discordtest.Overwrite{{ID: "10", Type: 0, Deny: 1 << 10}, {ID: "20", Type: 0, Allow: 1 << 10}}})
	a.SetApplicationFlags(discordtest.FlagGatewayMessageContent)
	s := session(t, a)

	g, err := s.Guild("10")
	if err != nil || g.Name != "Acme" || len(g.Roles) != 2 {
		t.Errorf("guild %+v %v", g, err)
	}
	m, err := s.GuildMember("10", "2")
	if err != nil || m.Nick != "Sam S" || len(m.Roles) != 1 {
		t.Errorf("member %+v %v", m, err)
	}
	if _, err := s.GuildMember("10", "3"); err == nil {
		t.Error("an unknown member was found")
	}
	rs, err := s.GuildRoles("10")
	if err != nil || len(rs) != 2 || rs[1].Permissions != discordtest.PermManageGuild {
		t.Errorf("roles %+v %v", rs, err)
	}
	ch, err := s.Channel("30")
	if err != nil || ch.ParentID != "40" || len(ch.PermissionOverwrites) != 2 || ch.PermissionOverwrites[0].Deny != 1<<10 {
		t.Errorf("channel %+v %v", ch, err)
	}
	app, err := s.Application("@me")
	if err != nil || app.Flags&discordtest.FlagGatewayMessageContent == 0 {
		t.Errorf("application %+v %v", app, err)
	}

	notice, err := s.ChannelMessageSendComplex("30", &discordgo.MessageSend{Content: "New ticket",
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: []string{"2"}}})
	if err != nil {
		t.Fatal(err)
	}
	th, err := s.MessageThreadStartComplex("30", notice.ID, &discordgo.ThreadStart{Name: "Ticket 1", AutoArchiveDuration: 1440})
	if err != nil || th.ID != notice.ID || th.ParentID != "30" {
		t.Errorf("thread %+v %v", th, err)
	}
	if _, err := s.MessageThreadStartComplex("30", notice.ID, &discordgo.ThreadStart{Name: "again"}); err == nil {
		t.Error("a second thread on one message")
	}
	dm, err := s.UserChannelCreate("2")
	if err != nil || dm.Type != discordgo.ChannelTypeDM {
		t.Errorf("dm %+v %v", dm, err)
	}
	if dm2, _ := s.UserChannelCreate("2"); dm2 == nil || dm2.ID != dm.ID {
		t.Errorf("a second DM channel %+v", dm2)
	}

	sent, err := s.ChannelMessageSendComplex(th.ID, &discordgo.MessageSend{Content: "transcript",
		Files: []*discordgo.File{{Name: "ticket-1.html", ContentType: "text/html", Reader: strings.NewReader("<p>hello</p>")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Message(sent.ID); len(got.Files) != 1 || got.Files[0].Name != "ticket-1.html" || string(got.Files[0].Data) != "<p>hello</p>" {
		t.Errorf("files %+v", got.Files)
	}
	if len(sent.Attachments) != 1 || sent.Attachments[0].Filename != "ticket-1.html" {
		t.Errorf("answer's attachments %+v", sent.Attachments)
	}
	if _, err := s.ChannelMessageEdit(th.ID, sent.ID, "edited"); err != nil {
		t.Error(err)
	}
	if err := s.ChannelMessageDelete(th.ID, sent.ID); err != nil {
		t.Error(err)
	}
	if got, _ := a.Message(sent.ID); !got.Deleted || got.Content != "edited" {
		t.Errorf("after edit and delete %+v", got)
	}

	t.Run("leaks and mentions", func(t *testing.T) {
		_, _, _ = post(t, a, http.DefaultClient, "POST", "channels/30/messages", map[string]any{"content": "@everyone",
			"allowed_mentions": map[string]any{"parse": []string{"everyone"}}})
		if f := a.Leaked([]string{th.ID}, "hello"); len(f) != 1 {
			t.Errorf("leaks into the thread %v", f)
		}
		if f := a.Leaked([]string{"30"}, "hello"); len(f) != 0 {
			t.Errorf("leaks elsewhere %v", f)
		}
		// The file message and its edit were sent without allowed_mentions, the last one lets
		// @everyone ping; the notice may ping its reporter (user 2) only.
		if f := a.UnsafeMentions(); len(f) != 4 || f[0].Match != "allowed_mentions.users names 2" {
			t.Errorf("mention findings without the reporter allowed %v", f)
		}
		if f := a.UnsafeMentions("2"); len(f) != 3 || f[0].Match != "no allowed_mentions" || f[2].Match != "allowed_mentions.parse is not []" {
			t.Errorf("mention findings %v", f)
		}
	})
}

func TestOAuth2WithPKCE(t *testing.T) {
	a := discordtest.StartAPI(t, token)
	a.AddGuild(discordtest.Guild{ID: "10", Name: "Acme", OwnerID: "1"})
	a.AddGuild(discordtest.Guild{ID: "11", Name: "Other", OwnerID: "1"})
	a.AddMember("10", discordtest.Member{User: discordtest.User{ID: "5", Name: "rita"}})
	a.SignInAs(discordtest.Grant{User: discordtest.User{ID: "5", Name: "rita"}})
	verifier := "a-long-enough-pkce-code-verifier-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {discordtest.AppID}, "redirect_uri": {"https://tb.example/auth/discord/callback"}, "response_type": {"code"},
		"scope": {"identify guilds"}, "state": {"st8"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	res, err := noRedirect.Get(a.AuthorizeURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	code := loc.Query().Get("code")
	if res.StatusCode != http.StatusFound || loc.Query().Get("state") != "st8" || code == "" {
		t.Fatalf("authorize %d %s", res.StatusCode, loc)
	}
	exchange := func(verifier string) (int, map[string]any) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {q.Get("redirect_uri")}, "code_verifier": {verifier}}
		req, _ := http.NewRequest("POST", a.URL()+"oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(discordtest.AppID, discordtest.ClientSecret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if st, out := exchange("wrong"); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", st, out)
	}
	st, tok := exchange(verifier)
	if st != 200 || tok["token_type"] != "Bearer" || tok["scope"] != "identify guilds" {
		t.Fatalf("token: %d %v", st, tok)
	}
	if st, _ := exchange(verifier); st != 400 {
		t.Errorf("a code used twice: %d", st)
	}
	get := func(path string) string {
		req, _ := http.NewRequest("GET", a.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if me := get("users/@me"); !strings.Contains(me, `"id":"5"`) {
		t.Errorf("users/@me %s", me)
	}
	if gs := get("users/@me/guilds"); !strings.Contains(gs, `"Acme"`) || strings.Contains(gs, `"Other"`) {
		t.Errorf("users/@me/guilds %s", gs)
	}
}
