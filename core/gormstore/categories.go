package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ticketbot/ticketbot/core"
)

type categoryRow struct {
	ID          int64 `gorm:"primaryKey"`
	Workspace   string
	Name        string
	NameKey     string
	Description string
	Questions   string    // JSON array of core.Question
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (categoryRow) TableName() string { return "categories" }

type answerRow struct {
	ID         int64 `gorm:"primaryKey"`
	TicketID   int64
	Position   int
	QuestionID string
	Question   string
	Value      string
}

func (answerRow) TableName() string { return "ticket_answers" }

func toCategoryRow(c core.Category) (categoryRow, error) {
	qs := c.Questions
	if qs == nil {
		qs = []core.Question{}
	}
	b, err := json.Marshal(qs)
	if err != nil {
		return categoryRow{}, err
	}
	return categoryRow{ID: c.ID, Workspace: c.Workspace.String(), Name: c.Name, NameKey: strings.ToLower(c.Name),
		Description: c.Description, Questions: string(b), CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt)}, nil
}

func (r categoryRow) core() (core.Category, error) {
	c := core.Category{ID: r.ID, Workspace: parseWorkspace(r.Workspace), Name: r.Name, Description: r.Description,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Questions != "" {
		if err := json.Unmarshal([]byte(r.Questions), &c.Questions); err != nil {
			return core.Category{}, err
		}
	}
	return c, nil
}

// categoryTaken is the conflict of a name the workspace already has.
func categoryTaken(name string) error {
	e := core.Errorf(core.EConflict, "there is already a category called %q", name)
	e.Field = "name"
	return e
}

// CreateCategory stores c. Errors: conflict (name taken), unavailable, internal.
func (s *Store) CreateCategory(ctx context.Context, c *core.Category) error {
	const op = "gormstore.CreateCategory"
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	row, err := toCategoryRow(*c)
	if err != nil {
		return fail(op, err)
	}
	row.ID = 0
	err = s.inTx(ctx, op, func(tx *gorm.DB) error { return tx.Create(&row).Error })
	if isUnique(err) {
		return fail(op, categoryTaken(c.Name))
	}
	if err != nil {
		return err
	}
	c.ID = row.ID
	return nil
}

// Category returns category id. Errors: not_found, unavailable, internal.
func (s *Store) Category(ctx context.Context, id int64) (core.Category, error) {
	const op = "gormstore.Category"
	var row categoryRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return core.Category{}, fail(op, notFound("category"))
	}
	if err != nil {
		return core.Category{}, fail(op, err)
	}
	c, err := row.core()
	return c, fail(op, err)
}

// Categories lists ws's categories by name. Errors: unavailable, internal.
func (s *Store) Categories(ctx context.Context, ws core.Workspace) ([]core.Category, error) {
	const op = "gormstore.Categories"
	var rows []categoryRow
	if err := s.db.WithContext(ctx).Where("workspace = ?", ws.String()).Order("name_key, id").Find(&rows).Error; err != nil {
		return nil, fail(op, err)
	}
	out := make([]core.Category, 0, len(rows))
	for _, r := range rows {
		c, err := r.core()
		if err != nil {
			return nil, fail(op, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// UpdateCategory saves c's name, description and questions. Errors: not_found, conflict,
// unavailable, internal.
func (s *Store) UpdateCategory(ctx context.Context, c *core.Category) error {
	const op = "gormstore.UpdateCategory"
	c.UpdatedAt = s.now()
	row, err := toCategoryRow(*c)
	if err != nil {
		return fail(op, err)
	}
	err = s.inTx(ctx, op, func(tx *gorm.DB) error {
		res := tx.Model(&categoryRow{}).Where("id = ?", c.ID).Updates(map[string]any{
			"name": row.Name, "name_key": row.NameKey, "description": row.Description,
			"questions": row.Questions, "updated_at": row.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&categoryRow{}).Where("id = ?", c.ID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return notFound("category")
			}
		}
		return nil
	})
	if isUnique(err) {
		return fail(op, categoryTaken(c.Name))
	}
	return err
}

// DeleteCategory removes category id; tickets keep its id (matching nothing) and name.
// Errors: not_found, unavailable, internal.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	const op = "gormstore.DeleteCategory"
	return s.inTx(ctx, op, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&categoryRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("category")
		}
		return nil
	})
}

// answerRows are t's answers as rows (TicketID set when t has its id).
func answerRows(t core.Ticket) []answerRow {
	rows := make([]answerRow, len(t.Answers))
	for i, a := range t.Answers {
		rows[i] = answerRow{TicketID: t.ID, Position: i, QuestionID: a.QuestionID, Question: a.Question, Value: a.Value}
	}
	return rows
}

// answers loads ticket id's answers in question order.
func (s *Store) answers(db *gorm.DB, id int64) ([]core.Answer, error) {
	var rows []answerRow
	if err := db.Where("ticket_id = ?", id).Order("position").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []core.Answer
	for _, r := range rows {
		out = append(out, core.Answer{QuestionID: r.QuestionID, Question: r.Question, Value: r.Value})
	}
	return out, nil
}
