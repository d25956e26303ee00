// Hop types as the archive numbers them, each with a colour from the
// Okabe–Ito palette (safe for the common colour-vision deficiencies) AND a
// shape AND a short tag, so that no type is told by colour alone.

export const hopTypes = {
  1: { short: 'destination', name: 'Destination', tag: 'D', shape: 'hexagon', color: '#000000', text: '#ffffff',
    how: 'The destination itself: where the reverse path starts.' },
  2: { short: 'symmetry?', name: 'Assumed symmetry', tag: 'S?', shape: 'diamond', color: '#999999', text: '#000000', assumed: true,
    how: 'Assumed, not measured: the penultimate hop of a forward traceroute to the previous hop (older archives do not say whether the link was intra- or interdomain).' },
  3: { short: 'traceroute atlas', name: 'Traceroute atlas', tag: 'TR', shape: 'square', color: '#0072B2', text: '#ffffff',
    how: 'The previous hop appears on a traceroute toward the source in the atlas: the rest of that traceroute is the rest of the path.' },
  4: { short: 'RR atlas', name: 'RR atlas segment', tag: 'RA', shape: 'square', color: '#56B4E9', text: '#000000', dashed: true,
    how: 'Intersected through Record Route-revealed interfaces of atlas traceroute hops; alias knowledge is incomplete, so these hops form a segment of candidates.' },
  5: { short: 'Record Route', name: 'Record Route', tag: 'RR', shape: 'circle', color: '#E69F00', text: '#000000',
    how: 'Revealed by a Record Route ping from the source: a slot recorded after the destination\'s stamp.' },
  6: { short: 'spoofed RR', name: 'Spoofed Record Route', tag: 'SR', shape: 'triangle', color: '#D55E00', text: '#ffffff',
    how: 'Revealed by a Record Route ping that a vantage point sent with the source\'s address: the reply, carrying the reverse hops, came to the source.' },
  11: { short: 'symmetry, intra', name: 'Symmetry (intradomain)', tag: 'SI', shape: 'diamond', color: '#F0E442', text: '#000000', assumed: true,
    how: 'Assumed, not measured: symmetry over an intradomain link (right ~90% of the time).' },
  12: { short: 'symmetry, inter', name: 'Symmetry (interdomain)', tag: 'SX', shape: 'diamond', color: '#CC79A7', text: '#000000', assumed: true,
    how: 'Assumed, not measured: symmetry over an interdomain link (right ~57% of the time; refused unless the request allows it).' },
  20: { short: 'two-host', name: 'Two-host responder', tag: '2H', shape: 'pentagon', color: '#009E73', text: '#ffffff',
    how: 'Reported by the two-host reverse traceroute responder: measured on the reverse path itself, hop by hop.' },
  21: { short: 'path atlas', name: 'Reused reverse path', tag: 'PA', shape: 'circle', color: '#0072B2', text: '#ffffff', dashed: true,
    how: 'The previous hop lies on a reverse path toward the source that an earlier reverse traceroute measured (within the last hour by default): the rest of that path is the rest of this one. The hop\'s measurement is that earlier reverse traceroute.' },
};

export const forwardType = { name: 'Forward traceroute', tag: 'F', shape: 'circle', color: '#ffffff', text: '#000000',
  how: 'A hop of the forward traceroute from the source to the destination.' };

export const truthType = { name: 'Ground truth', tag: 'GT', shape: 'square', color: '#e8e8e8', text: '#000000',
  how: 'A router on the true reverse path (simulator or lab only).' };

export function typeOf(n) {
  return hopTypes[n] || { short: `type ${n}`, name: `Unknown type ${n}`, tag: String(n), shape: 'square', color: '#ffffff', text: '#000000', how: 'A technique this UI does not know.' };
}

// The order types appear in legends and shares.
export const typeOrder = [1, 20, 3, 4, 5, 6, 11, 12, 2];

// shapePath draws a shape of radius r centred at (0,0) as an SVG path.
export function shapePath(shape, r) {
  const poly = (n, rot) => {
    const pts = [];
    for (let i = 0; i < n; i++) {
      const a = rot + (2 * Math.PI * i) / n;
      pts.push(`${(r * Math.cos(a)).toFixed(2)},${(r * Math.sin(a)).toFixed(2)}`);
    }
    return `M${pts.join('L')}Z`;
  };
  switch (shape) {
    case 'circle':
      return `M${-r},0A${r},${r} 0 1,0 ${r},0A${r},${r} 0 1,0 ${-r},0Z`;
    case 'triangle':
      return poly(3, -Math.PI / 2);
    case 'diamond':
      return poly(4, -Math.PI / 2);
    case 'pentagon':
      return poly(5, -Math.PI / 2);
    case 'hexagon':
      return poly(6, 0);
    default: {
      const s = r * 0.85;
      return `M${-s},${-s}H${s}V${s}H${-s}Z`;
    }
  }
}
