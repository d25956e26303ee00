// Package revtr is the reverse traceroute engine: it measures the path from
// any responsive destination D back to a source S, without D's cooperation,
// the way the REVTR systems do (Katz-Bassett et al., "Reverse traceroute",
// NSDI 2010; Vermeulen et al., "Internet scale reverse traceroute", IMC
// 2022).
//
// The engine works hop by hop from D toward S. At each step it tries the
// cheapest technique likely to succeed:
//
//   - a two-host responder on D, when it runs one (exact path;
//     HopTwoHost), and, if the policy says so (Policy.TwoHostHops), on
//     each hop the path newly reaches, after the free atlas look-up;
//     addresses that run none are remembered for a day, in bounded
//     memory (Config.Memory);
//   - intersection with the traceroute atlas toward S: an address, or a
//     known alias of it, on a traceroute toward S (HopTrace) or among the
//     Record Route interfaces learned for its hops (HopRRAtlas, possibly a
//     segment of candidate hops);
//   - an IPv4 Record Route ping (RFC 791 §3.1) from S to the current hop,
//     whose slots after the hop's own stamps are reverse hops (HopRR);
//   - the same ping spoofed as S from vantage points near the hop, chosen
//     by a Selector, in bounded batches (HopSpoofedRR);
//   - as a last resort, assumed symmetry: the penultimate hop of a
//     traceroute from S to the current hop (HopSymmetryIntra or
//     HopSymmetryInter; HopSymmetry in older archives), refused on
//     interdomain links unless the request allows it.
//
// After the path reaches S, a separate ping to every hop gives its RTT.
// A policy may shorten probes' timeouts from the RTTs seen toward each
// prefix (Policy.Timeouts; off by default).
//
// The engine is plain Go over interfaces (meas.Prober, Atlas, Aliases,
// ASMap, Selector, Clock): no sockets inside, so it runs unchanged on the
// lab, the simulator and production agents. It never reads ground truth.
// Results marshal to the archive record format of the reference service
// (JSON Lines, one record per reverse traceroute; RTTs in microseconds,
// runtime in nanoseconds).
package revtr
