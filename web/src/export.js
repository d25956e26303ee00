// Downloads of one reverse path: Graphviz DOT and a standalone SVG.
import { asRuns } from './graph.jsx';

const dotShapes = { hexagon: 'hexagon', square: 'box', circle: 'circle', triangle: 'triangle', diamond: 'diamond', pentagon: 'pentagon' };

function q(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// toDot writes nodes (as Graph draws them) as a DOT digraph, AS runs as
// clusters, the first node at the bottom (the reverse path runs upward
// to the source, as the UI draws it).
export function toDot(name, nodes) {
  const out = [`digraph ${q(name)} {`, '  rankdir=BT;', '  node [style=filled, fontname="Helvetica", fontsize=10];'];
  asRuns(nodes).forEach((r, i) => {
    const ind = r.asn == null ? '  ' : '    ';
    if (r.asn != null) out.push(`  subgraph cluster_${i} {`, `    label=${q(`AS${r.asn}`)};`, '    style=rounded;');
    for (const n of r.nodes) {
      const attrs = [`shape=${dotShapes[n.def.shape] || 'box'}`, `fillcolor=${q(n.def.color)}`, `fontcolor=${q(n.def.text)}`,
        `label=${q(`${n.def.tag}\\n${n.lines[0]}\\n${n.lines[1]}`)}`, `tooltip=${q(n.label)}`];
      if (n.def.assumed || n.def.dashed) attrs.push('style="filled,dashed"');
      out.push(`${ind}${n.id} [${attrs.join(', ')}];`);
    }
    if (r.asn != null) out.push('  }');
  });
  for (let i = 1; i < nodes.length; i++) out.push(`  ${nodes[i - 1].id} -> ${nodes[i].id};`);
  out.push('}');
  return out.join('\n') + '\n';
}

// toSVG serialises a drawn graph as a standalone SVG file.
export function toSVG(svg) {
  const c = svg.cloneNode(true);
  c.removeAttribute('class');
  c.querySelectorAll('[tabindex]').forEach((e) => e.removeAttribute('tabindex'));
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(c) + '\n';
}
