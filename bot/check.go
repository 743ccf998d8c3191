package bot

// Check is the outcome of one `ticketbot doctor` check: what was checked, what was found
// and, when it failed, what to do about it. The adapters' doctor functions return them.
type Check struct {
	// Name says what was checked ("slack token", "discord #support in Acme").
	Name string
	// Detail is what was found.
	Detail string
	// Fix says how to mend a failed check.
	Fix string
	// Failed marks a check that found a fault; Skipped one that could not run.
	Failed, Skipped bool
}

// Passed is a check that found nothing wrong.
func Passed(name, detail string) Check { return Check{Name: name, Detail: detail} }

// FailedCheck is a check that found a fault, with its fix.
func FailedCheck(name, detail, fix string) Check {
	return Check{Name: name, Detail: detail, Fix: fix, Failed: true}
}

// SkippedCheck is a check that could not run, and why.
func SkippedCheck(name, why string) Check { return Check{Name: name, Detail: why, Skipped: true} }
