package slack

import (
	"net/url"
	"testing"
)

// appendQueryEscape must escape exactly as url.QueryEscape does: the lean post's form is
// read by Slack (and the fake) with url.ParseQuery.
func FuzzAppendQueryEscape(f *testing.F) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, s := range []string{"", "a b", "*#1* a & b <c>", `[{"type":"section","text":{"text":"Ärger – 100% + ~/?"}}]`, "\x00\xff", string(all)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefix := []byte("k=")
		got := appendQueryEscape(prefix, []byte(s))
		if want := "k=" + url.QueryEscape(s); string(got) != want {
			t.Fatalf("appendQueryEscape(%q) = %q, want %q", s, got, want)
		}
	})
}
