package gormstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ticketbot/ticketbot/core"
)

// Settings returns ws's settings. Errors: not_found, unavailable, internal.
func (s *Store) Settings(ctx context.Context, ws core.Workspace) (core.Settings, error) {
	const op = "gormstore.Settings"
	var row settingsRow
	err := s.db.WithContext(ctx).Where("workspace = ?", ws.String()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Settings{}, fail(op, notFound("workspace settings"))
	}
	if err != nil {
		return core.Settings{}, fail(op, err)
	}
	return row.core(), nil
}

// SaveSettings creates or replaces st (its UpdatedAt is set to now) and writes a
// settings.changed event by by, carrying a change for each field that changed.
// Errors: invalid (no workspace), unavailable, internal.
func (s *Store) SaveSettings(ctx context.Context, st core.Settings, by core.UserRef) error {
	const op = "gormstore.SaveSettings"
	if st.Workspace.IsZero() {
		return fail(op, core.Errorf(core.EInvalid, "settings need a workspace"))
	}
	ws := st.Workspace.String()
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		now := s.now()
		var old settingsRow
		err := s.lock(tx.Where("workspace = ?", ws)).Take(&old).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		row := toSettingsRow(st, now)
		err = tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "workspace"}},
			DoUpdates: clause.AssignmentColumns([]string{"triage_channel", "support_channel", "staff_group",
				"request_channels", "replies", "name", "reminder_after", "close_waiting_after", "close_resolved_after",
				"csat_off", "hours", "transcript_channel", "sla", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		var changes []core.Change
		for _, c := range [][3]string{
			{"triage_channel", old.TriageChannel, row.TriageChannel},
			{"support_channel", old.SupportChannel, row.SupportChannel},
			{"staff_group", old.StaffGroup, row.StaffGroup},
			{"request_channels", old.RequestChannels, row.RequestChannels},
			{"replies", old.Replies, row.Replies},
			{"name", old.Name, row.Name},
			{"reminder_after", durText(old.ReminderAfter), durText(row.ReminderAfter)},
			{"close_waiting_after", durText(old.CloseWaitingAfter), durText(row.CloseWaitingAfter)},
			{"close_resolved_after", durText(old.CloseResolvedAfter), durText(row.CloseResolvedAfter)},
			{"csat", strconv.FormatBool(!old.CSATOff), strconv.FormatBool(!row.CSATOff)},
			{"hours", old.Hours, row.Hours},
			{"transcript_channel", old.TranscriptChannel, row.TranscriptChannel},
			{"sla", old.SLA, row.SLA},
		} {
			if c[1] != c[2] {
				changes = append(changes, core.Change{Actor: by, Field: c[0], From: c[1], To: c[2], At: now})
			}
		}
		return s.writeEvent(tx, core.Event{Kind: core.EventSettingsChange, Workspace: st.Workspace,
			Actor: by, Changes: changes, CreatedAt: now})
	})
}

// durText renders a stored delay for the history ("" for the default).
func durText(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Duration(ns).String()
}

var _ core.SettingNamesStore = (*Store)(nil)

// SettingNames reads the names admins gave wss in one query by primary key, in chunks that
// stay under SQLite's bound-variable limit.
func (s *Store) SettingNames(ctx context.Context, wss []core.Workspace) (map[core.Workspace]string, error) {
	const op = "gormstore.SettingNames"
	out := map[core.Workspace]string{}
	ids := make([]string, len(wss))
	for i, ws := range wss {
		ids[i] = ws.String()
	}
	for chunk := range slices.Chunk(ids, 500) {
		var rows []settingsRow
		if err := s.db.WithContext(ctx).Select("workspace", "name").Where("workspace IN ? AND name <> ''", chunk).Find(&rows).Error; err != nil {
			return nil, fail(op, err)
		}
		for _, r := range rows {
			if ws, err := core.ParseWorkspace(r.Workspace); err == nil {
				out[ws] = r.Name
			}
		}
	}
	return out, nil
}
