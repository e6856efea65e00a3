import { randomBytes } from 'node:crypto';
import type { CommandButton, FollowUpForm } from '../core/command.js';
import type { PlatformButton } from '../core/platform.js';
import type { KeyValue, Store } from '../core/store.js';

/** Buttons keep working this long after they were shown. */
export const BUTTON_TTL_MS = 7 * 24 * 3600_000;

export interface StoredButton {
  command: string;
  args: Record<string, string | number | boolean>;
  form?: FollowUpForm | undefined;
}

/**
 * Buttons carry only a short random id (Telegram allows 64 bytes of callback data, Discord 100
 * characters of custom id); what the button does is kept in the store under that id.
 */
export class ButtonRegistry {
  readonly #space: KeyValue<StoredButton>;
  constructor(store: Store) {
    this.#space = store.namespace('buttons');
  }

  async register(rows: CommandButton[][]): Promise<PlatformButton[][]> {
    return Promise.all(
      rows.map((row) =>
        Promise.all(
          row.map(async (b) => {
            const id = `b:${randomBytes(9).toString('base64url')}`;
            await this.#space.set(
              id,
              { command: b.command, args: b.args, ...(b.form ? { form: b.form } : {}) },
              BUTTON_TTL_MS,
            );
            return { label: b.label, data: id };
          }),
        ),
      ),
    );
  }

  lookup(data: string): Promise<StoredButton | undefined> {
    return this.#space.get(data);
  }
}
