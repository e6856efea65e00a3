import { createServer, type Server, type ServerResponse } from 'node:http';
import type { PlatformHealth } from './core/platform.js';
import type { Store } from './core/store.js';
import { readPublicFile } from './public-files.js';

/** How long the store probe's key lives. */
const STORE_PROBE_TTL_MS = 60_000;
/** A store that takes longer than this to answer counts as down, so /healthz itself never hangs. */
const STORE_PROBE_TIMEOUT_MS = 2_000;

/**
 * The bot as a whole: `starting` until every platform has had its start attempted, `ok` when
 * every platform is up and the store answers, `unhealthy` otherwise, `stopping` after a shutdown
 * signal.
 */
export type HealthStatus = 'starting' | 'ok' | 'unhealthy' | 'stopping';

/** Where the app is in its life; the health server turns it and the parts into a status. */
export type AppPhase = 'starting' | 'ready' | 'stopping';

export interface HealthReport {
  status: HealthStatus;
  ready: boolean;
  /** Each platform's state, with a short reason when it is not up (e.g. "token refused (401)"). */
  platforms: Record<string, PlatformHealth>;
  store: boolean;
  pendingTasks: number;
}

/**
 * A file published for the gateway to fetch (an uploaded voice note, see src/public-files.ts):
 * 404 once it has expired or when the id was never given out.
 */
function serveFile(store: Store, id: string, head: boolean, res: ServerResponse): void {
  readPublicFile(store, id).then(
    (file) => {
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, {
        'content-type': file.mime,
        'content-length': String(file.bytes.byteLength),
        'cache-control': 'no-store',
      });
      res.end(head ? undefined : file.bytes);
    },
    () => res.writeHead(500, { 'content-type': 'text/plain' }).end('file read failed\n'),
  );
}

/** The Prometheus scrape; a failed collect (the task store down) is a 500, never a hang or a crash. */
function serveMetrics(metrics: { contentType: string; text(): Promise<string> }, res: ServerResponse): void {
  metrics.text().then(
    (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
    () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
  );
}

/**
 * `GET /healthz`: 200 when the status is `ok`, 503 otherwise, with the report as JSON. Besides it,
 * only `GET /metrics` (Prometheus) and `GET /files/<id>` (published files, PUBLIC_BASE_URL) are served. Started before any platform connects, so an orchestrator (and an operator with
 * curl) sees "starting", then which platform is unhealthy and why, from the first second on.
 */
export async function startHealthServer(
  port: number,
  parts: {
    phase: () => AppPhase;
    platforms: () => Record<string, PlatformHealth>;
    store: Store;
    pendingTasks: () => number;
    /** `GET /metrics`: the Prometheus scrape (src/metrics.ts); 404 when absent. */
    metrics?: { contentType: string; text(): Promise<string> } | undefined;
  },
): Promise<Server> {
  const probe = parts.store.namespace<number>('health');
  const storeAnswers = async (): Promise<boolean> => {
    const now = Date.now();
    const check = (async () => {
      await probe.set('probe', now, STORE_PROBE_TTL_MS);
      return (await probe.get('probe')) === now;
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), STORE_PROBE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([check, late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      check.catch(() => {});
    }
  };
  const report = async (): Promise<HealthReport> => {
    const store = await storeAnswers();
    const phase = parts.phase();
    const platforms = parts.platforms();
    const allUp = Object.values(platforms).every((p) => p.state === 'up');
    const status: HealthStatus =
      phase === 'starting'
        ? 'starting'
        : phase === 'stopping'
          ? 'stopping'
          : allUp && store
            ? 'ok'
            : 'unhealthy';
    return { status, ready: phase === 'ready', platforms, store, pendingTasks: parts.pendingTasks() };
  };
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if ((req.method === 'GET' || req.method === 'HEAD') && path.startsWith('/files/')) {
      serveFile(parts.store, path.slice('/files/'.length), req.method === 'HEAD', res);
      return;
    }
    if (req.method === 'GET' && path === '/metrics' && parts.metrics) {
      serveMetrics(parts.metrics, res);
      return;
    }
    if (req.method !== 'GET' || path !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    report().then(
      (r) => {
        res
          .writeHead(r.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
          .end(`${JSON.stringify(r)}\n`);
      },
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('health report failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
