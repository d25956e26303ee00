package web_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/revtr"
)

// truthLabels are how the page labels the ground truth of each backend.
var truthLabels = map[string]string{sim: "Ground truth — simulator only.", lab: "Ground truth — lab only."}

// drawnHop is a hop as the page drew it (its SVG node's data attributes).
type drawnHop struct {
	Hop      int    `json:"hop"`
	Type     int    `json:"type"`
	Addr     string `json:"addr"`
	Mismatch string `json:"mismatch"`
	OneWay   string `json:"oneWay"`
}

const drawnJS = `[...document.querySelectorAll('#svg-reverse g.hop')].map(g => ({hop: +g.dataset.hop, type: +g.dataset.hopType, addr: g.dataset.addr, mismatch: g.dataset.mismatch, oneWay: g.dataset.oneway}))`

// TestBrowserSubmitAndInspect drives the UI in headless Chromium against
// a controller over the simulator: a batch submitted through the form,
// followed live to its end, its table, one reverse traceroute drawn — the
// drawn hops and their types are the API's record, the ground truth's
// marks are the API's — and no console error, no request elsewhere.
func TestBrowserSubmitAndInspect(t *testing.T) {
	s := serve(t, sim)
	b := open(t)
	batch := submitAndInspect(t, b, s, destinations(t), "sim")
	// A table of sources, and the batches list.
	b.run(t, chromedp.Navigate(s.url+"/ui/#/sources"), waitJS(fmt.Sprintf(`document.querySelectorAll('[data-testid=sources] tbody tr').length === %d`, len(s.srcs))))
	b.run(t, waitJS(`!!document.querySelector('[data-testid=no-agents]')`))
	b.shot(t, "sources-sim")
	b.run(t, chromedp.Navigate(s.url+"/ui/#/batches"), waitJS(fmt.Sprintf(`!!document.querySelector('a[href="#/batch/%d"]')`, batch)))
	b.shot(t, "batches")
	b.clean(t, s)
}

// TestBrowserLab is the same over the lab backend, as root: real probers
// in network namespaces, the ground truth of the lab's topology.
func TestBrowserLab(t *testing.T) {
	s := serve(t, lab)
	b := open(t)
	submitAndInspect(t, b, s, destinations(t)[:6], "lab")
	b.clean(t, s)
}

// submitAndInspect submits dsts through the form, follows the batch to its
// end, opens the reverse traceroute with the most hop types and checks the
// drawing against the API; it returns the batch. backend names the
// ground truth's origin, and prefixes the screenshots but the simulator's.
func submitAndInspect(t *testing.T, b *browser, s *site, dsts []netip.Addr, backend string) uint32 {
	prefix := ""
	if backend != sim {
		prefix = backend + "-"
	}
	setKey(b, t, s, s.key)
	var lines []string
	for _, d := range dsts {
		lines = append(lines, d.String())
	}
	b.run(t, chromedp.WaitVisible(chromedp.ID("dsts")),
		waitJS(`document.querySelectorAll('#src option').length === `+fmt.Sprint(len(s.srcs))))
	b.shot(t, prefix+"submit-empty")
	// A bad address is refused in the page, before any request.
	b.run(t, chromedp.SendKeys(chromedp.ID("dsts"), "10.0.0.300\n"), chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		waitJS(`document.querySelector('#dst-problems').textContent.includes('"10.0.0.300" is not an IP address')`))
	b.run(t, waitJS(`(() => { const e = document.getElementById('dsts'); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); return true })()`), chromedp.SendKeys(chromedp.ID("dsts"), strings.Join(lines, "\n")),
		chromedp.SendKeys(chromedp.ID("label"), "browser-test"),
		waitJS(`document.querySelector('#dst-problems').children.length === 0`))
	b.shot(t, prefix+"submit")
	b.run(t, chromedp.Click(chromedp.CSS(`button[type="submit"]`)), waitJS(`location.hash.startsWith('#/batch/')`))
	hash := eval[string](t, b, `location.hash`)
	var batch uint32
	if _, err := fmt.Sscanf(hash, "#/batch/%d", &batch); err != nil {
		t.Fatalf("hash %q: %v", hash, err)
	}
	// Live progress: the page follows the batch's events to the end.
	b.run(t, waitJS(`(document.querySelector('[data-testid=progress-text]')||{}).textContent?.includes('finished')`),
		waitJS(`document.querySelector('[data-testid=rows-loaded]').textContent.startsWith('`+fmt.Sprint(len(dsts))+` reverse traceroutes loaded')`),
		waitJS(`!document.querySelector('[data-testid=rows-loaded]').textContent.includes('running')`))
	var st controller.BatchStatus
	s.api(t, "GET", fmt.Sprintf("/api/v2/batches/%d", batch), nil, &st)
	progress := eval[string](t, b, `document.querySelector('[data-testid=progress-text]').textContent`)
	if want := fmt.Sprintf("%d/%d done", st.Total, st.Total); !st.Done || !strings.Contains(progress, want) || !strings.Contains(progress, fmt.Sprintf("%d reached", st.Reaches)) {
		t.Errorf("progress shows %q; the API says %+v", progress, st)
	}
	b.shot(t, prefix+"batch")

	// The reverse traceroute with the most hop types, opened from the table.
	var rows controller.RowsResult
	s.api(t, "GET", fmt.Sprintf("/api/v2/batches/%d/rows", batch), nil, &rows)
	best := rows.Rows[0]
	for _, r := range rows.Rows {
		if r.StopReason == "REACHES" && (best.StopReason != "REACHES" || len(r.HopTypes) > len(best.HopTypes) ||
			len(r.HopTypes) == len(best.HopTypes) && r.Hops > best.Hops) {
			best = r
		}
	}
	if best.StopReason != "REACHES" {
		t.Fatal("no reverse traceroute reached its source")
	}
	var d controller.RevtrDetail
	s.api(t, "GET", fmt.Sprintf("/api/v2/revtrs/%d", best.ID), nil, &d)
	var truth controller.TruthResult
	s.api(t, "GET", fmt.Sprintf("/api/v2/revtrs/%d/truth", best.ID), nil, &truth)
	if truth.Backend != backend {
		t.Errorf("ground truth of backend %q, want %q", truth.Backend, backend)
	}
	b.run(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="#/revtr/%d"]`, best.ID))),
		waitJS(fmt.Sprintf(`document.querySelectorAll('#svg-reverse g.hop').length === %d`, len(d.Record.Hops))),
		waitJS(`!!document.querySelector('[data-testid=truth-note]') && document.querySelectorAll('#svg-truth g.hop').length > 0`))
	if note := eval[string](t, b, `document.querySelector('[data-testid=truth-note]').textContent`); !strings.Contains(note, truthLabels[backend]) {
		t.Errorf("the ground truth is labelled %q, want it to say %q", note, truthLabels[backend])
	}
	drawn := eval[[]drawnHop](t, b, drawnJS)
	if len(drawn) != len(d.Record.Hops) {
		t.Fatalf("%d hops drawn, the record has %d", len(drawn), len(d.Record.Hops))
	}
	for i, h := range d.Record.Hops {
		g := drawn[i]
		wantMis := "no"
		if !truth.Hops[i].OnPath {
			wantMis = "yes"
		}
		if g.Hop != h.HopNumber || g.Type != int(h.HopType) || g.Addr != h.HopIP.String() || g.Mismatch != wantMis {
			t.Errorf("hop %d drawn as %+v; the API has %v type %d, on the true path %v", i, g, h.HopIP, h.HopType, truth.Hops[i].OnPath)
		}
	}
	// An address is flagged as seen in one direction only exactly when the
	// forward traceroute does not show it; the ends are never flagged.
	if d.ForwardTrace == nil {
		t.Fatal("the API kept no forward traceroute though the form asked for one")
	}
	fwd := map[string]bool{d.Src: true}
	for _, h := range d.ForwardTrace.Hops {
		fwd[h.Addr] = true
	}
	for i, g := range drawn {
		want := "no"
		if i > 0 && i < len(drawn)-1 && !fwd[g.Addr] {
			want = "yes"
		}
		if g.OneWay != want {
			t.Errorf("hop %d (%s) flagged one-way %q, want %q", i, g.Addr, g.OneWay, want)
		}
	}
	nTruth := eval[int](t, b, `document.querySelectorAll('#svg-truth g.hop').length`)
	nFwd := eval[int](t, b, `document.querySelectorAll('#svg-forward g.hop').length`)
	if nTruth != len(truth.Reverse) || d.ForwardTrace == nil || nFwd != len(d.ForwardTrace.Hops)+1 {
		t.Errorf("drawn %d true hops (API %d) and %d forward nodes (API %v)", nTruth, len(truth.Reverse), nFwd, d.ForwardTrace)
	}
	tableTypes := eval[[]int](t, b, `[...document.querySelectorAll('[data-testid=hop-table] tbody tr')].map(r => +r.dataset.hopType)`)
	for i, h := range d.Record.Hops {
		if i >= len(tableTypes) || tableTypes[i] != int(h.HopType) {
			t.Fatalf("hop table types %v; record %+v", tableTypes, d.Record.Hops)
		}
	}
	b.shot(t, prefix+"revtr")

	// The measurement behind a hop, by keyboard: focus the last hop, Enter.
	last := len(d.Record.Hops) - 1
	b.run(t, chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#svg-reverse g.hop[data-hop="%d"]`, last))),
		chromedp.KeyEvent("\r"), waitJS(`document.querySelector('#hop-detail h3')?.textContent.startsWith('Reverse hop `+fmt.Sprint(last)+`')`))
	detail := eval[string](t, b, `document.getElementById('hop-detail').textContent`)
	if h := d.Record.Hops[last]; h.MeasurementID != 0 && !strings.Contains(detail, fmt.Sprint(h.MeasurementID)) || !strings.Contains(detail, d.Record.Hops[last].HopIP.String()) {
		t.Errorf("hop detail %q does not name the hop's measurement %d", detail, d.Record.Hops[last].MeasurementID)
	}
	b.shot(t, prefix+"revtr-hop")
	// On a phone-sized screen the page wraps: nothing wider than the screen.
	b.run(t, chromedp.EmulateViewport(400, 860), waitJS(`innerWidth === 400`))
	if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 400 {
		t.Errorf("at 400 px wide the page is %d px wide", w)
	}
	b.shot(t, prefix+"revtr-narrow")
	b.run(t, chromedp.EmulateReset())

	checkDownloads(t, b, d)

	return batch
}

// TestBrowserErrors: a wrong key and a refused batch are shown to the
// user, never a blank page; the key stays in the session only.
func TestBrowserErrors(t *testing.T) {
	s := serve(t, none)
	b := open(t)
	setKey(b, t, s, "not-a-key")
	b.run(t, chromedp.Navigate(s.url+"/ui/#/batches"),
		waitJS(`[...document.querySelectorAll('.error')].some(e => e.textContent.includes('unknown API key') && e.textContent.includes('unauthorized'))`))
	b.shot(t, "unauthorized")
	local := eval[string](t, b, `JSON.stringify(localStorage)`)
	session := eval[string](t, b, `sessionStorage.getItem('revtr-key')`)
	if session != "not-a-key" || strings.Contains(local, "not-a-key") {
		t.Errorf("key in session storage %q, local storage %s", session, local)
	}
	// A destination the API refuses (not public unicast, not the lab's).
	setKey(b, t, s, s.key)
	b.run(t, chromedp.WaitVisible(chromedp.ID("dsts")), waitJS(`document.querySelectorAll('#src option').length > 0`),
		chromedp.SendKeys(chromedp.ID("dsts"), "192.168.1.1"), chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		waitJS(`[...document.querySelectorAll('.error')].some(e => e.textContent.includes('not a public unicast address') && e.textContent.includes('bad_destination'))`))
	b.shot(t, "refused")
	var n controller.BatchesResult
	s.api(t, "GET", "/api/v2/batches", nil, &n)
	if len(n.Batches) != 0 {
		t.Errorf("a refused batch was written: %+v", n)
	}
	// The API's console noise on a 4xx is the browser's, not the page's: drop it.
	b.mu.Lock()
	kept := b.problems[:0]
	for _, p := range b.problems {
		if !strings.Contains(p, "Failed to load resource") {
			kept = append(kept, p)
		}
	}
	b.problems = kept
	b.mu.Unlock()
	b.clean(t, s)
}

// TestBrowserLargeLabel: a 10,000-row label loads page by page into a
// virtualised table that draws only what is in view, and sorts.
func TestBrowserLargeLabel(t *testing.T) {
	s := serve(t, none) // nothing measures: the rows stay pending
	const n = 10_000
	dsts := destinations(t)
	rs := make([]map[string]any, n)
	for i := range rs {
		rs[i] = map[string]any{"src": s.srcs[0].String(), "dst": dsts[i%len(dsts)].String(), "label": "big"}
	}
	body, _ := json.Marshal(map[string]any{"revtrs": rs})
	s.api(t, "POST", "/api/v2/revtr", strings.NewReader(string(body)), nil)
	b := open(t)
	setKey(b, t, s, s.key)
	start := time.Now()
	b.run(t, chromedp.Navigate(s.url+"/ui/#/label/big"),
		waitJS(`document.querySelector('[data-testid=rows-loaded]')?.textContent.startsWith('10000 reverse traceroutes loaded')`))
	loaded := time.Since(start)
	drawn := eval[int](t, b, `document.querySelectorAll('.vbody .vrow').length`)
	if drawn == 0 || drawn > 60 {
		t.Errorf("%d rows in the document for %d: the table is not virtualised", drawn, n)
	}
	t.Logf("10,000-row label: loaded and drawn in %v, %d rows in the document", loaded.Round(time.Millisecond), drawn)
	// Sorting by ID (ascending at first; one click turns it round) puts the
	// last row first; scrolling to the
	// end draws it.
	b.run(t, chromedp.Click(chromedp.CSS(`.c-id button.sort`)),
		waitJS(`document.querySelector('.c-id button.sort').textContent.includes('▼')`))
	firstID := eval[string](t, b, `document.querySelector('.vbody .vrow .c-id a').textContent`)
	b.run(t, waitJS(`(() => { const v = document.querySelector('.vbody'); v.scrollTop = v.scrollHeight; return true })()`),
		waitJS(`[...document.querySelectorAll('.vbody .vrow .c-id a')].some(a => a.textContent === '1')`))
	lastID := eval[string](t, b, `[...document.querySelectorAll('.vbody .vrow .c-id a')].map(a => a.textContent).pop()`)
	if firstID != fmt.Sprint(n) || lastID != "1" {
		t.Errorf("sorted by ID descending: first %s, last %s", firstID, lastID)
	}
	b.run(t, waitJS(`(() => { document.querySelector('.vbody').scrollTop = 0; return true })()`))
	b.shot(t, "label-10000")
	b.clean(t, s)
}

// dotShapes are the DOT shapes of the hop types, as the UI draws them.
var dotShapes = map[int]string{1: "hexagon", 2: "diamond", 3: "box", 4: "box", 5: "circle", 6: "triangle", 11: "diamond", 12: "diamond", 20: "pentagon"}

// checkDownloads saves the reverse path as JSON Lines, DOT and SVG
// through the page's buttons, and checks each against the API's record.
func checkDownloads(t *testing.T, b *browser, d controller.RevtrDetail) {
	name := fmt.Sprintf("revtr-%d", d.ID)
	lines := strings.Split(strings.TrimSuffix(string(b.download(t, `[data-testid=download-jsonl]`, name+".jsonl")), "\n"), "\n")
	var rec revtr.Record
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &rec) != nil || rec.ID != d.Record.ID || len(rec.Hops) != len(d.Record.Hops) {
		t.Errorf("JSON Lines download: %q", lines)
	}
	dot := string(b.download(t, `[data-testid=download-dot]`, name+".dot"))
	if !strings.HasPrefix(dot, "digraph ") || strings.Count(dot, " -> ") != len(d.Record.Hops)-1 {
		t.Errorf("DOT download:\n%s", dot)
	}
	for i, h := range d.Record.Hops {
		if want := fmt.Sprintf("r%d [shape=%s,", i, dotShapes[int(h.HopType)]); !strings.Contains(dot, want) {
			t.Errorf("DOT download has no %q:\n%s", want, dot)
		}
	}
	svg := b.download(t, `[data-testid=download-svg]`, name+".svg")
	var types []string
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG download is not XML: %v", err)
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "g" {
			for _, a := range e.Attr {
				if a.Name.Local == "data-hop-type" {
					types = append(types, a.Value)
				}
			}
		}
	}
	if len(types) != len(d.Record.Hops) {
		t.Fatalf("SVG download draws %d hops, the record has %d", len(types), len(d.Record.Hops))
	}
	for i, h := range d.Record.Hops {
		if types[i] != fmt.Sprint(int(h.HopType)) {
			t.Errorf("SVG hop %d has type %s, the record %d", i, types[i], h.HopType)
		}
	}
}

// TestBrowserCancel: a label's page follows its reverse traceroutes as
// they end (here: canceled through the API), and a batch is canceled
// through its page.
func TestBrowserCancel(t *testing.T) {
	s := serve(t, none) // nothing measures: only canceling ends them
	dsts := destinations(t)
	submit := func() uint32 {
		rs := make([]map[string]any, 25)
		for i := range rs {
			rs[i] = map[string]any{"src": s.srcs[0].String(), "dst": dsts[i%len(dsts)].String(), "label": "waiting"}
		}
		body, _ := json.Marshal(map[string]any{"revtrs": rs})
		var r controller.SubmitResult
		s.api(t, "POST", "/api/v2/revtr", bytes.NewReader(body), &r)
		return r.BatchID
	}
	first, second := submit(), submit()
	b := open(t)
	setKey(b, t, s, s.key)
	loaded := `document.querySelector('[data-testid=rows-loaded]')?.textContent`
	b.run(t, chromedp.Navigate(s.url+"/ui/#/label/waiting"), waitJS(loaded+`.startsWith('50 reverse traceroutes loaded · 50 pending')`))
	s.api(t, "POST", fmt.Sprintf("/api/v2/batches/%d/cancel", first), nil, nil)
	b.run(t, waitJS(loaded+`.includes('25 pending') && `+loaded+`.includes('25 canceled')`))
	b.run(t, chromedp.Navigate(fmt.Sprintf("%s/ui/#/batch/%d", s.url, second)),
		waitJS(`document.querySelector('[data-testid=progress-text]')?.textContent.startsWith('0/25 done')`),
		chromedp.Click(chromedp.CSS(`[data-testid=cancel]`)),
		waitJS(`document.querySelector('[data-testid=progress-text]').textContent.includes('25 canceled')`),
		waitJS(loaded+`.includes('25 canceled') && !`+loaded+`.includes('pending')`))
	var st controller.BatchStatus
	s.api(t, "GET", fmt.Sprintf("/api/v2/batches/%d", second), nil, &st)
	if st.Canceled != 25 || !st.Done {
		t.Errorf("after the page's cancel: %+v", st)
	}
	b.shot(t, "canceled")
	b.clean(t, s)
}
