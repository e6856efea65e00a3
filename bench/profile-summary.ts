/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `BENCH_PROFILE=1 npm run bench`, which
 * writes bench/profiles/<phase>/*.cpuprofile): self time by package and by function, and
 * inclusive time of the project's own functions.
 *
 *   npx tsx bench/profile-summary.ts [--top=25] bench/profiles/load-1000/CPU.*.cpuprofile
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, name: string): string {
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(idle)' || name === '(program)') return name;
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/:.*$/, ':') + url.slice(5).split('/')[0];
  const m =
    /\/work\/[^/]+\/(src|commands|bench|test)\/([^/]+)/.exec(url) ??
    /\/(src|commands|bench)\/([^/]+)/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * What a sample was doing, judged by the nearest frame (leaf first) that belongs to a known
 * part of the pipeline; a syscall or a Node internal counts for whoever called it.
 */
const CATEGORIES: [string, RegExp][] = [
  ['markdown → Telegram HTML (marked)', /node_modules\/marked\/|src\/platforms\/telegram\/markdown\.ts/],
  [
    'Bot API client (grammY, node-fetch, node:http)',
    /node_modules\/(grammy|node-fetch|@grammyjs|abort-controller|event-target-shim)\/|^node:_http_(client|agent|outgoing|common|incoming)|^node:http$/,
  ],
  ['APICore client (undici)', /node_modules\/undici\//],
  [
    'SSE parsing (decoder, eventsource-parser, JSON)',
    /node_modules\/eventsource-parser\/|src\/apicore\/sse\.ts/,
  ],
  [
    'answer pipeline (generators, renderer, scheduler)',
    /src\/(conversations|render)\/|src\/apicore\/client\.ts/,
  ],
  [
    'router, commands, store, logging',
    /src\/(router|store|core)\/|commands\/|node_modules\/(keyv|@keyv|pino|@pinojs)\//,
  ],
  ['Telegram adapter (channel, incoming)', /src\/platforms\//],
  ['bench monitor', /bench\/monitor\.ts/],
];

function categoryOf(stack: ProfileNode['callFrame'][]): string {
  const leaf = stack[0]!;
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(idle)') return '(idle)';
  if (leaf.functionName === '(program)') return '(program: V8/native outside JS)';
  for (const frame of stack) {
    for (const [name, re] of CATEGORIES) if (re.test(frame.url)) return name;
  }
  if (leaf.functionName === 'runMicrotasks' || leaf.functionName === 'processTicksAndRejections')
    return 'promise and microtask plumbing';
  return `other (${leaf.functionName || '(anonymous)'} ${packageOf(leaf.url, leaf.functionName)})`;
}

export function summarise(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from samples and deltas.
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const byCategory = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    const stack: ProfileNode['callFrame'][] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
      stack.push(byId.get(cur)!.callFrame);
    const category = categoryOf(stack);
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const key = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    // Inclusive time of project functions: each ancestor frame of the project, once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!/\/(src|commands)\//.test(f.url) || /node_modules/.test(f.url)) continue;
      const k = `${f.functionName || '(anonymous)'} ${packageOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const busy = total - (byPackage.get('(idle)') ?? 0);
  byCategory.delete('(idle)');
  const table = (title: string, m: Map<string, number>, n: number) => {
    const rows = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
    return [
      `${title}`,
      ...rows.map(
        ([k, v]) =>
          `  ${v.toFixed(0).padStart(7)} ms ${((100 * v) / Math.max(1, busy)).toFixed(1).padStart(5)} %  ${k}`,
      ),
    ].join('\n');
  };
  return [
    `${path}: ${(total / 1000).toFixed(2)} s sampled, ${(busy / 1000).toFixed(2)} s busy (percentages of busy)`,
    table('self time by pipeline part (nearest known frame)', byCategory, top),
    table('self time by package', byPackage, top),
    table('self time by function', byFunction, top),
    table('inclusive time, project functions', inclusive, top),
  ].join('\n\n');
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0)
  console.error('usage: npx tsx bench/profile-summary.ts [--top=25] <file.cpuprofile>…');
for (const file of files) console.log(`${summarise(file, top)}\n`);
