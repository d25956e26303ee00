package revtr

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// Result is one reverse traceroute: how it ended, the hops from the
// destination (hop 0) back to the source, and what it cost. Its JSON form
// is the archive record (Record); Cost and the hops' Candidate flags are
// not archived.
type Result struct {
	ID       uint64
	Stop     Stop
	Fail     FailReason // FailNone unless Stop is Failed
	Detail   string     // the error behind Fail, if any (not archived)
	Src, Dst netip.Addr
	Runtime  time.Duration // time spent measuring
	Date     time.Time     // when the measurement started
	Label    string
	Hops     []Hop
	Cost     Cost
}

// Hop is one hop of a reverse path.
type Hop struct {
	Addr          netip.Addr
	Type          HopType
	MeasurementID uint64 // the measurement that revealed the hop
	// RTT is from a separate ping to the hop (RTTMeasurementID); 0 when the
	// hop did not answer.
	RTT              time.Duration
	RTTMeasurementID uint64
	// Prefix and ASN are the IP-to-AS annotation; invalid and 0 when
	// unknown (null in the archive).
	Prefix netip.Prefix
	ASN    uint32
	// Candidate marks a hop of an RR-atlas segment that may not be on the
	// path: incomplete alias knowledge left its position ambiguous.
	Candidate bool
}

// Record is the archive's JSON Lines record of a reverse traceroute, field
// for field: runtime in nanoseconds, date in Unix seconds, rtt in
// microseconds, cidr and asn null when unknown.
type Record struct {
	ID         uint64      `json:"id"`
	StopReason string      `json:"stop_reason"`
	FailReason string      `json:"fail_reason"`
	Src        netip.Addr  `json:"src"`
	Dst        netip.Addr  `json:"dst"`
	Runtime    int64       `json:"runtime"`
	Date       int64       `json:"date"`
	Label      string      `json:"label"`
	Hops       []RecordHop `json:"revtr_hops"`
}

// RecordHop is one hop of a Record.
type RecordHop struct {
	HopNumber        int        `json:"hop_number"`
	HopIP            netip.Addr `json:"hop_ip"`
	HopType          HopType    `json:"hop_type"`
	MeasurementID    uint64     `json:"measurement_id"`
	RTT              int64      `json:"rtt"`
	RTTMeasurementID uint64     `json:"rtt_measurement_id"`
	CIDR             *string    `json:"cidr"`
	ASN              *uint32    `json:"asn"`
}

// Record returns the archive form of r.
func (r *Result) Record() Record {
	rec := Record{
		ID: r.ID, StopReason: r.Stop.String(), FailReason: r.Fail.String(),
		Src: r.Src, Dst: r.Dst, Runtime: r.Runtime.Nanoseconds(), Date: r.Date.Unix(),
		Label: r.Label, Hops: make([]RecordHop, len(r.Hops)),
	}
	for i, h := range r.Hops {
		rh := RecordHop{HopNumber: i, HopIP: h.Addr, HopType: h.Type, MeasurementID: h.MeasurementID,
			RTT: h.RTT.Microseconds(), RTTMeasurementID: h.RTTMeasurementID}
		if h.Prefix.IsValid() {
			s := h.Prefix.String()
			rh.CIDR = &s
		}
		if h.ASN != 0 {
			asn := h.ASN
			rh.ASN = &asn
		}
		rec.Hops[i] = rh
	}
	return rec
}

// LegacyRecord is Record with symmetry hops written as type 2, for
// consumers of older archives that do not know 11 and 12.
func (r *Result) LegacyRecord() Record {
	rec := r.Record()
	for i := range rec.Hops {
		rec.Hops[i].HopType = rec.Hops[i].HopType.Legacy()
	}
	return rec
}

// MarshalJSON encodes r as its archive record.
func (r *Result) MarshalJSON() ([]byte, error) { return json.Marshal(r.Record()) }

// Result converts an archive record back. A fail reason this engine does
// not know (another engine's sentence) becomes FailNoHops with the sentence
// kept in Detail.
func (rec Record) Result() (Result, error) {
	r := Result{ID: rec.ID, Src: rec.Src, Dst: rec.Dst, Runtime: time.Duration(rec.Runtime),
		Date: time.Unix(rec.Date, 0).UTC(), Label: rec.Label}
	if err := r.Stop.UnmarshalText([]byte(rec.StopReason)); err != nil {
		return r, fmt.Errorf("read record %d: %w", rec.ID, err)
	}
	if f, ok := ParseFailReason(rec.FailReason); ok {
		r.Fail = f
	} else {
		r.Fail, r.Detail = FailNoHops, rec.FailReason
	}
	for i, h := range rec.Hops {
		if h.HopNumber != i {
			return r, fmt.Errorf("read record %d: hop %d numbered %d", rec.ID, i, h.HopNumber)
		}
		hop := Hop{Addr: h.HopIP, Type: h.HopType, MeasurementID: h.MeasurementID,
			RTT: time.Duration(h.RTT) * time.Microsecond, RTTMeasurementID: h.RTTMeasurementID}
		if h.CIDR != nil {
			p, err := netip.ParsePrefix(*h.CIDR)
			if err != nil {
				return r, fmt.Errorf("read record %d hop %d: %w", rec.ID, i, err)
			}
			hop.Prefix = p
		}
		if h.ASN != nil {
			hop.ASN = *h.ASN
		}
		r.Hops = append(r.Hops, hop)
	}
	return r, nil
}

// Cost is what a reverse traceroute spent: probes by technique and the
// number of sequential probe rounds (probes sent in parallel count once),
// which is what predicts runtime on the Internet.
type Cost struct {
	RR        int // Record Route pings from the source
	SpoofedRR int // Record Route pings spoofed as the source
	Trace     int // traceroute probes (symmetry)
	Ping      int // pings to diagnose an unresponsive destination
	RTT       int // pings for the hops' RTTs, once the path is known
	TwoHost   int // two-host responder probes
	Rounds    int
	// Reused counts measurements taken from the cache (Config.Cache) or
	// waited for in flight instead of sent: no probe counted above.
	Reused int
}

// Probes is the total number of probes.
func (c Cost) Probes() int { return c.Measure() + c.RTT }

// Measure is the number of probes spent finding the path, RTT pings
// excluded.
func (c Cost) Measure() int { return c.RR + c.SpoofedRR + c.Trace + c.Ping + c.TwoHost }

// Add returns the sum of two costs.
func (c Cost) Add(o Cost) Cost {
	return Cost{RR: c.RR + o.RR, SpoofedRR: c.SpoofedRR + o.SpoofedRR, Trace: c.Trace + o.Trace,
		Ping: c.Ping + o.Ping, RTT: c.RTT + o.RTT, TwoHost: c.TwoHost + o.TwoHost, Rounds: c.Rounds + o.Rounds,
		Reused: c.Reused + o.Reused}
}
