// Package core is ticketbot's platform-neutral centre: the domain types (workspaces, actors,
// tickets, messages, events), the coded Error, the ports the core needs (stores, state,
// limiter, notifiers) and the Service that holds every business rule and permission check.
// It imports only the standard library; implementations of its ports live in sub-packages.
package core
