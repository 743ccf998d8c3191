package slack

import "context"

type guardKey struct{}

// guard runs a delivery's chat call, or refuses to (with an error of its own).
type guard func(ctx context.Context, call func() error) error

// withPostGuard is ctx for a delivery whose chat calls (posts, updates, deletions) go
// through g (linked.go: only while the link lasts, and not across an unlink).
func withPostGuard(ctx context.Context, g guard) context.Context {
	return context.WithValue(ctx, guardKey{}, g)
}

// guarded runs call through ctx's guard, if it has one.
func guarded(ctx context.Context, call func() error) error {
	if g, ok := ctx.Value(guardKey{}).(guard); ok {
		return g(ctx, call)
	}
	return call()
}
