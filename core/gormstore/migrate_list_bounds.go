package gormstore

import "github.com/go-gormigrate/gormigrate/v2"

// listBoundIndexes are the ticket indexes of 202612010006_list_bounds: the shapes
// 202612010005_list_shapes still left bounded by a person's (or a status's) tickets instead
// of the page. Each has priority after status, so those lists are read in ranges of one
// priority each (see byPriority): a reporter's tickets assigned to one assignee sorted by
// update, priority or SLA due; a person's tickets filtered by priority sorted by update; a
// person's tickets sorted by SLA due; a due-sorted list filtered by priority.
//
// That makes 55 indexes on tickets of InnoDB's 64; the widest (workspace, reporter,
// assignee, status, priority, updated_at, id) is under 1 KiB of its 3 KiB key limit.
var listBoundIndexes = []struct{ name, cols string }{
	{"ix_tickets_reporter_assignee_status_priority_updated", "reporter_id, assignee_id, status, priority, updated_at, id"},
	{"ix_tickets_ws_reporter_assignee_status_priority_updated", "workspace, reporter_id, assignee_id, status, priority, updated_at, id"},
	{"ix_tickets_reporter_assignee_status_priority_id", "reporter_id, assignee_id, status, priority, id"},
	{"ix_tickets_ws_reporter_assignee_status_priority_id", "workspace, reporter_id, assignee_id, status, priority, id"},
	{"ix_tickets_reporter_assignee_status_priority_due_id", "reporter_id, assignee_id, status, priority, sla_next_due, id"},
	{"ix_tickets_ws_reporter_assignee_status_priority_due_id", "workspace, reporter_id, assignee_id, status, priority, sla_next_due, id"},
	{"ix_tickets_reporter_status_priority_updated", "reporter_id, status, priority, updated_at, id"},
	{"ix_tickets_ws_reporter_status_priority_updated", "workspace, reporter_id, status, priority, updated_at, id"},
	{"ix_tickets_assignee_status_priority_updated", "assignee_id, status, priority, updated_at, id"},
	{"ix_tickets_ws_assignee_status_priority_updated", "workspace, assignee_id, status, priority, updated_at, id"},
	{"ix_tickets_reporter_status_priority_due_id", "reporter_id, status, priority, sla_next_due, id"},
	{"ix_tickets_ws_reporter_status_priority_due_id", "workspace, reporter_id, status, priority, sla_next_due, id"},
	{"ix_tickets_assignee_status_priority_due_id", "assignee_id, status, priority, sla_next_due, id"},
	{"ix_tickets_ws_assignee_status_priority_due_id", "workspace, assignee_id, status, priority, sla_next_due, id"},
	{"ix_tickets_status_priority_due_id", "status, priority, sla_next_due, id"},
	{"ix_tickets_ws_status_priority_due_id", "workspace, status, priority, sla_next_due, id"},
}

// migrateListBounds (202612010006_list_bounds) adds listBoundIndexes.
func migrateListBounds() *gormigrate.Migration {
	return ticketIndexes("202612010006_list_bounds", listBoundIndexes)
}
