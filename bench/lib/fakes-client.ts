import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './bot-process.js';
import type {
  BackToBackResult,
  BackToBackScenario,
  ChatResult,
  ChatScenario,
  ClusterDeliver,
  ClusterDeliverResult,
  ClusterPolls,
  ClusterPollsResult,
  ClusterSubmit,
  ClusterSubmitResult,
  Envelope,
  Platform,
  Reply,
  Request,
  SessionInfo,
  TaskResult,
  TaskScenario,
} from './protocol.js';

const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** The fakes process (bench/fakes/child.ts), driven over IPC. */
export class FakesClient {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  #seq = 0;

  /** `profileDir`: write a V8 CPU profile of the fakes process there when it exits. */
  constructor(profileDir?: string) {
    this.#child = fork(join(ROOT, 'bench/fakes/child.ts'), [], {
      execArgv: [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', TSX],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.#waiting.set(0, { resolve: () => resolve(), reject });
    });
    this.#child.on('message', (reply: Reply) => {
      const waiter = this.#waiting.get(reply.seq);
      if (!waiter) return;
      this.#waiting.delete(reply.seq);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`fakes: ${reply.error}`));
    });
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code) => {
        for (const w of this.#waiting.values()) w.reject(new Error(`the fakes process exited (${code})`));
        this.#waiting.clear();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  #request<T>(req: Request): Promise<T> {
    const seq = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ seq, req } satisfies Envelope);
    });
  }

  startSession(platform: Platform = 'telegram'): Promise<SessionInfo> {
    return this.#request({ cmd: 'session.start', platform });
  }
  waitPolling(timeoutMs = 20_000): Promise<void> {
    return this.#request({ cmd: 'session.waitPolling', timeoutMs });
  }
  endSession(): Promise<void> {
    return this.#request({ cmd: 'session.end' });
  }
  runChat(scenario: ChatScenario): Promise<ChatResult> {
    return this.#request({ cmd: 'chat.run', scenario });
  }
  runBackToBack(scenario: BackToBackScenario): Promise<BackToBackResult> {
    return this.#request({ cmd: 'chat.backToBack', scenario });
  }
  runTasks(scenario: TaskScenario): Promise<TaskResult> {
    return this.#request({ cmd: 'tasks.run', scenario });
  }

  clusterSubmit(scenario: ClusterSubmit): Promise<ClusterSubmitResult> {
    return this.#request({ cmd: 'cluster.submit', scenario });
  }
  clusterPolls(scenario: ClusterPolls): Promise<ClusterPollsResult> {
    return this.#request({ cmd: 'cluster.polls', scenario });
  }
  clusterDeliver(scenario: ClusterDeliver): Promise<ClusterDeliverResult> {
    return this.#request({ cmd: 'cluster.deliver', scenario });
  }

  close(): void {
    this.#child.disconnect();
  }
}
