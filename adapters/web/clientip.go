package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address a request came from, for sign-in limits and logs. X-Forwarded-For
// is believed only from a trusted proxy, and then only as far as the chain of trusted
// proxies goes: the client is the rightmost address that is not a trusted proxy (addresses
// further left could have been written by the client itself).
func (s *Server) clientIP(r *http.Request) string {
	peer := remoteAddr(r)
	if !s.trusted(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: trust nothing left of it
		}
		addr = a.Unmap()
		if !s.trusted(addr) {
			break
		}
	}
	return addr.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}
