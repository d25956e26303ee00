// Package ipasn maps IP addresses to the autonomous systems that originate
// them, and recognises addresses that no measurement should target.
//
// # Prefix-to-AS files
//
// Load reads CAIDA's RouteViews prefix-to-AS files ("pfx2as",
// https://www.caida.org/catalog/datasets/routeviews-prefix2as/), plain or
// gzip-compressed as CAIDA ships them, IPv4 and IPv6 alike. Each line is
//
//	prefix<TAB>length<TAB>asn
//
// where asn is one AS number in asplain notation (RFC 5396), or several:
// CAIDA joins the origins of a multi-origin prefix (MOAS) with "_" and the
// members of an AS set with ",", as in "3356_174" or "64512,64513". Every
// origin is kept, in file order. Blank lines and lines starting with "#" are
// skipped. AS 0 is rejected: RFC 7607 forbids it as an origin, which also
// lets 0 mean "unknown" in this package.
//
// A Map answers longest-prefix-match queries through
// github.com/gaissmai/bart (pinned at v0.30.0 in go.mod) without allocating.
// Map.Annotate turns an answer into the "cidr" and "asn" fields of an archive
// hop record, which are JSON null when the address is not mapped.
//
// # Bogons
//
// Bogons holds the special-purpose address ranges of the IANA registries
// that RFC 6890 established (IPv4 and IPv6), plus multicast (RFC 5771,
// RFC 4291) and the newer documentation prefix 3fff::/20 (RFC 9637), minus an
// explicit allow-list: the emulated lab numbers itself out of 10.0.0.0/8,
// 100.64.0.0/10, 198.18.0.0/15 and 2001:db8::/32, so a lab engine allows
// exactly those and still refuses every other special-purpose destination.
// Bogons.Check returns a *BogonError, which matches ErrBogon, for an engine
// to return or record as the reason a measurement failed.
package ipasn
