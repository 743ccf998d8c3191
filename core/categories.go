package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of categories and their questions. Five questions is what a Discord modal holds
// (five text inputs), so a category's questions always fit one modal.
const (
	MaxQuestions        = 5
	MaxCategories       = 25 // a Slack static select and a Discord select hold 25 options
	MaxCategoryName     = 80
	MaxCategoryDesc     = 300
	MaxQuestionLabel    = 45 // a Discord text input's label
	MaxChoiceOptions    = 25
	MaxChoiceOptionText = 75
	MaxShortAnswer      = 200
	MaxLongAnswer       = 2000
)

// QuestionKind is how a question is answered.
type QuestionKind string

// Question kinds.
const (
	QuestionShort  QuestionKind = "short"  // one line of text
	QuestionLong   QuestionKind = "long"   // a paragraph
	QuestionChoice QuestionKind = "choice" // one of Options
)

// QuestionKinds lists every kind.
func QuestionKinds() []QuestionKind {
	return []QuestionKind{QuestionShort, QuestionLong, QuestionChoice}
}

// Question is one thing a category asks a requester when they open a ticket.
type Question struct {
	// ID is the question's key within its category ("q1" … ), kept when the category is
	// edited; answers are given by it.
	ID       string       `json:"id"`
	Label    string       `json:"label"`
	Kind     QuestionKind `json:"kind"`
	Required bool         `json:"required"`
	Options  []string     `json:"options,omitempty"`
}

// MaxAnswer is the longest answer q takes, in characters.
func (q Question) MaxAnswer() int {
	if q.Kind == QuestionLong {
		return MaxLongAnswer
	}
	return MaxShortAnswer
}

// Category is a kind of request a workspace's admins define, with the questions a requester
// answers when opening a ticket of it.
type Category struct {
	ID          int64
	Workspace   Workspace
	Name        string
	Description string
	Questions   []Question
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Question returns the question with id.
func (c Category) Question(id string) (Question, bool) {
	for _, q := range c.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// Answer is a requester's answer to one question of a ticket's category, kept with the
// ticket together with the question as it was asked.
type Answer struct {
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	Value      string `json:"value"`
}

// CategoryStore keeps categories.
type CategoryStore interface {
	// CreateCategory stores c and sets its ID and timestamps; a name must be new in its
	// workspace (case-insensitively). Errors: conflict, unavailable, internal.
	CreateCategory(ctx context.Context, c *Category) error
	// Category returns category id. Errors: not_found, unavailable, internal.
	Category(ctx context.Context, id int64) (Category, error)
	// Categories lists ws's categories by name. Errors: unavailable, internal.
	Categories(ctx context.Context, ws Workspace) ([]Category, error)
	// UpdateCategory saves c's name, description and questions. Errors: not_found,
	// conflict (name taken), unavailable, internal.
	UpdateCategory(ctx context.Context, c *Category) error
	// DeleteCategory removes category id; its tickets keep their category's name and
	// answers. Errors: not_found, unavailable, internal.
	DeleteCategory(ctx context.Context, id int64) error
}

// CategoryInput is a category as an admin writes it; nil fields of an update stay as they are.
type CategoryInput struct {
	Name        *string
	Description *string
	Questions   *[]Question
}

// normalizeCategory cleans and checks c: a name, at most five questions, each with a label
// and a known kind, choices with 1…25 distinct options; questions without an id get the
// first free "qN". Errors: invalid (naming the field).
func normalizeCategory(c *Category) error {
	c.Name = CleanText(c.Name)
	c.Description = CleanText(c.Description)
	if c.Name == "" {
		return FieldError("name", "a category needs a name")
	}
	if strings.ContainsAny(c.Name, "\n\r") {
		return FieldError("name", "a category's name is one line")
	}
	if n := utf8.RuneCountInString(c.Name); n > MaxCategoryName {
		return FieldError("name", "the name is %d characters long; the limit is %d", n, MaxCategoryName)
	}
	if n := utf8.RuneCountInString(c.Description); n > MaxCategoryDesc {
		return FieldError("description", "the description is %d characters long; the limit is %d", n, MaxCategoryDesc)
	}
	if len(c.Questions) > MaxQuestions {
		return FieldError("questions", "a category has at most %d questions", MaxQuestions)
	}
	used := map[string]bool{}
	for i := range c.Questions {
		q := &c.Questions[i]
		q.ID = strings.TrimSpace(q.ID)
		if q.ID != "" {
			if used[q.ID] || len(q.ID) > 16 || strings.Trim(q.ID, idChars) != "" {
				return FieldError(fmt.Sprintf("questions[%d].id", i), "question ids are short, distinct words such as q1")
			}
			used[q.ID] = true
		}
	}
	for i := range c.Questions {
		q := &c.Questions[i]
		field := fmt.Sprintf("questions[%d]", i)
		if q.ID == "" {
			for n := 1; ; n++ {
				if id := fmt.Sprintf("q%d", n); !used[id] {
					q.ID, used[id] = id, true
					break
				}
			}
		}
		q.Label = CleanText(q.Label)
		if q.Label == "" || strings.ContainsAny(q.Label, "\n\r") {
			return FieldError(field+".label", "a question needs a one-line label")
		}
		if n := utf8.RuneCountInString(q.Label); n > MaxQuestionLabel {
			return FieldError(field+".label", "the label is %d characters long; the limit is %d", n, MaxQuestionLabel)
		}
		if q.Kind == "" {
			q.Kind = QuestionShort
		}
		if !slices.Contains(QuestionKinds(), q.Kind) {
			return FieldError(field+".kind", "unknown question kind %q (use short, long or choice)", q.Kind)
		}
		if q.Kind != QuestionChoice {
			if len(q.Options) > 0 {
				return FieldError(field+".options", "only a choice question has options")
			}
			q.Options = nil
			continue
		}
		if len(q.Options) == 0 || len(q.Options) > MaxChoiceOptions {
			return FieldError(field+".options", "a choice question has 1 to %d options", MaxChoiceOptions)
		}
		seen := map[string]bool{}
		for j, o := range q.Options {
			o = CleanText(o)
			if o == "" || strings.ContainsAny(o, "\n\r") || utf8.RuneCountInString(o) > MaxChoiceOptionText || seen[strings.ToLower(o)] {
				return FieldError(fmt.Sprintf("%s.options[%d]", field, j), "options are distinct, one line and at most %d characters", MaxChoiceOptionText)
			}
			seen[strings.ToLower(o)] = true
			q.Options[j] = o
		}
	}
	return nil
}

// CheckAnswers turns values (by question id) into c's answers, in question order: required
// questions must be answered, a choice must be one of its options (matched ignoring case),
// and no value may answer a question c does not ask. Unanswered optional questions are left
// out. Errors: invalid (naming the question).
func CheckAnswers(c Category, values map[string]string) ([]Answer, error) {
	for id := range values {
		if _, ok := c.Question(id); !ok {
			return nil, FieldError("answers."+id, "category %q has no question %q", c.Name, id)
		}
	}
	var out []Answer
	for _, q := range c.Questions {
		v := CleanText(values[q.ID])
		if q.Kind != QuestionLong {
			v = strings.Join(strings.Fields(v), " ")
		}
		if v == "" {
			if q.Required {
				return nil, FieldError("answers."+q.ID, "%q needs an answer", q.Label)
			}
			continue
		}
		if n := utf8.RuneCountInString(v); n > q.MaxAnswer() {
			return nil, FieldError("answers."+q.ID, "the answer to %q is %d characters long; the limit is %d", q.Label, n, q.MaxAnswer())
		}
		if q.Kind == QuestionChoice {
			i := slices.IndexFunc(q.Options, func(o string) bool { return strings.EqualFold(o, v) })
			if i < 0 {
				return nil, FieldError("answers."+q.ID, "%q must be one of: %s", q.Label, strings.Join(q.Options, ", "))
			}
			v = q.Options[i]
		}
		out = append(out, Answer{QuestionID: q.ID, Question: q.Label, Value: v})
	}
	return out, nil
}

// Categories lists ws's categories; anyone who may open a ticket there may read them.
// Errors: forbidden, unavailable, internal.
func (s *Service) Categories(ctx context.Context, actor Actor, ws Workspace) ([]Category, error) {
	if err := canAccessWorkspace(actor, ws); err != nil {
		return nil, err
	}
	return s.store.Categories(ctx, ws)
}

// Category returns category id of ws. Errors: not_found, forbidden, unavailable, internal.
func (s *Service) Category(ctx context.Context, actor Actor, ws Workspace, id int64) (Category, error) {
	if err := canAccessWorkspace(actor, ws); err != nil {
		return Category{}, err
	}
	c, err := s.store.Category(ctx, id)
	if err != nil {
		return Category{}, err
	}
	if c.Workspace != ws {
		return Category{}, Errorf(ENotFound, "category not found")
	}
	return c, nil
}

// CategoryByName returns ws's category called name (ignoring case).
// Errors: not_found, forbidden, unavailable, internal.
func (s *Service) CategoryByName(ctx context.Context, actor Actor, ws Workspace, name string) (Category, error) {
	cs, err := s.Categories(ctx, actor, ws)
	if err != nil {
		return Category{}, err
	}
	name = strings.TrimSpace(name)
	for _, c := range cs {
		if strings.EqualFold(c.Name, name) {
			return c, nil
		}
	}
	return Category{}, Errorf(ENotFound, "there is no category %q", name)
}

func canManageCategories(actor Actor, ws Workspace) error {
	if err := canAccessWorkspace(actor, ws); err != nil {
		return err
	}
	if !actor.Role.AtLeast(RoleAdmin) {
		return Errorf(EForbidden, "only workspace admins can change categories")
	}
	return nil
}

// CreateCategory adds a category to ws. Admins only.
// Errors: invalid, forbidden, conflict, unavailable, internal.
func (s *Service) CreateCategory(ctx context.Context, actor Actor, ws Workspace, in CategoryInput) (Category, error) {
	if err := canManageCategories(actor, ws); err != nil {
		return Category{}, err
	}
	c := Category{Workspace: ws}
	applyCategoryInput(&c, in)
	if err := normalizeCategory(&c); err != nil {
		return Category{}, err
	}
	existing, err := s.store.Categories(ctx, ws)
	if err != nil {
		return Category{}, err
	}
	if len(existing) >= MaxCategories {
		return Category{}, Errorf(EInvalid, "a workspace has at most %d categories", MaxCategories)
	}
	if err := s.store.CreateCategory(ctx, &c); err != nil {
		return Category{}, err
	}
	return c, nil
}

// UpdateCategory changes category id of ws. Admins only.
// Errors: invalid, not_found, forbidden, conflict, unavailable, internal.
func (s *Service) UpdateCategory(ctx context.Context, actor Actor, ws Workspace, id int64, in CategoryInput) (Category, error) {
	if err := canManageCategories(actor, ws); err != nil {
		return Category{}, err
	}
	c, err := s.Category(ctx, actor, ws, id)
	if err != nil {
		return Category{}, err
	}
	applyCategoryInput(&c, in)
	if err := normalizeCategory(&c); err != nil {
		return Category{}, err
	}
	if err := s.store.UpdateCategory(ctx, &c); err != nil {
		return Category{}, err
	}
	return c, nil
}

// DeleteCategory removes category id of ws. Admins only.
// Errors: not_found, forbidden, unavailable, internal.
func (s *Service) DeleteCategory(ctx context.Context, actor Actor, ws Workspace, id int64) error {
	if err := canManageCategories(actor, ws); err != nil {
		return err
	}
	if _, err := s.Category(ctx, actor, ws, id); err != nil {
		return err
	}
	return s.store.DeleteCategory(ctx, id)
}

func applyCategoryInput(c *Category, in CategoryInput) {
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.Questions != nil {
		c.Questions = slices.Clone(*in.Questions)
		for i := range c.Questions {
			c.Questions[i].Options = slices.Clone(c.Questions[i].Options)
		}
	}
}

// openCategory resolves the category and answers of a new ticket: none when in names no
// category. Errors: invalid (naming category or the question), unavailable, internal.
func (s *Service) openCategory(ctx context.Context, ws Workspace, in OpenInput) (Category, []Answer, error) {
	if in.CategoryID == 0 {
		if len(in.Answers) > 0 {
			return Category{}, nil, FieldError("answers", "answers go with a category")
		}
		return Category{}, nil, nil
	}
	c, err := s.store.Category(ctx, in.CategoryID)
	if IsCode(err, ENotFound) || (err == nil && c.Workspace != ws) {
		return Category{}, nil, FieldError("category", "category %d does not exist in this workspace", in.CategoryID)
	}
	if err != nil {
		return Category{}, nil, err
	}
	answers, err := CheckAnswers(c, in.Answers)
	return c, answers, err
}
