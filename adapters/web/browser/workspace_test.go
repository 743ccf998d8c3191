package browser_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ticketbot/ticketbot/adapters/discord/discordtest"
	"github.com/ticketbot/ticketbot/adapters/web"
	"github.com/ticketbot/ticketbot/core"
)

// staffRoles makes the listed users staff ("workspace/user"); everyone else is a requester.
type staffRoles map[string]bool

func (s staffRoles) SignInRole(_ context.Context, ws core.Workspace, user string) (core.Role, error) {
	if s[ws.String()+"/"+user] {
		return core.RoleStaff, nil
	}
	return core.RoleRequester, nil
}

// TestWorkspaceChoice: a member of the staff of two Discord servers signs in with Discord,
// chooses the server to work in, sees only its tickets, and switches in the header.
func TestWorkspaceChoice(t *testing.T) {
	api := discordtest.NewAPI("bot-token")
	t.Cleanup(api.Close)
	alpha := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "1029384756"}
	beta := core.Workspace{Platform: core.PlatformDiscord, ExternalID: "5647382910"}
	api.AddGuild(discordtest.Guild{ID: alpha.ExternalID, Name: "Gamers Guild", OwnerID: "1"})
	api.AddGuild(discordtest.Guild{ID: beta.ExternalID, Name: "Modding Crew", OwnerID: "1"})
	for _, g := range []core.Workspace{alpha, beta} {
		api.AddMember(g.ExternalID, discordtest.Member{User: discordtest.User{ID: "4242", Name: "Kim"}})
	}
	h := newHarnessWith(t, "sqlite://"+t.TempDir()+"/t.db", func(c *web.Config) {
		c.Discord = &web.DiscordSignIn{ClientID: discordtest.AppID, ClientSecret: discordtest.ClientSecret,
			APIURL: api.URL(), HTTPClient: api.Client(), Roles: staffRoles{alpha.String() + "/4242": true, beta.String() + "/4242": true}}
	})
	ctx := context.Background()
	for _, s := range []struct {
		ws    core.Workspace
		title string
	}{{alpha, "Voice channel keeps dropping"}, {beta, "Mod pack fails to load"}} {
		if _, err := h.svc.OpenTicket(ctx, core.Actor{User: core.UserRef{ID: "777", Name: "player"}, Role: core.RoleRequester, Workspace: s.ws},
			core.OpenInput{Workspace: s.ws, Title: s.title}); err != nil {
			t.Fatal(err)
		}
	}
	api.SignInAs(discordtest.Grant{User: discordtest.User{ID: "4242", Name: "Kim"}})

	c := startChrome(t, 1280, 820)
	c.do(t, "sign in with Discord",
		chromedp.Navigate(h.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("signin-discord")),
		chromedp.Click(chromedp.ID("signin-discord")),
		chromedp.WaitVisible(chromedp.ID("workspace-choices")),
	)
	choices := c.text(t, "#workspace-choices")
	if !strings.Contains(choices, "Discord · Gamers Guild") || !strings.Contains(choices, "Discord · Modding Crew") {
		t.Fatalf("choices %q, want both servers by name", choices)
	}
	c.do(t, "choose Modding Crew",
		chromedp.Click(chromedp.CSS(`button[data-workspace="`+beta.String()+`"]`)),
		chromedp.WaitVisible(chromedp.ID("tickets")),
	)
	list := c.text(t, "#tickets")
	if !strings.Contains(list, "Mod pack fails") || strings.Contains(list, "Voice channel") {
		t.Fatalf("Modding Crew's list: %q", list)
	}
	c.shot(t, "workspace-switcher.png", "")
	c.do(t, "switch in the header",
		chromedp.SetValue(chromedp.ID("switch-workspace"), alpha.String()),
		chromedp.Click(chromedp.ID("switch")),
		chromedp.WaitReady(chromedp.CSS(`#switch-workspace option[value="`+alpha.String()+`"][selected]`)),
		chromedp.WaitVisible(chromedp.ID("tickets")),
	)
	c.waitText(t, "#tickets", func(list string) bool {
		return strings.Contains(list, "Voice channel") && !strings.Contains(list, "Mod pack")
	})
}
