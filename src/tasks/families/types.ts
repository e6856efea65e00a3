import type { ApiCore } from '../../core/apicore.js';
import type { ResultPart, TaskKind, TaskRecord } from '../../core/tasks.js';

/** What one poll learned about a task, in terms every family shares. */
export type UpstreamView =
  | { state: 'running'; status: string }
  | { state: 'success'; parts: ResultPart[] }
  | { state: 'failure'; reason: string };

/**
 * One upstream family of polled tasks (Midjourney, Suno; next Udio, Kling, Runway…): how to ask
 * about many at once and how to read the answer. Families never see a platform or the queue.
 */
export interface TaskFamily {
  kind: Exclude<TaskKind, 'video'>;
  /** For logs. */
  name: string;
  /** Ids in one batch request. */
  batchSize: number;
  /** How long a task may run before the bot gives up. */
  deadlineMs: number;
  /** One request for many tasks; tasks the upstream does not know are left out of the answer. */
  fetchMany(
    apicore: ApiCore,
    ids: string[],
  ): Promise<Array<{ id: string; view: (r: TaskRecord) => UpstreamView }>>;
  /** The final status once every part was handled: `sent` arrived as files or messages. */
  doneText(record: TaskRecord, sent: number): string;
}
