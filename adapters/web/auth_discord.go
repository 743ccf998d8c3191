package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ticketbot/ticketbot/core"
)

// DiscordSignIn configures Sign in with Discord (OAuth2, scope "identify guilds").
type DiscordSignIn struct {
	// ClientID and ClientSecret are the application's (DISCORD_APP_ID, DISCORD_CLIENT_SECRET).
	ClientID, ClientSecret string
	// APIURL is the REST API base; oauth2/token, users/@me and users/@me/guilds are under
	// it [https://discord.com/api/v10/].
	APIURL string
	// AuthorizeURL is the authorisation page [APIURL's host + /oauth2/authorize].
	AuthorizeURL string
	// HTTPClient makes the calls to Discord [a client with a 10 s timeout].
	HTTPClient *http.Client
	// Roles tells whether a member has the server's staff role [nobody has]; Manage Server
	// or Administrator (from users/@me/guilds) makes an admin without asking.
	Roles PlatformRoles
}

// discordAdminPermissions are Administrator and Manage Server.
const discordAdminPermissions = 1<<3 | 1<<5

type discordProvider struct {
	s   *Server
	cfg DiscordSignIn
	oc  *oauth2.Config
}

func newDiscordProvider(s *Server, c DiscordSignIn) *discordProvider {
	if c.APIURL == "" {
		c.APIURL = "https://discord.com/api/v10/"
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.AuthorizeURL == "" {
		c.AuthorizeURL = hostRoot(c.APIURL) + "/oauth2/authorize"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: providerTimeout}
	}
	return &discordProvider{s: s, cfg: c, oc: &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: c.AuthorizeURL, TokenURL: c.APIURL + "oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: s.redirectURL("discord"),
		Scopes:      []string{"identify", "guilds"},
	}}
}

func (p *discordProvider) name() string          { return "discord" }
func (p *discordProvider) oauth() *oauth2.Config { return p.oc }
func (p *discordProvider) nonce() bool           { return false }

type discordUser struct {
	ID         string  `json:"id"`
	Username   string  `json:"username"`
	GlobalName *string `json:"global_name"`
}

type discordGuild struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Owner       bool   `json:"owner"`
	Permissions string `json:"permissions"`
}

func (p *discordProvider) identify(ctx context.Context, code string, st core.SignInState) (core.Identity, error) {
	const op = "web.discordSignIn"
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.cfg.HTTPClient)
	tok, err := p.oc.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return core.Identity{}, providerError(op, "Discord", err)
	}
	var (
		me     discordUser
		guilds []discordGuild
	)
	if err := p.get(ctx, tok.AccessToken, "users/@me", &me); err != nil {
		return core.Identity{}, err
	}
	if err := p.get(ctx, tok.AccessToken, "users/@me/guilds", &guilds); err != nil {
		return core.Identity{}, err
	}
	if me.ID == "" {
		return core.Identity{}, core.Errorf(core.EForbidden, "Discord did not say who you are")
	}
	perms := map[core.Workspace]discordGuild{}
	var all []core.Workspace
	for _, g := range guilds {
		ws := core.Workspace{Platform: core.PlatformDiscord, ExternalID: g.ID}
		perms[ws] = g
		all = append(all, ws)
	}
	known, err := p.s.helpdesks(ctx, all)
	if err != nil {
		return core.Identity{}, err
	}
	if len(known) == 0 {
		return core.Identity{}, core.Errorf(core.EForbidden, "ticketbot is not in any of your Discord servers")
	}
	id := core.Identity{Platform: core.PlatformDiscord, User: core.UserRef{ID: me.ID, Name: me.Username}}
	if me.GlobalName != nil && *me.GlobalName != "" {
		id.User.Name = *me.GlobalName
	}
	for _, ws := range known {
		g := perms[ws]
		p.s.cfg.Names.Learn(core.WorkspaceKey(ws), g.Name, true)
		n, _ := strconv.ParseInt(g.Permissions, 10, 64)
		role := core.RoleAdmin
		if !g.Owner && n&discordAdminPermissions == 0 {
			role = p.s.roleIn(ctx, p.cfg.Roles, ws, me.ID)
		}
		id.Memberships = append(id.Memberships, core.Membership{Workspace: ws, Role: role})
	}
	return id, nil
}

// get reads path of the REST API with the user's bearer token into v.
// Errors: forbidden (Discord refused the token), unavailable.
func (p *discordProvider) get(ctx context.Context, token, path string, v any) error {
	const op = "web.discordSignIn"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.APIURL+path, nil)
	if err != nil {
		return core.Internal(op, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return &core.Error{Code: core.EUnavailable, Op: op, Message: "Discord did not answer", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case err != nil:
		return &core.Error{Code: core.EUnavailable, Op: op, Message: "Discord did not answer", Err: err}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return core.Errorf(core.EForbidden, "Discord refused the sign-in")
	case resp.StatusCode != http.StatusOK:
		return &core.Error{Code: core.EUnavailable, Op: op, Message: "Discord did not answer", Err: fmt.Errorf("GET %s: %s", path, resp.Status)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &core.Error{Code: core.EUnavailable, Op: op, Message: "Discord's answer could not be read", Err: err}
	}
	return nil
}
