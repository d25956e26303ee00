// A path drawn as a layered graph: ELK places the hops (one layer per
// hop, AS boxes as compound nodes) and this draws them in SVG with
// presentation attributes only, so that the SVG also stands alone when
// downloaded.
import ELK from 'elkjs/lib/elk.bundled.js';
import { useEffect, useState } from 'preact/hooks';
import { shapePath } from './hoptypes.js';

const elk = new ELK();

export const nodeW = 210;
export const nodeH = 38;
const iconR = 13;

// asRuns splits a path's nodes into runs of one AS (consecutive hops of
// the same known AS); hops of unknown AS stand alone.
export function asRuns(nodes) {
  const runs = [];
  for (const n of nodes) {
    const last = runs[runs.length - 1];
    if (n.asn != null && last && last.asn === n.asn) last.nodes.push(n);
    else runs.push({ asn: n.asn, nodes: [n] });
  }
  return runs;
}

// layout asks ELK for positions; direction is DOWN or UP.
export async function layout(nodes, direction, onlyHere) {
  const runs = asRuns(nodes);
  const children = runs.map((r, i) => {
    const leaves = r.nodes.map((n) => ({ id: n.id, width: nodeW, height: nodeH }));
    if (r.asn == null) return leaves[0];
    return {
      id: `as${i}`, asn: r.asn,
      labels: [{ text: `AS${r.asn}`, width: 120, height: 14 }],
      layoutOptions: { 'elk.padding': '[top=26,left=10,bottom=10,right=10]', 'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT' },
      children: leaves,
    };
  });
  const edges = [];
  for (let i = 1; i < nodes.length; i++) edges.push({ id: `e${i}`, sources: [nodes[i - 1].id], targets: [nodes[i].id] });
  const g = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered', 'elk.direction': direction, 'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '22', 'elk.spacing.nodeNode': '14', 'elk.padding': '[top=10,left=34,bottom=10,right=10]',
      'elk.edgeRouting': 'ORTHOGONAL', 'elk.json.edgeCoords': 'ROOT', 'elk.json.shapeCoords': 'ROOT',
    },
    children, edges,
  });
  const pos = {};
  const boxes = [];
  for (const c of g.children) {
    if (c.children) {
      boxes.push({ x: c.x, y: c.y, w: c.width, h: c.height, asn: c.asn, only: onlyHere && onlyHere.has(c.asn) });
      for (const l of c.children) pos[l.id] = { x: l.x, y: l.y };
    } else pos[c.id] = { x: c.x, y: c.y };
  }
  const lines = (g.edges || []).map((e) => (e.sections || []).map((s) => [s.startPoint, ...(s.bendPoints || []), s.endPoint]).flat());
  return { w: g.width, h: g.height, pos, boxes, lines };
}

// brackets finds the runs of nodes marked segment (type-4 RR-atlas hops)
// and returns a bracket for each.
function brackets(nodes, pos) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length) {
      const ys = run.map((n) => pos[n.id].y);
      const x = Math.min(...run.map((n) => pos[n.id].x)) - 12;
      out.push({ x, y1: Math.min(...ys) - 3, y2: Math.max(...ys) + nodeH + 3, n: run.length });
    }
    run = [];
  };
  for (const n of nodes) {
    if (n.segment && pos[n.id]) run.push(n);
    else flush();
  }
  flush();
  return out;
}

// Graph draws nodes (see Revtr) along one direction. Each node: id, addr,
// asn, def (its hop type's look), lines (text beside it), label (its text
// alternative), data (attributes for tests), marks: mismatch, oneWay,
// segment, selected.
export function Graph({ nodes, direction, title, onlyHere, onPick, svgId }) {
  const [lay, setLay] = useState(null);
  const [err, setErr] = useState(null);
  const sig = JSON.stringify(nodes.map((n) => [n.id, n.asn])) + direction + [...(onlyHere || [])].join();
  useEffect(() => {
    let live = true;
    setLay(null);
    layout(nodes, direction, onlyHere).then((l) => live && setLay(l), (e) => live && setErr(String(e)));
    return () => { live = false; };
  }, [sig]);
  if (err) return <p class="error" role="alert">Could not lay the graph out: {err}</p>;
  if (!lay) return <p class="muted">Laying out {nodes.length} hops…</p>;
  const w = Math.max(lay.w, 260);
  return (
    <svg id={svgId} xmlns="http://www.w3.org/2000/svg" width={w} height={lay.h + 4} viewBox={`0 0 ${w} ${lay.h + 4}`}
      role="group" aria-label={title} font-family="system-ui, sans-serif" font-size="12" class="graph">
      <defs>
        <marker id={`arrow-${svgId}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0L10,5L0,10Z" fill="#555555" />
        </marker>
        <pattern id={`hatch-${svgId}`} width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="8" height="8" fill="#fff7e6" />
          <line x1="0" y1="0" x2="0" y2="8" stroke="#f0c987" stroke-width="3" />
        </pattern>
      </defs>
      {lay.boxes.map((b) => (
        <g data-as={b.asn} data-only={b.only ? 'yes' : 'no'}>
          <rect x={b.x} y={b.y} width={b.w} height={b.h} rx="6" fill={b.only ? `url(#hatch-${svgId})` : '#f4f6f8'}
            stroke={b.only ? '#b35900' : '#9aa5b1'} stroke-width={b.only ? 2 : 1} stroke-dasharray={b.only ? '6 3' : undefined} />
          <text x={b.x + 8} y={b.y + 16} font-weight="600" fill="#1f2933">
            AS{b.asn}{b.only ? ' — only in this direction' : ''}
          </text>
        </g>
      ))}
      {lay.lines.map((pts) => (
        <polyline points={pts.map((p) => `${p.x},${p.y}`).join(' ')} fill="none" stroke="#555555" stroke-width="1.5" marker-end={`url(#arrow-${svgId})`} />
      ))}
      {brackets(nodes, lay.pos).map((b) => (
        <g data-bracket={b.n}>
          <path d={`M${b.x + 7},${b.y1}H${b.x}V${b.y2}H${b.x + 7}`} fill="none" stroke="#0072B2" stroke-width="2.5" />
          <text x={b.x - 4} y={(b.y1 + b.y2) / 2} fill="#0b4f7c" font-size="10" text-anchor="middle"
            transform={`rotate(-90 ${b.x - 4} ${(b.y1 + b.y2) / 2})`}>RR-atlas segment</text>
        </g>
      ))}
      {nodes.map((n) => <Node n={n} p={lay.pos[n.id]} onPick={onPick} />)}
    </svg>
  );
}

function Node({ n, p, onPick }) {
  if (!p) return null;
  const d = n.def;
  const cx = p.x + iconR + 3;
  const cy = p.y + nodeH / 2;
  const pick = () => onPick && onPick(n);
  const key = (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      pick();
    }
  };
  return (
    <g class="hop" tabindex={onPick ? 0 : undefined} role={onPick ? 'button' : 'img'} aria-label={n.label} aria-pressed={onPick ? String(!!n.selected) : undefined}
      onClick={pick} onKeyDown={key} {...n.data}>
      <title>{n.label}</title>
      <rect x={p.x} y={p.y} width={nodeW} height={nodeH} rx="5" fill={n.selected ? '#fff3c4' : '#ffffff'}
        stroke={n.mismatch ? '#c00000' : n.selected ? '#1f2933' : '#c5ccd3'} stroke-width={n.mismatch || n.selected ? 2.5 : 1}
        stroke-dasharray={n.mismatch ? '5 3' : undefined} />
      <path d={shapePath(d.shape, iconR)} transform={`translate(${cx},${cy})`} fill={d.color} stroke="#000000"
        stroke-width="1.2" stroke-dasharray={d.dashed || d.assumed ? '3 2' : undefined} />
      <text x={cx} y={cy + 3.5} text-anchor="middle" font-size="9" font-weight="700" fill={d.text}>{d.tag}</text>
      <text x={p.x + 2 * iconR + 10} y={p.y + 15} font-family="ui-monospace, monospace" fill="#111111">{n.lines[0]}</text>
      <text x={p.x + 2 * iconR + 10} y={p.y + 30} fill="#3e4c59" font-size="11">{n.lines[1]}</text>
      {n.mismatch ? <text x={p.x + nodeW - 6} y={p.y + 14} text-anchor="end" fill="#c00000" font-weight="700">✗</text> : null}
      {n.oneWay ? <text x={p.x + nodeW - 6} y={p.y + 31} text-anchor="end" fill="#b35900" font-size="11" font-weight="700">≠</text> : null}
    </g>
  );
}
