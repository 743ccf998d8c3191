package gormstore

import (
	"context"

	"github.com/ticketbot/ticketbot/core"
)

// Diagnosis is what `ticketbot doctor` reports of the database.
type Diagnosis struct {
	// Dialect is "mysql" or "sqlite"; Version the server's (or SQLite's) version.
	Dialect, Version string
	// Charset is the database's default character set (MySQL only).
	Charset string
	// NonUTF8Tables are ticketbot's tables whose collation is not utf8mb4 (MySQL only).
	NonUTF8Tables []string
	// Applied counts the migrations that ran; Pending names those that have not.
	Applied int
	Pending []string
}

// Diagnose reads the database's version, character set and migration state without
// changing anything. Errors: unavailable, internal.
func (s *Store) Diagnose(ctx context.Context) (Diagnosis, error) {
	const op = "gormstore.Diagnose"
	db := s.db.WithContext(ctx)
	d := Diagnosis{Dialect: "sqlite"}
	if s.mysql {
		d.Dialect = "mysql"
		if err := db.Raw("SELECT VERSION()").Scan(&d.Version).Error; err != nil {
			return d, fail(op, err)
		}
		if err := db.Raw("SELECT @@character_set_database").Scan(&d.Charset).Error; err != nil {
			return d, fail(op, err)
		}
		if err := db.Raw("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() " +
			"AND TABLE_TYPE = 'BASE TABLE' AND TABLE_COLLATION NOT LIKE 'utf8mb4%' ORDER BY TABLE_NAME").
			Scan(&d.NonUTF8Tables).Error; err != nil {
			return d, fail(op, err)
		}
	} else if err := db.Raw("SELECT sqlite_version()").Scan(&d.Version).Error; err != nil {
		return d, fail(op, err)
	}
	applied := map[string]bool{}
	if db.Migrator().HasTable(migrationTable) {
		var ids []string
		if err := db.Table(migrationTable).Pluck("id", &ids).Error; err != nil {
			return d, fail(op, err)
		}
		for _, id := range ids {
			applied[id] = true
		}
	}
	for _, m := range migrations() {
		if applied[m.ID] {
			d.Applied++
		} else {
			d.Pending = append(d.Pending, m.ID)
		}
	}
	return d, nil
}

// AllSettings lists the settings of every workspace that has a helpdesk, in workspace order.
// Errors: unavailable, internal.
func (s *Store) AllSettings(ctx context.Context) ([]core.Settings, error) {
	var rows []settingsRow
	if err := s.db.WithContext(ctx).Order("workspace").Find(&rows).Error; err != nil {
		return nil, fail("gormstore.AllSettings", err)
	}
	out := make([]core.Settings, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.core())
	}
	return out, nil
}
