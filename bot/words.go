package bot

// Words are a platform's names for the things the bot's replies mention, so replies from
// this package read right on every platform.
type Words struct {
	// Admins names who administers a workspace ("workspace admins", "server admins (Manage
	// Server)").
	Admins string
	// Command is how a subcommand is invoked, given its name and group ("/ticket list",
	// "/ticket-admin setup").
	Command func(name string, g Group) string
	// Workspace names a workspace ("workspace", "server").
	Workspace string
	// Conversation says where a requester talks with the helpdesk ("in your DM with me").
	Conversation string
	// ChannelMembersAreStaff: on this platform the members of the staff's channel are staff.
	ChannelMembersAreStaff bool
}

// DefaultWords are neutral words for callers that supply none (tests, the API).
func DefaultWords() Words {
	return Words{Admins: "admins", Workspace: "workspace", Conversation: "in the ticket's conversation",
		Command: func(name string, _ Group) string { return "/ticket " + name }}
}

func (w Words) orDefault() Words {
	d := DefaultWords()
	if w.Admins == "" {
		w.Admins = d.Admins
	}
	if w.Command == nil {
		w.Command = d.Command
	}
	if w.Workspace == "" {
		w.Workspace = d.Workspace
	}
	if w.Conversation == "" {
		w.Conversation = d.Conversation
	}
	return w
}
