package core

// Permission and transition rules, kept apart from the Service's plumbing so they read as a
// list of rules.

func ticketNotFound() *Error { return Errorf(ENotFound, "ticket not found") }

// canAccessWorkspace: workspace-bound actors act only in their workspace; unbound actors
// (dashboard, API) must be staff.
func canAccessWorkspace(actor Actor, ws Workspace) error {
	if actor.Workspace.IsZero() {
		if !actor.Role.AtLeast(RoleStaff) {
			return Errorf(EForbidden, "only staff can act across workspaces")
		}
		return nil
	}
	if actor.Workspace != ws {
		return Errorf(EForbidden, "that workspace is not yours")
	}
	return nil
}

// canSee: staff see every ticket of their workspace, requesters their own.
func canSee(actor Actor, t Ticket) bool {
	if !actor.Workspace.IsZero() && actor.Workspace != t.Workspace {
		return false
	}
	if actor.Workspace.IsZero() && !actor.Role.AtLeast(RoleStaff) {
		return false
	}
	return actor.Role.AtLeast(RoleStaff) || t.Reporter.ID == actor.User.ID
}

// canChangeStatus: staff may change any status; the reporter may close and reopen their own.
func canChangeStatus(actor Actor, t Ticket, to Status) error {
	if actor.Role.AtLeast(RoleStaff) {
		return nil
	}
	if t.Reporter.ID == actor.User.ID && (to == StatusClosed || (to == StatusOpen && t.Status.Terminal())) {
		return nil
	}
	return Errorf(EForbidden, "only staff can do that; the reporter may close or reopen their own ticket")
}

// checkTransition: anything may be closed; resolved and closed tickets only reopen (or a
// resolved one closes); active tickets move freely among the active statuses and resolved.
func checkTransition(number int64, from, to Status) error {
	if from == to {
		return Errorf(EConflict, "ticket #%d is already %s", number, to)
	}
	switch {
	case to == StatusClosed:
		return nil
	case from.Terminal() && to != StatusOpen:
		return Errorf(EConflict, "ticket #%d is %s; reopen it first", number, from)
	}
	return nil
}
