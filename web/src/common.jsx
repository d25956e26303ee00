// Small pieces every view uses.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

// ErrorBox shows an API error (or any error) to the user.
export function ErrorBox({ error, what }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, 'error', String(error && error.message ? error.message : error));
  return (
    <div class="error" role="alert">
      <strong>{what ? `${what}: ` : ''}{e.message}</strong>
      {e.code ? <span class="code"> ({e.status ? `${e.status} ` : ''}{e.code})</span> : null}
      {e.code === 'unauthorized' ? <p>Set a valid API key with the <a href="#/key">Key</a> page.</p> : null}
      {e.details.length ? <ul>{e.details.map((d) => <li>{d}</li>)}</ul> : null}
    </div>
  );
}

// useApi runs load (an async function) when deps change and returns
// [data, error, reload].
export function useApi(load, deps) {
  const [state, setState] = useState({ data: null, error: null });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: null }));
    load().then((data) => live && setState({ data, error: null }), (error) => live && setState({ data: null, error }));
    return () => { live = false; };
  }, [...deps, n]);
  return [state.data, state.error, () => setN((x) => x + 1)];
}

export function ms(ns) {
  if (!ns) return '—';
  const v = ns / 1e6;
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : 0)} ms`;
}

export function rtt(us) {
  if (!us) return 'no RTT';
  return us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us} µs`;
}

export function when(s) {
  if (!s) return '—';
  const d = typeof s === 'number' ? new Date(s * 1000) : new Date(s);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// download saves text as a file.
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Progress is a batch's progress bar, with its numbers as text.
export function Progress({ s }) {
  if (!s) return null;
  const done = s.reaches + s.failed + s.trivial + s.canceled;
  const pct = s.total ? Math.round((100 * done) / s.total) : 100;
  return (
    <div class="progress">
      <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax={s.total} aria-valuenow={done} aria-label={`batch ${s.batchId} progress`}>
        <span class="reaches" style={{ width: `${(100 * s.reaches) / (s.total || 1)}%` }} />
        <span class="failed" style={{ width: `${(100 * (s.failed + s.canceled)) / (s.total || 1)}%` }} />
        <span class="trivial" style={{ width: `${(100 * s.trivial) / (s.total || 1)}%` }} />
      </div>
      <span class="nums" data-testid="progress-text">
        {done}/{s.total} done ({pct}%) · {s.reaches} reached · {s.failed} failed{s.trivial ? ` · ${s.trivial} trivial` : ''}
        {s.canceled ? ` · ${s.canceled} canceled` : ''} · {s.running} running · {s.pending} pending{s.done ? ' · finished' : ''}
      </span>
    </div>
  );
}
