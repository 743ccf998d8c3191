package core_test

import (
	"strings"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore"
)

func TestCategoryValidation(t *testing.T) {
	q := func(label string, kind core.QuestionKind, opts ...string) core.Question {
		return core.Question{Label: label, Kind: kind, Options: opts}
	}
	long := strings.Repeat("x", core.MaxQuestionLabel+1)
	for _, tc := range []struct {
		name      string
		in        core.Category
		wantField string
	}{
		{"a name is required", core.Category{Name: "  "}, "name"},
		{"a name is one line", core.Category{Name: "a\nb"}, "name"},
		{"at most five questions", core.Category{Name: "A", Questions: []core.Question{q("1", ""), q("2", ""), q("3", ""), q("4", ""), q("5", ""), q("6", "")}}, "questions"},
		{"a question needs a label", core.Category{Name: "A", Questions: []core.Question{q("", core.QuestionShort)}}, "questions[0].label"},
		{"a label fits a Discord input", core.Category{Name: "A", Questions: []core.Question{q(long, core.QuestionShort)}}, "questions[0].label"},
		{"unknown kind", core.Category{Name: "A", Questions: []core.Question{q("x", "date")}}, "questions[0].kind"},
		{"a choice needs options", core.Category{Name: "A", Questions: []core.Question{q("x", core.QuestionChoice)}}, "questions[0].options"},
		{"options are distinct", core.Category{Name: "A", Questions: []core.Question{q("x", core.QuestionChoice, "Yes", "yes")}}, "questions[0].options[1]"},
		{"only choices have options", core.Category{Name: "A", Questions: []core.Question{q("x", core.QuestionShort, "a")}}, "questions[0].options"},
		{"ids are distinct", core.Category{Name: "A", Questions: []core.Question{{ID: "a", Label: "x"}, {ID: "a", Label: "y"}}}, "questions[1].id"},
		{"a valid category", core.Category{Name: "VPN", Questions: []core.Question{q("Device", ""), q("Office", core.QuestionChoice, "Berlin")}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.in
			err := core.NormalizeCategoryForTest(&c)
			if got := core.ErrorField(err); got != tc.wantField || (tc.wantField == "") != (err == nil) {
				t.Fatalf("err = %v (field %q), want field %q", err, got, tc.wantField)
			}
			if err == nil && (c.Questions[0].ID != "q1" || c.Questions[1].ID != "q2" || c.Questions[0].Kind != core.QuestionShort) {
				t.Errorf("normalized = %+v, want ids q1, q2 and short by default", c.Questions)
			}
		})
	}
}

func TestCheckAnswers(t *testing.T) {
	c := core.Category{Name: "VPN", Questions: []core.Question{
		{ID: "q1", Label: "Device", Kind: core.QuestionShort, Required: true},
		{ID: "q2", Label: "Details", Kind: core.QuestionLong},
		{ID: "q3", Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin", "Lisbon"}},
	}}
	for _, tc := range []struct {
		name      string
		values    map[string]string
		want      []core.Answer
		wantField string
	}{
		{"required missing", map[string]string{"q2": "x"}, nil, "answers.q1"},
		{"unknown question", map[string]string{"q1": "a", "q9": "b"}, nil, "answers.q9"},
		{"choice not an option", map[string]string{"q1": "a", "q3": "Paris"}, nil, "answers.q3"},
		{"too long", map[string]string{"q1": strings.Repeat("a", core.MaxShortAnswer+1)}, nil, "answers.q1"},
		{"optional left out, choice matched ignoring case, spaces folded", map[string]string{"q1": "  Think   Pad ", "q3": "lisbon"},
			[]core.Answer{{QuestionID: "q1", Question: "Device", Value: "Think Pad"}, {QuestionID: "q3", Question: "Office", Value: "Lisbon"}}, ""},
		{"long keeps lines", map[string]string{"q1": "a", "q2": "line 1\nline 2"},
			[]core.Answer{{QuestionID: "q1", Question: "Device", Value: "a"}, {QuestionID: "q2", Question: "Details", Value: "line 1\nline 2"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := core.CheckAnswers(c, tc.values)
			if f := core.ErrorField(err); f != tc.wantField {
				t.Fatalf("err = %v (field %q), want field %q", err, f, tc.wantField)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("answers = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("answer %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestCategoriesService(t *testing.T) {
	eachBackend(t, func(t *testing.T, svc *core.Service, st *gormstore.Store) {
		ctx := t.Context()
		admin := actor(wsA, "UADMIN", core.RoleAdmin)
		req := actor(wsA, "UREQ", core.RoleRequester)
		name := "VPN"
		qs := []core.Question{{Label: "Device", Required: true}, {Label: "Office", Kind: core.QuestionChoice, Options: []string{"Berlin"}}}
		if _, err := svc.CreateCategory(ctx, actor(wsA, "USTAFF", core.RoleStaff), wsA, core.CategoryInput{Name: &name}); !core.IsCode(err, core.EForbidden) {
			t.Errorf("staff CreateCategory: %v, want forbidden", err)
		}
		if _, err := svc.CreateCategory(ctx, actor(wsB, "UADMIN", core.RoleAdmin), wsA, core.CategoryInput{Name: &name}); err == nil {
			t.Errorf("an admin of another workspace created a category")
		}
		c, err := svc.CreateCategory(ctx, admin, wsA, core.CategoryInput{Name: &name, Questions: &qs})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Category(ctx, admin, wsB, c.ID); err == nil {
			t.Errorf("category %d found in another workspace", c.ID)
		}
		_, err = svc.OpenTicket(ctx, req, core.OpenInput{Title: "vpn down", CategoryID: c.ID})
		if core.ErrorField(err) != "answers.q1" {
			t.Errorf("open without the required answer: %v", err)
		}
		_, err = svc.OpenTicket(ctx, actor(wsB, "U", core.RoleRequester), core.OpenInput{Title: "x", CategoryID: c.ID})
		if core.ErrorField(err) != "category" {
			t.Errorf("open with another workspace's category: %v", err)
		}
		tk, err := svc.OpenTicket(ctx, req, core.OpenInput{Title: "vpn down", CategoryID: c.ID, Answers: map[string]string{"q1": "Mac", "q2": "berlin"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Ticket(ctx, req, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Category != "VPN" || len(got.Answers) != 2 || got.Answers[1].Value != "Berlin" {
			t.Errorf("ticket = %+v", got)
		}
	})
}
