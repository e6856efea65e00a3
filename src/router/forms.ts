import type { FollowUpForm, FormField } from '../core/command.js';
import { type Lang, t } from '../core/i18n.js';
import type { Invocation, MessageRef, OutgoingMessage, PlatformForm } from '../core/platform.js';
import type { KeyValue, Store } from '../core/store.js';
import { inputError } from '../errors.js';
import type { StoredButton } from '../store/buttons.js';

/** How long a question asked by message stays open. */
export const FORM_TTL_MS = 10 * 60_000;
/** How long an answered or expired question is still recognised, to say so instead of chatting. */
const PROMPT_MEMORY_MS = 7 * 24 * 3600_000;
/** Discord's limits for a modal: title and labels 45 characters, placeholders 100, values 4000. */
const MODAL_TITLE_CHARS = 45;
const MODAL_LABEL_CHARS = 45;
const MODAL_PLACEHOLDER_CHARS = 100;
const MAX_FIELD_CHARS = 4000;
/** Telegram's ForceReply placeholder: 1–64 characters. */
const REPLY_PLACEHOLDER_CHARS = 64;
/** An answer that gives up on the form. */
const CANCEL = /^\s*\/?(cancel|取消)\s*$/i;
/** An answer that skips an optional field. */
const SKIP = /^\s*[-—–]\s*$/;

const M = {
  prompt: {
    en: '✏️ {title}\n**{label}** ({n}/{total})\n↩️ Reply to this message with your answer{skip}, or “cancel”. Open for 10 minutes.',
    zh: '✏️ {title}\n**{label}**（{n}/{total}）\n↩️ 请回复本条消息作答{skip}，或回复“取消”放弃。10 分钟内有效。',
  },
  skip: { en: ' (“-” to skip)', zh: '（回复“-”跳过）' },
  current: { en: '\nNow: {value}', zh: '\n当前：{value}' },
  cancelled: { en: '👌 Cancelled.', zh: '👌 已取消。' },
  expired: {
    en: '⌛ That question has expired or was already answered. Press the button again to start over.',
    zh: '⌛ 这个问题已过期或已回答。请重新点击按钮。',
  },
  required: { en: '“{label}” cannot be empty.', zh: '“{label}”不能为空。' },
  tooLong: {
    en: '“{label}” is too long ({n} characters, at most {max}).',
    zh: '“{label}”太长（{n} 个字符，最多 {max} 个）。',
  },
};

/** A form being answered by messages, one field at a time. */
interface PendingForm {
  command: string;
  args: Record<string, string | number | boolean>;
  form: FollowUpForm;
  answers: Record<string, string>;
  /** The prompt the next answer replies to. */
  promptId: string;
}

/** What a message meant for the forms. */
export type FormAnswer =
  | { kind: 'none' }
  | { kind: 'asked' }
  | { kind: 'said'; text: string }
  | { kind: 'done'; command: string; args: Record<string, string | number | boolean> };

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const fieldMax = (f: FormField) => Math.min(f.maxLength ?? MAX_FIELD_CHARS, MAX_FIELD_CHARS);

/** A form in the user's language, cut to what a Discord modal takes. */
export function renderForm(form: FollowUpForm, lang: Lang): PlatformForm {
  return {
    title: clip(form.title[lang], MODAL_TITLE_CHARS),
    fields: form.fields.slice(0, 5).map((f) => ({
      name: f.name,
      label: clip(f.label[lang], MODAL_LABEL_CHARS),
      style: f.style ?? 'short',
      required: f.required ?? true,
      maxLength: fieldMax(f),
      ...(f.placeholder ? { placeholder: clip(f.placeholder[lang], MODAL_PLACEHOLDER_CHARS) } : {}),
      ...(f.value !== undefined ? { value: clip(f.value, fieldMax(f)) } : {}),
    })),
  };
}

/** One answer, checked against its field; a bad answer throws the reason in the user's language. */
function checkAnswer(field: FormField, raw: string): string {
  const value = raw.trim();
  const label = field.label;
  if (!value && (field.required ?? true)) {
    throw inputError(t('en', M.required, { label: label.en }), t('zh', M.required, { label: label.zh }));
  }
  const max = fieldMax(field);
  if (value.length > max) {
    const v = { n: value.length, max };
    throw inputError(
      t('en', M.tooLong, { label: label.en, ...v }),
      t('zh', M.tooLong, { label: label.zh, ...v }),
    );
  }
  return value;
}

/** The answers a platform collected itself (a modal), checked field by field. */
export function checkAnswers(form: FollowUpForm, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of form.fields) {
    const value = checkAnswer(field, values[field.name] ?? '');
    if (value) out[field.name] = value;
  }
  return out;
}

/**
 * Follow-up forms asked by message, where the platform has no modal (Telegram, the terminal): one
 * prompt per field, answered by replying to it (Telegram's ForceReply opens the reply; other
 * messages meanwhile are chat as usual), or in a terminal by the next line. Pending
 * forms live in the store, keyed by chat and user, so any process that gets the reply can carry on.
 */
export class FormSessions {
  readonly #pending: KeyValue<PendingForm>;
  readonly #prompts: KeyValue<true>;

  constructor(store: Store) {
    this.#pending = store.namespace('forms');
    this.#prompts = store.namespace('form-prompts');
  }

  /** Asks the first field of `button`'s form. */
  async begin(
    inv: Invocation,
    button: StoredButton & { form: FollowUpForm },
    lang: Lang,
    send: (message: OutgoingMessage) => Promise<MessageRef>,
  ): Promise<void> {
    const pending: PendingForm = {
      command: button.command,
      args: button.args,
      form: button.form,
      answers: {},
      promptId: '',
    };
    await this.#ask(inv, pending, lang, send);
  }

  /** Takes a plain message as the answer to a pending form, when it is one. */
  async take(
    inv: Invocation,
    lang: Lang,
    nextLineAnswers: boolean,
    send: (message: OutgoingMessage) => Promise<MessageRef>,
  ): Promise<FormAnswer> {
    const e = inv.event;
    if (e.type !== 'message') return { kind: 'none' };
    const key = pendingKey(inv);
    const pending = await this.#pending.get(key);
    const reply = inv.replyTo;
    const repliesToPrompt = pending !== undefined && reply?.messageId === pending.promptId;
    // A reply to the prompt answers it; where there is nothing to reply to (a terminal), the next line.
    const answers = repliesToPrompt || (pending !== undefined && nextLineAnswers && reply === undefined);
    if (!pending || !answers) {
      if (reply?.fromBot && (await this.#prompts.get(promptKey(inv, reply.messageId)))) {
        return { kind: 'said', text: t(lang, M.expired) };
      }
      return { kind: 'none' };
    }
    if (CANCEL.test(e.text)) {
      await this.#pending.delete(key);
      return { kind: 'said', text: t(lang, M.cancelled) };
    }
    const field = pending.form.fields[Object.keys(pending.answers).length];
    if (!field) {
      await this.#pending.delete(key);
      return { kind: 'none' };
    }
    const optional = !(field.required ?? true);
    // A terminal reads one line at a time: a typed `\n` starts a new line of lyrics.
    const text = nextLineAnswers && field.style === 'paragraph' ? e.text.replace(/\\n/g, '\n') : e.text;
    pending.answers[field.name] = optional && SKIP.test(text) ? '' : checkAnswer(field, text);
    if (Object.keys(pending.answers).length < pending.form.fields.length) {
      await this.#ask(inv, pending, lang, send);
      return { kind: 'asked' };
    }
    await this.#pending.delete(key);
    const filled = Object.fromEntries(Object.entries(pending.answers).filter(([, v]) => v !== ''));
    return { kind: 'done', command: pending.command, args: { ...pending.args, ...filled } };
  }

  /** Sends the prompt for the next unanswered field and remembers it. */
  async #ask(
    inv: Invocation,
    pending: PendingForm,
    lang: Lang,
    send: (message: OutgoingMessage) => Promise<MessageRef>,
  ): Promise<void> {
    const fields = pending.form.fields;
    const n = Object.keys(pending.answers).length;
    const field = fields[n];
    if (!field) return;
    const optional = !(field.required ?? true);
    const text =
      t(lang, M.prompt, {
        title: pending.form.title[lang],
        label: field.label[lang],
        n: n + 1,
        total: fields.length,
        skip: optional ? M.skip[lang] : '',
      }) + (field.value ? t(lang, M.current, { value: clip(field.value, 300) }) : '');
    const placeholder = field.placeholder
      ? clip(field.placeholder[lang], REPLY_PLACEHOLDER_CHARS)
      : undefined;
    const ref = await send({
      text,
      replyTo: inv.messageId,
      forceReply: placeholder ? { placeholder } : {},
    });
    pending.promptId = ref.messageId;
    await this.#pending.set(pendingKey(inv), pending, FORM_TTL_MS);
    await this.#prompts.set(promptKey(inv, ref.messageId), true, PROMPT_MEMORY_MS);
  }
}

function pendingKey(inv: Invocation): string {
  const c = inv.chat;
  return `${c.platform}:${c.id}:${c.threadId ?? ''}:${inv.user.id}`;
}

function promptKey(inv: Invocation, messageId: string): string {
  return `${inv.chat.platform}:${inv.chat.id}:${messageId}`;
}
