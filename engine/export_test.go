package engine

// SetListWhereStep sets how many items e's filtered lists read at a time.
func SetListWhereStep(e *Engine, n int) { e.listStep = n }
