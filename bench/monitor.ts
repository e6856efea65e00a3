/**
 * Preloaded into a bot process (`node --import tsx --import bench/monitor.ts src/main.ts`): on
 * `{ monitor: 'start' }` over IPC it starts measuring the process's event-loop delay, CPU time
 * and resident memory; on `{ monitor: 'stop' }` it answers with the figures. Nothing else of the
 * bot is touched. With BENCH_PROFILE_DIR set, the main thread is also CPU-profiled between start
 * and stop (so startup is not in the profile), written there as phase.cpuprofile, with trace.json
 * (every GC pause, and the offset that turns the profile's monotonic µs into epoch ms, the clock
 * the fakes stamp with). BENCH_PROFILE_INTERVAL_US sets the sampling interval (1000);
 * BENCH_HEAP_SAMPLING=survivors|all adds a sampling heap profile (phase.heapprofile).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface MonitorReport {
  monitor: 'report';
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssPeakMb: number;
  rssStartMb: number;
  rssEndMb: number;
  heapPeakMb: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  /** Garbage-collection pauses on the main thread during the run. */
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** The longest pause that was a full mark-compact. */
  gcMajorMaxMs: number;
}

/** Reading RSS costs a /proc read (~0.2 ms here); the kernel's high-water mark (maxRSS) gives the peak exactly. */
const HEAP_SAMPLE_MS = 1000;
/** The histogram records whole timer intervals; the delay is what exceeds the resolution. */
const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
let cpu0: NodeJS.CpuUsage | undefined;
let t0 = 0;
let rssStart = 0;
let heapPeak = 0;
let sampler: NodeJS.Timeout | undefined;

const mb = (bytes: number) => bytes / (1024 * 1024);

function sample(): void {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}

const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
/** `survivors`: objects that outlived a young-generation GC (what scavenges copy); `all`: every allocation. */
const HEAP_SAMPLING = process.env.BENCH_HEAP_SAMPLING;
/** Each pause (epoch ms, duration, NODE_PERFORMANCE_GC_* kind), written next to the profile. */
const gcTrace: { at: number; ms: number; kind: number }[] = [];
const gc = { count: 0, totalMs: 0, maxMs: 0, majorMaxMs: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (PROFILE_DIR)
      gcTrace.push({ at: performance.timeOrigin + e.startTime, ms: e.duration, kind: kind ?? 0 });
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.majorMaxMs = Math.max(gc.majorMaxMs, e.duration);
  }
});

const inspector = PROFILE_DIR ? new Session() : undefined;
inspector?.connect();

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    inspector!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

async function startProfile(): Promise<void> {
  if (!inspector) return;
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', {
    interval: Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000),
  });
  await post('Profiler.start');
  gcTrace.length = 0;
  if (HEAP_SAMPLING) {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: 2048,
      includeObjectsCollectedByMinorGC: HEAP_SAMPLING === 'all',
      includeObjectsCollectedByMajorGC: HEAP_SAMPLING === 'all' || HEAP_SAMPLING === 'survivors',
    });
  }
}

async function stopProfile(): Promise<void> {
  if (!inspector || !PROFILE_DIR) return;
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(join(PROFILE_DIR, 'phase.cpuprofile'), JSON.stringify(profile));
  if (HEAP_SAMPLING) {
    const heap = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(join(PROFILE_DIR, 'phase.heapprofile'), JSON.stringify(heap.profile));
  }
  // Epoch ms = profile µs / 1000 + offset (V8's ticks and process.hrtime are both the monotonic clock).
  const offset = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
  writeFileSync(join(PROFILE_DIR, 'trace.json'), JSON.stringify({ offset, gc: gcTrace }));
}

process.on('message', async (message: { monitor?: string }) => {
  if (message?.monitor === 'start') {
    await startProfile();
    histogram.reset();
    histogram.enable();
    Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, majorMaxMs: 0 });
    gcObserver.observe({ entryTypes: ['gc'] });
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    rssStart = process.memoryUsage.rss();
    heapPeak = 0;
    sample();
    sampler = setInterval(sample, HEAP_SAMPLE_MS);
    process.send?.({ monitor: 'started' });
  } else if (message?.monitor === 'stop') {
    sample();
    clearInterval(sampler);
    histogram.disable();
    gcObserver.disconnect();
    const cpu = process.cpuUsage(cpu0);
    const report: MonitorReport = {
      monitor: 'report',
      wallMs: performance.now() - t0,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      // maxRSS covers the process's whole life; a bot process runs one phase, and starts far below its peak.
      rssPeakMb: Math.max(mb(rssStart), process.resourceUsage().maxRSS / 1024),
      rssStartMb: mb(rssStart),
      rssEndMb: mb(process.memoryUsage.rss()),
      heapPeakMb: mb(heapPeak),
      eldP50Ms: delayMs(histogram.percentile(50)),
      eldP99Ms: delayMs(histogram.percentile(99)),
      eldMaxMs: delayMs(histogram.max),
      gcCount: gc.count,
      gcTotalMs: gc.totalMs,
      gcMaxMs: gc.maxMs,
      gcMajorMaxMs: gc.majorMaxMs,
    };
    await stopProfile();
    process.send?.(report);
  }
});
