/** Figures the kernel keeps in /proc: loopback TCP trouble, and CPU time per thread. */
import { readdirSync, readFileSync } from 'node:fs';

/** The kernel's TCP counters that tell of trouble on loopback (system-wide; the bench is alone). */
export interface TcpCounters {
  resets: number;
  establishedResets: number;
  retransmits: number;
  timeouts: number;
  abortOnData: number;
}

function table(file: string, prefix: string): Record<string, number> {
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(prefix));
    const names = lines[0]?.split(/\s+/).slice(1) ?? [];
    const values = lines[1]?.split(/\s+/).slice(1) ?? [];
    return Object.fromEntries(names.map((n, i) => [n, Number(values[i] ?? 0)]));
  } catch {
    return {};
  }
}

export function tcpCounters(): TcpCounters {
  const tcp = table('/proc/net/snmp', 'Tcp:');
  const ext = table('/proc/net/netstat', 'TcpExt:');
  return {
    resets: tcp.OutRsts ?? 0,
    establishedResets: tcp.EstabResets ?? 0,
    retransmits: tcp.RetransSegs ?? 0,
    timeouts: ext.TCPTimeouts ?? 0,
    abortOnData: ext.TCPAbortOnData ?? 0,
  };
}

export function tcpDelta(before: TcpCounters, after: TcpCounters): TcpCounters {
  return {
    resets: after.resets - before.resets,
    establishedResets: after.establishedResets - before.establishedResets,
    retransmits: after.retransmits - before.retransmits,
    timeouts: after.timeouts - before.timeouts,
    abortOnData: after.abortOnData - before.abortOnData,
  };
}

/**
 * CPU time (user + system, ms) of a process's threads from /proc: the main (JavaScript) thread,
 * and every other one together (V8's GC and compiler helpers, libuv's pool; all named "node").
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main thread' : 'other threads';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      out.set(name, (out.get(name) ?? 0) + ms);
    }
  } catch {
    // the process is gone
  }
  return out;
}

/** utime + stime of a process, in ms, from /proc (clock ticks of 10 ms); NaN once it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
