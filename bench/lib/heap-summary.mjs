// Summarises a V8 .heapsnapshot without DevTools: live bytes grouped by what they are
// (constructor name for objects; strings, closures, code and arrays by kind), largest first.
// Self sizes, not retained sizes: enough to see what grows with the number of open streams.
import { readFileSync } from 'node:fs';

/**
 * @param {string} path      a .heapsnapshot file
 * @param {number} streams   open streams when it was taken, to report bytes per stream
 * @param {number} [top]     rows to keep
 */
export function summarizeHeapSnapshot(path, streams, top = 25) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map();
  let total = 0;
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + typeAt]];
    const size = nodes[i + sizeAt];
    total += size;
    // Objects by constructor; everything else by kind (one row for all strings, all closures...).
    const name = type === 'object' || type === 'native' ? snap.strings[nodes[i + nameAt]] : `(${type})`;
    const g = groups.get(name) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += size;
    groups.set(name, g);
  }
  const rows = [...groups.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(([name, g]) => ({
      name: name.length > 60 ? `${name.slice(0, 57)}...` : name,
      count: g.count,
      mb: (g.bytes / 1048576).toFixed(1),
      perStreamBytes: Math.round(g.bytes / streams),
    }));
  return { totalMB: (total / 1048576).toFixed(1), nodes: nodes.length / stride, top: rows };
}
