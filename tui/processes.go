package tui

func (m *Model) processesGrid() *grid { return &grid{} }
