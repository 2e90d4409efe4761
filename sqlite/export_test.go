package sqlite

// SetWALLimit sets the WAL limit of the stores opened next (frames), and
// returns a function that restores it.
func SetWALLimit(frames int) func() {
	was := walLimit
	walLimit, dialect.WALLimit = frames, frames
	return func() { walLimit, dialect.WALLimit = was, was }
}
