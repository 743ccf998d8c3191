package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/core"
)

func setupCommand() Subcommand {
	return Subcommand{
		Name:    "setup",
		Group:   GroupAdmin,
		Help:    "set up the helpdesk: the staff's channel, the staff group, request channels, reply mode; without options it shows the settings (admins)",
		MinRole: core.RoleAdmin,
		Args: []Arg{
			{Name: "support", Type: ArgChannel, OptionName: "channel", Surfaces: SurfaceOptions, Help: "Where ticket threads are made (everyone who may ask for help must see it)"},
			{Name: "triage", Type: ArgChannel, OptionName: "staff_channel", Help: "A private channel where staff handle tickets (people asking for help must not see it)"},
			{Name: "staff", Type: ArgGroup, Keyword: "staff", OptionName: "staff_role", Help: "Members of this group handle tickets"},
			{Name: "requests", Type: ArgChannel, Keyword: "requests", Surfaces: SurfaceText, Help: "A channel where people ask for help"},
			{Name: "auto", Type: ArgFlag, Surfaces: SurfaceText, Help: "Every new message in the request channel opens a ticket"},
			{Name: "off", Type: ArgFlag, Surfaces: SurfaceText, Help: "With requests #channel: the channel stops being a request channel"},
			{Name: "transcript", Type: ArgChannel, OptionName: "transcript_channel", Surfaces: SurfaceOptions,
				Help: "Where each closed ticket's transcript is posted as an HTML file (staff only should see it)"},
			{Name: "replies", Type: ArgWord, Keyword: "replies", Choices: []string{string(core.RepliesAll), string(core.RepliesNotes)}, Surfaces: SurfaceText,
				Help: "all: staff replies in the ticket's staff thread reach the requester; notes: they stay internal unless sent with reply"},
		},
		Run: runSetup,
	}
}

func runSetup(ctx context.Context, b *Bot, req Request, role core.Role) (Reply, error) {
	a := req.Command.Args
	st, err := b.svc.Settings(ctx, req.Workspace)
	if err != nil {
		return Reply{}, err
	}
	changed := false
	for _, name := range []string{"triage", "support", "staff", "requests", "replies", "transcript"} {
		changed = changed || a.Has(name)
	}
	if a.Bool("auto") && a.Bool("off") {
		return Reply{}, core.Errorf(core.EInvalid, "choose auto or off, not both")
	}
	if !a.Has("requests") {
		for _, flag := range []string{"auto", "off"} {
			if a.Bool(flag) {
				return Reply{}, core.Errorf(core.EInvalid, "%s goes with requests #channel", flag)
			}
		}
	}
	if !changed {
		return Reply{Ephemeral: true, Text: b.describeSettings(ctx, req, st)}, nil
	}
	var done []string
	if ch := a.Str("triage"); ch != "" {
		name, err := b.checkChannel(ctx, req, ch, true)
		if err != nil {
			return Reply{}, err
		}
		st.TriageChannel = ch
		if req.Words.ChannelMembersAreStaff {
			done = append(done, "staff handle tickets in "+name+", and its members are staff")
		} else {
			done = append(done, "new tickets are announced to staff in "+name+", with a thread for internal notes")
		}
	}
	if ch := a.Str("support"); ch != "" {
		name, err := b.checkChannel(ctx, req, ch, false)
		if err != nil {
			return Reply{}, err
		}
		st.SupportChannel = ch
		done = append(done, "new tickets get a private thread in "+name)
	}
	if g := a.Str("staff"); g != "" {
		st.StaffGroup = g
		done = append(done, "members of the group you chose are staff")
	}
	if ch := a.Str("requests"); ch != "" && a.Bool("off") {
		if !st.RemoveRequestChannel(ch) {
			return Reply{}, core.Errorf(core.EInvalid, "%s is not a request channel; nothing changed", b.channelName(ctx, req, ch))
		}
		done = append(done, b.channelName(ctx, req, ch)+" is no longer a request channel (new messages there open no tickets)")
	} else if ch != "" {
		st.SetRequestChannel(ch, a.Bool("auto"))
		if a.Bool("auto") {
			done = append(done, "every new message of someone who is not staff in the request channel opens a ticket")
		} else {
			done = append(done, "the request channel is known (react with :ticket: to a message there to open a ticket)")
		}
	}
	if ch := a.Str("transcript"); ch != "" {
		name, err := b.checkChannel(ctx, req, ch, true)
		if err != nil {
			return Reply{}, err
		}
		st.TranscriptChannel = ch
		done = append(done, "the transcript of each closed ticket is posted in "+name)
	}
	if m := a.Str("replies"); m != "" {
		st.Replies = core.ReplyMode(m)
		if st.Replies == core.RepliesNotes {
			done = append(done, fmt.Sprintf("messages in a ticket's staff thread stay internal; send replies with %s", b.cmd(req, "reply")))
		} else {
			done = append(done, "messages in a ticket's staff thread reach the requester unless they start with note: or 🔒")
		}
	}
	if err := b.svc.UpdateSettings(ctx, req.actor(role), st); err != nil {
		return Reply{}, err
	}
	b.ForgetSettings(req.Workspace)
	text := "Done: " + strings.Join(done, "; ") + "."
	if st.StaffGroup == "" {
		if s, ok := b.reg.Lookup("setup"); ok {
			if arg, ok := s.Arg("staff"); ok && arg.Surfaces.has(req.surface()) {
				how := b.cmd(req, "setup") + " staff"
				if req.surface() == SurfaceOptions {
					how = b.cmd(req, "setup") + " " + arg.Option() + ":"
				}
				who := req.Words.orDefault().Admins
				if req.Words.ChannelMembersAreStaff {
					who += " and members of the staff's channel"
				}
				text += fmt.Sprintf(" No staff group is set yet, so only %s handle tickets; choose one with %s.", who, how)
			}
		}
	}
	return Reply{Ephemeral: true, Text: text}, nil
}

// checkChannel applies the rule for a channel's visibility: the staff's channel must be
// private (anyone who could join it would become staff and read internal notes), and the
// channel where requesters' threads are made must be visible to them. The bot must be in it.
// It returns how to name the channel in a reply.
func (b *Bot) checkChannel(ctx context.Context, req Request, id string, staffSide bool) (string, error) {
	if req.Platform == nil {
		return "the channel you chose", nil
	}
	info, err := req.Platform.Channel(ctx, id)
	if err != nil {
		if core.IsCode(err, core.ENotFound) {
			return "", core.Errorf(core.EInvalid, "I can't see that channel; add me to it first")
		}
		return "", err
	}
	switch {
	case staffSide && !info.Private:
		return "", core.Errorf(core.EInvalid, "that channel is public: anyone who joined it would become staff and read internal notes. Choose a private channel (and add me to it)")
	case !staffSide && info.Private:
		return "", core.Errorf(core.EInvalid, "people who ask for help can't see that channel, so they couldn't see their ticket threads; choose a channel everyone can see")
	case !info.BotIn:
		return "", core.Errorf(core.EInvalid, "I'm not in that channel yet; add me to it first, then run this again")
	}
	if info.Name == "" {
		return "the channel you chose", nil
	}
	return "#" + info.Name, nil
}

// channelName is "#name" of channel id, or "that channel" when the platform does not say.
func (b *Bot) channelName(ctx context.Context, req Request, id string) string {
	if req.Platform != nil {
		if info, err := req.Platform.Channel(ctx, id); err == nil && info.Name != "" {
			return "#" + info.Name
		}
	}
	return "that channel"
}

// describeSettings is the settings view of setup without options.
func (b *Bot) describeSettings(ctx context.Context, req Request, st core.Settings) string {
	mention := func(id string) string {
		if id == "" {
			return "not set"
		}
		if req.Platform != nil {
			if info, err := req.Platform.Channel(ctx, id); err == nil && info.Name != "" {
				s := "#" + info.Name
				if !info.BotIn {
					s += " (I'm not in it: add me back)"
				}
				return s
			} else if core.IsCode(err, core.ENotFound) {
				return id + " (I can't see it any more: add me back or choose another)"
			}
		}
		return id
	}
	var lines []string
	lines = append(lines, "Helpdesk settings of this "+req.Words.orDefault().Workspace+":")
	if s, ok := b.reg.Lookup("setup"); ok {
		for _, arg := range s.ArgsOn(req.surface()) {
			switch arg.Name {
			case "triage":
				lines = append(lines, "• staff's channel: "+mention(st.TriageChannel))
			case "support":
				lines = append(lines, "• ticket threads in: "+mention(st.SupportChannel))
			case "staff":
				g := st.StaffGroup
				if g == "" {
					g = "not set (only admins and members of the staff's channel are staff)"
				}
				lines = append(lines, "• staff group: "+g)
			case "requests":
				var rc []string
				for _, r := range st.RequestChannels {
					s := mention(r.Channel)
					if r.Auto {
						s += " (auto)"
					}
					rc = append(rc, s)
				}
				if len(rc) == 0 {
					rc = []string{"none"}
				}
				lines = append(lines, "• request channels: "+strings.Join(rc, ", "))
			case "replies":
				lines = append(lines, "• replies in a staff thread: "+string(st.ReplyMode()))
			case "transcript":
				lines = append(lines, "• transcripts of closed tickets: "+mention(st.TranscriptChannel))
			}
		}
	}
	lines = append(lines, b.describeLink(ctx, req))
	return strings.Join(lines, "\n")
}
