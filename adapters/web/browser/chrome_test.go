package browser_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chrome is a headless Chromium tab for one test, with the helpers the steps use.
type chrome struct {
	ctx context.Context
	dir string // where screenshots go
}

// startChrome starts Chromium (or skips, see chromium) with a window of w×h pixels; it is
// stopped when t ends.
func startChrome(t *testing.T, w, h int) *chrome {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil { // starts the browser without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(cancel)
	return &chrome{ctx: ctx, dir: artifactsDir(t)}
}

func (c *chrome) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(c.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (c *chrome) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitText is the text of sel once ok accepts it, read again for up to 15 s, also when a
// navigation under way destroys the page it was read in ("Cannot find context with
// specified id"): after a form's submit, the old page may still answer the first reads.
func (c *chrome) waitText(t *testing.T, sel string, ok func(string) bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 15*time.Second)
	defer cancel()
	var s string
	var err error
	for ctx.Err() == nil {
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil && ok(s) {
			return s
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("text of %s never as wanted within 15 s: %q (%v)", sel, s, err)
	return ""
}

// html is the page's whole markup as the browser has it.
func (c *chrome) html(t *testing.T) string {
	t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatalf("page HTML: %v", err)
	}
	return s
}

// shot saves a screenshot of the viewport as name in c.dir (and, when also is set, there too).
func (c *chrome) shot(t *testing.T, name, also string) {
	t.Helper()
	b, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	for _, p := range []string{filepath.Join(c.dir, name), also} {
		if p == "" {
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
}
