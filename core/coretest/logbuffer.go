package coretest

import (
	"bytes"
	"sync"
)

// LogBuffer collects log lines written while a test reads them (an io.Writer for slog
// handlers that is safe for concurrent use).
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// JSONStrings appends every string in a decoded JSON value (objects, arrays, nested) to out:
// what a platform fake scans for leaked or pinging text.
func JSONStrings(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, x := range v {
			out = JSONStrings(x, out)
		}
	case map[string]any:
		for _, x := range v {
			out = JSONStrings(x, out)
		}
	}
	return out
}
