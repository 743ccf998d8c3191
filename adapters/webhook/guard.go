// Package webhook delivers outbox events to the HTTPS endpoints admins registered: signed
// JSON POSTs, through a dialer that refuses loopback, private and link-local addresses (also
// after DNS answers change), logged per attempt.
package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"

	"github.com/ticketbot/ticketbot/core"
)

// Resolver looks up a host's addresses; *net.Resolver is one, tests inject a fake.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides which endpoint URLs and addresses may be called.
type Guard struct {
	// AllowPrivate lets endpoints reach loopback, private and link-local addresses, and use
	// plain http (TICKETBOT_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivate bool
	// Resolver answers DNS questions [net.DefaultResolver].
	Resolver Resolver
}

// blocked are the special-purpose networks that are never a public receiver, beyond what
// netip's IsPrivate/IsLoopback/IsLinkLocal* cover.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Disallowed reports whether a is an address webhooks may not reach (without AllowPrivate).
func Disallowed(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (g Guard) resolver() Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// CheckURL refuses a URL that is not https (http only with AllowPrivate), carries
// credentials, or whose host resolves to a disallowed address. Errors: invalid.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return &core.Error{Code: core.EInvalid, Field: "url", Message: "url must be an absolute https URL"}
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && g.AllowPrivate) {
		return &core.Error{Code: core.EInvalid, Field: "url", Message: "url must use https"}
	}
	if u.User != nil {
		return &core.Error{Code: core.EInvalid, Field: "url", Message: "url must not carry a user name or password"}
	}
	if _, err := g.addresses(ctx, u.Hostname()); err != nil {
		return err
	}
	return nil
}

// addresses resolves host and returns its addresses, refusing the host when any of them is
// disallowed. Errors: invalid (refused or unresolvable).
func (g Guard) addresses(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
		} else if addrs, err = g.resolver().LookupNetIP(ctx, "ip", host); err != nil || len(addrs) == 0 {
			return nil, &core.Error{Code: core.EInvalid, Field: "url", Message: fmt.Sprintf("the host %s could not be resolved", host), Err: err}
		}
	}
	if g.AllowPrivate {
		return addrs, nil
	}
	for _, a := range addrs {
		if Disallowed(a) {
			return nil, &core.Error{Code: core.EInvalid, Field: "url",
				Message: fmt.Sprintf("the host %s resolves to %s, a loopback, private or link-local address (TICKETBOT_WEBHOOK_ALLOW_PRIVATE=true allows it)", host, a.Unmap())}
		}
	}
	return addrs, nil
}

// DialContext resolves the host itself, refuses disallowed addresses and dials the address it
// checked, so a DNS answer that changes between the check and the connection (rebinding)
// cannot reach an internal address; the dialer's Control hook checks the final address again.
func (g Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := g.addresses(ctx, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Control: g.control}
	var last error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// control runs on the socket before it connects: the last word on the address.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: unexpected dial address %q", address)
	}
	if Disallowed(ap.Addr()) {
		return fmt.Errorf("webhook: refusing to connect to %s (loopback, private or link-local)", ap.Addr())
	}
	return nil
}
