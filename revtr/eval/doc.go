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
package eval

// Measured (2026-11-23, 2 cores; all in simulated time except CPU):
//
//	go test ./revtr/eval -run TestEvalScale -v   # 1,056 routers, 323 ASes, 50 VPs
//	                                             # (34 pass the spoofing test),
//	                                             # 5 sources, 100,000 revtrs per policy
//
//	                         default  reference  ratio
//	coverage (reach S)         0.861      0.860   1.00
//	router-level exact         0.562      0.563   1.00
//	no wrong hop, in order     0.862      0.853   1.01
//	hops wrong                 0.034      0.037   0.92
//	AS: all / missing one      0.959 / 0.021 (both)
//	probes / revtr             17.86      19.67   0.91  (8.4 of them RTT pings)
//	  finding the path          9.42      11.22   0.84
//	  RR from S / spoofed RR   0.78/5.28  1.38/6.50
//	rounds / revtr              3.33       3.99   0.84
//	runtime median / p95 (s)  0.41/6.6  0.56/6.9
//	engine CPU / revtr         80–155 µs with 2 workers; 59–65 µs alone
//	                           (go test ./revtr/eval -bench . -benchtime 20000x)
//	peak RSS                   ~0.7–0.8 GiB, mostly the generated topology
//
// The spoofing test sends a Record Route ping spoofed as the source to
// other hosts that answer the source's own (up to three): not to the
// source itself, which Linux drops as a martian (accept_local=0), as the
// simulator now does too.
//
// On the four demo Internets of TestEvalFloors (30 ASes, ~110 routers, 10
// VPs, every pair) ours spends 7–28% fewer probes to find a path and 1–8%
// fewer rounds than the reference at equal coverage and wrong hops; on
// seed 1 it finds fewer paths exactly (0.413 against 0.439, all ASes
// present 0.805 against 0.817): its smaller first batches stitch more
// segments. Failures are almost all "Assume symmetry on an interdomain
// link" (0.6–9%); allowing interdomain symmetry
// (Policy.RefuseInterdomainSymmetry false; 971 routers, 50 VPs, 20,000
// revtrs) reached every destination at the price of 6.6% wrong hops
// instead of 4.4%; assumed interdomain hops were wrong 39% of the time (the
// paper: 43%), assumed intradomain ones 51–69% (the paper: ~10%; our
// generator's intra-AS ECMP and hot-potato exits make symmetry worse than
// on the Internet).
//
// In the lab (TestEvalLab: seed 1, 30 ASes, 112 routers, 10 VPs of which
// 7 pass the spoofing test, 792 revtrs per policy, probers at 2,000
// packets/s with a 250 ms timeout, 4 workers; ~20 s, also under -race)
// every figure but one equals the simulator's on the same topology and
// pairs — coverage 0.989 (both policies), router-level exact 0.413/0.439,
// hops wrong 0.019, all ASes present 0.805/0.817, RR and spoofed RR
// probes, rounds 2.51/2.72 — as do the answers to spoofed probes toward
// sources, first routers and vantage points. The exception is traceroute
// probes (0.53 against 0.40 per revtr; atlas ~305 against 163): the lab's
// prober keeps a window of TTLs in flight and counts those it sent past
// the destination before the answer came back; the simulator does not.
// Runtimes differ by design: the lab has no link delays (median 2–3 ms
// wall time; its p95, 0.02–0.25 s, is silent probes' timeouts), the
// simulator models them (median 0.2 s virtual). With the earlier spoofing
// test, seeds 2–4 (744–864 revtrs per policy) agreed as closely: coverage,
// accuracy, RR probes and rounds equal, spoofed RR within 3 probes of
// ~1,300–1,600 (with 4 workers the learned ranking sees outcomes in
// another order), traceroute probes 1.3–1.7× the simulator's; wall time
// 32–59 s with 4 workers, 3 min 49 s with 1 (seed 2).
//
// With two-host responders on 30% of the host destinations (TestEvalTwoHost,
// seed 2, host destinations only), ours reached 85% of the sources instead
// of 70%, exact paths 53% instead of 46%, with 4% fewer probes and 11%
// fewer rounds; no responder hop was wrong.
//
// In the lab the responders are real (RunLab with Config.TwoHost starts
// twohost responders in the responder hosts and clients in the sources,
// StartLabTwoHost; clients trace back with ICMP, one request per TTL, the
// probers' 250 ms timeout). Measured (2026-11-23, as root):
//
//	go test ./revtr/eval -run TestEvalLabTwoHost -v   # seed 2: 30 ASes, 104 routers,
//	                                                  # 2 sources, 20 host destinations,
//	                                                  # 6 responders; 40 revtrs, 4 workers
//
//	our policy, lab            without  with two-host
//	coverage (reach S)           0.700      0.850
//	router-level exact           0.464      0.529
//	hops wrong                   0.000      0.000   (107 two-host hops, none wrong)
//	probes / revtr               16.00      16.57   (two-host 3.48)
//	rounds / revtr                3.55       3.20
//	failed: no ping answer       0.100      0.050   (a responder answers on a
//	                                                 host that ignores pings)
//
// The simulator (SimTwoHost) on the same topology and pairs gives the same
// coverage, accuracy, Record Route probes, rounds and two-host hops; it
// counts 151 two-host probes against the lab's 139: it probes each of the
// 6 silent TTLs of the 12 responder paths three times, the lab's clients
// once (113 TTLs, plus 12 + 14 presence checks in both). Each lab run
// takes ~6 s; the test, two lab runs and the simulator's, 13 s under
// -race. With every router interface a destination too (1 worker on the
// simulator, 4 in the lab), the responders change less, since they run on
// hosts only, and each new address costs a presence check: seed 2 (744
// revtrs) coverage 0.905 → 0.913, exact 0.449 → 0.452, rounds 2.82 → 3.27;
// seed 1 (792) coverage 0.989 both, exact 0.413 → 0.419, rounds 2.51 →
// 3.00; no responder hop wrong; lab and simulator equal on coverage,
// accuracy and two-host hops (107, 86), two-host probes 491 against 503
// and 492 against 494 (~14 and ~31 s per lab run).
