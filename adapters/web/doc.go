// Package web is ticketbot's HTTP face for people and programs: the staff dashboard
// (server-rendered, with sessions, CSRF protection and rate-limited logins), the REST API v1
// with its OpenAPI document, and the account and API-token helpers the CLI uses.
package web
