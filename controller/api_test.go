package controller_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/store/storetest"
)

// TestAPI submits, follows and fetches batches over real HTTP, through
// the v1 and v2 paths, on both databases: every answer matches the
// OpenAPI document, every JSON Lines record is an archive record, and
// the reference's shapes are kept.
func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		s := serve(t, dsn, testConfig("api"), freshBackend(t))
		c := s.client(t, 1000, 1000)
		dsts := targets(t)
		src := s.srcs[0]

		var srcs controller.SourcesResult
		c.Do("GET", "/api/v1/sources", nil).Want(t, 200).JSON(t, &srcs)
		if len(srcs.Srcs) != len(s.srcs) || srcs.Srcs[0].IP == "" || srcs.Srcs[0].Site != "sim" {
			t.Errorf("sources: %+v", srcs)
		}
		c.Do("GET", "/api/v2/sources", nil).Want(t, 200)

		var v1 controller.SubmitResult
		c.Do("POST", "/api/v1/revtr", revtrs(src, dsts, 12, "e2e")).Want(t, 200).JSON(t, &v1)
		// v2, with the options spelt both ways and the key in the body.
		body := map[string]any{"auth": c.Key, "revtrs": []map[string]any{
			{"src": src.String(), "dst": dsts[1].String(), "label": "e2e", "max_spoofers": 5,
				"symmetryOptions": map[string]any{"isAllowInterdomainSymmetry": true}, "atlas_options": map[string]any{"useAtlas": true, "staleness": 60}},
			{"src": src.String(), "dst": dsts[2].String(), "label": "e2e", "maxSpoofers": 5, "two_host": true},
		}}
		key := c.Key
		c.Key = ""
		var v2 controller.SubmitResult
		c.Do("POST", "/api/v2/revtr", body).Want(t, 200).JSON(t, &v2)
		c.Key = key
		if v1.BatchID == 0 || v2.BatchID == v1.BatchID {
			t.Fatalf("batch IDs %d, %d", v1.BatchID, v2.BatchID)
		}
		for _, b := range []uint32{v1.BatchID, v2.BatchID} {
			st := waitDone(t, c, b)
			if st.Reaches+st.Failed+st.Trivial != st.Total || st.Pending+st.Running+st.Canceled != 0 {
				t.Errorf("batch %d: %+v", b, st)
			}
		}

		var got controller.RevtrsResult
		c.Do("GET", fmt.Sprintf("/api/v1/revtr?batchid=%d", v1.BatchID), nil).Want(t, 200).JSON(t, &got)
		checkReference(t, got, 12)
		c.Do("GET", fmt.Sprintf("/api/v2/revtr/%d", v2.BatchID), nil).Want(t, 200).JSON(t, &got)
		checkReference(t, got, 2)
		c.Do("GET", "/api/v2/revtr/e2e", nil).Want(t, 200).JSON(t, &got)
		checkReference(t, got, 14)
		c.Do("GET", "/api/v2/revtr/label/e2e", nil).Want(t, 200)
		var meta controller.MetaResult
		c.Do("GET", fmt.Sprintf("/api/v2/revtr/meta/%d", v1.BatchID), nil).Want(t, 200).JSON(t, &meta)
		var sts controller.StatusResult
		c.Do("GET", fmt.Sprintf("/api/v2/revtr/status/%d", v1.BatchID), nil).Want(t, 200).JSON(t, &sts)
		if len(meta.RevtrsMeta) != 12 || len(sts.RevtrsStatus) != 12 || sts.RevtrsStatus[0] != "COMPLETED" {
			t.Errorf("meta %+v, status %+v", meta, sts)
		}

		recs := records(t, c.Do("GET", "/api/v2/labels/e2e/records", nil).Want(t, 200).Body)
		if len(recs) != 14 {
			t.Fatalf("%d records for the label, want 14", len(recs))
		}
		ids := make(map[uint64]bool)
		for _, r := range recs {
			ids[r.ID] = true
		}
		if len(ids) != 14 {
			t.Errorf("record IDs not distinct: %v", ids)
		}
		if n := len(records(t, c.Do("GET", fmt.Sprintf("/api/v2/batches/%d/records", v2.BatchID), nil).Want(t, 200).Body)); n != 2 {
			t.Errorf("%d records for batch %d, want 2", n, v2.BatchID)
		}
		c.Do("POST", "/api/v1/atlas/run", nil, "source", src.String(), "RIPE-Key", "x").Want(t, 200)
		c.Do("POST", "/api/v2/atlas/clean", map[string]any{"source": src.String()}).Want(t, 200)
	})
}

// checkReference checks a listing as the reference serves it.
func checkReference(t *testing.T, got controller.RevtrsResult, n int) {
	t.Helper()
	if len(got.Revtrs) != n {
		t.Fatalf("%d reverse traceroutes, want %d", len(got.Revtrs), n)
	}
	for _, rt := range got.Revtrs {
		if rt.Status != "COMPLETED" || rt.Date == "" || rt.StartTime == 0 || rt.ID == 0 {
			t.Errorf("reverse traceroute %+v", rt)
		}
		// A reverse traceroute answered wholly from the cache (a retry
		// of one that timed out, say) takes no time: Runtime 0 is right.
		if rt.StopReason == "REACHES" && (len(rt.Path) < 2 || rt.Path[0].Type != "DST_REV_SEGMENT" || rt.Path[len(rt.Path)-1].Hop != rt.Src || rt.Runtime < 0) {
			t.Errorf("reached without a path to the source: %+v", rt)
		}
		if rt.StopReason == "FAILED" && rt.FailReason == "" {
			t.Errorf("failed with no reason: %+v", rt)
		}
	}
}

// records decodes a JSON Lines body of archive records.
func records(t *testing.T, body []byte) []revtr.Record {
	t.Helper()
	var out []revtr.Record
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec revtr.Record
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.DisallowUnknownFields()
		if err := d.Decode(&rec); err != nil {
			t.Fatalf("not an archive record: %v: %s", err, sc.Bytes())
		}
		if _, err := rec.Result(); err != nil {
			t.Fatalf("not an archive record: %v: %s", err, sc.Bytes())
		}
		if !strings.Contains(sc.Text(), `"revtr_hops":[`) {
			t.Errorf("record without its hops array: %s", sc.Bytes())
		}
		out = append(out, rec)
	}
	return out
}
