package web

import (
	"context"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// Defaults of Config's optional fields.
const (
	defaultSessionTTL = 12 * time.Hour
	// defaultRoleRecheck is how often a platform sign-in's roles are checked again.
	defaultRoleRecheck = 10 * time.Minute
	// requestTimeout bounds the work one request may do.
	requestTimeout = 10 * time.Second
)

// Config are the Server's dependencies and settings. Service and Accounts are required; the
// rest default as documented.
type Config struct {
	Service *core.Service
	// Accounts owns web accounts, their sessions and sign-in limits, and API tokens.
	Accounts *core.Accounts
	// Throttle is the shared rate limiter (API tokens).
	Throttle *core.Throttle
	// Clock tells the time for cookies and relative times [core.SystemClock].
	Clock core.Clock
	// Log receives internal errors with their ids [discarded].
	Log *slog.Logger
	// SecureCookies marks the session cookie Secure (and names it with the __Host- prefix);
	// set it when the dashboard is served over HTTPS.
	SecureCookies bool
	// SessionTTL is how long a dashboard sign-in lasts [12h].
	SessionTTL time.Duration
	// APILimit bounds requests per API token [50 per second, burst 200].
	APILimit core.Limit
	// TrustedProxies are the networks whose X-Forwarded-For is believed: the client address
	// (for sign-in limits and logs) is the rightmost address of the chain not in them.
	TrustedProxies []netip.Prefix
	// PublicURL is where people reach ticketbot (TICKETBOT_PUBLIC_URL); sign-in redirects
	// come back under it [http://localhost:8080].
	PublicURL string
	// Names are the names of workspaces and people shown instead of ids [ids only].
	Names *core.Names
	// RoleRecheck is how often a platform sign-in's roles are asked of the platform again
	// [10m]; a negative value never asks again.
	RoleRecheck time.Duration
	// Slack and Discord, when set, enable Sign in with Slack and with Discord.
	Slack   *SlackSignIn
	Discord *DiscordSignIn
	// Live, when set, streams ticket changes to the dashboard (GET /events); without it the
	// dashboard polls.
	Live *core.Live
	// Heartbeat is how often an idle event stream sends a comment [20s].
	Heartbeat time.Duration
	// Views, when set, lets staff save the queue's filters as named views.
	Views *core.Views
	// Webhooks, when set, serves /api/v1/webhooks and the dashboard's webhooks page.
	Webhooks *core.Webhooks
}

// Server serves the REST API v1 and the staff dashboard.
type Server struct {
	cfg      Config
	svc      *core.Service
	accounts *core.Accounts
	clock    core.Clock
	log      *slog.Logger
	pages    map[string]*template.Template
	static   fs.FS
	assetV   string // content hash of the static files, for cache busting
	cop      *http.CrossOriginProtection
	// providers are the configured platform sign-ins.
	providers []signInProvider
	// streams and heartbeat are the event streams' (events.go).
	streams   *streams
	heartbeat time.Duration
}

// New builds a Server. Errors: invalid (no Service or Accounts), internal (templates).
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Accounts == nil || cfg.Throttle == nil {
		return nil, core.Errorf(core.EInvalid, "web.New: a Service, an Accounts service and a Throttle are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = core.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RoleRecheck == 0 {
		cfg.RoleRecheck = defaultRoleRecheck
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = defaultSessionTTL
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = defaultHeartbeat
	}
	if cfg.APILimit == (core.Limit{}) {
		cfg.APILimit = core.Limit{Rate: 50, Period: time.Second, Burst: 200}
	}
	s := &Server{
		cfg:       cfg,
		svc:       cfg.Service,
		accounts:  cfg.Accounts,
		clock:     cfg.Clock,
		log:       cfg.Log,
		cop:       http.NewCrossOriginProtection(),
		streams:   newStreams(),
		heartbeat: cfg.Heartbeat,
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, nil, &httpError{status: http.StatusForbidden, code: core.EForbidden,
			message: "forms from other sites are not accepted"})
	}))
	s.providers = s.signInProviders()
	var err error
	if s.static, s.assetV, err = staticFiles(); err != nil {
		return nil, core.Internal("web.New", err)
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, core.Internal("web.New", err)
	}
	return s, nil
}

// route is one pattern the Server registers.
type route struct {
	pattern string
	handler http.Handler
}

// Routes registers the REST API under /api/v1/, the dashboard under / (with /login, /logout
// and /static/), the requesters' portal under /portal and platform sign-in under /auth/ on mux. It registers nothing under /slack/, /discord/, /healthz, /readyz or
// /metrics.
func (s *Server) Routes(mux *http.ServeMux) {
	for _, r := range s.routes() {
		mux.Handle(r.pattern, r.handler)
	}
}

// routes lists every route: the API's first, then the dashboard's.
func (s *Server) routes() []route {
	return slices.Concat(s.apiRoutes(), s.dashboardRoutes(), s.eventsRoutes(), s.viewsRoutes(), s.portalRoutes(), s.signInRoutes())
}

// apiRoutes are the REST API v1; each is described in the OpenAPI document.
func (s *Server) apiRoutes() []route {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, core.Actor)) route {
		return route{pattern, s.common(s.authAPI(h))}
	}
	return []route{
		api("GET /api/v1/tickets", s.apiListTickets),
		api("POST /api/v1/tickets", s.apiCreateTicket),
		api("GET /api/v1/tickets/{id}", s.apiGetTicket),
		api("PATCH /api/v1/tickets/{id}", s.apiPatchTicket),
		api("GET /api/v1/tickets/{id}/messages", s.apiListMessages),
		api("POST /api/v1/tickets/{id}/messages", s.apiPostMessage),
		api("GET /api/v1/workspaces", s.apiListWorkspaces),
		api("GET /api/v1/workspaces/{ws}/settings", s.apiGetSettings),
		api("PATCH /api/v1/workspaces/{ws}/settings", s.apiPatchSettings),
		api("GET /api/v1/workspaces/{ws}/categories", s.apiListCategories),
		api("POST /api/v1/workspaces/{ws}/categories", s.apiCreateCategory),
		api("GET /api/v1/workspaces/{ws}/categories/{id}", s.apiGetCategory),
		api("PATCH /api/v1/workspaces/{ws}/categories/{id}", s.apiPatchCategory),
		api("DELETE /api/v1/workspaces/{ws}/categories/{id}", s.apiDeleteCategory),
		api("GET /api/v1/tickets/{id}/transcript", s.apiTranscript),
		api("GET /api/v1/workspaces/{ws}/saved-replies", s.apiListSavedReplies),
		api("POST /api/v1/workspaces/{ws}/saved-replies", s.apiCreateSavedReply),
		api("GET /api/v1/workspaces/{ws}/saved-replies/{id}", s.apiGetSavedReply),
		api("PATCH /api/v1/workspaces/{ws}/saved-replies/{id}", s.apiPatchSavedReply),
		api("DELETE /api/v1/workspaces/{ws}/saved-replies/{id}", s.apiDeleteSavedReply),
		api("GET /api/v1/stats", s.apiStats),
		api("GET /api/v1/webhooks", s.apiListWebhooks),
		api("POST /api/v1/webhooks", s.apiCreateWebhook),
		api("GET /api/v1/webhooks/{id}", s.apiGetWebhook),
		api("PATCH /api/v1/webhooks/{id}", s.apiPatchWebhook),
		api("DELETE /api/v1/webhooks/{id}", s.apiDeleteWebhook),
		api("GET /api/v1/webhooks/{id}/deliveries", s.apiWebhookDeliveries),
		api("POST /api/v1/webhooks/{id}/test", s.apiTestWebhook),
		{"GET /api/v1/openapi.json", s.common(http.HandlerFunc(s.apiOpenAPI))},
		// Everything else under /api/ answers in JSON too (404, or 405 with Allow).
		{"/api/", s.common(http.HandlerFunc(s.apiFallback))},
	}
}

// dashboardRoutes are the HTML pages, forms and static files.
func (s *Server) dashboardRoutes() []route {
	page := func(pattern string, h func(http.ResponseWriter, *http.Request, *viewer)) route {
		return route{pattern, s.common(s.dashboard(h, false))}
	}
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request, *viewer)) route {
		return route{pattern, s.common(s.dashboard(h, true))}
	}
	return []route{
		{"GET /login", s.common(http.HandlerFunc(s.loginPage))},
		{"POST /login", s.common(s.cop.Handler(http.HandlerFunc(s.login)))},
		page("POST /logout", s.logout),
		page("GET /{$}", s.listPage),
		page("GET /tickets/{id}", s.ticketPage),
		page("GET /reports", s.reportsPage),
		page("GET /reports/{table}", s.reportsCSV),
		page("POST /tickets/{id}/status", s.postStatus),
		page("POST /tickets/{id}/priority", s.postPriority),
		page("POST /tickets/{id}/assignee", s.postAssignee),
		page("POST /tickets/{id}/messages", s.postReply),
		page("GET /tickets/{id}/transcript", s.transcriptDownload),
		page("POST /tickets/bulk", s.postBulk),
		admin("GET /admin/accounts", s.accountsPage),
		admin("POST /admin/accounts", s.postAccount),
		admin("POST /admin/accounts/{name}/delete", s.postDeleteAccount),
		admin("POST /admin/accounts/{name}/role", s.postAccountRole),
		admin("POST /admin/accounts/{name}/password", s.postAccountPassword),
		page("GET /account/password", s.passwordPage),
		page("POST /account/links/delete", s.postUnlink),
		page("GET /workspace", s.workspacePage),
		page("POST /workspace", s.postWorkspace),
		page("POST /account/password", s.postPassword),
		admin("GET /admin/tokens", s.tokensPage),
		admin("POST /admin/tokens", s.postToken),
		admin("POST /admin/tokens/{name}/revoke", s.postRevokeToken),
		admin("GET /admin/helpdesk", s.helpdeskPage),
		admin("POST /admin/helpdesk/hours", s.postHours),
		admin("POST /admin/helpdesk/categories", s.postCategory),
		admin("POST /admin/helpdesk/categories/{id}", s.postCategoryEdit),
		admin("GET /admin/saved-replies", s.savedRepliesPage),
		admin("POST /admin/saved-replies", s.postSavedReply),
		admin("POST /admin/saved-replies/{id}/delete", s.postDeleteSavedReply),
		admin("GET /admin/settings", s.settingsPage),
		admin("POST /admin/settings", s.postSettings),
		admin("GET /admin/sla", s.slaPage),
		admin("POST /admin/sla", s.postSLA),
		admin("GET /admin/webhooks", s.webhooksPage),
		admin("POST /admin/webhooks", s.postWebhook),
		admin("POST /admin/webhooks/{id}/{action}", s.postWebhookAction),
		{"GET /static/", s.common(s.staticHandler())},
	}
}

// common wraps every handler: security headers, a deadline, and panic recovery.
func (s *Server) common(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.securityHeaders(w)
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err, ok := v.(error)
				if !ok {
					err = errors.New("panic: " + slog.AnyValue(v).String())
				}
				s.internalError(w, r, core.Internal("web.panic", err))
			}
		}()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// securityHeaders are set on every response.
func (s *Server) securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if s.cfg.SecureCookies {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// internalError answers a failure of a request, in JSON under /api/ and as a page elsewhere.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, nil, err)
}
