package bot

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// Command is one parsed /ticket invocation, whatever platform it came from. Which fields
// matter depends on Name.
type Command struct {
	// Name is the subcommand: open, list, show, status, close, reopen, claim, assign, setup,
	// panel, help.
	Name string
	// Number addresses a ticket by its number in the workspace; TicketID by its id (buttons).
	Number   int64
	TicketID int64
	// Title, Description and Priority are an open's inputs; an open without a title asks the
	// adapter to show the modal.
	Title       string
	Description string
	Priority    string
	// Status is the target of status; Note is its note or a close reason.
	Status core.Status
	Note   string
	// ListStatus filters list ("" = active tickets, "all", or a status); Mine limits it to the
	// caller's tickets.
	ListStatus string
	Mine       bool
	// User is assign's assignee.
	User core.UserRef
	// Channel and StaffRole are setup's inputs.
	Channel   string
	StaffRole string
	// Priority change from a menu.
	SetPriority core.Priority
}

// RoleFunc resolves the caller's role; adapters supply it (Slack asks users.info and the
// helpdesk channel's members; Discord reads the interaction's member permissions and roles).
type RoleFunc func(ctx context.Context) (core.Role, error)

// Request is a Command with who sent it and where.
type Request struct {
	Workspace core.Workspace
	User      core.UserRef
	// Channel is where the command was typed.
	Channel string
	Command Command
	// Role resolves the caller's role; nil means requester.
	Role RoleFunc
}

// actor is the request's core.Actor with role.
func (r Request) actor(role core.Role) core.Actor {
	return core.Actor{User: r.User, Role: role, Workspace: r.Workspace}
}
