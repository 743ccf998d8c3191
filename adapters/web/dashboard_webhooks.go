package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

// webhooksView is the admin's webhooks page: the endpoints, a form, and with Log the delivery
// log of one endpoint.
type webhooksView struct {
	Endpoints []core.WebhookEndpoint
	Events    []core.EventKind
	NewURL    string
	NewSecret string
	Form      struct{ URL, Workspace string }
	Log       *webhookLog
}

type webhookLog struct {
	Endpoint   core.WebhookEndpoint
	Deliveries []core.WebhookDelivery
}

// webhooksPage serves GET /admin/webhooks (and ?log=ID for one endpoint's deliveries).
func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.showWebhooks(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string, keep func(*webhooksView)) {
	hooks, err := s.webhooks()
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	eps, err := hooks.List(r.Context(), v.Actor())
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	wv := webhooksView{Endpoints: eps, Events: core.WebhookEvents()}
	if id, err := strconv.ParseInt(r.URL.Query().Get("log"), 10, 64); err == nil {
		e, err := hooks.Get(r.Context(), v.Actor(), id)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		log, err := hooks.Deliveries(r.Context(), v.Actor(), id, 50)
		if err != nil {
			s.pageError(w, r, v, err)
			return
		}
		wv.Log = &webhookLog{Endpoint: e, Deliveries: log}
	}
	if keep != nil {
		keep(&wv)
	}
	s.render(w, r, status, "webhooks", page{Title: "Webhooks", Nav: "webhooks", Viewer: v, Flash: flash(r), Error: errMsg, Body: wv})
}

// webhookForm reads the new-endpoint form (url, workspace, events).
func webhookForm(f url.Values) (core.WebhookInput, error) {
	u := strings.TrimSpace(f.Get("url"))
	in := core.WebhookInput{URL: &u}
	if ws := strings.TrimSpace(f.Get("workspace")); ws != "" {
		w, err := core.ParseWorkspace(ws)
		if err != nil {
			return in, core.FieldError("workspace", "%s", core.ErrorMessage(err))
		}
		in.Workspace = &w
	}
	evs := []core.EventKind{}
	for _, e := range f["events"] {
		evs = append(evs, core.EventKind(e))
	}
	in.Events = &evs
	return in, nil
}

// postWebhook serves POST /admin/webhooks and shows the new secret once.
func (s *Server) postWebhook(w http.ResponseWriter, r *http.Request, v *viewer) {
	hooks, err := s.webhooks()
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	f := r.PostForm
	in, err := webhookForm(f)
	if err == nil {
		var e core.WebhookEndpoint
		var secret string
		if e, secret, err = hooks.Create(r.Context(), v.Actor(), in); err == nil {
			s.log.Info("web: webhook registered", "webhook", e.ID, "by", v.Name)
			s.showWebhooks(w, r, v, http.StatusCreated, "", func(wv *webhooksView) { wv.NewURL, wv.NewSecret = e.URL, secret })
			return
		}
	}
	if core.ErrorCode(err) == core.EInvalid {
		s.showWebhooks(w, r, v, http.StatusUnprocessableEntity, upperFirst(core.ErrorMessage(err))+".", func(wv *webhooksView) {
			wv.Form.URL, wv.Form.Workspace = f.Get("url"), f.Get("workspace")
		})
		return
	}
	s.pageError(w, r, v, err)
}

// postWebhookAction serves POST /admin/webhooks/{id}/{action}: delete, test, pause, resume.
func (s *Server) postWebhookAction(w http.ResponseWriter, r *http.Request, v *viewer) {
	hooks, err := s.webhooks()
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	id, err := webhookID(r)
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	ctx, a := r.Context(), v.Actor()
	next := "/admin/webhooks?log=" + strconv.FormatInt(id, 10) + "&done="
	switch r.PathValue("action") {
	case "delete":
		err, next = hooks.Delete(ctx, a, id), "/admin/webhooks?done="+"webhook_gone"
	case "test":
		err, next = hooks.SendTest(ctx, a, id), next+"webhook_test"
	case "pause", "resume":
		on := r.PathValue("action") == "resume"
		_, err = hooks.Update(ctx, a, id, core.WebhookInput{Active: &on})
		next += "webhook_saved"
	default:
		err = core.Errorf(core.ENotFound, "no such action")
	}
	if err != nil {
		s.pageError(w, r, v, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
