package slacktest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/gorilla/websocket"
	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/adapters/slack/slacktest"
)

func client(s *slacktest.Server, token string, hc *http.Client) *slackgo.Client {
	opts := []slackgo.Option{slackgo.OptionAPIURL(s.APIURL())}
	if hc != nil {
		opts = append(opts, slackgo.OptionHTTPClient(hc))
	}
	return slackgo.New(token, opts...)
}

// The fake's ids and metadata come back the way slack-go reads them, so an adapter can find
// its own earlier post by metadata instead of posting twice.
func TestHistoryFindsAnEarlierPostByMetadata(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	api := client(s, s.BotToken(), nil)
	ctx := context.Background()
	meta := slackgo.SlackMetadata{EventType: "ticket_card", EventPayload: map[string]any{"ticket": "42", "step": "card"}}
	_, first, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("card #42", false), slackgo.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("other", false), slackgo.MsgOptionTS(first)); err != nil {
			t.Fatal(i, err)
		}
	}
	s.Post("C1", "", "U1", "a person's message")

	t.Run("without include_all_metadata the metadata is not shown", func(t *testing.T) {
		h, err := api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Messages {
			if m.Metadata.EventType != "" {
				t.Errorf("metadata shown: %+v", m.Metadata)
			}
		}
	})
	t.Run("history lists top-level messages newest first, with the metadata", func(t *testing.T) {
		h, err := api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Messages) != 2 || h.Messages[0].Text != "a person's message" || h.Messages[1].Timestamp != first {
			t.Fatalf("history %+v", h.Messages)
		}
		card := h.Messages[1]
		if card.Metadata.EventType != "ticket_card" || card.Metadata.EventPayload["ticket"] != "42" || card.BotID != slacktest.BotID || card.ReplyCount != 3 {
			t.Errorf("card %+v", card)
		}
	})
	t.Run("limit and cursor page through, oldest bounds the window", func(t *testing.T) {
		var seen []string
		p := &slackgo.GetConversationHistoryParameters{ChannelID: "C1", Limit: 1}
		for {
			h, err := api.GetConversationHistoryContext(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range h.Messages {
				seen = append(seen, m.Text)
			}
			if !h.HasMore {
				break
			}
			p.Cursor = h.ResponseMetaData.NextCursor
		}
		if strings.Join(seen, "|") != "a person's message|card #42" {
			t.Errorf("pages %q", seen)
		}
		h, err := api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{ChannelID: "C1", Oldest: first})
		if err != nil || len(h.Messages) != 1 {
			t.Errorf("after oldest (exclusive): %+v %v", h, err)
		}
	})
	t.Run("replies give the parent then the thread", func(t *testing.T) {
		ms, _, _, err := api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: first, IncludeAllMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 4 || ms[0].Metadata.EventType != "ticket_card" || ms[1].ThreadTimestamp != first {
			t.Errorf("replies %+v", ms)
		}
		if _, _, _, err := api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1.2"}); err == nil || err.Error() != "thread_not_found" {
			t.Errorf("unknown thread: %v", err)
		}
	})
	if got := s.Texts("C1", first); len(got) != 3 {
		t.Errorf("Texts of the thread: %q", got)
	}
}

// A late answer is the fault behind duplicate cards: the post happens, the client never
// hears of it.
func TestLateAnswerPerformsTheActionButTheClientTimesOut(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	s.LateAnswer("chat.postMessage", 2*time.Second, 1)
	api := client(s, s.BotToken(), &http.Client{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, _, err := api.PostMessage("C1", slackgo.MsgOptionText("hello", false))
	if err == nil {
		t.Fatal("the client got its answer")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the client waited %v", d)
	}
	if got := s.Texts("C1", ""); len(got) != 1 || got[0] != "hello" {
		t.Fatalf("the post did not happen: %q", got)
	}
	c := s.Find("chat.postMessage")
	if len(c) != 1 || c[0].Fault != "late" || c[0].TS == "" {
		t.Errorf("calls %+v", c)
	}
	// The fault took one call: the next is answered at once.
	if _, _, err := client(s, s.BotToken(), &http.Client{Timeout: time.Second}).PostMessage("C1", slackgo.MsgOptionText("again", false)); err != nil {
		t.Error(err)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("an error code N times, then served", func(t *testing.T) {
		s := slacktest.Start(t, slacktest.Options{})
		s.Fail("chat.postMessage", "channel_not_found", 2)
		api := client(s, s.BotToken(), nil)
		for i := range 2 {
			if _, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
				t.Fatalf("try %d: %v", i, err)
			}
		}
		if _, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("x", false)); err != nil {
			t.Fatal(err)
		}
		if n := len(s.Attempts("chat.postMessage", slacktest.Failed())); n != 2 {
			t.Errorf("%d failed attempts", n)
		}
	})
	t.Run("429 with Retry-After, and the scopes header on every answer", func(t *testing.T) {
		s := slacktest.Start(t, slacktest.Options{Scopes: []string{"chat:write", "commands"}})
		s.RateLimit("users.info", 3*time.Second, time.Minute)
		res, err := http.PostForm(s.APIURL()+"users.info", url.Values{"token": {s.BotToken()}, "user": {"U1"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 429 || res.Header.Get("Retry-After") != "3" || !strings.Contains(string(body), `"error":"ratelimited"`) {
			t.Errorf("got %d %v %s", res.StatusCode, res.Header, body)
		}
		if got := res.Header.Get("X-OAuth-Scopes"); got != "chat:write,commands" {
			t.Errorf("x-oauth-scopes %q", got)
		}
		_, err = client(s, s.BotToken(), nil).GetUserInfo("U1")
		if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); !ok || rl.RetryAfter != 3*time.Second {
			t.Errorf("slack-go saw %v", err)
		}
	})
	t.Run("a hang holds the call until released", func(t *testing.T) {
		s := slacktest.Start(t, slacktest.Options{})
		release := s.Hang("auth.test")
		done := make(chan error, 1)
		go func() { _, err := client(s, s.BotToken(), nil).AuthTest(); done <- err }()
		select {
		case err := <-done:
			t.Fatalf("answered during the hang: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a hang whose client gives up is never served", func(t *testing.T) {
		s := slacktest.Start(t, slacktest.Options{})
		s.Hang("chat.postMessage")
		_, _, err := client(s, s.BotToken(), &http.Client{Timeout: 100 * time.Millisecond}).PostMessage("C1", slackgo.MsgOptionText("lost", false))
		if err == nil {
			t.Fatal("answered")
		}
		if !s.WaitUntil(5*time.Second, func() bool { return len(s.Attempts("chat.postMessage", slacktest.Param("text", "lost"))) == 1 }) {
			t.Fatal("the abandoned call was not recorded")
		}
		if got := s.Texts("C1", ""); len(got) != 0 {
			t.Errorf("posted anyway: %q", got)
		}
	})
	t.Run("a held call is seen while held, until released or its client leaves", func(t *testing.T) {
		s := slacktest.Start(t, slacktest.Options{ImplicitUsers: true})
		release := s.Hang("users.info")
		done := make(chan error, 1)
		go func() { _, err := client(s, s.BotToken(), nil).GetUserInfo("U7"); done <- err }()
		if c := s.WaitHeld(t, 5*time.Second, "users.info", slacktest.Param("user", "U7")); c.Fault != "hang" {
			t.Errorf("held call %+v", c)
		}
		if n := len(s.Attempts("users.info")); n != 0 {
			t.Errorf("a held call was recorded as answered (%d)", n)
		}
		release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if held := s.Held(""); len(held) != 0 {
			t.Errorf("still held after release: %+v", held)
		}
		s.Wait(t, "users.info", slacktest.Param("user", "U7"))

		// A client that gives up leaves nothing held; Close does not wait for a held call.
		s.Hang("chat.postMessage")
		ctx, cancel := context.WithCancel(ctx)
		go func() {
			_, _, err := client(s, s.BotToken(), nil).PostMessageContext(ctx, "C1", slackgo.MsgOptionText("x", false))
			done <- err
		}()
		s.WaitHeld(t, 5*time.Second, "chat.postMessage")
		cancel()
		if !s.WaitUntil(5*time.Second, func() bool { return len(s.Held("")) == 0 }) {
			t.Fatal("a call whose client left is still held")
		}
		<-done
		go func() { // the timeout lets a Close that waits fail the test rather than hang it
			_, _, err := client(s, s.BotToken(), &http.Client{Timeout: 10 * time.Second}).PostMessage("C1", slackgo.MsgOptionText("y", false))
			done <- err
		}()
		s.WaitHeld(t, 5*time.Second, "chat.postMessage")
		closed := make(chan struct{})
		go func() { s.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("Close waits for a held call")
		}
		<-done
	})
	t.Run("a 5xx", func(t *testing.T) {
		s := slacktest.Start(t, slacktest.Options{})
		s.FailStatus("chat.update", 503, 0)
		if _, _, _, err := client(s, s.BotToken(), nil).UpdateMessage("C1", "1.2", slackgo.MsgOptionText("x", false)); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestWorkspaceState(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{MemberPageSize: 2})
	s.AddUser(slacktest.User{ID: "UADMIN", Name: "ada", RealName: "Ada L", DisplayName: "ada", Admin: true})
	s.AddChannel(slacktest.Channel{ID: "GTRIAGE", Name: "triage", Private: true, Members: []string{"UADMIN", "U2", "U3", slacktest.BotUserID}})
	s.AddChannel(slacktest.Channel{ID: "CPUB", Name: "help"})
	s.SetUsergroup("SSTAFF", "U2", "U9")
	api := client(s, s.BotToken(), nil)
	ctx := context.Background()

	u, err := api.GetUserInfoContext(ctx, "UADMIN")
	if err != nil || !u.IsAdmin || u.Profile.DisplayName != "ada" || u.RealName != "Ada L" {
		t.Errorf("users.info %+v %v", u, err)
	}
	ch, err := api.GetConversationInfoContext(ctx, &slackgo.GetConversationInfoInput{ChannelID: "GTRIAGE"})
	if err != nil || !ch.IsPrivate || !ch.IsMember || ch.Name != "triage" {
		t.Errorf("conversations.info %+v %v", ch, err)
	}
	var members []string
	p := &slackgo.GetUsersInConversationParameters{ChannelID: "GTRIAGE", Limit: 1000}
	for pages := 0; ; pages++ {
		ids, next, err := api.GetUsersInConversationContext(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, ids...)
		if next == "" {
			if pages != 1 {
				t.Errorf("%d pages, want 2", pages+1)
			}
			break
		}
		p.Cursor = next
	}
	if len(members) != 4 {
		t.Errorf("members %v", members)
	}
	if _, _, _, err := api.JoinConversationContext(ctx, "GTRIAGE"); err == nil || err.Error() != "method_not_supported_for_channel_type" {
		t.Errorf("join a private channel: %v", err)
	}
	if _, _, _, err := api.JoinConversationContext(ctx, "CPUB"); err != nil {
		t.Error(err)
	}
	if c, _ := s.Channel("CPUB"); len(c.Members) != 1 {
		t.Errorf("after join: %+v", c)
	}
	if us, err := api.GetUserGroupMembersContext(ctx, "SSTAFF"); err != nil || strings.Join(us, ",") != "U2,U9" {
		t.Errorf("usergroups.users.list %v %v", us, err)
	}
	for range 2 {
		dm, _, _, err := api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{"UADMIN"}})
		if err != nil || dm.ID != "DUADMIN" {
			t.Errorf("conversations.open %+v %v", dm, err)
		}
	}

	_, ts, err := api.PostMessageContext(ctx, "CPUB", slackgo.MsgOptionText("card", false))
	if err != nil {
		t.Fatal(err)
	}
	ref := slackgo.NewRefToMessage("CPUB", ts)
	if err := api.AddReactionContext(ctx, "lock", ref); err != nil {
		t.Fatal(err)
	}
	if err := api.AddReactionContext(ctx, "lock", ref); err == nil || err.Error() != "already_reacted" {
		t.Errorf("second reaction: %v", err)
	}
	if got := s.Reactions("CPUB", ts); len(got["lock"]) != 1 {
		t.Errorf("reactions %v", got)
	}
	if err := api.RemoveReactionContext(ctx, "lock", ref); err != nil {
		t.Error(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "CPUB", ts, slackgo.MsgOptionText("card v2", false)); err != nil {
		t.Error(err)
	}
	if link, err := api.GetPermalinkContext(ctx, &slackgo.PermalinkParameters{Channel: "CPUB", Ts: ts}); err != nil || !strings.HasPrefix(link, "https://fake.slack.com/archives/CPUB/p") {
		t.Errorf("permalink %q %v", link, err)
	}
	if _, _, err := api.DeleteMessageContext(ctx, "CPUB", ts); err != nil {
		t.Error(err)
	}
	if m, _ := s.Message("CPUB", ts); !m.Deleted || m.Text != "card v2" || m.Edits != 1 {
		t.Errorf("message %+v", m)
	}

	s.ExpireTrigger("old.trigger")
	view := slackgo.ModalViewRequest{Type: slackgo.VTModal, CallbackID: "tb:open", Title: slackgo.NewTextBlockObject("plain_text", "New", false, false)}
	if _, err := api.OpenViewContext(ctx, "old.trigger", view); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("expired trigger: %v", err)
	}
	v, err := api.OpenViewContext(ctx, "fresh.trigger", view)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateViewContext(ctx, view, "", v.Hash, v.ID); err != nil {
		t.Error(err)
	}
	if vs := s.Views(); len(vs) != 1 || vs[0].CallbackID != "tb:open" || vs[0].Edits != 1 {
		t.Errorf("views %+v", vs)
	}
}

func TestResponseURLActsOnItsMessage(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	ts := s.Post("D1", "", slacktest.BotUserID, "Open a ticket?")
	u := s.ResponseURL("D1", ts)
	res, err := http.Post(u, "application/json", strings.NewReader(`{"replace_original":true,"text":"Ticket #1 opened"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if m, _ := s.Message("D1", ts); m.Text != "Ticket #1 opened" {
		t.Errorf("message %+v", m)
	}
	c := s.Wait(t, "response_url", slacktest.Containing("Ticket #1"))
	if c.Channel != "D1" || c.Params["replace_original"] != "true" {
		t.Errorf("call %+v", c)
	}
}

// What was posted to each response URL reads back per URL, in order.
func TestResponsesPerResponseURL(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	a, b := s.ResponseURL("C1", ""), s.ResponseURL("C1", "")
	for _, p := range []struct{ url, body string }{
		{a, `{"text":"queued"}`}, {b, `{"text":"other"}`}, {a, `{"text":"Ticket #1 opened","response_type":"in_channel"}`},
	} {
		res, err := http.Post(p.url, "application/json", strings.NewReader(p.body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	got := s.Responses(a)
	if len(got) != 2 || got[0].Params["text"] != "queued" || got[1].Params["text"] != "Ticket #1 opened" || got[1].Params["response_type"] != "in_channel" {
		t.Errorf("responses to a: %+v", got)
	}
	if got := s.Responses(b); len(got) != 1 || got[0].Params["text"] != "other" {
		t.Errorf("responses to b: %+v", got)
	}
	if got := s.Responses(s.ResponseURL("C1", "")); len(got) != 0 {
		t.Errorf("responses to a URL nobody posted to: %+v", got)
	}
	if c := s.Wait(t, "response_url", slacktest.ToResponseURL(b)); c.Params["text"] != "other" {
		t.Errorf("ToResponseURL(b) selected %+v", c)
	}
}

func TestLeaksAndMentions(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	api := client(s, s.BotToken(), nil)
	_, card, _ := api.PostMessage("DREQ", slackgo.MsgOptionText("Ticket #1", false))
	_, _, _ = api.PostMessage("GTRIAGE", slackgo.MsgOptionText("note: the VPN key is hunter2", false))
	_, _, _ = api.PostMessage("DREQ", slackgo.MsgOptionTS(card), slackgo.MsgOptionBlocks(
		slackgo.NewSectionBlock(slackgo.NewTextBlockObject("mrkdwn", "copy: hunter2 <!here>", false, false), nil, nil)))
	_, _, _ = api.PostMessage("DOTHER", slackgo.MsgOptionText("hunter2 @\u200beveryone &lt;!channel&gt;", false))

	leaks := s.Leaked([]string{"DREQ/" + card}, "hunter2")
	if len(leaks) != 1 || leaks[0].Call.Channel != "DREQ" {
		t.Errorf("leaks %v", leaks)
	}
	if got := s.Leaked([]string{"GOTHER", "DREQ/1.000001"}, "hunter2"); len(got) != 0 {
		t.Errorf("leaks elsewhere: %v", got)
	}
	ms := s.Mentions()
	if len(ms) != 1 || ms[0].Match != "<!here>" {
		t.Errorf("mentions %v", ms)
	}
}

func TestSignature(t *testing.T) {
	// Slack's published example: https://api.slack.com/authentication/verifying-requests-from-slack
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := slacktest.Signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", []byte(body))
	if got != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Errorf("signature %s", got)
	}
	h := slacktest.Signer{Secret: "s", Clock: func() time.Time { return time.Unix(1531420618, 0) }}.Headers([]byte("x"))
	if h.Get("X-Slack-Request-Timestamp") != "1531420618" || h.Get("X-Slack-Signature") != slacktest.Signature("s", "1531420618", []byte("x")) {
		t.Errorf("headers %v", h)
	}
}

func TestSignInWithSlack(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	verifier := "a-long-enough-pkce-code-verifier-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	s.SignInAs(slacktest.Grant{User: "U7", Name: "Rita", Email: "rita@example.com"})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {s.ClientID()}, "redirect_uri": {"https://tb.example/auth/slack/callback"}, "state": {"st8"},
		"nonce": {"n0nce"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	res, err := noRedirect.Get(s.AuthorizeURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || loc.Query().Get("state") != "st8" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %s", res.StatusCode, loc)
	}
	code := loc.Query().Get("code")
	exchange := func(verifier string) (slackgo.OpenIDConnectResponse, error) {
		// slack-go's GetOpenIDConnectToken sends no code_verifier: post the form as Slack documents it.
		var out slackgo.OpenIDConnectResponse
		res, err := http.PostForm(s.APIURL()+"openid.connect.token", url.Values{"client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()},
			"code": {code}, "redirect_uri": {q.Get("redirect_uri")}, "code_verifier": {verifier}})
		if err != nil {
			return out, err
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			return out, err
		}
		return out, out.Err()
	}
	if _, err := exchange("wrong"); err == nil || err.Error() != "invalid_code_verifier" {
		t.Errorf("a wrong code_verifier: %v", err)
	}
	tok, err := exchange(verifier)
	if err != nil {
		t.Fatal(err)
	}
	res, err = http.Get(s.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var keys jose.JSONWebKeySet
	_ = json.NewDecoder(res.Body).Decode(&keys)
	res.Body.Close()
	parsed, err := jwt.ParseSigned(tok.IdToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var std jwt.Claims
	var extra struct {
		Nonce  string `json:"nonce"`
		UserID string `json:"https://slack.com/user_id"`
		TeamID string `json:"https://slack.com/team_id"`
		Email  string `json:"email"`
	}
	if err := parsed.Claims(keys.Keys[0].Key, &std, &extra); err != nil {
		t.Fatal(err)
	}
	if err := std.Validate(jwt.Expected{Issuer: slacktest.Issuer, AnyAudience: jwt.Audience{s.ClientID()}, Time: time.Now()}); err != nil {
		t.Error(err)
	}
	if std.Subject != "U7" || extra.UserID != "U7" || extra.TeamID != "T1" || extra.Nonce != "n0nce" || extra.Email != "rita@example.com" {
		t.Errorf("claims %+v %+v", std, extra)
	}
	info, err := client(s, tok.AccessToken, nil).GetOpenIDConnectUserInfoContext(context.Background())
	if err != nil || info.UserID != "U7" || info.Name != "Rita" {
		t.Errorf("userInfo %+v %v", info, err)
	}
	if _, err := exchange(verifier); err == nil || err.Error() != "invalid_code" {
		t.Errorf("a code used twice: %v", err)
	}
	// slack-go's own exchange, for a code without PKCE.
	s.SignInAs(slacktest.Grant{User: "U8"})
	plain := s.IssueCode(slacktest.Grant{User: "U8"})
	if tok, err := slackgo.GetOpenIDConnectTokenContext(context.Background(), http.DefaultClient, s.ClientID(), s.ClientSecret(), plain, "",
		slackgo.OAuthOptionAPIURL(s.APIURL())); err != nil || tok.IdToken == "" {
		t.Errorf("slack-go exchange: %+v %v", tok, err)
	}
}

func TestInstall(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{Team: "T9", TeamName: "Globex"})
	code := s.IssueCode(slacktest.Grant{User: "UADMIN"})
	r, err := slackgo.GetOAuthV2ResponseContext(context.Background(), http.DefaultClient, s.ClientID(), s.ClientSecret(), code, "",
		slackgo.OAuthOptionAPIURL(s.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Team.ID != "T9" || r.Team.Name != "Globex" || r.BotUserID != slacktest.BotUserID || !strings.Contains(r.Scope, "chat:write") {
		t.Errorf("oauth.v2.access %+v", r)
	}
	// The installed token works until revoked.
	if _, err := client(s, r.AccessToken, nil).AuthTest(); err != nil {
		t.Error(err)
	}
	s.RevokeTokens(false)
	if _, err := client(s, r.AccessToken, nil).AuthTest(); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("revoked token: %v", err)
	}
}

func TestSocketMode(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	res, err := http.PostForm(s.APIURL()+"apps.connections.open", url.Values{"token": {s.AppToken()}})
	if err != nil {
		t.Fatal(err)
	}
	var open struct {
		OK  bool   `json:"ok"`
		URL string `json:"url"`
	}
	_ = json.NewDecoder(res.Body).Decode(&open)
	res.Body.Close()
	ws, _, err := websocket.DefaultDialer.Dial(open.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("hello %v %v", hello, err)
	}
	k := s.WaitSocket(t, 5*time.Second)
	id, err := k.Send("slash_commands", slacktest.Command{Text: "hi"}.Payload())
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := ws.ReadJSON(&env); err != nil || env["envelope_id"] != id || env["accepts_response_payload"] != true {
		t.Fatalf("envelope %v %v", env, err)
	}
	_ = ws.WriteJSON(map[string]any{"envelope_id": id, "payload": map[string]any{"text": "Ticket #1 opened"}})
	a, err := k.WaitAck(id, 5*time.Second)
	if err != nil || a.Map()["text"] != "Ticket #1 opened" {
		t.Errorf("ack %+v %v", a, err)
	}
	if err := k.Disconnect("refresh_requested"); err != nil {
		t.Fatal(err)
	}
	if err := ws.ReadJSON(&env); err != nil || env["type"] != "disconnect" {
		t.Errorf("disconnect %v %v", env, err)
	}
}

// A benchmark runs the fake without a test: New and Close, WaitUntil, OnCall, bounded
// recording, users it was never told of.
func TestUsableFromABenchmark(t *testing.T) {
	posted := make(chan slacktest.Call, 100)
	s := slacktest.New(slacktest.Options{ImplicitUsers: true, MaxCalls: 10, OnCall: func(c slacktest.Call) {
		if c.Method == "chat.postMessage" {
			posted <- c
		}
	}})
	defer s.Close()
	api := client(s, s.BotToken(), nil)
	if u, err := api.GetUserInfo("UB000000042"); err != nil || u.Name != "ub000000042" {
		t.Errorf("implicit user %+v %v", u, err)
	}
	for i := range 25 {
		if _, _, err := api.PostMessage("CB00001", slackgo.MsgOptionText("card", false)); err != nil {
			t.Fatal(i, err)
		}
	}
	if n := len(s.Calls()); n > 10 {
		t.Errorf("%d calls kept, want at most 10", n)
	}
	if !s.WaitUntil(5*time.Second, func() bool { return len(posted) == 25 }) {
		t.Errorf("OnCall saw %d posts", len(posted))
	}
	if c := <-posted; c.Channel != "CB00001" || c.TS == "" || c.At.IsZero() {
		t.Errorf("OnCall got %+v", c)
	}
}

func TestStrictChannels(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{Strict: true})
	s.AddChannel(slacktest.Channel{ID: "CNOBOT", Name: "elsewhere"})
	s.AddChannel(slacktest.Channel{ID: "CBOT", Name: "triage", Members: []string{slacktest.BotUserID}})
	api := client(s, s.BotToken(), nil)
	for ch, want := range map[string]string{"CNONE": "channel_not_found", "CNOBOT": "not_in_channel", "CBOT": ""} {
		_, _, err := api.PostMessage(ch, slackgo.MsgOptionText("x", false))
		if (want == "" && err != nil) || (want != "" && (err == nil || err.Error() != want)) {
			t.Errorf("post into %s: %v, want %q", ch, err, want)
		}
	}
	s.ArchiveChannel("CBOT")
	if _, _, err := api.PostMessage("CBOT", slackgo.MsgOptionText("x", false)); err == nil || err.Error() != "is_archived" {
		t.Errorf("archived: %v", err)
	}
}

// BenchmarkPostMessage is what one card costs the fake, recording bounded as a benchmark
// would run it.
func BenchmarkPostMessage(b *testing.B) {
	s := slacktest.New(slacktest.Options{ImplicitUsers: true, MaxCalls: 1000})
	defer s.Close()
	api := client(s, s.BotToken(), nil)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := api.PostMessage("CB00001", slackgo.MsgOptionText("card", false)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// A grant's IDToken shape bends the ID token as a relying party must refuse it: another
// app's audience, another sign-in's nonce, a key the JWKS does not publish.
func TestIDTokenShapes(t *testing.T) {
	s := slacktest.Start(t, slacktest.Options{})
	res, err := http.Get(s.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var keys jose.JSONWebKeySet
	_ = json.NewDecoder(res.Body).Decode(&keys)
	res.Body.Close()
	claims := func(t *testing.T, shape slacktest.IDTokenShape) (map[string]any, error) {
		code := s.IssueCode(slacktest.Grant{User: "U7", Nonce: "mine", IDToken: shape})
		tok, err := slackgo.GetOpenIDConnectTokenContext(context.Background(), http.DefaultClient, s.ClientID(), s.ClientSecret(), code, "",
			slackgo.OAuthOptionAPIURL(s.APIURL()))
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.ParseSigned(tok.IdToken, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		if h := parsed.Headers[0].KeyID; h != slacktest.KeyID {
			t.Errorf("kid %q", h)
		}
		var cl map[string]any
		return cl, parsed.Claims(keys.Keys[0].Key, &cl)
	}
	if cl, err := claims(t, slacktest.IDTokenShape{}); err != nil || cl["aud"] != s.ClientID() || cl["nonce"] != "mine" {
		t.Errorf("a right token: %v %v", cl, err)
	}
	if cl, err := claims(t, slacktest.IDTokenShape{Audience: "999.999"}); err != nil || cl["aud"] != "999.999" {
		t.Errorf("another audience: %v %v", cl, err)
	}
	if cl, err := claims(t, slacktest.IDTokenShape{Nonce: "theirs"}); err != nil || cl["nonce"] != "theirs" {
		t.Errorf("another nonce: %v %v", cl, err)
	}
	if _, err := claims(t, slacktest.IDTokenShape{ForeignKey: true}); err == nil {
		t.Error("a token signed by a foreign key verifies against the JWKS")
	}
}
