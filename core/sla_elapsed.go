package core

import "time"

// Elapsed is the running support time of the ticket from its creation at created until at:
// the support time (see Hours.Between) minus the support time its clocks were paused
// (waiting, resolved, closed), the same reckoning Schedule uses for due times. A pause still
// going on at at counts up to at.
func (c SLAClock) Elapsed(h Hours, created, at time.Time) time.Duration {
	d := h.Between(created, at) - c.Paused
	if c.PausedSince != nil {
		d -= h.Between(*c.PausedSince, at)
	}
	return max(d, 0)
}
