import type { ModalSubmitInteraction } from 'discord.js';
import type { PlatformForm } from '../../core/platform.js';

/** A modal's custom id: this prefix and the button's data, so its submit finds the button again. */
export const FORM_PREFIX = 'f:';

/** Discord's text input styles. */
const SHORT = 1;
const PARAGRAPH = 2;
/** Component types: an action row holding one text input (the layout every client renders). */
const ACTION_ROW = 1;
const TEXT_INPUT = 4;

/** The modal (interaction callback type 9) that asks a button's follow-up form. */
export function modalFor(buttonData: string, form: PlatformForm) {
  return {
    custom_id: `${FORM_PREFIX}${buttonData}`,
    title: form.title,
    components: form.fields.slice(0, 5).map((f) => ({
      type: ACTION_ROW,
      components: [
        {
          type: TEXT_INPUT,
          custom_id: f.name,
          label: f.label,
          style: f.style === 'paragraph' ? PARAGRAPH : SHORT,
          required: f.required,
          max_length: f.maxLength,
          ...(f.placeholder ? { placeholder: f.placeholder } : {}),
          ...(f.value ? { value: f.value } : {}),
        },
      ],
    })),
  };
}

/** The text a member typed into each field of a submitted modal. */
export function modalValues(i: ModalSubmitInteraction): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [id, field] of i.fields.fields) {
    if ('value' in field && typeof field.value === 'string') values[id] = field.value;
  }
  return values;
}
