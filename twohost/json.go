package twohost

import (
	"encoding/json"
	"io"
	"net/netip"

	"github.com/revtr/revtr/meas"
)

// JSON forms of the results. Addresses are strings (null when silent),
// RTTs nanoseconds, names as in the archive format (stop_reason).
type (
	jsonReply struct {
		Addr  *netip.Addr `json:"addr"`
		RTT   int64       `json:"rtt_ns,omitempty"`
		Reply string      `json:"reply"`
	}
	jsonHop struct {
		TTL     int         `json:"ttl"`
		Replies []jsonReply `json:"replies"`
	}
	jsonPath struct {
		Direction  string    `json:"direction"`
		Src        string    `json:"src"`
		Dst        string    `json:"dst"`
		Proto      string    `json:"proto"`
		SrcPort    uint16    `json:"src_port,omitempty"`
		DstPort    uint16    `json:"dst_port,omitempty"`
		FlowID     uint16    `json:"flow_id"`
		StopReason string    `json:"stop_reason"`
		Probes     int       `json:"probes"`
		Hops       []jsonHop `json:"hops"`
	}
	jsonMultipath struct {
		Direction  string          `json:"direction"`
		Src        string          `json:"src"`
		Dst        string          `json:"dst"`
		Proto      string          `json:"proto"`
		StopReason string          `json:"stop_reason"`
		Probes     int             `json:"probes"`
		Interfaces []jsonInterface `json:"interfaces"`
		Links      []jsonLink      `json:"links"`
	}
	jsonInterface struct {
		TTL  int        `json:"ttl"`
		Addr netip.Addr `json:"addr"`
	}
	jsonLink struct {
		TTL  int        `json:"ttl"`
		From netip.Addr `json:"from"`
		To   netip.Addr `json:"to"`
	}
)

func toJSONPath(p Path) jsonPath {
	sport, dport := p.Flow.Ports()
	j := jsonPath{Direction: p.Direction.String(), Src: p.Src.String(), Dst: p.Dst.String(), Proto: p.Flow.Proto.String(),
		SrcPort: sport, DstPort: dport, FlowID: p.Flow.ID, StopReason: p.Stop.String(), Probes: p.Probes, Hops: []jsonHop{}}
	for i, q := range p.Queries {
		h := jsonHop{TTL: p.Hops[i].TTL, Replies: []jsonReply{}}
		for _, r := range q {
			jr := jsonReply{Reply: r.Reply.String()}
			if r.Reply != meas.NoReply {
				jr.Addr, jr.RTT = &r.Addr, int64(r.RTT)
			}
			h.Replies = append(h.Replies, jr)
		}
		j.Hops = append(j.Hops, h)
	}
	return j
}

// WriteJSON writes one path, or for two paths a two-way object
// {"forward": ..., "reverse": ...}, as indented JSON.
func WriteJSON(w io.Writer, paths ...Path) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(paths) == 1 {
		return enc.Encode(toJSONPath(paths[0]))
	}
	out := map[string]jsonPath{}
	for _, p := range paths {
		out[p.Direction.String()] = toJSONPath(p)
	}
	return enc.Encode(out)
}

// WriteMultipathJSON writes multipath results, one per direction given,
// as a JSON array.
func WriteMultipathJSON(w io.Writer, dirs []Direction, ms ...meas.Multipath) error {
	out := []jsonMultipath{}
	for i, m := range ms {
		d := Forward
		if i < len(dirs) {
			d = dirs[i]
		}
		j := jsonMultipath{Direction: d.String(), Src: m.Src.String(), Dst: m.Dst.String(),
			Proto: m.Proto.String(), StopReason: m.Stop.String(), Probes: m.Probes,
			Interfaces: []jsonInterface{}, Links: []jsonLink{}}
		for _, ifc := range m.Interfaces {
			j.Interfaces = append(j.Interfaces, jsonInterface{ifc.TTL, ifc.Addr})
		}
		for _, l := range m.Links {
			j.Links = append(j.Links, jsonLink{l.TTL, l.From, l.To})
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
