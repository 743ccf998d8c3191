package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// Dashboard page sizes: the default and the choices.
var (
	listPageSize  = 25
	listPageSizes = []int{25, 50, 100}
)

// maxBulk bounds how many tickets one bulk change touches.
const maxBulk = 100

// activeStatuses are the statuses the list shows by default.
var activeStatuses = []core.Status{core.StatusOpen, core.StatusInProgress, core.StatusWaiting}

// listTab is one status tab of the queue, with its exact count.
type listTab struct {
	Key, Label, URL string
	Count           int64
	Active          bool
}

// listView is the queue's data.
type listView struct {
	Tickets   []core.Ticket
	Snippets  map[int64][]core.SnippetPart
	Tabs      []listTab
	Status    string // "active", "all" or a status
	Workspace string
	Query     string
	Assignee  string // "", "me" or "none"
	Priority  string
	Sort      string
	Size      int
	Sizes     []int
	// Total is the number of tickets in the chosen tab (before the search narrows it).
	Total      int64
	Workspaces []core.Workspace
	NextURL    string
	FirstURL   string
	Filtered   bool
	Back       string // this page's URL, where a bulk change returns
}

// listQuery is the queue's query string: the filters, without the cursor.
func (lv listView) listQuery(status string) url.Values {
	v := url.Values{}
	set := func(k, val, def string) {
		if val != def {
			v.Set(k, val)
		}
	}
	set("status", status, "active")
	set("workspace", lv.Workspace, "")
	set("q", lv.Query, "")
	set("assignee", lv.Assignee, "")
	set("priority", lv.Priority, "")
	set("sort", lv.Sort, string(core.SortCreated))
	set("size", strconv.Itoa(lv.Size), strconv.Itoa(listPageSize))
	return v
}

func listURL(v url.Values) string {
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

// listPage serves GET /: the queue. Tabs count every status exactly; the list is filtered by
// status, workspace, words, assignee (me, nobody, anyone) and priority, sorted by created,
// updated or priority, a page (25, 50 or 100) at a time.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	lv := listView{Status: q.Get("status"), Workspace: q.Get("workspace"), Query: strings.TrimSpace(q.Get("q")),
		Assignee: q.Get("assignee"), Priority: q.Get("priority"), Sort: q.Get("sort"), Size: listPageSize, Sizes: listPageSizes}
	if q.Get("mine") == "1" { // the old "Assigned to me" checkbox
		lv.Assignee = "me"
	}
	if lv.Status == "" {
		lv.Status = "active"
	}
	if lv.Sort == "" {
		lv.Sort = string(core.SortCreated)
	}
	if sz := q.Get("size"); sz != "" {
		n, err := strconv.Atoi(sz)
		if err != nil || !slices.Contains(listPageSizes, n) {
			s.pageError(w, r, v, core.Errorf(core.EInvalid, "page size must be 25, 50 or 100"))
			return
		}
		lv.Size = n
	}
	var statuses []string
	switch lv.Status {
	case "active":
		for _, st := range activeStatuses {
			statuses = append(statuses, string(st))
		}
	case "all":
	default:
		statuses = []string{lv.Status}
	}
	f, _, err := listFilter(lv.Workspace, statuses, lv.Sort, lv.Query, strconv.Itoa(lv.Size), q.Get("cursor"))
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	f.Limit = lv.Size + 1
	switch lv.Assignee {
	case "":
	case "me":
		if f.Assignees, err = s.myIDs(r.Context(), v); err != nil {
			s.pageError(w, r, v, err)
			return
		}
	case "none":
		f.Unassigned = true
	default:
		s.pageError(w, r, v, core.Errorf(core.EInvalid, "assignee must be me or none"))
		return
	}
	if lv.Priority != "" {
		p, err := core.ParsePriority(lv.Priority)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		f.Priorities = []core.Priority{p}
	}
	hits, err := s.listOrSearch(r, v.Actor(), f)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	counts, err := s.svc.CountTickets(r.Context(), v.Actor(), f)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	if lv.Workspaces, err = s.svc.Workspaces(r.Context(), v.Actor()); err != nil {
		s.pageError(w, r, v, err)
		return
	}
	lv.Tabs, lv.Total = queueTabs(lv, counts)
	lv.Filtered = lv.Status != "active" || lv.Workspace != "" || lv.Query != "" || lv.Assignee != "" || lv.Priority != ""
	base := lv.listQuery(lv.Status)
	lv.Back = listURL(base)
	if len(hits) > lv.Size {
		hits = hits[:lv.Size]
		next := lv.listQuery(lv.Status)
		next.Set("cursor", nextCursor(f, hits[len(hits)-1]))
		lv.NextURL = listURL(next)
	}
	if q.Get("cursor") != "" {
		lv.FirstURL = lv.Back
	}
	lv.Snippets = map[int64][]core.SnippetPart{}
	for _, h := range hits {
		lv.Tickets = append(lv.Tickets, h.Ticket)
		if h.Snippet != nil {
			lv.Snippets[h.Ticket.ID] = h.Snippet
		}
	}
	book := s.named(r.Context(), ticketWorkspaces(lv.Tickets, lv.Workspaces...), ticketRefs(lv.Tickets))
	s.render(w, r, http.StatusOK, "list", page{Title: "Tickets", Nav: "tickets", Viewer: v, Flash: flash(r), Body: lv, Names: book})
}

// queueTabs are the tabs Active, each status and All with their counts, and the count of the
// chosen one.
func queueTabs(lv listView, counts core.StatusCounts) ([]listTab, int64) {
	var active int64
	for _, st := range activeStatuses {
		active += counts[st]
	}
	tabs := []listTab{{Key: "active", Label: "Active", Count: active}}
	for _, st := range core.Statuses() {
		tabs = append(tabs, listTab{Key: string(st), Label: statusLabel(st), Count: counts[st]})
	}
	tabs = append(tabs, listTab{Key: "all", Label: "All", Count: counts.Total()})
	var total int64
	for i := range tabs {
		tabs[i].URL = listURL(lv.listQuery(tabs[i].Key))
		if tabs[i].Key == lv.Status {
			tabs[i].Active, total = true, tabs[i].Count
		}
	}
	return tabs, total
}

// postBulk serves POST /tickets/bulk (fields id…, action: assign_me, unassign, status:NAME or
// priority:NAME, and back): each chosen ticket
// is changed through Service.UpdateTicket in its own transaction; the flash says whether
// every one changed.
func (s *Server) postBulk(w http.ResponseWriter, r *http.Request, v *viewer) {
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/"
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 || len(ids) > maxBulk {
		s.pageError(w, r, v, core.Errorf(core.EInvalid, "choose from 1 to %d tickets", maxBulk))
		return
	}
	var u core.TicketUpdate
	action, val, _ := strings.Cut(r.PostForm.Get("action"), ":")
	switch action {
	case "assign_me":
		me := v.Actor().User
		u.Assignee = &me
	case "unassign":
		u.Assignee = &core.UserRef{}
	case "status":
		st, err := core.ParseStatus(val)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		u.Status = &st
	case "priority":
		p, err := core.ParsePriority(val)
		if err != nil || val == "" {
			s.pageError(w, r, v, core.Errorf(core.EInvalid, "choose a priority"))
			return
		}
		u.Priority = &p
	default:
		s.pageError(w, r, v, core.Errorf(core.EInvalid, "choose what to change"))
		return
	}
	done := "bulk"
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err == nil {
			_, err = s.svc.UpdateTicket(r.Context(), v.Actor(), id, u)
		}
		if err != nil {
			done = "bulk_partial"
		}
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"done="+done, http.StatusSeeOther)
}
