package core_test

import (
	"testing"

	"github.com/ticketbot/ticketbot/core"
)

func TestParseWorkspaceTakesOnlyPlatformIDs(t *testing.T) {
	for _, ok := range []string{"slack:T024BE7LD", "discord:80351110224678912", " slack:E1 "} {
		if _, err := core.ParseWorkspace(ok); err != nil {
			t.Errorf("ParseWorkspace(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"slack:../../etc", "slack:T1/2", "slack:T 1", "slack:T1:2", "discord:", "teams:1", "slack:T\u202e1", "slack:<b>"} {
		if _, err := core.ParseWorkspace(bad); core.ErrorCode(err) != core.EInvalid {
			t.Errorf("ParseWorkspace(%q) err = %v, want invalid", bad, err)
		}
	}
}
