import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { follow, get, pages, post, text } from '../api.js';
import { ErrorBox, Progress, download, ms } from '../common.jsx';
import { typeOf, typeOrder } from '../hoptypes.js';

const rowH = 30;
const viewH = 480;

const columns = [
  { key: 'id', name: 'ID', num: true },
  { key: 'dst', name: 'Destination' },
  { key: 'stop', name: 'Result' },
  { key: 'failReason', name: 'Fail reason' },
  { key: 'runtime', name: 'Runtime', num: true },
  { key: 'hops', name: 'Hops', num: true },
  { key: 'ases', name: 'ASes', num: true },
  { key: 'share', name: 'Hops by technique' },
];

function stopOf(r) {
  return r.state === 'done' ? r.stopReason : r.state.toUpperCase();
}

function sortValue(r, key) {
  switch (key) {
    case 'stop': return stopOf(r);
    case 'dst': return r.dst.includes(':') ? r.dst : r.dst.split('.').map((x) => x.padStart(3, '0')).join('.');
    case 'share': return measuredShare(r);
    default: return r[key] ?? '';
  }
}

// measuredShare is the share of hops found by measurement (neither the
// destination itself nor assumed symmetry).
function measuredShare(r) {
  const t = r.hopTypes || {};
  const rest = r.hops - (t['1'] || 0);
  if (rest <= 0) return 0;
  return (rest - (t['2'] || 0) - (t['11'] || 0) - (t['12'] || 0)) / rest;
}

// Share draws a row's hops by technique as a bar, with a text alternative.
export function Share({ types, total }) {
  if (!total) return <span class="muted">—</span>;
  const parts = typeOrder.filter((t) => types[t]).map((t) => ({ t, n: types[t], d: typeOf(t) }));
  const alt = parts.map((p) => `${p.d.name} ${p.n}`).join(', ');
  return (
    <span class="share" role="img" aria-label={alt} title={alt}>
      {parts.map((p) => (
        <span class={`seg${p.d.assumed ? ' assumed' : ''}`} style={{ width: `${(100 * p.n) / total}%`, background: p.d.color, color: p.d.text }}>
          {(100 * p.n) / total >= 14 ? p.d.tag : ''}
        </span>
      ))}
    </span>
  );
}

// Results is the table of a batch's or a label's reverse traceroutes:
// every row loaded page by page, drawn only where the viewport is, live
// while the batch runs.
export function Results({ batch, label }) {
  const base = batch ? `/api/v2/batches/${batch}` : `/api/v2/labels/${encodeURIComponent(label)}`;
  const [rows, setRows] = useState([]);
  const [loading, setLoading] = useState(true);
  const [err, setErr] = useState(null);
  const [status, setStatus] = useState(null);
  const [filter, setFilter] = useState('');
  const [stop, setStop] = useState('');
  const [sort, setSort] = useState({ key: 'id', dir: 1 });
  const [top, setTop] = useState(0);
  const loadRef = useRef({ busy: false, again: false, last: 0, took: 0, after: null });
  const unfinished = useRef(false);

  const load = async (signal) => {
    const L = loadRef.current;
    if (L.busy) { L.again = true; return; }
    L.busy = true;
    L.last = Date.now();
    try {
      const acc = [];
      await pages(`${base}/rows?limit=2000`, (page) => { acc.push(...page); if (!rows.length) setRows(acc.slice()); }, signal);
      if (!(signal && signal.aborted)) {
        L.took = Date.now() - L.last;
        setRows(acc);
        unfinished.current = acc.some((r) => r.state !== 'done');
        if (L.after) L.after();
      }
    } catch (e) {
      setErr(e);
    } finally {
      L.busy = false;
      setLoading(false);
      if (L.again && !(signal && signal.aborted)) { L.again = false; load(signal); }
    }
  };

  useEffect(() => {
    const ac = new AbortController();
    let timer = null;
    setRows([]);
    setErr(null);
    setLoading(true);
    setStatus(null);
    // A label has no event stream: while some of its reverse traceroutes
    // are not done, its rows are loaded again every two seconds (or four
    // times as long as a load takes, for a big label).
    loadRef.current.after = batch ? null : () => {
      clearTimeout(timer);
      if (unfinished.current && !ac.signal.aborted) timer = setTimeout(() => load(ac.signal), Math.max(2000, 4 * loadRef.current.took));
    };
    load(ac.signal);
    if (batch) {
      // A batch's events say when its counts change: its rows are loaded
      // again at most every 1.5 s, and once more when it is done.
      follow(`${base}/events`, (s) => {
        setStatus(s);
        if (s.done) { clearTimeout(timer); load(ac.signal); return; }
        if (!timer) timer = setTimeout(() => { timer = null; load(ac.signal); }, Math.max(0, 1500 - (Date.now() - loadRef.current.last)));
      }, ac.signal).catch((e) => setErr(e));
    }
    return () => { ac.abort(); clearTimeout(timer); loadRef.current.after = null; };
  }, [base]);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const out = rows.filter((r) => (!stop || stopOf(r) === stop) &&
      (!f || r.dst.includes(f) || r.src.includes(f) || String(r.id) === f || (r.failReason || '').toLowerCase().includes(f) || (r.label || '').toLowerCase().includes(f)));
    const { key, dir } = sort;
    out.sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || (a.id - b.id);
    });
    return out;
  }, [rows, filter, stop, sort]);

  const summary = useMemo(() => {
    const by = {};
    const types = {};
    let hops = 0;
    for (const r of rows) {
      by[stopOf(r)] = (by[stopOf(r)] || 0) + 1;
      for (const [t, n] of Object.entries(r.hopTypes || {})) types[t] = (types[t] || 0) + n;
      hops += r.hops;
    }
    return { by, types, hops };
  }, [rows]);

  const first = Math.max(0, Math.floor(top / rowH) - 8);
  const last = Math.min(shown.length, Math.ceil((top + viewH) / rowH) + 8);
  const cancel = async () => {
    try {
      setStatus(await post(`${base}/cancel`, {}));
    } catch (e) {
      setErr(e);
    }
  };
  const jsonl = async () => {
    try {
      download(batch ? `revtr-batch-${batch}.jsonl` : `revtr-label-${label}.jsonl`, 'application/jsonl', await text(`${base}/records`));
    } catch (e) {
      setErr(e);
    }
  };
  const sortBy = (key) => setSort((s) => ({ key, dir: s.key === key ? -s.dir : 1 }));
  const title = batch ? `Batch #${batch}` : `Label “${label}”`;
  return (
    <section aria-labelledby="results-h">
      <h1 id="results-h">{title}</h1>
      {status ? <Progress s={status} /> : null}
      <div class="row">
        {batch && status && !status.done ? <button type="button" data-testid="cancel" onClick={cancel}>Cancel the batch</button> : null}
        <button type="button" onClick={jsonl}>Download JSON Lines (archive format)</button>
      </div>
      <ErrorBox error={err} />
      <p class="muted" aria-live="polite" data-testid="rows-loaded">
        {loading ? 'Loading… ' : ''}{rows.length} reverse traceroute{rows.length === 1 ? '' : 's'} loaded
        {Object.entries(summary.by).map(([k, v]) => ` · ${v} ${k.toLowerCase()}`).join('')}
        {shown.length !== rows.length ? ` · ${shown.length} shown` : ''}
      </p>
      {summary.hops ? <div class="row"><span>All hops by technique:</span><Share types={summary.types} total={summary.hops} /></div> : null}
      <div class="row filters">
        <label for="flt">Filter</label>
        <input id="flt" type="search" placeholder="address, ID, fail reason…" value={filter} onInput={(e) => setFilter(e.target.value)} />
        <label for="stopf">Result</label>
        <select id="stopf" value={stop} onChange={(e) => setStop(e.target.value)}>
          <option value="">all</option>
          {['REACHES', 'FAILED', 'TRIVIAL', 'CANCELED', 'RUNNING', 'PENDING'].map((s) => <option value={s}>{s.toLowerCase()}</option>)}
        </select>
      </div>
      <div class="vtable" role="table" aria-label={`${title}: reverse traceroutes`} aria-rowcount={shown.length + 1}>
        <div class="vrow head" role="row" aria-rowindex="1">
          {columns.map((c) => (
            <div role="columnheader" class={`c-${c.key}`} aria-sort={sort.key === c.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'}>
              <button type="button" class="sort" onClick={() => sortBy(c.key)}>
                {c.name}{sort.key === c.key ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''}
              </button>
            </div>
          ))}
        </div>
        <div class="vbody" style={{ height: `${Math.min(viewH, Math.max(rowH, shown.length * rowH))}px` }} onScroll={(e) => setTop(e.currentTarget.scrollTop)} tabindex="0" aria-label="rows (scroll)">
          <div style={{ height: `${shown.length * rowH}px`, position: 'relative' }}>
            {shown.slice(first, last).map((r, i) => (
              <div class="vrow" role="row" aria-rowindex={first + i + 2} style={{ top: `${(first + i) * rowH}px` }} data-revtr={r.id}>
                <div role="cell" class="c-id"><a href={`#/revtr/${r.id}`}>{r.id}</a></div>
                <div role="cell" class="c-dst mono">{r.dst}</div>
                <div role="cell" class={`c-stop st-${stopOf(r).toLowerCase()}`}>{stopOf(r)}</div>
                <div role="cell" class="c-failReason" title={r.failReason}>{r.failReason || ''}</div>
                <div role="cell" class="c-runtime">{ms(r.runtime)}</div>
                <div role="cell" class="c-hops">{r.hops || ''}</div>
                <div role="cell" class="c-ases">{r.ases || ''}</div>
                <div role="cell" class="c-share"><Share types={r.hopTypes || {}} total={r.hops} /></div>
              </div>
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
