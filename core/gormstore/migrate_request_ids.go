package gormstore

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateRequestIDs keeps the platform's request id with each ticket under a unique key per
// workspace: when the de-duplication cache (Redis) is gone, the database still refuses a
// replayed request's second ticket. NULL (no request id) is allowed any number of times.
func migrateRequestIDs() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010001_ticket_request_ids",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().AddColumn(&v2TicketRequest{}, "RequestID"); err != nil {
				return err
			}
			return tx.Migrator().CreateIndex(&v2TicketRequest{}, "ux_tickets_ws_request")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropIndex(&v2TicketRequest{}, "ux_tickets_ws_request"); err != nil {
				return err
			}
			return tx.Migrator().DropColumn(&v2TicketRequest{}, "RequestID")
		},
	}
}

// v2TicketRequest is the part of the tickets table that 202612010001_ticket_request_ids adds.
type v2TicketRequest struct {
	Workspace string  `gorm:"size:80;not null;uniqueIndex:ux_tickets_ws_request,priority:1"`
	RequestID *string `gorm:"size:191;uniqueIndex:ux_tickets_ws_request,priority:2"`
}

func (v2TicketRequest) TableName() string { return "tickets" }
