package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbot/ticketbot/core"
)

// The charts of /reports are SVG drawn here from the figures core computed: no script, no
// third-party asset, and each one has its numbers in <title> elements and a table beside it.

// hbarChart is a horizontal bar chart: one labelled bar per row, scaled to the largest.
type hbarChart struct {
	Label         string // the chart's accessible name
	Width, Height int
	Bars          []hbar
}

type hbar struct {
	Y, W, TextX, TextY int
	Label, Text, Color string
}

// hbarItem is one bar before layout: Value sizes it, Text is what it says.
type hbarItem struct {
	Label, Text, Color string
	Value              int64
}

const (
	hbarLabelW = 170
	hbarAreaW  = 330
	hbarRowH   = 24
)

func newHBarChart(label string, items []hbarItem) hbarChart {
	c := hbarChart{Label: label, Width: hbarLabelW + hbarAreaW + 90, Height: hbarRowH*len(items) + 8}
	var top int64
	for _, it := range items {
		top = max(top, it.Value)
	}
	for i, it := range items {
		b := hbar{Y: 4 + i*hbarRowH, Label: it.Label, Text: it.Text, Color: it.Color}
		if top > 0 {
			b.W = int(it.Value * hbarAreaW / top)
		}
		b.TextX, b.TextY = hbarLabelW+b.W+6, b.Y+15
		c.Bars = append(c.Bars, b)
	}
	return c
}

// lineChart is one polyline per series over the days of the range.
type lineChart struct {
	Label         string
	Width, Height int
	Max           int64
	Lines         []line
}

type line struct {
	Name, Color, Points string
	Last                int64
}

// statusColors are the series colours of the backlog chart, as in the legend.
var statusColors = map[core.Status]string{
	core.StatusOpen: "#2563eb", core.StatusInProgress: "#9333ea", core.StatusWaiting: "#d97706",
	core.StatusResolved: "#16a34a", core.StatusClosed: "#6b7280",
}

func newBacklogChart(days []core.BacklogDay) lineChart {
	const height, step = 120, 14
	c := lineChart{Label: "Backlog by status at the end of each day", Width: 20 + max(len(days), 1)*step, Height: height + 20}
	for _, d := range days {
		for _, s := range core.Statuses() {
			c.Max = max(c.Max, d.Counts[s])
		}
	}
	for _, s := range core.Statuses() {
		var pts []string
		for i, d := range days {
			y := 10 + height
			if c.Max > 0 {
				y -= int(d.Counts[s] * height / c.Max)
			}
			pts = append(pts, fmt.Sprintf("%d,%d", 10+i*step+step/2, y))
		}
		l := line{Name: statusLabel(s), Color: statusColors[s], Points: strings.Join(pts, " ")}
		if len(days) > 0 {
			l.Last = days[len(days)-1].Counts[s]
		}
		c.Lines = append(c.Lines, l)
	}
	return c
}

// timesChart shows the medians and 90th percentiles of Stats.
func timesChart(st core.Stats) hbarChart {
	item := func(label string, d time.Duration, color string) hbarItem {
		return hbarItem{Label: label, Text: supportDuration(d), Color: color, Value: int64(d / time.Second)}
	}
	return newHBarChart("First response and resolution times in support hours", []hbarItem{
		item("First response, median", st.FirstResponse.Median, "#2563eb"),
		item("First response, 90th pct", st.FirstResponse.P90, "#93c5fd"),
		item("Resolution, median", st.Resolution.Median, "#16a34a"),
		item("Resolution, 90th pct", st.Resolution.P90, "#86efac"),
	})
}

// assigneesChart shows each assignee's median resolution time.
func assigneesChart(st core.Stats) hbarChart {
	var items []hbarItem
	for _, a := range st.Assignees {
		name := a.Assignee.Name
		if name == "" {
			name = a.Assignee.ID
		}
		if name == "" {
			name = "Unassigned"
		}
		text := "no resolutions"
		if a.Resolution.Count > 0 {
			text = supportDuration(a.Resolution.Median) + " (" + strconv.FormatInt(a.Resolution.Count, 10) + ")"
		}
		items = append(items, hbarItem{Label: name, Text: text, Color: "#16a34a", Value: int64(a.Resolution.Median / time.Second)})
	}
	return newHBarChart("Median resolution time per assignee", items)
}

// csatChart shows how many ratings each score got.
func csatChart(st core.Stats) hbarChart {
	var items []hbarItem
	for i := len(st.CSAT.Scores) - 1; i >= 0; i-- {
		score := i + core.MinRating
		items = append(items, hbarItem{Label: fmt.Sprintf("%d of %d", score, core.MaxRating), Text: strconv.FormatInt(st.CSAT.Scores[i], 10),
			Color: "#f59e0b", Value: st.CSAT.Scores[i]})
	}
	return newHBarChart("Satisfaction ratings per score", items)
}

// supportDuration writes a support-time figure for people: "45 s", "1 h 20 m", "2 d 3 h".
func supportDuration(d time.Duration) string {
	if d < time.Minute {
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	}
	return core.ShortDuration(d)
}
