import { useMemo, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorBox, download, ms, rtt, useApi, when } from '../common.jsx';
import { toDot, toSVG } from '../export.js';
import { Graph } from '../graph.jsx';
import { forwardType, hopTypes, shapePath, truthType, typeOf, typeOrder } from '../hoptypes.js';

// asPath collapses consecutive repeats of known ASes.
function asPath(asns) {
  const out = [];
  for (const a of asns) if (a != null && out[out.length - 1] !== a) out.push(a);
  return out;
}

// reverseNodes are the record's hops as Graph draws them, marked against
// the forward traceroute (addresses and ASes seen in one direction only)
// and the ground truth (hops off the true path).
function reverseNodes(d, truth, fwdAddrs, pick) {
  const hops = d.record ? d.record.revtr_hops : [];
  return hops.map((h, i) => {
    const def = typeOf(h.hop_type);
    const m = truth && truth.hops[i];
    const oneWay = fwdAddrs && i > 0 && i < hops.length - 1 && !fwdAddrs.has(h.hop_ip);
    const mismatch = !!(m && !m.onPath);
    const label = `Reverse hop ${i}: ${h.hop_ip}, ${def.name}${h.asn != null ? `, AS${h.asn}` : ''}, ${rtt(h.rtt)}` +
      `${oneWay ? ', address not on the forward traceroute' : ''}${m ? (m.onPath ? ', on the true path' : ', NOT on the true path') : ''}`;
    return {
      id: `r${i}`, addr: h.hop_ip, asn: h.asn, def, hop: h, index: i, dir: 'reverse', segment: h.hop_type === 4,
      lines: [`${i}  ${h.hop_ip}`, `${def.short} · ${rtt(h.rtt)}`],
      label, oneWay, mismatch, selected: pick && pick.dir === 'reverse' && pick.index === i,
      data: { 'data-dir': 'reverse', 'data-hop': i, 'data-hop-type': h.hop_type, 'data-addr': h.hop_ip, 'data-mismatch': mismatch ? 'yes' : 'no', 'data-oneway': oneWay ? 'yes' : 'no' },
    };
  });
}

function forwardNodes(d, revAddrs, pick) {
  const t = d.forwardTrace;
  if (!t) return null;
  const last = d.record && d.record.revtr_hops.length ? d.record.revtr_hops[d.record.revtr_hops.length - 1] : null;
  const nodes = [{ id: 'f0', addr: d.src, asn: last ? last.asn : null, def: { ...forwardType, tag: 'S' },
    index: 0, dir: 'forward', lines: [`0  ${d.src}`, 'source'], label: `Forward hop 0: the source ${d.src}`,
    data: { 'data-dir': 'forward', 'data-hop': 0, 'data-addr': d.src } }];
  for (const h of t.hops) {
    const silent = !h.addr;
    const oneWay = !silent && revAddrs && h.addr !== d.dst && !revAddrs.has(h.addr);
    nodes.push({
      id: `f${h.ttl}`, addr: h.addr || '*', asn: silent ? null : h.asn ?? null, index: h.ttl, dir: 'forward', hop: h,
      def: silent ? { ...forwardType, color: '#dddddd', tag: '*' } : forwardType, oneWay,
      lines: [`${h.ttl}  ${h.addr || '*'}`, silent ? 'no answer' : `${h.reply || ''} · ${rtt(h.rtt)}`],
      label: `Forward hop ${h.ttl}: ${silent ? 'no answer' : `${h.addr}${h.asn ? `, AS${h.asn}` : ''}, ${rtt(h.rtt)}`}${oneWay ? ', address not on the reverse path' : ''}`,
      selected: pick && pick.dir === 'forward' && pick.index === h.ttl,
      data: { 'data-dir': 'forward', 'data-hop': h.ttl, 'data-addr': h.addr || '' },
    });
  }
  return nodes;
}

function truthNodes(truth, matched) {
  return truth.reverse.map((h, i) => {
    const missed = !matched.has(h.node);
    return {
      id: `t${i}`, addr: h.addr, asn: h.asn, def: truthType, index: i, dir: 'truth', mismatch: missed,
      lines: [`${h.node}  ${h.addr}`, missed ? 'missed by the measurement' : 'found'],
      label: `True reverse hop ${i}: router ${h.node} (${h.addr}, AS${h.asn}), ${missed ? 'missed by the measurement' : 'found by the measurement'}`,
      data: { 'data-dir': 'truth', 'data-hop': i, 'data-node': h.node, 'data-missed': missed ? 'yes' : 'no' },
    };
  });
}

function Legend({ truth }) {
  const icon = (d) => (
    <svg width="24" height="24" viewBox="-12 -12 24 24" aria-hidden="true">
      <path d={shapePath(d.shape, 10)} fill={d.color} stroke="#000" stroke-width="1.2" stroke-dasharray={d.dashed || d.assumed ? '3 2' : undefined} />
      <text y="3" text-anchor="middle" font-size="7" font-weight="700" fill={d.text}>{d.tag}</text>
    </svg>
  );
  return (
    <details class="legend" open>
      <summary>Legend</summary>
      <ul>
        {typeOrder.filter((t) => t !== 2).map((t) => <li>{icon(hopTypes[t])} <strong>{hopTypes[t].name}</strong>{hopTypes[t].assumed ? ' (assumed, dashed)' : ''}</li>)}
        <li>{icon(forwardType)} Forward traceroute hop</li>
        {truth ? <li>{icon(truthType)} Ground-truth router</li> : null}
        <li><span class="mark bracket">[</span> RR-atlas segment: candidate hops whose order alias knowledge leaves open</li>
        <li><span class="mark hatch" /> AS on one direction only</li>
        <li><span class="mark ne">≠</span> address not seen in the other direction (Record Route records outgoing interfaces, traceroute incoming ones, so a router may show different addresses)</li>
        {truth ? <li><span class="mark x">✗</span> on the reverse path: hop not on the true path; on the truth: router the measurement missed</li> : null}
      </ul>
    </details>
  );
}

function HopDetail({ pick, d, truth }) {
  if (!pick) return <p class="muted" id="hop-detail">Select a hop (click, or Tab then Enter) to see the measurement behind it.</p>;
  if (pick.dir === 'forward') {
    const h = pick.hop;
    return (
      <div id="hop-detail" class="card" aria-live="polite">
        <h3>Forward hop {pick.index}</h3>
        {h ? (
          <dl>
            <dt>Address</dt><dd class="mono">{h.addr || '* (no answer)'}</dd>
            <dt>Reply</dt><dd>{h.reply || '—'}</dd><dt>RTT</dt><dd>{rtt(h.rtt)}</dd>
            <dt>AS</dt><dd>{h.asn ? `AS${h.asn}` : 'unknown'}{h.cidr ? ` (${h.cidr})` : ''}</dd>
            <dt>Measurement</dt><dd>the forward traceroute from {d.src} (ICMP Paris traceroute, TTL {h.ttl})</dd>
          </dl>
        ) : <p>The source itself.</p>}
      </div>
    );
  }
  const h = pick.hop;
  const def = typeOf(h.hop_type);
  const same = d.record.revtr_hops.map((x, i) => ({ x, i })).filter(({ x }) => h.measurement_id && x.measurement_id === h.measurement_id);
  const m = truth && truth.hops[pick.index];
  return (
    <div id="hop-detail" class="card" aria-live="polite">
      <h3>Reverse hop {pick.index}: {def.name}</h3>
      <dl>
        <dt>Address</dt><dd class="mono">{h.hop_ip}</dd>
        <dt>How it was found</dt><dd>{def.how}</dd>
        <dt>Measurement</dt>
        <dd>{h.measurement_id ? <>#{h.measurement_id}{same.length > 1 ? `, which revealed hops ${same.map((s) => s.i).join(', ')}` : ''}</> : 'none (the destination itself)'}</dd>
        <dt>RTT</dt><dd>{rtt(h.rtt)}{h.rtt_measurement_id ? ` (ping #${h.rtt_measurement_id} from the source)` : ''}</dd>
        <dt>AS</dt><dd>{h.asn != null ? `AS${h.asn}` : 'unknown'}{h.cidr ? ` (${h.cidr})` : ''}</dd>
        {m ? <><dt>Ground truth</dt><dd>{m.node ? `router ${m.node}, ${m.onPath ? 'on the true reverse path' : 'NOT on the true reverse path'}` : 'no router owns this address'}</dd></> : null}
      </dl>
      <p class="muted">The archive keeps each hop's measurement ID; the probes themselves (slots, vantage point) are not stored by this controller.</p>
    </div>
  );
}

// Revtr shows one reverse traceroute: its graph beside the forward
// traceroute (and the ground truth, where the backend knows it).
export function Revtr({ id }) {
  const [d, err] = useApi(() => get(`/api/v2/revtrs/${id}`), [id]);
  const [truth, terr] = useApi(() => (d && d.truth ? get(`/api/v2/revtrs/${id}/truth`) : Promise.resolve(null)), [d]);
  const [pick, setPick] = useState(null);
  const [showTruth, setShowTruth] = useState(true);
  const model = useMemo(() => {
    if (!d) return null;
    const hops = d.record ? d.record.revtr_hops : [];
    const fwdHops = d.forwardTrace ? d.forwardTrace.hops.filter((h) => h.addr) : null;
    const fwdAddrs = fwdHops ? new Set([d.src, ...fwdHops.map((h) => h.addr)]) : null;
    const revAddrs = new Set(hops.map((h) => h.hop_ip));
    const t = showTruth ? truth : null;
    const rev = reverseNodes(d, t, fwdAddrs, pick);
    const fwd = forwardNodes(d, revAddrs, pick);
    const revAS = new Set(hops.map((h) => h.asn).filter((a) => a != null));
    const fwdAS = fwd ? new Set(fwd.map((n) => n.asn).filter((a) => a != null)) : null;
    const onlyRev = fwdAS ? new Set([...revAS].filter((a) => !fwdAS.has(a))) : null;
    const onlyFwd = fwdAS ? new Set([...fwdAS].filter((a) => !revAS.has(a))) : null;
    const matched = new Set(t ? t.hops.map((h) => h.node).filter(Boolean) : []);
    return { hops, rev, fwd, onlyRev, onlyFwd, truthNodes: t ? truthNodes(t, matched) : null,
      revASPath: asPath(hops.map((h) => h.asn)), fwdASPath: fwd ? asPath(fwd.map((n) => n.asn)) : null };
  }, [d, truth, pick, showTruth]);
  if (err) return <ErrorBox error={err} what={`Reverse traceroute ${id}`} />;
  if (!d || !model) return <p class="muted">Loading reverse traceroute {id}…</p>;
  const onPick = (n) => setPick(pick && pick.id === n.id ? null : n);
  const name = `revtr-${d.id}`;
  const s = d.stats || {};
  const probes = (s.rrProbes || 0) + (s.spoofedRrProbes || 0) + (s.tracerouteProbes || 0) + (s.pingProbes || 0) + (s.rttProbes || 0) + (s.twoHostProbes || 0);
  return (
    <section aria-labelledby="revtr-h">
      <h1 id="revtr-h">Reverse path {d.dst} → {d.src}</h1>
      <dl class="facts" data-testid="revtr-facts">
        <dt>Result</dt><dd class={`st-${(d.stopReason || d.state).toLowerCase()}`}>{d.state === 'done' ? d.stopReason : d.state}{d.failReason ? ` — ${d.failReason}` : ''}</dd>
        <dt>Reverse traceroute</dt><dd>#{d.id} in <a href={`#/batch/${d.batchId}`}>batch #{d.batchId}</a>{d.label ? <>, label <a href={`#/label/${encodeURIComponent(d.label)}`}>{d.label}</a></> : null}</dd>
        <dt>Started</dt><dd>{when(d.date)}</dd>
        <dt>Runtime</dt><dd>{ms(d.runtime)}</dd>
        <dt>Probes</dt><dd>{probes} ({s.rrProbes || 0} RR, {s.spoofedRrProbes || 0} spoofed RR, {s.tracerouteProbes || 0} traceroute, {s.pingProbes || 0} ping, {s.rttProbes || 0} RTT, {s.twoHostProbes || 0} two-host; {s.rrRoundCount || 0} rounds)</dd>
        <dt>AS path, reverse</dt><dd>{model.revASPath.map((a) => `AS${a}`).join(' → ') || '—'}</dd>
        {model.fwdASPath ? <><dt>AS path, forward</dt><dd>{model.fwdASPath.map((a) => `AS${a}`).join(' → ')}</dd></> : null}
      </dl>
      <div class="row">
        <button type="button" data-testid="download-jsonl" disabled={!d.record} onClick={() => download(`${name}.jsonl`, 'application/jsonl', JSON.stringify(d.record) + '\n')}>JSON Lines</button>
        <button type="button" data-testid="download-dot" disabled={!model.rev.length} onClick={() => download(`${name}.dot`, 'text/vnd.graphviz', toDot(name, model.rev))}>DOT</button>
        <button type="button" data-testid="download-svg" disabled={!model.rev.length} onClick={() => { const e = document.getElementById('svg-reverse'); if (e) download(`${name}.svg`, 'image/svg+xml', toSVG(e)); }}>SVG</button>
        {d.truth ? <label class="check"><input type="checkbox" checked={showTruth} onChange={(e) => setShowTruth(e.target.checked)} /> Overlay the ground truth</label> : null}
      </div>
      <ErrorBox error={terr} what="Ground truth" />
      {truth && showTruth ? (
        <div class="truth-note" role="note" data-testid="truth-note">
          <strong>Ground truth — {truth.backend === 'lab' ? 'lab' : 'simulator'} only.</strong> {truth.note} Measured path: {truth.exact ? 'exactly the true routers' : 'not exactly the true routers'}; AS level: {truth.asCategory}.
        </div>
      ) : null}
      <Legend truth={truth && showTruth} />
      <div class="paths">
        {model.fwd ? (
          <figure>
            <figcaption>Forward traceroute {d.src} → {d.dst}</figcaption>
            <Graph nodes={model.fwd} direction="DOWN" title={`Forward traceroute from ${d.src} to ${d.dst}, ${model.fwd.length} hops`} onlyHere={model.onlyFwd} onPick={onPick} svgId="svg-forward" />
          </figure>
        ) : <figure><figcaption>Forward traceroute</figcaption><p class="muted">None kept: submit with “Also run the forward traceroute” to see one here.</p></figure>}
        <figure>
          <figcaption>Reverse path {d.dst} → {d.src} (read upward)</figcaption>
          {model.rev.length ? <Graph nodes={model.rev} direction="UP" title={`Reverse path from ${d.dst} to ${d.src}, ${model.rev.length} hops`} onlyHere={model.onlyRev} onPick={onPick} svgId="svg-reverse" />
            : <p class="muted">No hops{d.state !== 'done' ? ' yet' : ''}.</p>}
        </figure>
        {model.truthNodes ? (
          <figure>
            <figcaption>True reverse path (ground truth)</figcaption>
            <Graph nodes={model.truthNodes} direction="UP" title={`True reverse path, ${model.truthNodes.length} routers`} svgId="svg-truth" />
          </figure>
        ) : null}
        <div class="side"><HopDetail pick={pick} d={d} truth={truth && showTruth ? truth : null} /></div>
      </div>
      <h2 id="hops-h">Hops</h2>
      <div class="scroll-x">
        <table class="plain" aria-labelledby="hops-h" data-testid="hop-table">
          <thead><tr><th scope="col">#</th><th scope="col">Address</th><th scope="col">Technique</th><th scope="col">AS</th><th scope="col">RTT</th><th scope="col">Measurement</th>{truth && showTruth ? <th scope="col">Ground truth</th> : null}</tr></thead>
          <tbody>
            {model.hops.map((h, i) => (
              <tr data-hop={i} data-hop-type={h.hop_type}>
                <td>{i}</td><td class="mono">{h.hop_ip}</td><td>{typeOf(h.hop_type).name}</td><td>{h.asn != null ? `AS${h.asn}` : '—'}</td>
                <td>{rtt(h.rtt)}</td><td>{h.measurement_id || '—'}</td>
                {truth && showTruth ? <td>{truth.hops[i].onPath ? `on path (${truth.hops[i].node})` : `✗ off path${truth.hops[i].node ? ` (${truth.hops[i].node})` : ''}`}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
