import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { ErrorBox, useApi } from '../common.jsx';

const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

// isAddr checks an IPv4 or IPv6 address as the API will (no zone, no
// leading zeros); the API has the last word.
export function isAddr(s) {
  if (v4.test(s)) return true;
  if (!s.includes(':') || s.includes('%') || /[^0-9a-fA-F:.]/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname !== '';
  } catch (_) {
    return false;
  }
}

// parseDestinations splits pasted text (one per line, or separated by
// commas or spaces; # starts a comment) into addresses and the tokens
// that are not.
export function parseDestinations(text) {
  const good = [];
  const bad = [];
  text.split('\n').forEach((line, i) => {
    const l = line.replace(/#.*/, '').trim();
    if (!l) return;
    for (const tok of l.split(/[\s,;]+/)) {
      if (!tok) continue;
      if (isAddr(tok)) good.push(tok);
      else bad.push({ line: i + 1, tok });
    }
  });
  return { good, bad };
}

export function Submit() {
  const [sources, srcErr] = useApi(() => get('/api/v1/sources'), []);
  const [src, setSrc] = useState('');
  const [dsts, setDsts] = useState('');
  const [label, setLabel] = useState('');
  const [interSym, setInterSym] = useState(false);
  const [twoHost, setTwoHost] = useState(true);
  const [fwd, setFwd] = useState(true);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const [touched, setTouched] = useState(false);
  const parsed = parseDestinations(dsts);
  const srcs = sources ? sources.srcs : [];
  const chosen = src || (srcs[0] && srcs[0].ip) || '';
  const upload = (e) => {
    const f = e.target.files[0];
    if (!f) return;
    f.text().then((t) => setDsts((d) => (d && !d.endsWith('\n') ? d + '\n' : d) + t));
  };
  const problems = [];
  if (touched && !parsed.good.length) problems.push('Give at least one destination address.');
  for (const b of parsed.bad.slice(0, 10)) problems.push(`Line ${b.line}: "${b.tok}" is not an IP address.`);
  if (parsed.bad.length > 10) problems.push(`… and ${parsed.bad.length - 10} more that are not addresses.`);
  const send = async (e) => {
    e.preventDefault();
    setTouched(true);
    if (!parsed.good.length || parsed.bad.length || !chosen) return;
    setBusy(true);
    setErr(null);
    const revtrs = parsed.good.map((dst) => {
      const r = { src: chosen, dst, label };
      if (interSym) r.symmetry_options = { is_allow_interdomain_symmetry: true };
      if (twoHost) r.two_host = true;
      if (fwd) r.is_run_forward_traceroute = true;
      return r;
    });
    try {
      const res = await post('/api/v2/revtr', { revtrs });
      location.hash = `#/batch/${res.batchId}`;
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="submit-h">
      <h1 id="submit-h">Measure reverse paths</h1>
      <p class="muted">The path from each destination back to the source: Record Route, spoofed Record Route, the traceroute atlas, two-host responders, and symmetry only where nothing else works (flagged).</p>
      <ErrorBox error={srcErr} what="Sources" />
      <form onSubmit={send} class="form" novalidate>
        <label for="src">Source (the path ends here)</label>
        <select id="src" value={chosen} onChange={(e) => setSrc(e.target.value)} required>
          {srcs.map((s) => <option value={s.ip}>{s.ip}{s.hostname ? ` — ${s.hostname}` : ''}{s.site ? ` (${s.site})` : ''}</option>)}
        </select>
        <label for="dsts">Destinations (one per line, or separated by spaces or commas)</label>
        <textarea id="dsts" rows="8" value={dsts} onInput={(e) => setDsts(e.target.value)} onBlur={() => setTouched(true)}
          aria-invalid={problems.length ? 'true' : 'false'} aria-describedby="dst-help dst-problems" spellcheck={false} />
        <div id="dst-help" class="muted">{parsed.good.length} address{parsed.good.length === 1 ? '' : 'es'} · or load a file:{' '}
          <input type="file" accept=".txt,.csv,text/plain" onChange={upload} aria-label="Load destinations from a file" /></div>
        <ul id="dst-problems" class="problems" aria-live="polite">{problems.map((p) => <li>{p}</li>)}</ul>
        <label for="label">Label (your handle on the results)</label>
        <input id="label" value={label} onInput={(e) => setLabel(e.target.value)} maxlength="256" />
        <fieldset>
          <legend>Options</legend>
          <label class="check"><input type="checkbox" checked={fwd} onChange={(e) => setFwd(e.target.checked)} /> Also run the forward traceroute (shown beside the reverse path)</label>
          <label class="check"><input type="checkbox" checked={twoHost} onChange={(e) => setTwoHost(e.target.checked)} /> Ask the destination's two-host responder first, if it runs one</label>
          <label class="check"><input type="checkbox" checked={interSym} onChange={(e) => setInterSym(e.target.checked)} /> Allow assuming symmetry over interdomain links (right only ~57% of the time)</label>
        </fieldset>
        <ErrorBox error={err} what="The controller refused the batch" />
        <div class="row">
          <button type="submit" disabled={busy}>{busy ? 'Submitting…' : `Measure ${parsed.good.length || ''} reverse path${parsed.good.length === 1 ? '' : 's'}`}</button>
        </div>
      </form>
      <h2>Two-host traces</h2>
      <p class="muted">
        Reverse traceroutes above ask a destination's two-host responder when one runs there (hops of type 2H). Standalone
        two-host traces — target, protocol, flow or multipath — are not served by this controller's API yet; use{' '}
        <code>revtr traceroute --reverse</code> (or <code>--two-way</code>, <code>--multipath</code>) on a host meanwhile.
      </p>
    </section>
  );
}
