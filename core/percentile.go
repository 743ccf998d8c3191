package core

import (
	"slices"
	"time"
)

// Percentiles reported for response and resolution times.
const (
	PercentileMedian = 50
	PercentileP90    = 90
)

// PercentileRank is the 1-based rank, in ascending order, of the pct-th percentile of n values
// by the nearest-rank method: the smallest rank r with r ≥ pct % of n, so the figure is always
// one ticket's real time (the median of 1, 2, 3, 4 is 2; of 1, 2, 3 it is 2). 0 when n is 0.
// Stores rank the values in SQL and ask for these ranks.
func PercentileRank(n int64, pct int) int64 {
	if n <= 0 {
		return 0
	}
	return max((n*int64(pct)+99)/100, 1)
}

// TimeStats are the median and 90th percentile of a set of durations (Count of them).
type TimeStats struct {
	Count       int64
	Median, P90 time.Duration
}

// TimeStatsOf computes TimeStats of ds (any order) with PercentileRank; the stores' SQL gives
// the same figures, and tests hold them to it.
func TimeStatsOf(ds []time.Duration) TimeStats {
	s := append([]time.Duration(nil), ds...)
	slices.Sort(s)
	out := TimeStats{Count: int64(len(s))}
	if len(s) == 0 {
		return out
	}
	out.Median = s[PercentileRank(out.Count, PercentileMedian)-1]
	out.P90 = s[PercentileRank(out.Count, PercentileP90)-1]
	return out
}
