import { readFileSync } from 'node:fs';

// Process figures from /proc: memory from /proc/<pid>/status (VmRSS now, VmHWM the peak since
// start), CPU time from /proc/<pid>/stat. Undefined where /proc has no such process (another
// machine's PostgreSQL, or a process that already exited).

export interface MemoryStatus {
  rssKb: number;
  peakKb: number;
}

export function readMemory(pid: number): MemoryStatus | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
  } catch {
    return undefined;
  }
}

// USER_HZ: the unit of utime and stime; 100 on every Linux this runs on.
const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process so far, in ms. */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU ms these processes used between now and the returned function's call; undefined when none can be read. */
export function cpuMeter(pids: number[]): () => number | undefined {
  const before = pids.map(readCpuMs);
  return () => {
    let total: number | undefined;
    for (const [i, pid] of pids.entries()) {
      const start = before[i];
      const end = readCpuMs(pid);
      if (start !== undefined && end !== undefined) total = (total ?? 0) + end - start;
    }
    return total;
  };
}

/** Samples VmRSS every `intervalMs` until stopped; returns the highest value seen, in kB (0 without /proc). */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = 0;
  const sample = () => {
    const rss = readMemory(pid)?.rssKb;
    if (rss !== undefined && rss > peak) peak = rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
