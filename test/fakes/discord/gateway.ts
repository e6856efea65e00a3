import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { GatewayFrame } from './types.js';

export interface GatewaySession {
  id: string;
  socket: WebSocket | null;
  /** Identify payload `d` as received. */
  identify: Record<string, unknown>;
  intents: number;
  seq: number;
  /** READY was sent (it may be held back: `holdReady`). */
  ready: boolean;
  /** `[shard_id, shard_count]` from IDENTIFY (`[0, 1]` when it carries none). */
  shard: [number, number];
}

/** One dispatch the fake sent: which connection (session) and shard received it. */
export interface DispatchRecord {
  t: string;
  seq: number;
  sessionId: string;
  shard: [number, number];
  /** The guild it concerns (`guild_id`, or the guild itself for GUILD_CREATE); null for none (DMs, READY). */
  guildId: string | null;
  at: number;
}

/** The shard a guild's events go to: `(guild_id >> 22) % shard_count` (Discord's sharding formula). */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

interface GatewayHost {
  readonly token: string;
  readonly heartbeatIntervalMs: number;
  /** Intents an IDENTIFY may not ask for (closed with 4014). */
  disallowedIntents(): number;
  /** Every IDENTIFY is closed with 4004. */
  readonly refuseToken: boolean;
  /** Resolves when READY may be sent. */
  readyGate(): Promise<void>;
  gatewayUrl(): string;
  /** READY `d` without session fields, for this session (its shard's guilds). */
  readyPayload(session: GatewaySession): Record<string, unknown>;
  /** Dispatches sent right after READY (GUILD_CREATE…). */
  afterReady(session: GatewaySession): void;
  onUnexpected(what: string): void;
  onChange(): void;
}

/**
 * The gateway half: plain JSON text frames (no zlib-stream), HELLO → IDENTIFY → READY, heartbeats, RESUME.
 */
export class FakeGateway {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #host: GatewayHost;
  readonly sessions = new Map<string, GatewaySession>();
  /** Every frame a client sent, in order. */
  readonly received: GatewayFrame[] = [];
  /** Every IDENTIFY `d`, refused ones included, in order. */
  readonly identifies: Record<string, unknown>[] = [];
  /** Close codes the fake sent, in order (4004, 4014…). */
  readonly closes: { code: number; reason: string }[] = [];
  /** Every dispatch sent, in order, with the connection and shard that received it. */
  readonly dispatches: DispatchRecord[] = [];
  #readyWaiters: (() => void)[] = [];

  constructor(server: Server, host: GatewayHost) {
    this.#host = host;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const problem =
        url.pathname !== '/'
          ? `gateway path ${url.pathname}`
          : url.searchParams.get('v') !== '10'
            ? `gateway v=${url.searchParams.get('v')}`
            : url.searchParams.get('encoding') !== 'json'
              ? `gateway encoding=${url.searchParams.get('encoding')}`
              : url.searchParams.has('compress')
                ? `gateway compress=${url.searchParams.get('compress')} (is zlib-sync installed?)`
                : undefined;
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        if (problem) {
          host.onUnexpected(`WS ${req.url ?? ''}: ${problem}`);
          ws.close(4000, 'Unsupported by FakeDiscord');
          return;
        }
        this.#attach(ws);
      });
    });
  }

  /** Sessions that got READY and still have an open socket. */
  get live(): GatewaySession[] {
    return [...this.sessions.values()].filter(
      (s) => s.ready && s.socket !== null && s.socket.readyState === 1,
    );
  }

  waitForReady(timeoutMs: number): Promise<void> {
    if (this.live.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((w) => w !== done);
        reject(new Error(`FakeDiscord: no client identified within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#readyWaiters.push(done);
    });
  }

  send(session: GatewaySession, t: string, d: unknown): number {
    session.seq++;
    const data = (d ?? {}) as Record<string, unknown>;
    const guildId =
      typeof data.guild_id === 'string'
        ? data.guild_id
        : t === 'GUILD_CREATE' && typeof data.id === 'string'
          ? data.id
          : null;
    this.dispatches.push({
      t,
      seq: session.seq,
      sessionId: session.id,
      shard: session.shard,
      guildId,
      at: Date.now(),
    });
    this.#write(session.socket, { op: 0, t, s: session.seq, d });
    return session.seq;
  }

  /** Sends a raw opcode frame (e.g. 7 reconnect, 9 invalid session, 1 heartbeat request) to every live session. */
  sendOp(op: number, d: unknown = null): void {
    for (const s of this.live) this.#write(s.socket, { op, d, s: null, t: null });
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #close(ws: WebSocket, code: number, reason: string): void {
    this.closes.push({ code, reason });
    ws.close(code, reason);
  }

  #write(ws: WebSocket | null, frame: GatewayFrame): void {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  #attach(ws: WebSocket): void {
    let session: GatewaySession | null = null;
    this.#write(ws, { op: 10, d: { heartbeat_interval: this.#host.heartbeatIntervalMs }, s: null, t: null });
    ws.on('message', (raw, isBinary) => {
      let frame: GatewayFrame;
      try {
        if (isBinary) throw new Error('binary frame');
        frame = JSON.parse(String(raw)) as GatewayFrame;
      } catch {
        this.#host.onUnexpected('WS: undecodable frame');
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      this.received.push(frame);
      switch (frame.op) {
        case 1:
          this.#write(ws, { op: 11, d: null, s: null, t: null });
          break;
        case 2: {
          if (session) {
            ws.close(4005, 'Already authenticated.');
            break;
          }
          const d = (frame.d ?? {}) as Record<string, unknown>;
          this.identifies.push(d);
          if (d.token !== this.#host.token || this.#host.refuseToken) {
            this.#close(ws, 4004, 'Authentication failed.');
            break;
          }
          if (typeof d.intents !== 'number') {
            this.#close(ws, 4013, 'Invalid intent(s).');
            break;
          }
          if ((d.intents & this.#host.disallowedIntents()) !== 0) {
            this.#close(ws, 4014, 'Disallowed intent(s).');
            break;
          }
          const shard = d.shard === undefined ? [0, 1] : d.shard;
          if (
            !Array.isArray(shard) ||
            shard.length !== 2 ||
            !shard.every((n) => Number.isInteger(n)) ||
            shard[1] < 1 ||
            shard[0] < 0 ||
            shard[0] >= shard[1]
          ) {
            this.#close(ws, 4010, 'Invalid shard.');
            break;
          }
          session = {
            id: randomBytes(16).toString('hex'),
            socket: ws,
            identify: d,
            intents: d.intents,
            seq: 0,
            ready: false,
            shard: [shard[0] as number, shard[1] as number],
          };
          this.sessions.set(session.id, session);
          const identified = session;
          void this.#host.readyGate().then(() => {
            identified.ready = true;
            this.send(identified, 'READY', {
              ...this.#host.readyPayload(identified),
              session_id: identified.id,
              resume_gateway_url: this.#host.gatewayUrl(),
            });
            this.#host.afterReady(identified);
            for (const w of this.#readyWaiters.splice(0)) w();
            this.#host.onChange();
          });
          break;
        }
        case 6: {
          const d = (frame.d ?? {}) as Record<string, unknown>;
          const existing = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
          if (d.token !== this.#host.token || this.#host.refuseToken) {
            this.#close(ws, 4004, 'Authentication failed.');
          } else if (!existing) {
            this.#write(ws, { op: 9, d: false, s: null, t: null });
          } else {
            existing.socket = ws;
            existing.ready = false;
            session = existing;
            void this.#host.readyGate().then(() => {
              existing.ready = true;
              this.send(existing, 'RESUMED', {});
              for (const w of this.#readyWaiters.splice(0)) w();
              this.#host.onChange();
            });
          }
          break;
        }
        case 3:
        case 4:
        case 8:
          if (!session) ws.close(4003, 'Not authenticated.');
          break;
        default:
          this.#host.onUnexpected(`WS op ${String(frame.op)}`);
          ws.close(4001, 'Unknown opcode.');
      }
      this.#host.onChange();
    });
    ws.on('close', () => {
      if (session && session.socket === ws) session.socket = null;
      this.#host.onChange();
    });
  }
}
