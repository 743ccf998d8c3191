package core

import "context"

// SettingNamesStore reads the names admins gave workspaces in their settings.
type SettingNamesStore interface {
	// SettingNames returns the non-empty settings names of wss; the others are left out.
	// Errors: unavailable, internal.
	SettingNames(ctx context.Context, wss []Workspace) (map[Workspace]string, error)
}

// WorkspaceNames says what wss are called, by the one rule every page, list and API answer
// follows: the name an admin gave in the workspace's settings, else the team's or server's own
// name as names knows it (learnt from Slack or Discord), else nothing — the caller shows the
// id. It never calls a platform. A settings read that fails leaves the platform's names.
func (s *Service) WorkspaceNames(ctx context.Context, names *Names, wss []Workspace) map[Workspace]string {
	out := make(map[Workspace]string, len(wss))
	if len(wss) == 0 {
		return out
	}
	keys := make([]NameKey, len(wss))
	for i, ws := range wss {
		keys[i] = WorkspaceKey(ws)
	}
	for k, n := range names.Lookup(ctx, keys) {
		out[k.Workspace] = n
	}
	if st, ok := s.store.(SettingNamesStore); ok {
		set, err := st.SettingNames(ctx, wss)
		if err != nil {
			s.log.Warn("workspace names: could not read the settings names", "err", err)
		}
		for ws, n := range set {
			out[ws] = n
		}
	}
	return out
}
