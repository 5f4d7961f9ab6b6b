/** A strict reader of the Prometheus text exposition format (0.0.4), for tests. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES = ['_bucket', '_count', '_sum', '_total', '_created', ''];

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    if (!m?.[1]) throw new Error(`bad labels in: ${line}`);
    labels[m[1]] = (m[2] ?? '').replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}

/** The metric family a sample belongs to: its name, or its name less a histogram/summary suffix. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  for (const suffix of SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, name.length - suffix.length);
    if (types.has(base)) return base;
  }
  return undefined;
}

/** Throws on any line that is not a comment, a HELP/TYPE line or a sample of a declared family. */
export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, rest] = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line) ?? [];
      if (!keyword) continue; // a plain comment
      if (!name || !NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (keyword === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(rest ?? ''))
          throw new Error(`bad type: ${line}`);
        if (types.has(name)) throw new Error(`TYPE declared twice: ${line}`);
        types.set(name, rest ?? '');
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m?.[1] || m[4] === undefined) throw new Error(`not a sample line: ${line}`);
    if (!familyOf(m[1], types)) throw new Error(`sample before (or without) its TYPE: ${line}`);
    samples.push({ name: m[1], labels: parseLabels(m[3] ?? '', line), value: parseValue(m[4], line) });
  }
  return { types, samples };
}

/** The value of the one sample with this name and (at least) these labels. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
