package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

// viewLinks are the saved views the queue shows: name → link.
func viewLinks(body []byte) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<a class="view-link[^"]*" href="([^"]*)" data-view="\d+"[^>]*>([^<]*)</a>`).FindAllSubmatch(body, -1) {
		out[string(m[2])] = strings.ReplaceAll(string(m[1]), "&amp;", "&")
	}
	return out
}

// TestSavedViews: staff save the queue's filters under a name, see them as links (the
// current one marked), rename and delete them; each person sees only their own.
func TestSavedViews(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL)
		h.account("sam", core.RoleStaff, staffPass)
		h.account("ivy", core.RoleStaff, staffPass)
		sam := h.browser()
		sam.login("sam", staffPass)
		page := sam.get("/?priority=urgent&assignee=none&done=bulk")
		wantStatus(t, page, http.StatusOK)
		m := regexp.MustCompile(`name="query" value="([^"]*)"`).FindSubmatch(page.body)
		if m == nil {
			t.Fatal("the queue has no save-view form")
		}
		query := strings.ReplaceAll(string(m[1]), "&amp;", "&")
		if query != "assignee=none&priority=urgent" {
			t.Errorf("the form would save %q, want the filters without the flash", query)
		}

		r := sam.post("/views", url.Values{"name": {"Urgent, nobody on it"}, "query": {query + "&cursor=x&done=bulk"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/?assignee=none&done=view_saved&priority=urgent" {
			t.Errorf("after saving: Location %q", loc)
		}
		body := sam.get("/?assignee=none&priority=urgent").body
		if got := viewLinks(body); got["Urgent, nobody on it"] != "/?assignee=none&priority=urgent" {
			t.Fatalf("views %v", got)
		}
		if !strings.Contains(string(body), `data-view="`) || !regexp.MustCompile(`class="view-link active"[^>]*aria-current="page"`).Match(body) {
			t.Error("the current view is not marked")
		}
		if regexp.MustCompile(`class="view-link active"`).Match(sam.get("/").body) {
			t.Error("a view is marked on a queue with other filters")
		}
		wantStatus(t, sam.post("/views", url.Values{"name": {"Urgent, nobody on it"}, "query": {"status=all"}}), http.StatusConflict)
		wantStatus(t, sam.post("/views", url.Values{"name": {"  "}, "query": {"status=all"}}), http.StatusBadRequest)

		ivy := h.browser()
		ivy.login("ivy", staffPass)
		if got := viewLinks(ivy.get("/").body); len(got) != 0 {
			t.Errorf("ivy sees sam's views: %v", got)
		}
		id := regexp.MustCompile(`data-view="(\d+)"`).FindSubmatch(body)[1]
		wantStatus(t, ivy.post("/views/"+string(id)+"/delete", url.Values{}), http.StatusNotFound)
		wantStatus(t, ivy.post("/views/"+string(id)+"/rename", url.Values{"name": {"mine"}}), http.StatusNotFound)

		r = sam.post("/views/"+string(id)+"/rename", url.Values{"name": {"Urgent queue"}, "back": {"priority=urgent&assignee=none"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/?assignee=none&done=view_renamed&priority=urgent" {
			t.Errorf("after renaming: Location %q", loc)
		}
		if got := viewLinks(sam.get("/").body); got["Urgent queue"] == "" || len(got) != 1 {
			t.Errorf("after renaming: %v", got)
		}
		wantStatus(t, sam.post("/views/"+string(id)+"/delete", url.Values{}), http.StatusSeeOther)
		if got := viewLinks(sam.get("/").body); len(got) != 0 {
			t.Errorf("after deleting: %v", got)
		}
	})
}
