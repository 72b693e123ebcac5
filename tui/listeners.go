package tui

func (m *Model) listenersGrid() *grid { return &grid{} }
