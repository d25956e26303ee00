package vpsel

import "net/netip"

// SpoofTestSource picks the source vantage points' spoofing tests spoof
// as, and the hosts that answer its own Record Route pings (answering
// asks, in the order of srcs): the first source that more than tries
// hosts answer, so that every vantage point has tries targets other than
// itself, else the one the most answer. Whether a vantage point's network
// lets spoofed packets out does not depend on the source it spoofs as,
// and a source behind a router that drops options would fail every test.
// An error from answering ends the choice.
func SpoofTestSource(srcs []netip.Addr, tries int, answering func(src netip.Addr) ([]netip.Addr, error)) (netip.Addr, []netip.Addr, error) {
	var src netip.Addr
	var targets []netip.Addr
	for i, s := range srcs {
		ans, err := answering(s)
		if err != nil {
			return src, targets, err
		}
		if i == 0 || len(ans) > len(targets) {
			src, targets = s, ans
		}
		if len(ans) > tries {
			break
		}
	}
	return src, targets, nil
}
