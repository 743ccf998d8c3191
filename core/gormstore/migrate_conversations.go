package gormstore

import (
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateConversations gives tickets places on two sides and messages a visibility:
// ticket_places (where each side of a ticket lives), message_copies (where each message was
// copied), internal/place on messages, target platform/place on outbox events, and the
// settings of the new model. Existing tickets keep their conversation: a Slack ticket's card
// thread in the helpdesk channel becomes its staff side (triage); a Discord ticket's private
// thread, which its reporter is in, becomes its requester side (so nothing written there
// later is mistaken for an internal note the reporter could read).
func migrateConversations() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612010001_conversations",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, t := range []any{&v2Place{}, &v2Copy{}} {
				if err := m.CreateTable(t); err != nil {
					return fmt.Errorf("create %T: %w", t, err)
				}
			}
			for _, c := range []struct {
				model any
				field string
			}{
				{&v2Message{}, "Internal"}, {&v2Message{}, "PlaceID"},
				{&v2Event{}, "Platform"}, {&v2Event{}, "PlaceID"},
				{&v2Settings{}, "TriageChannel"}, {&v2Settings{}, "SupportChannel"}, {&v2Settings{}, "StaffGroup"},
				{&v2Settings{}, "RequestChannels"}, {&v2Settings{}, "Replies"},
				{&v2Ticket{}, "OriginMessage"},
			} {
				if err := m.AddColumn(c.model, c.field); err != nil {
					return fmt.Errorf("add %s: %w", c.field, err)
				}
			}
			if err := m.CreateIndex(&v2Event{}, "ix_outbox_ticket_platform"); err != nil {
				return fmt.Errorf("index outbox by ticket and platform: %w", err)
			}
			steps := []string{
				`UPDATE workspace_settings SET triage_channel = channel, staff_group = staff_role WHERE workspace LIKE 'slack:%'`,
				`UPDATE workspace_settings SET support_channel = channel, staff_group = staff_role WHERE workspace LIKE 'discord:%'`,
				`INSERT INTO ticket_places (ticket_id, kind, workspace, channel_id, thread_id, card_id, created_at)
				 SELECT id, 'triage', workspace, thread_channel, thread_id, card_id, created_at FROM tickets
				 WHERE workspace LIKE 'slack:%' AND thread_id <> ''`,
				`INSERT INTO ticket_places (ticket_id, kind, workspace, channel_id, thread_id, card_id, created_at)
				 SELECT id, 'requester_thread', workspace, thread_channel, thread_id, card_id, created_at FROM tickets
				 WHERE workspace LIKE 'discord:%' AND thread_id <> ''`,
			}
			for _, q := range steps {
				if err := tx.Exec(q).Error; err != nil {
					return fmt.Errorf("migrate data: %w", err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v2Copy{}, &v2Place{})
		},
	}
}

// Schema of 202612010001_conversations.

type v2Place struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	TicketID  int64     `gorm:"not null;index:ix_ticket_places_ticket,priority:1"`
	Ticket    *v1Ticket `gorm:"foreignKey:TicketID;constraint:OnDelete:CASCADE"`
	Kind      string    `gorm:"size:32;not null"`
	Workspace string    `gorm:"size:80;not null;uniqueIndex:ux_ticket_places_thread,priority:1"`
	ChannelID string    `gorm:"size:128;not null;uniqueIndex:ux_ticket_places_thread,priority:2"`
	ThreadID  string    `gorm:"size:128;not null;uniqueIndex:ux_ticket_places_thread,priority:3"`
	CardID    string    `gorm:"size:128;not null"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
}

func (v2Place) TableName() string { return "ticket_places" }

type v2Copy struct {
	MessageID  int64      `gorm:"primaryKey;autoIncrement:false"`
	Message    *v1Message `gorm:"foreignKey:MessageID;constraint:OnDelete:CASCADE"`
	PlaceID    int64      `gorm:"primaryKey;autoIncrement:false;index:ix_message_copies_place_external,priority:1"`
	Place      *v2Place   `gorm:"foreignKey:PlaceID;constraint:OnDelete:CASCADE"`
	ExternalID string     `gorm:"size:128;not null;index:ix_message_copies_place_external,priority:2"`
}

func (v2Copy) TableName() string { return "message_copies" }

type v2Message struct {
	Internal bool  `gorm:"not null;default:false"`
	PlaceID  int64 `gorm:"not null;default:0"`
}

func (v2Message) TableName() string { return "ticket_messages" }

// v2Event's index answers "has this ticket an earlier undelivered event on this platform?"
// (the outbox claim), which the conversation model asks per platform.
type v2Event struct {
	TicketID    int64      `gorm:"index:ix_outbox_ticket_platform,priority:1"`
	Platform    string     `gorm:"size:16;not null;default:'';index:ix_outbox_ticket_platform,priority:2"`
	DeliveredAt *time.Time `gorm:"index:ix_outbox_ticket_platform,priority:3"`
	ID          int64      `gorm:"index:ix_outbox_ticket_platform,priority:4"`
	PlaceID     int64      `gorm:"not null;default:0"`
}

func (v2Event) TableName() string { return "outbox_events" }

type v2Ticket struct {
	OriginMessage string `gorm:"size:64;not null;default:''"`
}

func (v2Ticket) TableName() string { return "tickets" }

type v2Settings struct {
	TriageChannel   string `gorm:"size:128;not null;default:''"`
	SupportChannel  string `gorm:"size:128;not null;default:''"`
	StaffGroup      string `gorm:"size:128;not null;default:''"`
	RequestChannels string `gorm:"size:2000;not null;default:'[]'"`
	Replies         string `gorm:"size:16;not null;default:''"`
}

func (v2Settings) TableName() string { return "workspace_settings" }
