package core

// NormalizeCategoryForTest exposes normalizeCategory to the external tests.
var NormalizeCategoryForTest = normalizeCategory

// MemoLenForTest is how many names n's memo holds.
func (n *Names) MemoLenForTest() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.memo)
}

// MaxMemoForTest is the bound of the names' memo.
const MaxMemoForTest = maxMemo
