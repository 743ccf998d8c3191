// Package browser holds the dashboard's end-to-end test in a real headless Chromium. It is a
// module of its own so that the browser driver (chromedp) stays out of the product's go.mod;
// `make test` runs it beside the main module's tests.
package browser
