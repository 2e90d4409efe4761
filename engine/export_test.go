package engine

// SetListWhereStep sets how many items a filtered list reads at a time,
// and returns a function that restores it.
func SetListWhereStep(n int) func() {
	was := listWhereStep
	listWhereStep = n
	return func() { listWhereStep = was }
}
