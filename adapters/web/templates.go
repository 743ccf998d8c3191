package web

import (
	"bytes"
	"embed"
	"fmt"
	"hash/fnv"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ticketbot/ticketbot/core"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the dashboard's pages; each templates/NAME.html defines "content" for the
// shared layout.
var pageNames = []string{"login", "list", "ticket", "accounts", "tokens", "password", "error", "workspace", "saved_replies", "settings", "helpdesk", "webhooks", "sla", "reports"}

// page is what every template gets; Body holds the page's own data.
type page struct {
	Title  string
	Nav    string
	Viewer *viewer
	Flash  flashMsg
	Error  string
	Body   any
	// Names are the names of the workspaces the page shows (nil: shown by id).
	Names *nameBook
}

// parseTemplates parses the layout with each page.
func (s *Server) parseTemplates() (map[string]*template.Template, error) {
	funcs := s.templateFuncs()
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range append(slices.Clone(pageNames), portalPageNames...) {
		layout := "templates/layout.html"
		if slices.Contains(portalPageNames, name) {
			layout = "templates/portal_layout.html"
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
			layout, "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render executes page name into a buffer (so a template error never sends half a page) and
// writes it with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		id := errorID()
		s.log.Error("web: template failed", "error_id", id, "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "an internal error occurred (error id "+id+")", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorView is the error page's data.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// pageError renders err as a page with its status (internal errors logged with an id).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	status, _, msg, retry := s.describe(r, err)
	if retry > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int((retry+time.Second-1)/time.Second)))
	}
	heading := http.StatusText(status)
	switch status {
	case http.StatusNotFound:
		heading = "Not found"
	case http.StatusForbidden:
		heading = "Not allowed"
	case http.StatusServiceUnavailable:
		heading = "Temporarily unavailable"
		msg = "The database or the shared state store is not answering. Try again in a moment."
	}
	s.render(w, r, status, "error", page{Title: heading, Viewer: v,
		Body: errorView{Status: status, Heading: heading, Message: upperFirst(msg)}})
}

// flashes are the confirmations shown after a form redirected (?done=CODE); only these fixed
// texts can appear, so the parameter cannot inject anything.
var flashes = map[string]string{
	"signed_out":       "You are signed out.",
	"status":           "Status updated.",
	"priority":         "Priority updated.",
	"assignee":         "Assignee updated.",
	"reply":            "Reply posted. It is on its way to the ticket's thread.",
	"reply_dup":        "That reply was already posted.",
	"note":             "Internal note added. Only staff see it.",
	"bulk":             "The chosen tickets were changed.",
	"bulk_partial":     "Some of the chosen tickets could not be changed (already so, or not allowed); the others were.",
	"account":          "Account created.",
	"sla_saved":        "SLA settings saved. New targets apply to tickets from their next change on.",
	"webhook_test":     "Test event queued; it appears in the log below once sent.",
	"webhook_saved":    "Endpoint saved.",
	"webhook_gone":     "Endpoint removed.",
	"account_gone":     "Account deleted.",
	"account_role":     "Role changed. That account was signed out everywhere.",
	"account_password": "Password reset. That account was signed out everywhere.",
	"password":         "Password changed. Your other sessions were signed out.",
	"linked":           "Linked. Tickets assigned to that identity in chat are yours here.",
	"unlinked":         "Unlinked.",
	"token_gone":       "Token revoked. Requests with it now fail.",
	"opened":           "Ticket opened. The helpdesk has been told; replies appear here.",
	"portal_reply":     "Reply sent to the helpdesk.",
	"portal_closed":    "Ticket closed. Reopen it if you still need help.",
	"portal_reopened":  "Ticket reopened. The helpdesk has been told.",
	"view_saved":       "View saved. It is listed under the status tabs.",
	"view_renamed":     "View renamed.",
	"view_deleted":     "View deleted.",
	"hours":            "Support hours saved.",
	"category":         "Category saved.",
	"category_gone":    "Category deleted. Its tickets keep their answers.",
	"portal_rated":     "Thanks for your rating.",
	"saved_reply":      "Saved reply sent to the requester.",
	"saved":            "Saved reply saved.",
	"saved_gone":       "Saved reply deleted.",
	"settings":         "Settings saved.",
}

// flashMsg is a confirmation to show, and its code (for the page's markup and tests).
type flashMsg struct{ Code, Text string }

func flash(r *http.Request) flashMsg {
	code := r.URL.Query().Get("done")
	if text, ok := flashes[code]; ok {
		return flashMsg{Code: code, Text: text}
	}
	return flashMsg{}
}

// templateFuncs are the helpers the templates use.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"rel":          func(t time.Time) string { return relTime(s.clock.Now(), t) },
		"abs":          func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 MST") },
		"iso":          func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"asset":        func(name string) string { return "/static/" + name + "?v=" + s.assetV },
		"statusLabel":  statusLabel,
		"liveOn":       func() bool { return s.cfg.Live != nil },
		"stars":        func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", max(5-n, 0)) },
		"ratingScores": func() []int { return []int{1, 2, 3, 4, 5} },
		"prioLabel":    func(p core.Priority) string { return upperFirst(string(p)) },
		"who":          who,
		"initials":     initials,
		"avatarClass":  avatarClass,
		"wsLabel":      wsLabel,
		"scopes":       func() []core.Scope { return []core.Scope{core.ScopeRead, core.ScopeWrite, core.ScopeAdmin} },
		"deref":        func(t *time.Time) time.Time { return *t },
		"slaLine":      func(t core.Ticket) string { return t.SLA.Line(s.clock.Now()) },
		"slaBreached": func(t core.Ticket) bool {
			now := s.clock.Now()
			return t.SLA.FirstResponse(now).Breached || t.SLA.Resolution(now).Breached
		},
		"strp": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"platform":      func(ws core.Workspace) string { return string(ws.Platform) },
		"statuses":      core.Statuses,
		"priorities":    core.Priorities,
		"sourceLabel":   sourceLabel,
		"roleLabel":     func(r core.Role) string { return upperFirst(string(r)) },
		"truncate":      truncate,
		"changeText":    changeText,
		"isActive":      func(st core.Status) bool { return !st.Terminal() },
		"ticketURL":     func(id int64) string { return fmt.Sprintf("/tickets/%d", id) },
		"pluralize":     pluralize,
		"supportDur":    supportDuration,
		"isAPIAccount":  func(u core.UserRef) bool { return strings.HasPrefix(u.ID, "api:") },
		"questionsText": questionsText,
	}
}

// relTime says how long ago t was, the way people do.
func relTime(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < 90*time.Second:
		return "a minute ago"
	case d < 45*time.Minute:
		return fmt.Sprintf("%d minutes ago", int(d.Round(time.Minute)/time.Minute))
	case d < 90*time.Minute:
		return "an hour ago"
	case d < 22*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Round(time.Hour)/time.Hour))
	case d < 36*time.Hour:
		return "yesterday"
	case d < 26*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Round(24*time.Hour)/(24*time.Hour)))
	case t.Year() == now.Year():
		return t.UTC().Format("2 Jan")
	}
	return t.UTC().Format("2 Jan 2006")
}

func statusLabel(st core.Status) string {
	if st == core.StatusInProgress {
		return "In progress"
	}
	return upperFirst(string(st))
}

func sourceLabel(src string) string {
	switch src {
	case "slack":
		return "Slack"
	case "discord":
		return "Discord"
	case "web":
		return "Dashboard"
	case "api":
		return "API"
	}
	return src
}

// who names a user for people: the name, else the id.
func who(u core.UserRef) string {
	switch {
	case u.Name != "":
		return u.Name
	case u.ID != "":
		return u.ID
	}
	return "nobody"
}

// initials are the avatar letters of a name.
func initials(name string) string {
	var out []rune
	for _, f := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r, _ := utf8.DecodeRuneInString(f)
		out = append(out, unicode.ToUpper(r))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// avatarClass picks one of eight avatar colours, the same for the same person every time.
func avatarClass(id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return fmt.Sprintf("av%d", h.Sum32()%8)
}

// wsLabel renders a workspace as "Slack · T123".
func wsLabel(ws core.Workspace) string {
	return sourceLabel(string(ws.Platform)) + " · " + ws.ExternalID
}

func truncate(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// changeText describes one history entry after its actor's name.
func changeText(c core.Change) string {
	switch c.Field {
	case "created":
		return "opened the ticket"
	case "status":
		return "changed the status from " + statusLabel(core.Status(c.From)) + " to " + statusLabel(core.Status(c.To))
	case "priority":
		return "changed the priority from " + upperFirst(c.From) + " to " + upperFirst(c.To)
	case "assignee":
		switch {
		case c.To == "":
			return "unassigned " + userIDText(c.From)
		case c.From == "":
			return "assigned the ticket to " + userIDText(c.To)
		}
		return "reassigned the ticket from " + userIDText(c.From) + " to " + userIDText(c.To)
	case "reminder":
		return "reminded the requester that the ticket waits for their reply"
	case "csat":
		return "asked the requester to rate the ticket"
	case "rating":
		if c.From != "" {
			return "changed the rating from " + c.From + "/5 to " + c.To + "/5"
		}
		return "rated the ticket " + c.To + "/5"
	}
	if c.From == "" && c.To == "" {
		return "changed " + c.Field
	}
	return "changed " + c.Field + " from " + c.From + " to " + c.To
}

// userIDText renders a stored user id: dashboard and API accounts by name.
func userIDText(id string) string {
	for _, p := range []string{"web:", "api:"} {
		if name, ok := strings.CutPrefix(id, p); ok {
			return name
		}
	}
	return id
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
