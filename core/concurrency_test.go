package core_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/ticketbot/ticketbot/core"
	"github.com/ticketbot/ticketbot/core/gormstore/gormstoretest"
)

// Two service instances on one MariaDB database, 25 concurrent opens each: the numbers must be
// exactly 1..50.
func TestConcurrentOpensAcrossInstancesNumberWithoutGaps(t *testing.T) {
	url := gormstoretest.MySQLURL(t)
	svcs := []*core.Service{newService(t, openStore(t, url)), newService(t, openStore(t, url))}
	var (
		mu   sync.Mutex
		nums []int64
		wg   sync.WaitGroup
	)
	for i, svc := range svcs {
		for j := range 25 {
			wg.Go(func() {
				tk, err := svc.OpenTicket(context.Background(), actor(wsA, fmt.Sprintf("U%d-%d", i, j), core.RoleRequester), core.OpenInput{Title: "concurrent"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				nums = append(nums, tk.Number)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	slices.Sort(nums)
	for i, n := range nums {
		if n != int64(i+1) {
			t.Fatalf("numbers = %v, want 1..50", nums)
		}
	}
	if len(nums) != 50 {
		t.Fatalf("got %d numbers", len(nums))
	}
}
