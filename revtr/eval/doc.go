// Package eval measures the reverse traceroute engine against ground
// truth: it runs many reverse traceroutes on a simulated Internet
// (sim.Network over a seeded topo.Generate topology) and reports, per hop
// type and overall, coverage, accuracy (AS level in the paper's categories,
// router level alias-aware through topo.Owner, share of wrong hops) and
// cost (probes by technique, sequential rounds, runtime), for our default
// policy and the reference policy side by side.
//
// Only this package reads ground truth (topo's paths and owners); what it
// hands the engine — prober, atlas, IP-to-AS map, selector — is what a
// deployment would have.
package eval
