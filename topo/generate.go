package topo

// Params are the knobs of the topology generator.
type Params struct{}
