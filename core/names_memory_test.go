package core_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/coretest"
)

// The names' memory stays bounded while people the process has never seen keep arriving (a
// flood of slash commands, each from someone new).

func TestNamesMemoStaysWithinItsBound(t *testing.T) {
	n := core.NewNames(core.NamesConfig{})
	for i := range 2*core.MaxMemoForTest + 10 {
		n.Learn(core.PersonKey(wsA, fmt.Sprintf("U%06d", i)), fmt.Sprintf("user %d", i), false)
	}
	if got := n.MemoLenForTest(); got > core.MaxMemoForTest {
		t.Errorf("the memo holds %d names after %d people, want at most %d", got, 2*core.MaxMemoForTest+10, core.MaxMemoForTest)
	}
}

func TestLearntNamesDoNotKeepTheirRequestsAlive(t *testing.T) {
	n := core.NewNames(core.NamesConfig{})
	const requests = 100
	var collected atomic.Int64
	for i := range requests {
		// A slash command's form: the team, the user and the user_name are cut from its body.
		body := fmt.Sprintf("T%04d&U%06d&name%06d&text=%s", i, i, i, strings.Repeat("x", 4096))
		ws := core.Workspace{Platform: core.PlatformSlack, ExternalID: body[:5]}
		n.Learn(core.PersonKey(ws, body[6:13]), body[14:24], false)
		runtime.AddCleanup(unsafe.StringData(body), func(int) { collected.Add(1) }, i)
	}
	coretest.Eventually(t, 5*time.Second, "the request bodies collected", func() bool {
		runtime.GC()
		return collected.Load() == requests
	})
	if got := n.Name(t.Context(), core.PersonKey(core.Workspace{Platform: core.PlatformSlack, ExternalID: "T0007"}, "U000007")); got != "name000007" {
		t.Errorf("the learnt name is %q, want name000007", got)
	}
}
