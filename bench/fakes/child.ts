/**
 * The fakes process: the fake Telegram Bot API and the bench upstream run here, apart from the
 * bot, so the bot's CPU, memory and event-loop figures are its own. Driven over IPC by
 * bench/run.ts (see bench/lib/protocol.ts). All times are on this process's clock.
 */
import type { Envelope, Reply, Request } from '../lib/protocol.js';
import { runBackToBack } from './back-to-back.js';
import { ClusterDriver } from './cluster.js';
import { DiscordSession } from './discord-session.js';
import { Session } from './session.js';
import { now } from './upstream.js';

const wholeMs = Date.now;

let session: Session | DiscordSession | undefined;
let cluster: ClusterDriver | undefined;

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'session.start':
      await session?.close();
      // Sub-millisecond timestamps for the fake Telegram's `calls[].at` and draft records, on the
      // same clock as the upstream's token times. The fake Discord makes snowflakes of Date.now()
      // (BigInt), so its times stay in whole milliseconds.
      Date.now = req.platform === 'discord' ? wholeMs : now;
      session = req.platform === 'discord' ? await DiscordSession.start() : await Session.start();
      cluster = undefined;
      return session.info;
    case 'session.waitPolling':
      return need().waitPolling(req.timeoutMs);
    case 'session.end':
      await session?.close();
      session = undefined;
      return null;
    case 'chat.run':
      return need().runChat(req.scenario);
    case 'chat.backToBack': {
      const s = need();
      if (!(s instanceof Session)) throw new Error('back-to-back answers run on Telegram sessions only');
      return runBackToBack(s, req.scenario);
    }
    case 'tasks.run': {
      const s = need();
      if (!(s instanceof Session)) throw new Error('tasks run on Telegram sessions only');
      return s.runTasks(req.scenario);
    }
    case 'cluster.submit':
      return clusterDriver().submit(req.scenario);
    case 'cluster.polls':
      return clusterDriver().polls(req.scenario);
    case 'cluster.deliver':
      return clusterDriver().deliver(req.scenario);
    case 'clock':
      return now();
  }
}

function clusterDriver(): ClusterDriver {
  const s = need();
  if (!(s instanceof Session)) throw new Error('the cluster phase runs on Telegram sessions only');
  cluster ??= new ClusterDriver(s);
  return cluster;
}

function need(): Session | DiscordSession {
  if (!session) throw new Error('no session: send session.start first');
  return session;
}

process.on('message', (message: Envelope) => {
  handle(message.req).then(
    (result) => process.send?.({ seq: message.seq, ok: true, result } satisfies Reply),
    (error: unknown) =>
      process.send?.({
        seq: message.seq,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies Reply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ seq: 0, ok: true, result: 'ready' } satisfies Reply);
