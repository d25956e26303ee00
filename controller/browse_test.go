package controller_test

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store/storetest"
)

// TestBrowse lists a key's batches and labels, pages through a batch's
// and a label's rows, reads one reverse traceroute whole with the forward
// traceroute it asked for, and its ground truth; another key sees none
// of it.
func TestBrowse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		s := serve(t, dsn, testConfig("browse"), backend(t))
		c := s.client(t, 1000, 1000)
		dsts := targets(t)
		body := revtrs(s.srcs[0], dsts, 7, "browse")
		for _, r := range body["revtrs"].([]map[string]any) {
			r["is_run_forward_traceroute"] = true
		}
		var b1, b2 controller.SubmitResult
		c.Do("POST", "/api/v2/revtr", body).Want(t, 200).JSON(t, &b1)
		c.Do("POST", "/api/v2/revtr", revtrs(s.srcs[0], dsts, 2, "other")).Want(t, 200).JSON(t, &b2)
		waitDone(t, c, b1.BatchID)
		waitDone(t, c, b2.BatchID)

		var bs controller.BatchesResult
		c.Do("GET", "/api/v2/batches", nil).Want(t, 200).JSON(t, &bs)
		if len(bs.Batches) != 2 || bs.Batches[0].BatchID != b2.BatchID || bs.Batches[1].Total != 7 || !bs.Batches[1].Done ||
			len(bs.Batches[1].Labels) != 1 || bs.Batches[1].Labels[0] != "browse" || bs.Next != 0 {
			t.Fatalf("batches: %+v", bs)
		}
		c.Do("GET", "/api/v2/batches?limit=1", nil).Want(t, 200).JSON(t, &bs)
		if len(bs.Batches) != 1 || bs.Next != b2.BatchID {
			t.Fatalf("first page of one batch: %+v", bs)
		}
		c.Do("GET", fmt.Sprintf("/api/v2/batches?limit=1&before=%d", bs.Next), nil).Want(t, 200).JSON(t, &bs)
		if len(bs.Batches) != 1 || bs.Batches[0].BatchID != b1.BatchID {
			t.Fatalf("second page: %+v", bs)
		}
		var ls controller.LabelsResult
		c.Do("GET", "/api/v2/labels", nil).Want(t, 200).JSON(t, &ls)
		if len(ls.Labels) != 2 || ls.Labels[0].Label != "other" || ls.Labels[1].Total != 7 || ls.Labels[1].Done != 7 {
			t.Fatalf("labels: %+v", ls)
		}

		var rows []controller.RevtrRow
		for after := uint32(0); ; {
			var page controller.RowsResult
			c.Do("GET", fmt.Sprintf("/api/v2/batches/%d/rows?limit=3&after=%d", b1.BatchID, after), nil).Want(t, 200).JSON(t, &page)
			rows = append(rows, page.Rows...)
			if page.Next == 0 {
				break
			}
			after = page.Next
		}
		if len(rows) != 7 {
			t.Fatalf("%d rows paged, want 7", len(rows))
		}
		var byLabel controller.RowsResult
		c.Do("GET", "/api/v2/labels/"+url.PathEscape("browse")+"/rows", nil).Want(t, 200).JSON(t, &byLabel)
		if len(byLabel.Rows) != 7 || byLabel.Rows[0].ID != rows[0].ID {
			t.Fatalf("label rows: %+v", byLabel)
		}
		reached := -1
		for i, r := range rows {
			n := 0
			for _, k := range r.HopTypes {
				n += k
			}
			if r.State != "done" || n != r.Hops || !r.HasForward {
				t.Errorf("row %+v: hop types add up to %d", r, n)
			}
			if r.StopReason == "REACHES" && reached < 0 {
				reached = i
			}
		}
		if reached < 0 {
			t.Fatal("no reverse traceroute reached its source")
		}

		var d controller.RevtrDetail
		id := rows[reached].ID
		c.Do("GET", "/api/v2/revtrs/"+strconv.Itoa(int(id)), nil).Want(t, 200).JSON(t, &d)
		if d.Record == nil || len(d.Record.Hops) != rows[reached].Hops || d.ForwardTrace == nil || len(d.ForwardTrace.Hops) == 0 ||
			d.ForwardTrace.Dst != d.Dst || !d.Truth || d.Options["is_run_forward_traceroute"] != true {
			t.Fatalf("detail: %+v", d)
		}
		var tr controller.TruthResult
		c.Do("GET", fmt.Sprintf("/api/v2/revtrs/%d/truth", id), nil).Want(t, 200).JSON(t, &tr)
		if tr.Backend != "sim" || len(tr.Hops) != len(d.Record.Hops) || len(tr.Reverse) < 2 ||
			tr.Reverse[0].Addr != d.Dst || tr.Forward[0].Addr != d.Src || tr.Note == "" {
			t.Fatalf("truth: %+v", tr)
		}
		if !tr.Hops[0].OnPath || tr.Hops[len(tr.Hops)-1].Node != tr.Reverse[len(tr.Reverse)-1].Node {
			t.Errorf("truth places the ends off the path: %+v", tr)
		}

		other := s.client(t, 10, 10)
		other.Do("GET", "/api/v2/revtrs/"+strconv.Itoa(int(id)), nil).Want(t, 404)
		other.Do("GET", fmt.Sprintf("/api/v2/revtrs/%d/truth", id), nil).Want(t, 404)
		other.Do("GET", fmt.Sprintf("/api/v2/batches/%d/rows", b1.BatchID), nil).Want(t, 404)
		var none controller.BatchesResult
		other.Do("GET", "/api/v2/batches", nil).Want(t, 200).JSON(t, &none)
		if len(none.Batches) != 0 {
			t.Errorf("another key lists %+v", none)
		}
		c.Do("GET", "/api/v2/revtrs/99999999", nil).Want(t, 404)
		c.Do("GET", "/api/v2/batches?limit=100000", nil).Want(t, 422)
	})
}

// TestTruthNeedsABackendThatKnows: a controller measuring nothing has no
// ground truth to show.
func TestTruthNeedsABackendThatKnows(t *testing.T) {
	dsn := storetest.SQLite(t)
	measuring := serve(t, dsn, testConfig("truth-sim"), backend(t))
	c := measuring.client(t, 10, 10)
	var b controller.SubmitResult
	c.Do("POST", "/api/v2/revtr", revtrs(measuring.srcs[0], targets(t), 1, "t")).Want(t, 200).JSON(t, &b)
	waitDone(t, c, b.BatchID)
	var rows controller.RowsResult
	c.Do("GET", fmt.Sprintf("/api/v2/batches/%d/rows", b.BatchID), nil).Want(t, 200).JSON(t, &rows)
	plain := serve(t, dsn, testConfig("truth-none"), nil)
	c.Base = plain.url
	var d controller.RevtrDetail
	c.Do("GET", fmt.Sprintf("/api/v2/revtrs/%d", rows.Rows[0].ID), nil).Want(t, 200).JSON(t, &d)
	if d.Truth || d.ForwardTrace != nil {
		t.Errorf("detail without ground truth or forward traceroute: %+v", d)
	}
	c.Do("GET", fmt.Sprintf("/api/v2/revtrs/%d/truth", rows.Rows[0].ID), nil).Want(t, 404)
}
