import type { ApiCore } from '../../core/apicore.js';
import type { ResultPart, TaskKind, TaskRecord } from '../../core/tasks.js';

/** What one poll learned about a task, in terms every family shares. */
export type UpstreamView =
  | { state: 'running'; status: string }
  | { state: 'success'; parts: ResultPart[] }
  | { state: 'failure'; reason: string };

/** One task's answer: read against its record (the record knows the purpose and the language). */
export type UpstreamAnswer = (record: TaskRecord) => UpstreamView;

/**
 * One upstream family of polled tasks (Midjourney, Suno, Suno acts, Udio; next Kling, Runway…):
 * how to ask about its tasks and how to read the answer. A family with a batch endpoint asks about
 * many in one request (`fetchMany`); one without asks one by one (`fetchOne`), at most `batchSize`
 * a tick. Families never see a platform or the queue.
 */
export type TaskFamily = FamilyBase &
  (
    | {
        /** One request for many tasks; tasks the upstream does not know are left out of the answer. */
        fetchMany(apicore: ApiCore, ids: string[]): Promise<Array<{ id: string; view: UpstreamAnswer }>>;
        fetchOne?: never;
      }
    | {
        /**
         * One request for one task: undefined when the upstream does not know it (counted as a
         * miss); throws when the request failed (asked again next tick).
         */
        fetchOne(apicore: ApiCore, id: string): Promise<UpstreamAnswer | undefined>;
        fetchMany?: never;
      }
  );

interface FamilyBase {
  kind: Exclude<TaskKind, 'video'>;
  /** For logs. */
  name: string;
  /** Ids in one batch request, or single requests in one tick for a family without a batch endpoint. */
  batchSize: number;
  /** How long a task may run before the bot gives up. */
  deadlineMs: number;
  /** The final status once every part was handled: `sent` arrived as files or messages. */
  doneText(record: TaskRecord, sent: number): string;
}
