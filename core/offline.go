package core

import (
	"context"
	"time"
)

// OfflineLine is what a requester who opens a ticket at at is told when that is outside
// hours: when staff are back, in the hours' time zone ("Our team is offline; we're back
// Monday 09:00 (Europe/Berlin)."), with the date when that is a week or more away. It is ""
// while staff are working.
func OfflineLine(h Hours, at time.Time) string {
	if h.OpenAt(at) {
		return ""
	}
	next := h.NextOpen(at)
	if next.IsZero() {
		return "Our team is offline at the moment; we'll answer as soon as we can."
	}
	loc := h.Location()
	local := next.In(loc)
	layout := "Monday 15:04"
	if next.Sub(at) >= 6*24*time.Hour {
		layout = "Monday 2 January 15:04"
	}
	zone := h.Spec().TZ
	if zone == "" {
		zone = "UTC"
	}
	return "Our team is offline; we're back " + local.Format(layout) + " (" + zone + ")."
}

// OfflineNotice is OfflineLine for a ticket opened now in ws. Errors: unavailable, internal.
func (s *Service) OfflineNotice(ctx context.Context, ws Workspace) (string, error) {
	st, err := s.Settings(ctx, ws)
	if err != nil {
		return "", err
	}
	return OfflineLine(st.Hours, s.clock.Now()), nil
}
