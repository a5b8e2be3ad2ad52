import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Reads a V8 .cpuprofile (node --cpu-prof): self time per function and per package.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  functionName: string;
  /** Path relative to the repository (or node:…), with the 1-based line. */
  location: string;
  selfMs: number;
  /** Share of the busy time sampled in the window (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  /** Wall time the counted samples cover. */
  windowMs: number;
  intervalUs: number;
  /**
   * Time sampled in the window, idle excluded. Samples are taken on a wall clock: when the machine
   * is short of cores, this includes time the thread was runnable (or in a syscall) but not running.
   */
  busyMs: number;
  idlePercent: number;
  top: HotFunction[];
  /** Self time grouped by where the code lives (a package, the service's own code, Node, V8). */
  byArea: Array<{ area: string; selfMs: number; percent: number }>;
}

const NOT_FUNCTIONS = new Set(['(root)', '(idle)']);

export function readProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile was written in ${dir} (did the service exit cleanly?)`);
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
}

/**
 * Self time = samples × sampling interval, grouped by function name + url + line. Only samples
 * in the last `windowUs` of the profile count, so start-up and priming are left out.
 */
export function summariseProfile(profile: CpuProfile, root: string, windowUs: number, topN = 10): ProfileSummary {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const intervalUs = samples.length > 0 ? (profile.endTime - profile.startTime) / samples.length : 0;
  const from = profile.endTime - windowUs;
  const hits = new Map<number, number>();
  let t = profile.startTime;
  let counted = 0;
  for (let i = 0; i < samples.length; i += 1) {
    t += deltas[i] ?? 0;
    if (t < from) continue;
    hits.set(samples[i]!, (hits.get(samples[i]!) ?? 0) + 1);
    counted += 1;
  }
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, { functionName: string; location: string; hits: number }>();
  const byArea = new Map<string, number>();
  let idle = 0;
  for (const [id, n] of hits) {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') idle += n;
    if (NOT_FUNCTIONS.has(frame.functionName)) continue;
    const location = locate(frame, root);
    const key = `${frame.functionName}\u0000${location}`;
    const entry = byFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, hits: 0 };
    entry.hits += n;
    byFunction.set(key, entry);
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + n);
  }
  const busy = counted - idle - (hits.size > 0 ? rootHits(hits, nodes) : 0);
  const ms = (n: number) => Math.round(((n * intervalUs) / 1000) * 10) / 10;
  const pct = (n: number) => (busy > 0 ? Math.round((n / busy) * 1000) / 10 : 0);
  return {
    windowMs: Math.round(windowUs / 1000),
    intervalUs: Math.round(intervalUs * 10) / 10,
    busyMs: ms(busy),
    idlePercent: counted > 0 ? Math.round((idle / counted) * 1000) / 10 : 0,
    top: [...byFunction.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, topN)
      .map((f) => ({ functionName: f.functionName, location: f.location, selfMs: ms(f.hits), percent: pct(f.hits) })),
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, n]) => ({ area, selfMs: ms(n), percent: pct(n) })),
  };
}

function rootHits(hits: Map<number, number>, nodes: Map<number, ProfileNode>): number {
  let n = 0;
  for (const [id, count] of hits) if (nodes.get(id)!.callFrame.functionName === '(root)') n += count;
  return n;
}

function locate(frame: CallFrame, root: string): string {
  if (!frame.url) return '(native)';
  const file = frame.url.startsWith('file://') ? path.relative(root, fileURLToPath(frame.url)) : frame.url;
  return `${file}:${frame.lineNumber + 1}`;
}

// Node's own code split by what it does, so a framework's cost in Node (Web Request/Response,
// AsyncLocalStorage's promise hooks) shows apart from the HTTP and socket work every server does.
const NODE_AREAS: Array<[RegExp, string]> = [
  [/^node:internal\/deps\/undici/, 'undici (Web Request, Response, Headers)'],
  [/^node:internal\/webstreams/, 'web streams'],
  [/async_hooks|async_local_storage|async_context/, 'async hooks (AsyncLocalStorage)'],
  [/^node:_?http|^node:internal\/http/, 'http'],
  [/^node:(internal\/)?(streams?|net|stream_base)|^node:internal\/stream/, 'net and streams'],
  [/crypto|js_transferable/, 'crypto (token verification)'],
  [/^node:internal\/(process\/task_queues|timers)|^node:timers/, 'task queues and timers'],
  [/^node:(internal\/)?(events|event_target)/, 'events'],
  [/^node:(internal\/)?url/, 'url'],
];

function nodeArea(url: string): string {
  return NODE_AREAS.find(([pattern]) => pattern.test(url))?.[1] ?? 'other';
}

function areaOf(frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'V8 garbage collector';
  if (frame.functionName === '(program)') return 'V8/native, outside JS (program)';
  if (!frame.url && /^write(v|Buffer|Utf8String|Latin1String|AsciiString)$/.test(frame.functionName)) return 'native socket writes (writev, writeBuffer…)';
  if (!frame.url) return 'V8 builtins and other native code';
  if (frame.url.startsWith('node:')) return `Node.js core: ${nodeArea(frame.url)}`;
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(frame.url);
  if (modules) return `package ${modules[1]}`;
  if (frame.url.includes('/dist/src/')) return "the service's own code (dist/src)";
  if (frame.url.includes('/test/bench/')) return "the baseline's own code (test/bench)";
  return 'other';
}
