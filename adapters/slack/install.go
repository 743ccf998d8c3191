package slack

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/ticketbot/ticketbot/core"
)

// Install (OAuth v2): PathInstall starts it, PathInstallCallback (manifest.go) ends it.
const (
	PathInstall = "/slack/install"
	// installCookie binds an install's state to the browser that started it.
	installCookie = "tb_slack_install"
)

// oauthApp is what installs need: the app's OAuth credentials and where Slack's pages are.
type oauthApp struct {
	clientID, clientSecret string
	authorizeURL           string // https://slack.com/oauth/v2/authorize
	redirectURI            string // PublicURL + PathInstallCallback
	apiURL                 string
	http                   *http.Client
	secure                 bool // the public URL is https: cookies are Secure
}

// newOAuthApp builds the install configuration from c, or nil when installs are off.
func newOAuthApp(c Config) (*oauthApp, error) {
	if c.ClientID == "" || c.ClientSecret == "" || c.Installs == nil {
		return nil, nil
	}
	pub, err := url.Parse(c.PublicURL)
	if err != nil || pub.Host == "" {
		return nil, core.Errorf(core.EInvalid, "slack.New: installs need the public URL (TICKETBOT_PUBLIC_URL) for the OAuth redirect")
	}
	return &oauthApp{
		clientID: c.ClientID, clientSecret: c.ClientSecret,
		authorizeURL: authorizeURL(c.APIURL),
		redirectURI:  strings.TrimSuffix(c.PublicURL, "/") + PathInstallCallback,
		apiURL:       c.APIURL, http: c.HTTPClient, secure: pub.Scheme == "https",
	}, nil
}

// authorizeURL is Slack's install page for the Web API at apiURL: beside it on the same host
// for an API served under /api/ (Slack's own, or a fake), else slack.com's.
func authorizeURL(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil || !strings.HasSuffix(u.Path, "/api/") {
		return "https://slack.com/oauth/v2/authorize"
	}
	u.Path = strings.TrimSuffix(u.Path, "api/") + "oauth/v2/authorize"
	u.RawQuery = ""
	return u.String()
}

// installRoutes registers the install endpoints when installs are configured.
func (a *Adapter) installRoutes(mux *http.ServeMux) {
	if a.oauth == nil {
		return
	}
	mux.HandleFunc("GET "+PathInstall, a.guard(a.serveInstall))
	mux.HandleFunc("GET "+PathInstallCallback, a.guard(a.serveOAuthCallback))
}

// serveInstall sends the browser to Slack's install page with a fresh single-use state,
// also kept in a cookie so the callback must come back to the browser that started it.
func (a *Adapter) serveInstall(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), handlerTimeout)
	defer cancel()
	state, err := a.installs.NewState(ctx)
	if err != nil {
		a.log.Warn("slack: could not start an install", "err", err)
		installPage(w, http.StatusServiceUnavailable, "The install could not start", "ticketbot could not store the install's state. Try again in a minute.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: installCookie, Value: state, Path: PathInstallCallback, MaxAge: 600,
		HttpOnly: true, Secure: a.oauth.secure, SameSite: http.SameSiteLaxMode})
	q := url.Values{
		"client_id":    {a.oauth.clientID},
		"scope":        {strings.Join(RequiredScopes(), ",")},
		"redirect_uri": {a.oauth.redirectURI},
		"state":        {state},
	}
	http.Redirect(w, r, a.oauth.authorizeURL+"?"+q.Encode(), http.StatusFound)
}

// serveOAuthCallback checks the state, exchanges the code (oauth.v2.access) and stores the
// team's bot token sealed; from then on that team's requests use it.
func (a *Adapter) serveOAuthCallback(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*apiTimeout)
	defer cancel()
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: installCookie, Path: PathInstallCallback, MaxAge: -1, HttpOnly: true, Secure: a.oauth.secure})
	if e := q.Get("error"); e != "" {
		installPage(w, http.StatusBadRequest, "The app was not installed", "Slack said: "+e+". Start again at "+PathInstall+" if you meant to install it.")
		return
	}
	state := q.Get("state")
	c, err := r.Cookie(installCookie)
	if err != nil || state == "" || c.Value != state {
		installPage(w, http.StatusBadRequest, "This install link is not yours", "Start the install again at "+PathInstall+" in this browser.")
		return
	}
	if err := a.installs.TakeState(ctx, state); err != nil {
		status := http.StatusBadRequest
		if !core.IsCode(err, core.EInvalid) {
			status = http.StatusServiceUnavailable
		}
		installPage(w, status, "The install link expired", core.ErrorMessage(err))
		return
	}
	resp, err := slackgo.GetOAuthV2ResponseContext(ctx, a.oauth.http, a.oauth.clientID, a.oauth.clientSecret,
		q.Get("code"), a.oauth.redirectURI, slackgo.OAuthOptionAPIURL(a.oauth.apiURL))
	if err != nil {
		a.log.Warn("slack: oauth.v2.access failed", "err", classify("oauth.v2.access", err))
		installPage(w, http.StatusBadGateway, "Slack did not confirm the install", "Start the install again at "+PathInstall+".")
		return
	}
	team := resp.Team.ID
	if !validTeam(team) || resp.AccessToken == "" || resp.TokenType != "bot" {
		installPage(w, http.StatusBadGateway, "Slack did not confirm the install", "Slack's answer had no bot token for a workspace.")
		return
	}
	by := core.UserRef{ID: resp.AuthedUser.ID}
	if err := a.installs.Save(ctx, workspace(team), resp.AccessToken, resp.BotUserID, resp.Scope, by); err != nil {
		a.log.Error("slack: could not store an install", "team", team, "err", err)
		installPage(w, http.StatusServiceUnavailable, "The install could not be saved", core.ErrorMessage(err))
		return
	}
	a.teams.forget(team, false)
	a.log.Info("slack: app installed", "team", team, "team_name", resp.Team.Name, "by", by.ID)
	installPage(w, http.StatusOK, "ticketbot is installed in "+resp.Team.Name,
		"Next, in Slack: create a private channel for your staff, invite the bot (/invite @ticketbot) and run /ticket setup #that-channel in it.")
}

var installTemplate = template.Must(template.New("install").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

// installPage answers with a short HTML page.
func installPage(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = installTemplate.Execute(w, struct{ Title, Text string }{title, text})
}
