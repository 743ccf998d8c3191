package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// The workspace API: GET /api/v1/workspaces lists the workspaces that have a helpdesk, and
// GET/PATCH /api/v1/workspaces/{ws}/settings read and change one workspace's settings (admin
// scope; requiredScope says so for every path with a settings segment). A PATCH names only the
// fields it changes; an unknown field is 400, a value that breaks a rule 422 naming the field,
// and nothing changes unless every field is valid. Channels and groups are checked for their
// platform's id format only: `/ticket setup` in chat also checks that a triage channel is
// private, which the API cannot see.

// workspaceJSON is one entry of GET /api/v1/workspaces.
type workspaceJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
}

// apiListWorkspaces serves GET /api/v1/workspaces.
func (s *Server) apiListWorkspaces(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	all, err := s.svc.HelpdeskWorkspaces(r.Context(), actor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Workspaces []workspaceJSON `json:"workspaces"`
	}{Workspaces: make([]workspaceJSON, 0, len(all))}
	book := s.named(r.Context(), settingsWorkspaces(all))
	for _, st := range all {
		out.Workspaces = append(out.Workspaces, workspaceJSON{ID: st.Workspace.String(), Name: book.Name(st.Workspace),
			Platform: string(st.Workspace.Platform)})
	}
	writeJSON(w, http.StatusOK, out)
}

// settingsJSON is a workspace's settings in the API. Slack workspaces carry triage_channel,
// staff_group, request_channels and replies; Discord servers support_channel, staff_channel
// and staff_role; every workspace the workflow settings.
type settingsJSON struct {
	Workspace string `json:"workspace"`
	Platform  string `json:"platform"`
	Name      string `json:"name"`
	// Slack.
	TriageChannel   *string               `json:"triage_channel,omitempty"`
	StaffGroup      *string               `json:"staff_group,omitempty"`
	RequestChannels []core.RequestChannel `json:"request_channels,omitempty"`
	Replies         string                `json:"replies,omitempty"`
	// Discord.
	SupportChannel *string `json:"support_channel,omitempty"`
	StaffChannel   *string `json:"staff_channel,omitempty"`
	StaffRole      *string `json:"staff_role,omitempty"`
	// TranscriptChannel receives each closed ticket's HTML transcript ("" none).
	TranscriptChannel *string `json:"transcript_channel,omitempty"`
	// Hours are the support hours ({} always open).
	Hours core.HoursSpec `json:"hours"`
	// Workflow.
	ReminderAfter      string `json:"reminder_after"`
	CloseWaitingAfter  string `json:"close_waiting_after"`
	CloseResolvedAfter string `json:"close_resolved_after"`
	CSAT               bool   `json:"csat"`
	// SLA is the targets per priority, counted in the support hours.
	SLA       core.SLAPolicy `json:"sla"`
	UpdatedAt string         `json:"updated_at"`
}

func toSettingsJSON(st core.Settings) settingsJSON {
	d := st.Delays()
	out := settingsJSON{
		Workspace: st.Workspace.String(), Platform: string(st.Workspace.Platform), Name: st.DisplayName(),
		ReminderAfter: d.ReminderAfter.String(), CloseWaitingAfter: d.CloseWaitingAfter.String(),
		CloseResolvedAfter: d.CloseResolvedAfter.String(), CSAT: st.CSAT(), UpdatedAt: rfc3339(st.UpdatedAt),
		Hours: st.Hours.Spec(), SLA: st.SLA,
	}
	if out.SLA == nil {
		out.SLA = core.SLAPolicy{}
	}
	str := func(v string) *string { return &v }
	if st.Workspace.Platform == core.PlatformDiscord {
		out.SupportChannel, out.StaffChannel, out.StaffRole = str(st.SupportChannel), str(st.TriageChannel), str(st.StaffGroup)
		out.TranscriptChannel = str(st.TranscriptChannel)
		return out
	}
	out.TriageChannel, out.StaffGroup, out.Replies = str(st.TriageChannel), str(st.StaffGroup), string(st.ReplyMode())
	out.RequestChannels = st.RequestChannels
	if out.RequestChannels == nil {
		out.RequestChannels = []core.RequestChannel{}
	}
	return out
}

// settingsPatch is PATCH /api/v1/workspaces/{ws}/settings's body; absent fields stay.
type settingsPatch struct {
	Name               *string                `json:"name"`
	TriageChannel      *string                `json:"triage_channel"`
	StaffGroup         *string                `json:"staff_group"`
	RequestChannels    *[]core.RequestChannel `json:"request_channels"`
	Replies            *string                `json:"replies"`
	SupportChannel     *string                `json:"support_channel"`
	StaffChannel       *string                `json:"staff_channel"`
	StaffRole          *string                `json:"staff_role"`
	ReminderAfter      *string                `json:"reminder_after"`
	CloseWaitingAfter  *string                `json:"close_waiting_after"`
	CloseResolvedAfter *string                `json:"close_resolved_after"`
	CSAT               *bool                  `json:"csat"`
	TranscriptChannel  *string                `json:"transcript_channel"`
	Hours              json.RawMessage        `json:"hours"`
	SLA                *json.RawMessage       `json:"sla"`
}

// settingsWorkspace reads the {ws} path value. Errors: not_found.
func settingsWorkspace(r *http.Request) (core.Workspace, error) {
	ws, err := core.ParseWorkspace(r.PathValue("ws"))
	if err != nil {
		return core.Workspace{}, core.Errorf(core.ENotFound, "workspace not found")
	}
	return ws, nil
}

// apiGetSettings serves GET /api/v1/workspaces/{ws}/settings.
func (s *Server) apiGetSettings(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := settingsWorkspace(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.svc.AdminSettings(r.Context(), actor, ws)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSettingsJSON(st))
}

// apiPatchSettings serves PATCH /api/v1/workspaces/{ws}/settings.
func (s *Server) apiPatchSettings(w http.ResponseWriter, r *http.Request, actor core.Actor) {
	ws, err := settingsWorkspace(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in settingsPatch
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.svc.AdminSettings(r.Context(), actor, ws)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := applySettingsPatch(&st, in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.UpdateSettings(r.Context(), actor, st); err != nil {
		s.apiError(w, r, err)
		return
	}
	if st, err = s.svc.AdminSettings(r.Context(), actor, ws); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSettingsJSON(st))
}

// applySettingsPatch applies in to st, checking each field's format for st's platform.
// Errors: invalid, naming the field.
func applySettingsPatch(st *core.Settings, in settingsPatch) error {
	slack := st.Workspace.Platform == core.PlatformSlack
	ids := []struct {
		field string
		v     *string
		dst   *string
		slack bool // the field is Slack's (else Discord's)
		kind  idKind
	}{
		{"triage_channel", in.TriageChannel, &st.TriageChannel, true, slackChannel},
		{"staff_group", in.StaffGroup, &st.StaffGroup, true, slackGroup},
		{"support_channel", in.SupportChannel, &st.SupportChannel, false, snowflake},
		{"staff_channel", in.StaffChannel, &st.TriageChannel, false, snowflake},
		{"staff_role", in.StaffRole, &st.StaffGroup, false, snowflake},
		{"transcript_channel", in.TranscriptChannel, &st.TranscriptChannel, false, snowflake},
	}
	for _, f := range ids {
		if f.v == nil {
			continue
		}
		if f.slack != slack {
			return wrongPlatform(f.field, st.Workspace.Platform)
		}
		v := strings.TrimSpace(*f.v)
		if v != "" && !f.kind.valid(v) {
			return core.FieldError(f.field, "%s must be %s, or \"\" to clear it", f.field, f.kind.describe())
		}
		*f.dst = v
	}
	if in.RequestChannels != nil {
		if !slack {
			return wrongPlatform("request_channels", st.Workspace.Platform)
		}
		for _, rc := range *in.RequestChannels {
			if !slackChannel.valid(rc.Channel) {
				return core.FieldError("request_channels", "request_channels[].channel must be %s", slackChannel.describe())
			}
		}
		st.RequestChannels = *in.RequestChannels
	}
	if in.Replies != nil {
		if !slack {
			return wrongPlatform("replies", st.Workspace.Platform)
		}
		mode, _, err := enumValue("replies", in.Replies, []core.ReplyMode{core.RepliesAll, core.RepliesNotes})
		if err != nil {
			return err
		}
		st.Replies = mode
	}
	if in.Name != nil {
		st.Name = strings.TrimSpace(*in.Name)
	}
	for _, d := range []struct {
		field string
		v     *string
		dst   *time.Duration
	}{
		{"reminder_after", in.ReminderAfter, &st.ReminderAfter},
		{"close_waiting_after", in.CloseWaitingAfter, &st.CloseWaitingAfter},
		{"close_resolved_after", in.CloseResolvedAfter, &st.CloseResolvedAfter},
	} {
		if d.v == nil {
			continue
		}
		v, err := ParseDelay(d.field, *d.v)
		if err != nil {
			return err
		}
		*d.dst = v
	}
	if in.CSAT != nil {
		st.CSATOff = !*in.CSAT
	}
	if len(in.Hours) > 0 {
		h, err := parseHoursJSON(in.Hours)
		if err != nil {
			return err
		}
		st.Hours = h
	}
	if in.SLA != nil {
		p, err := core.ParseSLAPolicy(*in.SLA)
		if err != nil {
			return err
		}
		st.SLA = p
	}
	return nil
}

// parseHoursJSON reads the hours setting; null or {} is always open. Errors: invalid,
// naming the part at fault ("hours.tz", "hours.weekly.mon", …).
func parseHoursJSON(raw json.RawMessage) (core.Hours, error) {
	if string(raw) == "null" {
		return core.Hours{}, nil
	}
	return core.ParseHours(raw)
}

// ParseDelay reads a workflow delay: a Go duration of at least one second ("72h", "90m").
// Errors: invalid, naming field.
func ParseDelay(field, v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < core.MinDelay {
		return 0, core.FieldError(field, "%s must be a duration of at least 1s such as \"72h\" or \"90m\", not %q", field, v)
	}
	return d, nil
}

func wrongPlatform(field string, p core.Platform) error {
	return core.FieldError(field, "%s is not a setting of %s workspaces", field, p)
}

// idKind is the shape of a platform id a setting holds.
type idKind int

const (
	slackChannel idKind = iota // C…/G… (a conversation id)
	slackGroup                 // S… (a user group id)
	snowflake                  // a Discord id
)

func (k idKind) valid(v string) bool {
	if len(v) > 32 {
		return false
	}
	switch k {
	case slackChannel, slackGroup:
		first := "CG"
		if k == slackGroup {
			first = "S"
		}
		return len(v) >= 2 && strings.ContainsRune(first, rune(v[0])) && strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
	default:
		return len(v) >= 5 && len(v) <= 20 && strings.Trim(v, "0123456789") == ""
	}
}

func (k idKind) describe() string {
	switch k {
	case slackChannel:
		return "a Slack channel id such as C0123ABCD"
	case slackGroup:
		return "a Slack user group id such as S0123ABCD"
	default:
		return "a Discord id such as 80351110224678912"
	}
}
