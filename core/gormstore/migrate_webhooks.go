package gormstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateWebhooks adds webhook endpoints and their delivery log.
func migrateWebhooks() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612020010_webhooks",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().CreateTable(&v10WebhookEndpoint{}, &v10WebhookDelivery{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v10WebhookDelivery{}, &v10WebhookEndpoint{})
		},
	}
}

// v10WebhookEndpoint is the webhook_endpoints table of 202612020010_webhooks; Workspace is
// empty for an endpoint of every workspace.
type v10WebhookEndpoint struct {
	ID            int64     `gorm:"primaryKey;autoIncrement"`
	Workspace     string    `gorm:"size:80;not null;index:ix_webhook_endpoints_workspace"`
	URL           string    `gorm:"size:2048;not null"`
	Events        string    `gorm:"size:255;not null"`
	Active        bool      `gorm:"not null"`
	Secret        string    `gorm:"size:512;not null"`
	CreatedByID   string    `gorm:"size:128;not null"`
	CreatedByName string    `gorm:"size:191;not null"`
	CreatedAt     time.Time `gorm:"precision:6;not null"`
	UpdatedAt     time.Time `gorm:"precision:6;not null"`
}

func (v10WebhookEndpoint) TableName() string { return "webhook_endpoints" }

// v10WebhookDelivery is the webhook_deliveries table: one row per attempt.
type v10WebhookDelivery struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	EndpointID int64     `gorm:"not null;index:ix_webhook_deliveries_endpoint,priority:1"`
	EventID    int64     `gorm:"not null;index:ix_webhook_deliveries_event"`
	Kind       string    `gorm:"size:32;not null"`
	TicketID   int64     `gorm:"not null"`
	Attempt    int       `gorm:"not null"`
	StatusCode int       `gorm:"not null"`
	DurationMS int64     `gorm:"not null"`
	OK         bool      `gorm:"not null"`
	Permanent  bool      `gorm:"not null"`
	Error      string    `gorm:"size:1000;not null"`
	At         time.Time `gorm:"precision:6;not null;index:ix_webhook_deliveries_endpoint,priority:2"`
}

func (v10WebhookDelivery) TableName() string { return "webhook_deliveries" }
