package main

import (
	"os"
	"runtime/pprof"
)

// startCPUProfile profiles the benchmark's process (server under test, load and fakes) into
// path until the returned function is called: where a figure's time goes, for `go tool pprof`.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
