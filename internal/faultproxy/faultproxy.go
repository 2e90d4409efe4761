// Package faultproxy is a TCP proxy on 127.0.0.1 for tests that need a
// database to go away: it forwards to a target address, refuses (every
// connection reset at once, the open ones cut), or hangs (connections
// accepted and open ones kept, nothing forwarded either way), switched at
// any moment. It stops when the test ends.
package faultproxy

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Mode is what the proxy does with connections.
type Mode int

// The modes.
const (
	Pass   Mode = iota // forward both ways
	Refuse             // reset every new connection, cut the open ones
	Hang               // accept and hold; forward nothing, answer nothing
)

// Proxy forwards 127.0.0.1:Port to a target.
type Proxy struct {
	Addr   string // 127.0.0.1:port
	target string
	ln     net.Listener

	mu    sync.Mutex
	mode  Mode
	hung  chan struct{} // closed when a Hang ends
	conns map[net.Conn]struct{}
}

// Start listens on a free port of 127.0.0.1 and forwards to target.
func Start(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]struct{}{}, hung: make(chan struct{})}
	go p.accept()
	tb.Cleanup(func() {
		_ = ln.Close()
		p.Set(Refuse)
	})
	return p
}

// Set switches the mode. Leaving Hang or entering Refuse cuts every open
// connection (what a hang left half-sent cannot be resumed).
func (p *Proxy) Set(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == m {
		return
	}
	if p.mode == Hang {
		close(p.hung)
		p.hung = make(chan struct{})
	}
	if m == Refuse || p.mode == Hang {
		for c := range p.conns {
			reset(c)
		}
		clear(p.conns)
	}
	p.mode = m
}

func (p *Proxy) state() (Mode, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.hung
}

func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == Refuse {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	mode, _ := p.state()
	if mode == Refuse {
		reset(c)
		return
	}
	if mode == Hang {
		if !p.track(c) {
			reset(c)
		}
		return // held until the mode changes
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	if !p.track(c, up) {
		reset(c)
		reset(up)
		return
	}
	go p.pump(up, c)
	go p.pump(c, up)
}

// pump copies src to dst; while the proxy hangs it reads and drops
// nothing (it waits), so the peer sees no answer.
func (p *Proxy) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if mode, hung := p.state(); mode == Hang {
				<-hung
				return // Set cut both ends
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				reset(dst)
			} else if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
			return
		}
	}
}

// reset closes c with a TCP reset rather than a clean close.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
