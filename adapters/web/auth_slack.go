package web

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ticketbot/ticketbot/core"
)

// SlackSignIn configures Sign in with Slack (OpenID Connect). The defaults are Slack's.
type SlackSignIn struct {
	// ClientID and ClientSecret are the app's (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET).
	ClientID, ClientSecret string
	// APIURL is the Web API base; openid.connect.token is under it [https://slack.com/api/].
	APIURL string
	// AuthorizeURL is Slack's sign-in page [APIURL's host + /openid/connect/authorize, so
	// https://slack.com/openid/connect/authorize].
	AuthorizeURL string
	// Issuer is the ID tokens' iss [https://slack.com].
	Issuer string
	// JWKSURL serves the keys that sign ID tokens [APIURL's host + /openid/connect/keys].
	JWKSURL string
	// HTTPClient makes the calls to Slack [a client with a 10 s timeout].
	HTTPClient *http.Client
	// Roles tells a signed-in user's role in their workspace [everyone is a requester].
	Roles PlatformRoles
}

type slackProvider struct {
	s   *Server
	cfg SlackSignIn
	oc  *oauth2.Config

	once     sync.Once
	verifier *oidc.IDTokenVerifier
}

func newSlackProvider(s *Server, c SlackSignIn) *slackProvider {
	if c.APIURL == "" {
		c.APIURL = "https://slack.com/api/"
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.AuthorizeURL == "" {
		c.AuthorizeURL = hostRoot(c.APIURL) + "/openid/connect/authorize"
	}
	if c.Issuer == "" {
		c.Issuer = "https://slack.com"
	}
	if c.JWKSURL == "" {
		c.JWKSURL = hostRoot(c.APIURL) + "/openid/connect/keys"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: providerTimeout}
	}
	return &slackProvider{s: s, cfg: c, oc: &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: c.AuthorizeURL, TokenURL: c.APIURL + "openid.connect.token",
			AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: s.redirectURL("slack"),
		Scopes:      []string{oidc.ScopeOpenID, "profile"},
	}}
}

func (p *slackProvider) name() string          { return "slack" }
func (p *slackProvider) oauth() *oauth2.Config { return p.oc }
func (p *slackProvider) nonce() bool           { return true }

// idVerifier checks ID tokens against the keys at JWKSURL (fetched once, again for an unknown kid).
func (p *slackProvider) idVerifier() *oidc.IDTokenVerifier {
	p.once.Do(func() {
		keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), p.cfg.HTTPClient), p.cfg.JWKSURL)
		p.verifier = oidc.NewVerifier(p.cfg.Issuer, keys, &oidc.Config{ClientID: p.cfg.ClientID, Now: p.s.clock.Now})
	})
	return p.verifier
}

// slackClaims are the parts of Slack's ID token ticketbot uses.
type slackClaims struct {
	User  string `json:"https://slack.com/user_id"`
	Team  string `json:"https://slack.com/team_id"`
	Name  string `json:"name"`
	Given string `json:"given_name"`
}

func (p *slackProvider) identify(ctx context.Context, code string, st core.SignInState) (core.Identity, error) {
	const op = "web.slackSignIn"
	ctx = oidc.ClientContext(ctx, p.cfg.HTTPClient)
	tok, err := p.oc.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return core.Identity{}, providerError(op, "Slack", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return core.Identity{}, core.Errorf(core.EForbidden, "Slack sent no ID token")
	}
	idt, err := p.idVerifier().Verify(ctx, raw)
	if err != nil {
		return core.Identity{}, &core.Error{Code: core.EForbidden, Op: op, Message: "Slack's ID token did not verify", Err: err}
	}
	if st.Nonce == "" || !validCSRF(st.Nonce, idt.Nonce) {
		return core.Identity{}, core.Errorf(core.EForbidden, "Slack's ID token is not for this sign-in (nonce)")
	}
	var cl slackClaims
	if err := idt.Claims(&cl); err != nil || cl.User == "" || cl.Team == "" || cl.User != idt.Subject {
		return core.Identity{}, core.Errorf(core.EForbidden, "Slack's ID token names no user and workspace")
	}
	ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: cl.Team}
	known, err := p.s.helpdesks(ctx, []core.Workspace{ws})
	if err != nil {
		return core.Identity{}, err
	}
	if len(known) == 0 {
		return core.Identity{}, core.Errorf(core.EForbidden, "ticketbot is not set up in that Slack workspace")
	}
	name := cl.Name
	if name == "" {
		name = cl.Given
	}
	role := p.s.roleIn(ctx, p.cfg.Roles, ws, cl.User)
	return core.Identity{Platform: core.PlatformSlack, User: core.UserRef{ID: cl.User, Name: name},
		Memberships: []core.Membership{{Workspace: ws, Role: role}}}, nil
}
