// Package gormstore implements core.Store on GORM: MySQL/MariaDB in production and SQLite (pure
// Go, no cgo) as the embedded default, with versioned migrations and a transactional outbox.
package gormstore
