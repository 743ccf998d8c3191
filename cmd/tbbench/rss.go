package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// resetPeakRSS resets this process's peak resident set size (Linux: clear_refs 5), so
// peakRSS reads the peak of what runs from now. The benchmark's process holds the server
// under test, and also the load generator and the fake Slack: the baseline's peak,
// measured the same way, shows their share. The ticketbot server's own figure is the rss
// suite's (botrss.go).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns this process's peak resident set size in MB since the last reset (0 where
// /proc is not there).
func peakRSS() float64 { return statusMB("/proc/self/status", "VmHWM:") }

// procStatusMB returns field (VmRSS:, VmHWM:) of process pid in MB.
func procStatusMB(pid int, field string) float64 {
	return statusMB(fmt.Sprintf("/proc/%d/status", pid), field)
}

func statusMB(path, field string) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
