import { createServer, type Server } from 'node:http';
import type { PlatformAdapter } from './core/platform.js';
import type { Store } from './core/store.js';

export interface HealthReport {
  ready: boolean;
  platforms: Record<string, boolean>;
  store: boolean;
  pendingTasks: number;
}

/**
 * `GET /healthz`: 200 when every platform is connected and the store answers, 503 otherwise,
 * with the details as JSON. Nothing else is served.
 */
export async function startHealthServer(
  port: number,
  parts: {
    adapters: readonly PlatformAdapter[];
    store: Store;
    ready: () => boolean;
    pendingTasks: () => number;
  },
): Promise<Server> {
  const probe = parts.store.namespace<number>('health');
  const report = async (): Promise<HealthReport> => {
    let store = false;
    try {
      const now = Date.now();
      await probe.set('probe', now, 60_000);
      store = (await probe.get('probe')) === now;
    } catch {
      store = false;
    }
    const platforms = Object.fromEntries(parts.adapters.map((a) => [a.name, a.healthy?.() ?? true]));
    return { ready: parts.ready(), platforms, store, pendingTasks: parts.pendingTasks() };
  };
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void report().then((r) => {
      const ok = r.ready && r.store && Object.values(r.platforms).every(Boolean);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(r)}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return server;
}
