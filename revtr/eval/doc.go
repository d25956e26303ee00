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

// Measured (2026-11-23, 2 cores; all in simulated time except CPU):
//
//	go test ./revtr/eval -run TestEvalScale -v   # 1,056 routers, 323 ASes, 50 VPs (35 spoof),
//	                                             # 5 sources, 100,000 revtrs per policy
//
//	                         default  reference  ratio
//	coverage (reach S)         0.860      0.859   1.00
//	router-level exact         0.565      0.565   1.00
//	no wrong hop, in order     0.856      0.852   1.00
//	hops wrong                 0.037      0.038   0.98
//	AS: all / missing one      0.958 / 0.021 (both)
//	probes / revtr             18.60      19.64   0.95  (8.4 of them RTT pings)
//	  finding the path         10.15      11.21   0.91
//	  RR from S / spoofed RR   0.82/5.93  1.39/6.45
//	rounds / revtr              3.50       3.99   0.88
//	runtime median / p95 (s)  0.43/6.6  0.57/7.0
//	engine CPU / revtr         110–155 µs with 2 workers; 59–65 µs alone
//	                           (go test ./revtr/eval -bench . -benchtime 20000x)
//	peak RSS                   ~0.7 GiB, mostly the generated topology
//
// On the four demo Internets of TestEvalFloors (30 ASes, ~110 routers, 10
// VPs, every pair) ours spends 7–28% fewer probes to find a path and 1–8%
// fewer rounds than the reference at equal coverage and accuracy. Failures
// are almost all "Assume symmetry on an interdomain link" (0.6–14%);
// allowing interdomain symmetry (Policy.RefuseInterdomainSymmetry false;
// 971 routers, 50 VPs, 20,000 revtrs) reached every destination at the
// price of 6.6% wrong hops instead of 4.4%; assumed
// interdomain hops were wrong 39% of the time (the paper: 43%), assumed
// intradomain ones 51–69% (the paper: ~10%; our generator's intra-AS ECMP
// and hot-potato exits make symmetry worse than on the Internet).
//
// With two-host responders on 30% of the host destinations (TestEvalTwoHost,
// seed 2, host destinations only), ours reached 85% of the sources instead
// of 70%, exact paths 53% instead of 46%, with 4% fewer probes and 11%
// fewer rounds; no responder hop was wrong.
