// Package eval measures the reverse traceroute engine against ground
// truth: it runs many reverse traceroutes on an Internet with a known
// topology — the simulator (sim.Network over a seeded topo.Generate
// topology; Run) or a lab of network namespaces through real probers in
// its sources and vantage points (RunLab, or Config.Prober) — and reports,
// per hop type and overall, coverage, accuracy (AS level in the paper's
// categories, router level alias-aware through topo.Owner, share of wrong
// hops) and cost (probes by technique as the engine counted them,
// sequential rounds, runtime: virtual on the simulator, wall time in the
// lab, where RTTs are microseconds and rounds are what predicts runtime
// on the Internet), for our default policy and the reference policy side
// by side. The reference policy (revtr.PolicyByName("reference")) follows
// the published engine: spoofers in batches of 5, at most 10 per hop, an
// ingress given up after 5 of its vantage points fail and a target after 10
// unanswered probes, ingress-cover ranking, interdomain symmetry refused.
//
// Only this package reads ground truth (topo's paths and owners); what it
// hands the engine — prober, atlas, IP-to-AS map, selector — is what a
// deployment would have.
//
// The measured figures, and the commands that reproduce them, are in the
// repository's docs/eval.md.
package eval
