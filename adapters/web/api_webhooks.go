package web

import (
	"net/http"
	"strconv"

	"github.com/ticketbot/ticketbot/core"
)

// webhookJSON is the API's Webhook; Secret is only in the answer to its creation.
type webhookJSON struct {
	ID        int64    `json:"id"`
	Workspace *string  `json:"workspace"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Active    bool     `json:"active"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
	Secret    string   `json:"secret,omitempty"`
}

func toWebhookJSON(e core.WebhookEndpoint) webhookJSON {
	out := webhookJSON{ID: e.ID, URL: e.URL, Events: []string{}, Active: e.Active,
		CreatedAt: rfc3339(e.CreatedAt), UpdatedAt: rfc3339(e.UpdatedAt)}
	if !e.Workspace.IsZero() {
		w := e.Workspace.String()
		out.Workspace = &w
	}
	for _, k := range e.Events {
		out.Events = append(out.Events, string(k))
	}
	return out
}

// deliveryJSON is one attempt of the delivery log.
type deliveryJSON struct {
	ID          int64   `json:"id"`
	Event       int64   `json:"event"`
	Type        string  `json:"type"`
	Ticket      int64   `json:"ticket"`
	Attempt     int     `json:"attempt"`
	StatusCode  int     `json:"status_code"`
	DurationMS  int64   `json:"duration_ms"`
	OK          bool    `json:"ok"`
	Permanent   bool    `json:"permanent"`
	Error       string  `json:"error"`
	At          string  `json:"at"`
	NextAttempt *string `json:"next_attempt"`
}

// webhookInput is the body of POST and PATCH; absent fields are left alone.
type webhookInput struct {
	URL       *string   `json:"url"`
	Workspace *string   `json:"workspace"`
	Events    *[]string `json:"events"`
	Active    *bool     `json:"active"`
}

func (in webhookInput) core() (core.WebhookInput, error) {
	out := core.WebhookInput{URL: in.URL, Active: in.Active}
	if in.Workspace != nil {
		ws, err := core.ParseWorkspace(*in.Workspace)
		if err != nil {
			return out, core.FieldError("workspace", "workspace must look like slack:T123")
		}
		out.Workspace = &ws
	}
	if in.Events != nil {
		evs := make([]core.EventKind, len(*in.Events))
		for i, k := range *in.Events {
			evs[i] = core.EventKind(k)
		}
		out.Events = &evs
	}
	return out, nil
}

func (s *Server) webhooks() (*core.Webhooks, error) {
	if s.cfg.Webhooks == nil {
		return nil, core.Errorf(core.ENotFound, "webhooks are not enabled")
	}
	return s.cfg.Webhooks, nil
}

func webhookID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != v {
		return 0, core.Errorf(core.ENotFound, "webhook not found")
	}
	return id, nil
}

// apiListWebhooks serves GET /api/v1/webhooks.
func (s *Server) apiListWebhooks(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	hooks, err := s.webhooks()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	eps, err := hooks.List(r.Context(), actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]webhookJSON, len(eps))
	for i, e := range eps {
		out[i] = toWebhookJSON(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

// apiCreateWebhook serves POST /api/v1/webhooks: 201 with the secret, shown this once.
func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	hooks, err := s.webhooks()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in webhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	ci, err := in.core()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	e, secret, err := hooks.Create(r.Context(), actor, ci)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := toWebhookJSON(e)
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
}

// apiGetWebhook serves GET /api/v1/webhooks/{id}.
func (s *Server) apiGetWebhook(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	s.withWebhook(w, r, func(hooks *core.Webhooks, id int64) (any, int, error) {
		e, err := hooks.Get(r.Context(), actor, id)
		return toWebhookJSON(e), http.StatusOK, err
	})
}

// apiPatchWebhook serves PATCH /api/v1/webhooks/{id}.
func (s *Server) apiPatchWebhook(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	s.withWebhook(w, r, func(hooks *core.Webhooks, id int64) (any, int, error) {
		if _, err := hooks.Get(r.Context(), actor, id); err != nil {
			return nil, 0, err
		}
		var in webhookInput
		if err := decodeJSON(w, r, &in); err != nil {
			return nil, 0, err
		}
		ci, err := in.core()
		if err != nil {
			return nil, 0, err
		}
		e, err := hooks.Update(r.Context(), actor, id, ci)
		return toWebhookJSON(e), http.StatusOK, err
	})
}

// apiDeleteWebhook serves DELETE /api/v1/webhooks/{id}: 204.
func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	s.withWebhook(w, r, func(hooks *core.Webhooks, id int64) (any, int, error) {
		return nil, http.StatusNoContent, hooks.Delete(r.Context(), actor, id)
	})
}

// apiWebhookDeliveries serves GET /api/v1/webhooks/{id}/deliveries: the latest 50 attempts.
func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	s.withWebhook(w, r, func(hooks *core.Webhooks, id int64) (any, int, error) {
		log, err := hooks.Deliveries(r.Context(), actor, id, 50)
		out := make([]deliveryJSON, len(log))
		for i, d := range log {
			out[i] = deliveryJSON{ID: d.ID, Event: d.EventID, Type: string(d.Kind), Ticket: d.TicketID, Attempt: d.Attempt,
				StatusCode: d.StatusCode, DurationMS: d.Duration.Milliseconds(), OK: d.OK, Permanent: d.Permanent,
				Error: d.Error, At: rfc3339(d.At)}
			if d.NextAttempt != nil {
				n := rfc3339(*d.NextAttempt)
				out[i].NextAttempt = &n
			}
		}
		return map[string]any{"deliveries": out}, http.StatusOK, err
	})
}

// apiTestWebhook serves POST /api/v1/webhooks/{id}/test: 202, a webhook.test event is queued.
func (s *Server) apiTestWebhook(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	s.withWebhook(w, r, func(hooks *core.Webhooks, id int64) (any, int, error) {
		return map[string]any{"queued": true}, http.StatusAccepted, hooks.SendTest(r.Context(), actor, id)
	})
}

func (s *Server) withWebhook(w http.ResponseWriter, r *http.Request, fn func(*core.Webhooks, int64) (any, int, error)) {
	hooks, err := s.webhooks()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := webhookID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v, status, err := fn(hooks, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}
