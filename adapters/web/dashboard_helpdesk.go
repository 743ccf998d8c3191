package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// The helpdesk page (/admin/helpdesk?workspace=WS, admins): a workspace's support hours and
// its ticket categories with their questions. Forms post back to it; a refused form is shown
// again with its error and what was typed.

// weekdays are the keys of core.HoursSpec.Weekly in week order.
var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// helpdeskView is the page's data.
type helpdeskView struct {
	Workspaces []core.Workspace
	Workspace  core.Workspace
	Categories []core.Category
	// Hours form: the zone, one "HH:MM-HH:MM, …" line per weekday, holidays one a line.
	TZ       string
	Days     []dayHours
	Holidays string
	// Offline is what a ticket opened now is told ("" while open).
	Offline string
	// Category form (a new category): name, description, questions one a line.
	NewName, NewDescription, NewQuestions string
}

type dayHours struct{ Day, Ranges string }

func (s *Server) helpdeskPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showHelpdesk(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showHelpdesk(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*helpdeskView)) {
	ctx, actor := r.Context(), v.Actor()
	wss, err := s.svc.Workspaces(ctx, actor)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	hv := helpdeskView{Workspaces: wss}
	if raw := r.FormValue("workspace"); raw != "" {
		if hv.Workspace, err = core.ParseWorkspace(raw); err != nil {
			s.pageError(w, r, v, err)
			return
		}
	} else if len(wss) > 0 {
		hv.Workspace = wss[0]
	}
	if !hv.Workspace.IsZero() {
		st, err := s.svc.AdminSettings(ctx, actor, hv.Workspace)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		spec := st.Hours.Spec()
		hv.TZ, hv.Holidays = spec.TZ, strings.Join(spec.Holidays, "\n")
		for _, d := range weekdays {
			hv.Days = append(hv.Days, dayHours{Day: d, Ranges: strings.Join(spec.Weekly[d], ", ")})
		}
		if hv.Offline, err = s.svc.OfflineNotice(ctx, hv.Workspace); err != nil {
			s.pageError(w, r, v, err)
			return
		}
		if hv.Categories, err = s.svc.Categories(ctx, actor, hv.Workspace); err != nil {
			s.pageError(w, r, v, err)
			return
		}
	}
	if keep != nil {
		keep(&hv)
	}
	s.render(w, r, status, "helpdesk", page{Title: "Helpdesk", Nav: "helpdesk", Viewer: v, Flash: flash(r), Error: errMsg, Body: hv})
}

// helpdeskAnswer shows err on the page when it is the admin's to mend, else as an error page.
func (s *Server) helpdeskAnswer(w http.ResponseWriter, r *http.Request, v *viewer, err error, keep func(*helpdeskView)) {
	switch code := core.ErrorCode(err); code {
	case core.EInvalid, core.EConflict, core.ENotFound:
		msg := upperFirst(core.ErrorMessage(err))
		if f := core.ErrorField(err); f != "" {
			msg = f + ": " + msg
		}
		s.showHelpdesk(w, r, v, statusOf(code), msg+".", keep)
	default:
		s.pageError(w, r, v, err)
	}
}

func helpdeskURL(ws core.Workspace, done string) string {
	return "/admin/helpdesk?" + url.Values{"workspace": {ws.String()}, "done": {done}}.Encode()
}

// postHours serves POST /admin/helpdesk/hours (workspace, tz, one field per weekday,
// holidays).
func (s *Server) postHours(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	keep := func(hv *helpdeskView) {
		hv.TZ, hv.Holidays, hv.Days = f.Get("tz"), f.Get("holidays"), nil
		for _, d := range weekdays {
			hv.Days = append(hv.Days, dayHours{Day: d, Ranges: f.Get(d)})
		}
	}
	ws, err := core.ParseWorkspace(f.Get("workspace"))
	if err != nil {
		s.helpdeskAnswer(w, r, v, err, keep)
		return
	}
	spec := core.HoursSpec{TZ: strings.TrimSpace(f.Get("tz"))}
	for _, d := range weekdays {
		for _, part := range strings.Split(f.Get(d), ",") {
			if part = strings.TrimSpace(part); part != "" {
				if spec.Weekly == nil {
					spec.Weekly = map[string][]string{}
				}
				spec.Weekly[d] = append(spec.Weekly[d], strings.ReplaceAll(part, " ", ""))
			}
		}
	}
	for _, h := range strings.Fields(strings.ReplaceAll(f.Get("holidays"), ",", " ")) {
		spec.Holidays = append(spec.Holidays, h)
	}
	sort.Strings(spec.Holidays)
	hours, err := core.NewHours(spec)
	if err == nil {
		var st core.Settings
		if st, err = s.svc.AdminSettings(r.Context(), v.Actor(), ws); err == nil {
			st.Hours = hours
			err = s.svc.UpdateSettings(r.Context(), v.Actor(), st)
		}
	}
	if err != nil {
		s.helpdeskAnswer(w, r, v, err, keep)
		return
	}
	http.Redirect(w, r, helpdeskURL(ws, "hours"), http.StatusSeeOther)
}

// parseQuestions reads the category form's questions, one a line:
// "Label", "long: Label", "choice: Label: Berlin, Lisbon", with a trailing "*" (or
// a leading "required") marking a required one. Errors: invalid (naming the line).
func parseQuestions(text string) ([]core.Question, error) {
	var out []core.Question
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		q := core.Question{Kind: core.QuestionShort}
		if rest, ok := strings.CutSuffix(line, "*"); ok {
			q.Required, line = true, strings.TrimSpace(rest)
		}
		if kind, rest, ok := strings.Cut(line, ":"); ok && slices.Contains(core.QuestionKinds(), core.QuestionKind(strings.ToLower(strings.TrimSpace(kind)))) {
			q.Kind, line = core.QuestionKind(strings.ToLower(strings.TrimSpace(kind))), strings.TrimSpace(rest)
		}
		if q.Kind == core.QuestionChoice {
			label, opts, ok := strings.Cut(line, ":")
			if !ok {
				return nil, core.FieldError("questions", "line %d: a choice is \"choice: Label: option, option\"", i+1)
			}
			line = strings.TrimSpace(label)
			for _, o := range strings.Split(opts, ",") {
				if o = strings.TrimSpace(o); o != "" {
					q.Options = append(q.Options, o)
				}
			}
		}
		q.Label = line
		out = append(out, q)
	}
	return out, nil
}

// questionsText is qs as parseQuestions reads them.
func questionsText(qs []core.Question) string {
	var lines []string
	for _, q := range qs {
		l := q.Label
		switch q.Kind {
		case core.QuestionLong:
			l = "long: " + l
		case core.QuestionChoice:
			l = "choice: " + l + ": " + strings.Join(q.Options, ", ")
		}
		if q.Required {
			l += " *"
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// postCategory serves POST /admin/helpdesk/categories (workspace, name, description,
// questions): a new category.
func (s *Server) postCategory(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	keep := func(hv *helpdeskView) {
		hv.NewName, hv.NewDescription, hv.NewQuestions = f.Get("name"), f.Get("description"), f.Get("questions")
	}
	ws, err := core.ParseWorkspace(f.Get("workspace"))
	if err == nil {
		var qs []core.Question
		if qs, err = parseQuestions(f.Get("questions")); err == nil {
			name, desc := f.Get("name"), f.Get("description")
			_, err = s.svc.CreateCategory(r.Context(), v.Actor(), ws, core.CategoryInput{Name: &name, Description: &desc, Questions: &qs})
		}
	}
	if err != nil {
		s.helpdeskAnswer(w, r, v, err, keep)
		return
	}
	http.Redirect(w, r, helpdeskURL(ws, "category"), http.StatusSeeOther)
}

// postCategoryEdit serves POST /admin/helpdesk/categories/{id} (workspace, name, description,
// questions), and with delete=1 deletes the category.
func (s *Server) postCategoryEdit(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := r.PostForm
	ws, err := core.ParseWorkspace(f.Get("workspace"))
	if err != nil {
		s.helpdeskAnswer(w, r, v, err, nil)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.helpdeskAnswer(w, r, v, core.Errorf(core.ENotFound, "category not found"), nil)
		return
	}
	if f.Get("delete") == "1" {
		if err := s.svc.DeleteCategory(r.Context(), v.Actor(), ws, id); err != nil {
			s.helpdeskAnswer(w, r, v, err, nil)
			return
		}
		http.Redirect(w, r, helpdeskURL(ws, "category_gone"), http.StatusSeeOther)
		return
	}
	old, err := s.svc.Category(r.Context(), v.Actor(), ws, id)
	if err == nil {
		var qs []core.Question
		if qs, err = parseQuestions(f.Get("questions")); err == nil {
			// Questions keep their ids by position, so answers stay matched to them.
			for i := range qs {
				if i < len(old.Questions) {
					qs[i].ID = old.Questions[i].ID
				}
			}
			name, desc := f.Get("name"), f.Get("description")
			_, err = s.svc.UpdateCategory(r.Context(), v.Actor(), ws, id, core.CategoryInput{Name: &name, Description: &desc, Questions: &qs})
		}
	}
	if err != nil {
		s.helpdeskAnswer(w, r, v, err, nil)
		return
	}
	http.Redirect(w, r, helpdeskURL(ws, "category"), http.StatusSeeOther)
}
