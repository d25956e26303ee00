// Package vpsel ranks vantage points for spoofed Record Route: which of
// them, sending as the source, are likely within the 8 hops of a target
// that Record Route's 9 slots need to reveal reverse hops (Katz-Bassett et
// al., NSDI 2010, §4.2; Vermeulen et al., IMC 2022, §4).
//
// Two selectors implement revtr.Selector:
//
//   - Learned (our default): per destination prefix, the mean number of
//     reverse hops a vantage point's probes revealed, learned online from
//     every probe the engine sends, smoothed toward a cold-start prior computed
//     for free from the atlas traceroutes (how few hops into the vantage
//     point's path toward a source the target's prefix appears) and
//     from the reference's survey, with AS diversity breaking ties and
//     ingresses into the prefix spread as the survey tells them (one
//     router near the prefix that drops options silences every vantage
//     point entering by it; the silence of several such tells no more
//     than one's: SilenceTells); a source's own Record Route ping is not
//     sent again to a target it found out of range, remembered in bounded
//     memory for a day (LimitFar);
//   - IngressCover (the reference's): from a Record Route survey per
//     prefix, the ingresses into the prefix, one vantage point per ingress
//     in greedy cover order ranked by distance to the ingress, padded with
//     a global ranking. It does not learn. It tells the engine each
//     vantage point's ingress, so that the reference policy can give up on
//     an ingress (revtr.Ingresser).
package vpsel

import "net/netip"

// PrefixOf maps an address to the prefix a selector keys its knowledge by:
// its announced prefix (revtr.ASMap), else its /24.
type PrefixOf func(netip.Addr) netip.Prefix

// Slash24 keys every address by its /24 (IPv6: /48).
func Slash24(a netip.Addr) netip.Prefix {
	bits := 24
	if a.Is6() {
		bits = 48
	}
	p, _ := a.Prefix(bits)
	return p
}
