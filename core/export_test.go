package core

// NormalizeCategoryForTest exposes normalizeCategory to the external tests.
var NormalizeCategoryForTest = normalizeCategory
