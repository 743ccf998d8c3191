package coretest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// TCPProxy forwards TCP connections from a local address to a target, and can simulate an
// outage of the target: Cut drops every connection and refuses new ones until Restore;
// Blackhole keeps every connection open but never answers (a partition, an overloaded
// server) until Restore.
type TCPProxy struct {
	tb     testing.TB
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu    sync.Mutex
	cut   bool
	hole  bool
	conns map[net.Conn]struct{}
	// held are connections that lost bytes to the black hole: their protocol stream is
	// broken, so Restore closes them.
	held map[net.Conn]struct{}
}

// NewTCPProxy listens on a free local port and forwards to target until the test ends.
func NewTCPProxy(tb testing.TB, target string) *TCPProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("coretest.NewTCPProxy: %v", err)
	}
	p := &TCPProxy{tb: tb, target: target, ln: ln, conns: make(map[net.Conn]struct{}), held: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// Addr is the proxy's host:port; point clients here instead of at the target.
func (p *TCPProxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every proxied connection; new ones are accepted and closed at once.
func (p *TCPProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.closeConnsLocked()
}

// Blackhole stops forwarding: connections (open and new) are accepted and kept, and what
// clients send is swallowed without an answer, until Restore.
func (p *TCPProxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hole = true
}

// Restore forwards new connections again, and closes the connections the black hole broke.
func (p *TCPProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.hole = false, false
	for c := range p.held {
		c.Close()
	}
	clear(p.held)
}

// swallowing reports whether bytes read from c must be dropped (black hole), marking c broken.
func (p *TCPProxy) swallowing(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hole && p.held != nil {
		p.held[c] = struct{}{}
	}
	return p.hole
}

func (p *TCPProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		p.mu.Lock()
		cut, hole := p.cut, p.hole
		p.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		p.wg.Add(1)
		if hole {
			go p.swallow(c)
			continue
		}
		go p.forward(c)
	}
}

func (p *TCPProxy) forward(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if p.cut || p.conns == nil {
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}
	p.mu.Unlock()

	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 && !p.swallowing(client) {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	client.Close()
	server.Close()
	<-done

	p.mu.Lock()
	if p.conns != nil {
		delete(p.conns, client)
		delete(p.conns, server)
	}
	p.mu.Unlock()
}

// swallow holds a connection accepted during a black hole: it reads and drops everything
// until the client gives up or Restore closes it.
func (p *TCPProxy) swallow(c net.Conn) {
	defer p.wg.Done()
	p.mu.Lock()
	if p.held == nil {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.held[c] = struct{}{}
	p.mu.Unlock()
	_, _ = io.Copy(io.Discard, c)
	c.Close()
	p.mu.Lock()
	if p.held != nil {
		delete(p.held, c)
	}
	p.mu.Unlock()
}

func (p *TCPProxy) closeConnsLocked() {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *TCPProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closeConnsLocked()
	p.conns = nil
	for c := range p.held {
		c.Close()
	}
	p.held = nil
	p.mu.Unlock()
	p.wg.Wait()
}
