package core

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on saved views.
const (
	MaxViewNameRunes = 60
	MaxViewQuery     = 1000
	MaxViewsPerOwner = 50
)

// SavedView is a named set of queue filters that one person keeps: the dashboard's query
// string (status, workspace, words, assignee, priority, sort, page size), opaque to the core.
type SavedView struct {
	ID        int64
	Owner     string // the user id of whoever saved it
	Name      string
	Query     string
	CreatedAt time.Time
}

// ViewStore keeps saved views in the database.
type ViewStore interface {
	// CreateView stores v and sets its ID; an owner's view names are unique.
	// Errors: conflict, unavailable, internal.
	CreateView(ctx context.Context, v *SavedView) error
	// Views lists owner's views by name. Errors: unavailable, internal.
	Views(ctx context.Context, owner string) ([]SavedView, error)
	// RenameView renames owner's view id. Errors: not_found (none of owner's), conflict (the
	// name is taken), unavailable, internal.
	RenameView(ctx context.Context, owner string, id int64, name string) error
	// DeleteView removes owner's view id. Errors: not_found, unavailable, internal.
	DeleteView(ctx context.Context, owner string, id int64) error
}

// ViewsConfig builds Views.
type ViewsConfig struct {
	Store ViewStore
	Clock Clock
}

// Views keeps staff's saved views of the queue, each visible to its owner only.
type Views struct {
	store ViewStore
	clock Clock
}

// NewViews builds Views on c.Store.
func NewViews(c ViewsConfig) *Views {
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	return &Views{store: c.Store, clock: c.Clock}
}

func canKeepViews(actor Actor) error {
	if !actor.Role.AtLeast(RoleStaff) || actor.User.ID == "" {
		return Errorf(EForbidden, "only staff keep saved views")
	}
	return nil
}

func viewName(name string) (string, error) {
	name = CleanText(name)
	if name == "" {
		return "", FieldError("name", "a view needs a name")
	}
	if n := utf8.RuneCountInString(name); n > MaxViewNameRunes {
		return "", FieldError("name", "the name is %d characters long; the limit is %d", n, MaxViewNameRunes)
	}
	return name, nil
}

// List returns actor's views by name. Errors: forbidden, unavailable, internal.
func (v *Views) List(ctx context.Context, actor Actor) ([]SavedView, error) {
	if err := canKeepViews(actor); err != nil {
		return nil, err
	}
	return v.store.Views(ctx, actor.User.ID)
}

// Save keeps query as actor's view called name. Errors: invalid, forbidden, conflict (the
// name is taken, or actor has MaxViewsPerOwner views), unavailable, internal.
func (v *Views) Save(ctx context.Context, actor Actor, name, query string) (SavedView, error) {
	if err := canKeepViews(actor); err != nil {
		return SavedView{}, err
	}
	name, err := viewName(name)
	if err != nil {
		return SavedView{}, err
	}
	query = strings.TrimSpace(query)
	if len(query) > MaxViewQuery {
		return SavedView{}, FieldError("query", "these filters are too long to save")
	}
	have, err := v.store.Views(ctx, actor.User.ID)
	if err != nil {
		return SavedView{}, err
	}
	if len(have) >= MaxViewsPerOwner {
		return SavedView{}, Errorf(EConflict, "you have %d saved views, the most one person keeps; delete one first", len(have))
	}
	sv := SavedView{Owner: actor.User.ID, Name: name, Query: query, CreatedAt: v.clock.Now()}
	if err := v.store.CreateView(ctx, &sv); err != nil {
		return SavedView{}, err
	}
	return sv, nil
}

// Rename renames actor's view id. Errors: invalid, forbidden, not_found, conflict,
// unavailable, internal.
func (v *Views) Rename(ctx context.Context, actor Actor, id int64, name string) error {
	if err := canKeepViews(actor); err != nil {
		return err
	}
	name, err := viewName(name)
	if err != nil {
		return err
	}
	return v.store.RenameView(ctx, actor.User.ID, id, name)
}

// Delete removes actor's view id. Errors: forbidden, not_found, unavailable, internal.
func (v *Views) Delete(ctx context.Context, actor Actor, id int64) error {
	if err := canKeepViews(actor); err != nil {
		return err
	}
	return v.store.DeleteView(ctx, actor.User.ID, id)
}
