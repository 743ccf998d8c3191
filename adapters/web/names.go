package web

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// Names on pages and in the API: workspaces are shown by core.Service.WorkspaceNames (the
// name an admin gave, else the team's or server's own) and people by the names core.Names
// keeps (display names), never fetched per view; without one, a
// person keeps the name their ticket or message was stored with, else their id. Names are
// text: html/template escapes them like any other field, and nothing here makes a mention.

// nameRef is one person whose name a page shows: their id in a workspace and where to put
// the name found.
type nameRef struct {
	ws  core.Workspace
	id  string
	set func(name string)
}

// userRef is the nameRef of *u in ws.
func userRef(ws core.Workspace, u *core.UserRef) nameRef {
	return nameRef{ws: ws, id: u.ID, set: func(n string) { u.Name = n }}
}

// ticketRefs are the reporters and assignees of ts.
func ticketRefs(ts []core.Ticket) []nameRef {
	out := make([]nameRef, 0, 2*len(ts))
	for i := range ts {
		t := &ts[i]
		out = append(out, userRef(t.Workspace, &t.Reporter))
		if !t.Assignee.IsZero() {
			out = append(out, userRef(t.Workspace, &t.Assignee))
		}
	}
	return out
}

// messageRefs are the authors of ms, in ws.
func messageRefs(ws core.Workspace, ms []core.Message) []nameRef {
	out := make([]nameRef, len(ms))
	for i := range ms {
		out[i] = userRef(ws, &ms[i].Author)
	}
	return out
}

// historyRefs are the actors of hs and the people an assignee change names (From and To
// hold ids; they get the names to show).
func historyRefs(ws core.Workspace, hs []core.Change) []nameRef {
	var out []nameRef
	for i := range hs {
		c := &hs[i]
		out = append(out, userRef(ws, &c.Actor))
		if c.Field == "assignee" {
			if c.From != "" {
				out = append(out, nameRef{ws: ws, id: c.From, set: func(n string) { c.From = n }})
			}
			if c.To != "" {
				out = append(out, nameRef{ws: ws, id: c.To, set: func(n string) { c.To = n }})
			}
		}
	}
	return out
}

// nameBook holds the workspace names a page shows.
type nameBook struct {
	ws map[core.Workspace]string
}

// wsView is a workspace as the "ws" partial shows it.
type wsView struct {
	Platform string
	ID       string // "slack:T123"
	Label    string // "Slack · Acme", or "Slack · T123" without a name
}

// WS is how ws is shown; on a nil book, by its id.
func (b *nameBook) WS(ws core.Workspace) wsView {
	label := wsLabel(ws)
	if b != nil && b.ws[ws] != "" {
		label = sourceLabel(string(ws.Platform)) + " · " + b.ws[ws]
	}
	return wsView{Platform: string(ws.Platform), ID: ws.String(), Label: label}
}

// Name is ws's name, or its id.
func (b *nameBook) Name(ws core.Workspace) string {
	if b != nil && b.ws[ws] != "" {
		return b.ws[ws]
	}
	return ws.ExternalID
}

// named looks up the names of workspaces (core's rule: the settings name, else the platform's)
// and of the people of refs, sets each person's name that is known and returns the
// workspaces' names.
func (s *Server) named(ctx context.Context, workspaces []core.Workspace, refs ...[]nameRef) *nameBook {
	book := &nameBook{ws: s.svc.WorkspaceNames(ctx, s.cfg.Names, workspaces)}
	var keys []core.NameKey
	for _, rs := range refs {
		for _, r := range rs {
			keys = append(keys, core.PersonKey(r.ws, r.id))
		}
	}
	found := s.cfg.Names.Lookup(ctx, keys)
	for _, rs := range refs {
		for _, r := range rs {
			if n := found[core.PersonKey(r.ws, r.id)]; n != "" {
				r.set(n)
			}
		}
	}
	return book
}

// ticketWorkspaces are the workspaces of ts, each once, then extra.
func ticketWorkspaces(ts []core.Ticket, extra ...core.Workspace) []core.Workspace {
	seen := map[core.Workspace]bool{}
	var out []core.Workspace
	for _, ws := range extra {
		if !seen[ws] {
			seen[ws] = true
			out = append(out, ws)
		}
	}
	for _, t := range ts {
		if !seen[t.Workspace] {
			seen[t.Workspace] = true
			out = append(out, t.Workspace)
		}
	}
	return out
}
