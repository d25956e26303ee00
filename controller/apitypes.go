package controller

import (
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// The request and response bodies of the API. Requests accept both the
// reference's spellings (its proto's snake_case and the classic JSON
// mapping's lowerCamelCase: see bothSpellings); responses use
// lowerCamelCase, leave out zero values and write 64-bit integers as
// strings, as the classic protobuf JSON mapping the reference uses does.

// RevtrRequest is one reverse traceroute to measure: the path from Dst
// back to Src, with the reference's per-request options. The engine
// honours label, symmetry_options.is_allow_interdomain_symmetry and (ours)
// two_host; the others are accepted and stored with the request.
type RevtrRequest struct {
	Src                          string                        `json:"src" maxLength:"64" doc:"Source address: one of the key's sources."`
	Dst                          string                        `json:"dst" maxLength:"64" doc:"Destination address: public unicast (or in the controller's allow-list)."`
	Label                        string                        `json:"label,omitempty" maxLength:"256" doc:"The user's handle on the results."`
	ID                           uint32                        `json:"id,omitempty" doc:"Ignored (the service numbers reverse traceroutes)."`
	Staleness                    uint32                        `json:"staleness,omitempty" doc:"Atlas staleness in minutes (accepted, not honoured: the engine's policy decides)."`
	BackoffEndhost               bool                          `json:"backoff_endhost,omitempty" doc:"Accepted, not honoured."`
	RRVPSelectionAlgorithm       string                        `json:"rr_vp_selection_algorithm,omitempty" maxLength:"64" doc:"Accepted, not honoured."`
	MaxSpoofers                  uint32                        `json:"max_spoofers,omitempty" doc:"Accepted, not honoured (the policy bounds spoofers per hop)."`
	AtlasOptions                 *AtlasOptions                 `json:"atlas_options,omitempty"`
	SymmetryOptions              *SymmetryOptions              `json:"symmetry_options,omitempty"`
	HeuristicsOptions            *HeuristicsOptions            `json:"heuristics_options,omitempty"`
	CheckDestBasedRoutingOptions *CheckDestBasedRoutingOptions `json:"check_dest_based_routing_options,omitempty"`
	IsRunForwardTraceroute       bool                          `json:"is_run_forward_traceroute,omitempty" doc:"Also measure the forward traceroute from the source to the destination, kept beside the reverse path (GET /api/v2/revtrs/{id}), where the backend can (the simulator and the lab)."`
	IsRunRTTPings                bool                          `json:"is_run_rtt_pings,omitempty" doc:"Accepted, not honoured: RTT pings always run."`
	UseTimestamp                 bool                          `json:"use_timestamp,omitempty" doc:"Accepted, not honoured: the engine uses no timestamp option."`
	UseCache                     bool                          `json:"use_cache,omitempty" doc:"Accepted, not honoured."`
	TwoHost                      bool                          `json:"two_host,omitempty" doc:"Ask the destination's two-host reverse traceroute responder first, if it runs one (beyond the reference)."`
}

// AtlasOptions are the reference's atlas options (accepted, not honoured).
type AtlasOptions struct {
	UseAtlas               bool     `json:"use_atlas,omitempty"`
	UseRRPings             bool     `json:"use_rr_pings,omitempty"`
	IgnoreSource           bool     `json:"ignore_source,omitempty"`
	IgnoreSourceAS         bool     `json:"ignore_source_as,omitempty"`
	Platforms              []string `json:"platforms,omitempty" maxItems:"16"`
	Staleness              int64    `json:"staleness,omitempty"`
	StalenessBeforeRefresh int64    `json:"staleness_before_refresh,omitempty"`
}

// SymmetryOptions is the reference's stance on assumed symmetry.
type SymmetryOptions struct {
	IsAllowInterdomainSymmetry bool `json:"is_allow_interdomain_symmetry,omitempty" doc:"Assume symmetry over interdomain links too (honoured)."`
}

// HeuristicsOptions are the reference's Record Route heuristics (accepted,
// not honoured).
type HeuristicsOptions struct {
	UseDoubleStamp bool `json:"use_double_stamp,omitempty"`
}

// CheckDestBasedRoutingOptions are the reference's (accepted, not
// honoured).
type CheckDestBasedRoutingOptions struct {
	CheckTunnel bool `json:"check_tunnel,omitempty"`
}

// SubmitBody is the body of POST /api/v1/revtr and /api/v2/revtr.
type SubmitBody struct {
	Revtrs  []RevtrRequest `json:"revtrs" doc:"The reverse traceroutes to measure."`
	Auth    string         `json:"auth,omitempty" maxLength:"256" doc:"The API key, if not in the Revtr-Key header (the reference's v2 field)."`
	CheckDB bool           `json:"checkDB,omitempty" doc:"Accepted, not honoured."`
}

// The request types' Schema and UnmarshalJSON methods accept both
// spellings of every option (bothSpellings, unmarshalBoth).

func (RevtrRequest) Schema(r huma.Registry) *huma.Schema {
	type plain RevtrRequest
	return bothSpellings(r, reflect.TypeFor[plain](), "RevtrRequest")
}

func (v *RevtrRequest) UnmarshalJSON(b []byte) error {
	type plain RevtrRequest
	return unmarshalBoth(b, (*plain)(v))
}

func (AtlasOptions) Schema(r huma.Registry) *huma.Schema {
	type plain AtlasOptions
	return bothSpellings(r, reflect.TypeFor[plain](), "AtlasOptions")
}

func (v *AtlasOptions) UnmarshalJSON(b []byte) error {
	type plain AtlasOptions
	return unmarshalBoth(b, (*plain)(v))
}

func (SymmetryOptions) Schema(r huma.Registry) *huma.Schema {
	type plain SymmetryOptions
	return bothSpellings(r, reflect.TypeFor[plain](), "SymmetryOptions")
}

func (v *SymmetryOptions) UnmarshalJSON(b []byte) error {
	type plain SymmetryOptions
	return unmarshalBoth(b, (*plain)(v))
}

func (HeuristicsOptions) Schema(r huma.Registry) *huma.Schema {
	type plain HeuristicsOptions
	return bothSpellings(r, reflect.TypeFor[plain](), "HeuristicsOptions")
}

func (v *HeuristicsOptions) UnmarshalJSON(b []byte) error {
	type plain HeuristicsOptions
	return unmarshalBoth(b, (*plain)(v))
}

func (CheckDestBasedRoutingOptions) Schema(r huma.Registry) *huma.Schema {
	type plain CheckDestBasedRoutingOptions
	return bothSpellings(r, reflect.TypeFor[plain](), "CheckDestBasedRoutingOptions")
}

func (v *CheckDestBasedRoutingOptions) UnmarshalJSON(b []byte) error {
	type plain CheckDestBasedRoutingOptions
	return unmarshalBoth(b, (*plain)(v))
}

// SubmitResult is the answer to a submission.
type SubmitResult struct {
	BatchID uint32 `json:"batchId" doc:"The batch's ID, to fetch its results by."`
}

// Int64String is a 64-bit integer written as a JSON string, as the
// classic protobuf JSON mapping writes int64 fields.
type Int64String int64

// MarshalJSON writes the integer as a string.
func (n Int64String) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(n), 10)), nil
}

// UnmarshalJSON reads a string or a number.
func (n *Int64String) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*n = Int64String(v)
	return err
}

// Schema says: a string of decimal digits.
func (Int64String) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Pattern: `^-?[0-9]+$`, Description: "A 64-bit integer, as a string."}
}

// ReverseTraceroute is a reverse traceroute as the reference serves it.
type ReverseTraceroute struct {
	Status     string      `json:"status" enum:"RUNNING,COMPLETED,CANCELED"`
	Src        string      `json:"src"`
	Dst        string      `json:"dst"`
	Runtime    Int64String `json:"runtime,omitempty" doc:"Nanoseconds spent measuring (so far, while running)."`
	StopReason string      `json:"stopReason,omitempty" enum:"REACHES,FAILED,TRIVIAL,CANCELED"`
	Date       string      `json:"date,omitempty" doc:"When it started (accepted, if not yet), as Go's time.Time.String writes it in UTC."`
	Path       []RevtrHop  `json:"path,omitempty" doc:"The hops from the destination back to the source, once completed."`
	ID         uint32      `json:"id"`
	FailReason string      `json:"failReason,omitempty"`
	Stats      *Stats      `json:"stats,omitempty"`
	Label      string      `json:"label,omitempty"`
	StartTime  Int64String `json:"startTime,omitempty" doc:"Unix seconds it started at."`
}

// RevtrHop is a hop of a reverse path as the reference serves it.
type RevtrHop struct {
	Hop  string `json:"hop"`
	Type string `json:"type" enum:"DST_REV_SEGMENT,DST_SYM_REV_SEGMENT,TR_TO_SRC_REV_SEGMENT,TR_TO_SRC_REV_SEGMENT_BETWEEN,RR_REV_SEGMENT,SPOOF_RR_REV_SEGMENT,DST_SYM_REV_SEGMENT_INTRADOMAIN,DST_SYM_REV_SEGMENT_INTERDOMAIN,TWO_HOST_REV_SEGMENT,PATH_ATLAS_REV_SEGMENT" doc:"The technique that revealed the hop: the reference's names for archive hop types 1-6; ours for 11, 12 (assumed symmetry, intra- and interdomain), 20 (two-host responder) and 21 (a reverse path measured earlier, reused)."`
	// MeasurementID and RTTMeasurementID point at the measurements.
	MeasurementID    Int64String `json:"measurementId,omitempty"`
	RTT              uint32      `json:"rtt,omitempty" doc:"Microseconds, from a separate ping to the hop."`
	RTTMeasurementID Int64String `json:"rttMeasurementId,omitempty"`
}

// Stats is what a reverse traceroute spent. rrProbes, spoofedRrProbes
// and rrRoundCount are the reference's fields (rrRoundCount counts every
// sequential round of probes, not only Record Route's); the others are
// ours.
type Stats struct {
	RRProbes         int32 `json:"rrProbes,omitempty"`
	SpoofedRRProbes  int32 `json:"spoofedRrProbes,omitempty"`
	RRRoundCount     int32 `json:"rrRoundCount,omitempty"`
	TracerouteProbes int32 `json:"tracerouteProbes,omitempty"`
	PingProbes       int32 `json:"pingProbes,omitempty"`
	RTTProbes        int32 `json:"rttProbes,omitempty"`
	TwoHostProbes    int32 `json:"twoHostProbes,omitempty"`
}

// RevtrsResult is the answer of GET /api/v1/revtr and /api/v2/revtr/{id}.
type RevtrsResult struct {
	Revtrs []ReverseTraceroute `json:"revtrs"`
}

// RevtrMeta is a reverse traceroute's status, source, destination and ID.
type RevtrMeta struct {
	Status string `json:"status" enum:"RUNNING,COMPLETED,CANCELED"`
	Src    string `json:"src"`
	Dst    string `json:"dst"`
	ID     uint32 `json:"id"`
}

// MetaResult is the answer of GET /api/v2/revtr/meta/{batch_id}.
type MetaResult struct {
	RevtrsMeta []RevtrMeta `json:"revtrsMeta"`
}

// StatusResult is the answer of GET /api/v2/revtr/status/{batch_id}.
type StatusResult struct {
	RevtrsStatus []string `json:"revtrsStatus" enum:"RUNNING,COMPLETED,CANCELED"`
}

// SourceInfo is an available source.
type SourceInfo struct {
	Hostname string `json:"hostname,omitempty"`
	IP       string `json:"ip,omitempty"`
	Site     string `json:"site,omitempty"`
}

// SourcesResult is the answer of GET /api/v1/sources.
type SourcesResult struct {
	Srcs []SourceInfo `json:"srcs"`
}

// Empty is the reference's empty answer.
type Empty struct{}

// BatchStatus is a batch's progress: its reverse traceroutes by state and
// stop reason (beyond the reference).
type BatchStatus struct {
	BatchID  uint32 `json:"batchId"`
	Created  string `json:"created" format:"date-time"`
	Total    int    `json:"total"`
	Pending  int    `json:"pending"`
	Running  int    `json:"running"`
	Reaches  int    `json:"reaches"`
	Failed   int    `json:"failed"`
	Trivial  int    `json:"trivial"`
	Canceled int    `json:"canceled"`
	Done     bool   `json:"done" doc:"Every reverse traceroute of the batch is done."`
	// CanceledAt is when the batch was canceled, if it was.
	CanceledAt string `json:"canceledAt,omitempty" format:"date-time"`
}
