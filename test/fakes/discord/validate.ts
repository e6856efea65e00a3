import { codePoints, FormErrors, isRecord, LOCALES } from './util.js';

type Path = (string | number)[];

const MAX = (n: number) => ({ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${n} or fewer in length.` });
const BETWEEN = (a: number, b: number) => ({
  code: 'BASE_TYPE_BAD_LENGTH',
  message: `Must be between ${a} and ${b} in length.`,
});

function checkLength(
  e: FormErrors,
  path: Path,
  v: unknown,
  min: number,
  max: number,
  required = false,
): void {
  if (v === undefined || v === null) {
    if (required) e.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof v !== 'string') {
    e.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
    return;
  }
  const n = codePoints(v);
  if (n > max) {
    const m = min > 0 ? BETWEEN(min, max) : MAX(max);
    e.add(path, m.code, m.message);
  } else if (n < min) {
    const m = BETWEEN(min, max);
    e.add(path, m.code, m.message);
  }
}

const COMPONENTS_V2 = 1 << 15;

/**
 * Checks a message create/edit body (content, embeds, components, attachments). `prefix` nests the error
 * path (e.g. `['data']` for an interaction callback).
 */
export function validateMessage(body: Record<string, unknown>, errors: FormErrors, prefix: Path = []): void {
  checkLength(errors, [...prefix, 'content'], body.content, 0, 2000);
  validateEmbeds(body.embeds, errors, [...prefix, 'embeds']);
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  validateComponents(body.components, errors, [...prefix, 'components'], (flags & COMPONENTS_V2) !== 0);
  if (body.attachments !== undefined && body.attachments !== null) {
    if (!Array.isArray(body.attachments))
      errors.add([...prefix, 'attachments'], 'BASE_TYPE_LIST', 'Not a list');
    else if (body.attachments.length > 10)
      errors.add([...prefix, 'attachments'], MAX(10).code, MAX(10).message);
  }
}

function validateEmbeds(embeds: unknown, e: FormErrors, path: Path): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    e.add(path, 'BASE_TYPE_LIST', 'Not a list');
    return;
  }
  if (embeds.length > 10) e.add(path, MAX(10).code, MAX(10).message);
  let total = 0;
  const count = (v: unknown) => {
    if (typeof v === 'string') total += codePoints(v);
  };
  embeds.forEach((embed, i) => {
    if (!isRecord(embed)) {
      e.add([...path, i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used');
      return;
    }
    checkLength(e, [...path, i, 'title'], embed.title, 0, 256);
    checkLength(e, [...path, i, 'description'], embed.description, 0, 4096);
    count(embed.title);
    count(embed.description);
    if (isRecord(embed.footer)) {
      checkLength(e, [...path, i, 'footer', 'text'], embed.footer.text, 0, 2048);
      count(embed.footer.text);
    }
    if (isRecord(embed.author)) {
      checkLength(e, [...path, i, 'author', 'name'], embed.author.name, 0, 256);
      count(embed.author.name);
    }
    if (Array.isArray(embed.fields)) {
      if (embed.fields.length > 25) e.add([...path, i, 'fields'], MAX(25).code, MAX(25).message);
      embed.fields.forEach((f: unknown, j: number) => {
        if (!isRecord(f)) return;
        checkLength(e, [...path, i, 'fields', j, 'name'], f.name, 1, 256, true);
        checkLength(e, [...path, i, 'fields', j, 'value'], f.value, 1, 1024, true);
        count(f.name);
        count(f.value);
      });
    }
  });
  if (total > 6000) e.add(path, 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

function validateComponents(components: unknown, e: FormErrors, path: Path, v2: boolean): void {
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) {
    e.add(path, 'BASE_TYPE_LIST', 'Not a list');
    return;
  }
  const seen = new Set<string>();
  const checkCustomId = (p: Path, id: unknown, required: boolean) => {
    checkLength(e, p, id, 1, 100, required);
    if (typeof id === 'string') {
      if (seen.has(id))
        e.add(p, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
      seen.add(id);
    }
  };
  if (v2) {
    // Components v2 layouts: only check custom ids (length, uniqueness) wherever they are.
    const walk = (node: unknown, p: Path): void => {
      if (Array.isArray(node)) {
        node.forEach((c, i) => {
          walk(c, [...p, i]);
        });
        return;
      }
      if (!isRecord(node)) return;
      if (node.custom_id !== undefined) checkCustomId([...p, 'custom_id'], node.custom_id, true);
      if (Array.isArray(node.components)) walk(node.components, [...p, 'components']);
      if (isRecord(node.accessory)) walk(node.accessory, [...p, 'accessory']);
    };
    walk(components, path);
    return;
  }
  if (components.length > 5) e.add(path, MAX(5).code, MAX(5).message);
  components.forEach((row, i) => {
    if (!isRecord(row) || row.type !== 1) {
      e.add([...path, i, 'type'], 'UNION_TYPE_CHOICES', 'Top-level components must be action rows');
      return;
    }
    const children = row.components;
    if (!Array.isArray(children) || children.length < 1 || children.length > 5) {
      e.add([...path, i, 'components'], BETWEEN(1, 5).code, BETWEEN(1, 5).message);
      return;
    }
    const hasSelect = children.some((c) => isRecord(c) && typeof c.type === 'number' && c.type !== 2);
    if (hasSelect && children.length > 1)
      e.add(
        [...path, i, 'components'],
        'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
        'The specified component exceeds the maximum width',
      );
    children.forEach((c, j) => {
      const p = [...path, i, 'components', j];
      if (!isRecord(c)) {
        e.add(p, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used');
        return;
      }
      if (c.type === 2) {
        const style = c.style;
        if (typeof style !== 'number' || style < 1 || style > 6)
          e.add([...p, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
        if (style === 5) {
          if (typeof c.url !== 'string') e.add([...p, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
          if (c.custom_id !== undefined)
            e.add(
              [...p, 'custom_id'],
              'BUTTON_COMPONENT_CUSTOM_ID_INVALID',
              'Link buttons cannot have a custom id',
            );
        } else if (style !== 6) checkCustomId([...p, 'custom_id'], c.custom_id, true);
        checkLength(e, [...p, 'label'], c.label, 0, 80);
        if (c.label === undefined && c.emoji === undefined && style !== 6)
          e.add([...p, 'label'], 'BUTTON_COMPONENT_INVALID', 'A button must have a label or an emoji');
      } else if (c.type === 3 || c.type === 5 || c.type === 6 || c.type === 7 || c.type === 8) {
        checkCustomId([...p, 'custom_id'], c.custom_id, true);
        checkLength(e, [...p, 'placeholder'], c.placeholder, 0, 150);
        if (c.type === 3) {
          if (!Array.isArray(c.options) || c.options.length < 1 || c.options.length > 25)
            e.add([...p, 'options'], BETWEEN(1, 25).code, BETWEEN(1, 25).message);
          else
            c.options.forEach((o: unknown, k: number) => {
              if (!isRecord(o)) return;
              checkLength(e, [...p, 'options', k, 'label'], o.label, 1, 100, true);
              checkLength(e, [...p, 'options', k, 'value'], o.value, 1, 100, true);
              checkLength(e, [...p, 'options', k, 'description'], o.description, 0, 100);
            });
        }
      } else
        e.add(
          [...p, 'type'],
          'UNION_TYPE_CHOICES',
          `Value of field "type" must be one of (2, 3, 5, 6, 7, 8).`,
        );
    });
  });
}

/** A message with nothing in it (Discord: 50006). */
export function isEmptyMessage(m: {
  content?: unknown;
  embeds?: unknown;
  components?: unknown;
  attachments?: unknown;
  sticker_ids?: unknown;
  poll?: unknown;
}): boolean {
  const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
  return (
    !(typeof m.content === 'string' && m.content.length > 0) &&
    !nonEmpty(m.embeds) &&
    !nonEmpty(m.components) &&
    !nonEmpty(m.attachments) &&
    !nonEmpty(m.sticker_ids) &&
    m.poll === undefined
  );
}

const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function checkCommandName(e: FormErrors, path: Path, name: unknown, chatInput: boolean): void {
  if (typeof name !== 'string') {
    e.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (chatInput) {
    if (!CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase())
      e.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  } else checkLength(e, path, name, 1, 32);
}

function checkLocalizations(
  e: FormErrors,
  path: Path,
  value: unknown,
  check: (p: Path, v: unknown) => void,
): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) {
    e.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used');
    return;
  }
  for (const [locale, text] of Object.entries(value)) {
    if (!LOCALES.has(locale))
      e.add([...path, locale], 'ENUM_TYPE_COERCE', `Value "${locale}" is not a valid enum value.`);
    else if (text !== null) check([...path, locale], text);
  }
}

function validateOptions(e: FormErrors, path: Path, options: unknown, depth: number): void {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) {
    e.add(path, 'BASE_TYPE_LIST', 'Not a list');
    return;
  }
  if (options.length > 25) e.add(path, MAX(25).code, MAX(25).message);
  const names = new Set<string>();
  let sawOptional = false;
  options.forEach((o, i) => {
    const p = [...path, i];
    if (!isRecord(o)) {
      e.add(p, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used');
      return;
    }
    if (typeof o.type !== 'number' || o.type < 1 || o.type > 11)
      e.add([...p, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1..11}.');
    checkCommandName(e, [...p, 'name'], o.name, true);
    if (typeof o.name === 'string') {
      if (names.has(o.name))
        e.add([...p, 'name'], 'APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS', 'Option name already exists');
      names.add(o.name);
    }
    checkLength(e, [...p, 'description'], o.description, 1, 100, true);
    checkLocalizations(e, [...p, 'name_localizations'], o.name_localizations, (q, v) =>
      checkCommandName(e, q, v, true),
    );
    checkLocalizations(e, [...p, 'description_localizations'], o.description_localizations, (q, v) =>
      checkLength(e, q, v, 1, 100, true),
    );
    const isSub = o.type === 1 || o.type === 2;
    if (isSub) {
      if (depth >= 2 || (o.type === 2 && depth >= 1))
        e.add([...p, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command nesting is too deep');
      validateOptions(e, [...p, 'options'], o.options, depth + 1);
    } else {
      if (o.required === true && sawOptional)
        e.add(
          [...p, 'required'],
          'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          'Required options must be placed before non-required options',
        );
      if (o.required !== true) sawOptional = true;
    }
    if (o.choices !== undefined && o.choices !== null) {
      if (!Array.isArray(o.choices)) e.add([...p, 'choices'], 'BASE_TYPE_LIST', 'Not a list');
      else {
        if (o.choices.length > 25) e.add([...p, 'choices'], MAX(25).code, MAX(25).message);
        if (o.autocomplete === true)
          e.add(
            [...p, 'autocomplete'],
            'APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE',
            'Autocomplete cannot be set with choices',
          );
        o.choices.forEach((c: unknown, j: number) => {
          if (!isRecord(c)) return;
          checkLength(e, [...p, 'choices', j, 'name'], c.name, 1, 100, true);
          if (typeof c.value === 'string') checkLength(e, [...p, 'choices', j, 'value'], c.value, 1, 100);
          else if (typeof c.value !== 'number')
            e.add([...p, 'choices', j, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
          checkLocalizations(e, [...p, 'choices', j, 'name_localizations'], c.name_localizations, (q, v) =>
            checkLength(e, q, v, 1, 100, true),
          );
        });
      }
    }
  });
}

/** Validates a bulk-overwrite body (`PUT …/commands`). */
export function validateCommands(body: unknown): FormErrors {
  const e = new FormErrors();
  if (!Array.isArray(body)) {
    e.add([], 'BASE_TYPE_LIST', 'Not a list');
    return e;
  }
  if (body.length > 100) e.add([], MAX(100).code, MAX(100).message);
  const seen = new Set<string>();
  body.forEach((cmd, i) => {
    if (!isRecord(cmd)) {
      e.add([i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used');
      return;
    }
    const type = cmd.type ?? 1;
    if (type !== 1 && type !== 2 && type !== 3 && type !== 4)
      e.add([i, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4}.');
    const chatInput = type === 1;
    checkCommandName(e, [i, 'name'], cmd.name, chatInput);
    if (typeof cmd.name === 'string') {
      const key = `${String(type)}:${cmd.name}`;
      if (seen.has(key))
        e.add([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
      seen.add(key);
    }
    if (chatInput) checkLength(e, [i, 'description'], cmd.description, 1, 100, true);
    else if (typeof cmd.description === 'string' && cmd.description !== '')
      e.add([i, 'description'], 'BASE_TYPE_MAX_LENGTH', 'Context menu commands cannot have a description');
    checkLocalizations(e, [i, 'name_localizations'], cmd.name_localizations, (q, v) =>
      checkCommandName(e, q, v, chatInput),
    );
    checkLocalizations(e, [i, 'description_localizations'], cmd.description_localizations, (q, v) =>
      checkLength(e, q, v, 1, 100, true),
    );
    const perms = cmd.default_member_permissions;
    if (perms !== undefined && perms !== null && (typeof perms !== 'string' || !/^\d+$/.test(perms)))
      e.add(
        [i, 'default_member_permissions'],
        'BASE_TYPE_BAD_TYPE',
        'Must be a permissions bitfield string.',
      );
    if (chatInput) validateOptions(e, [i, 'options'], cmd.options, 0);
    else if (Array.isArray(cmd.options) && cmd.options.length > 0)
      e.add([i, 'options'], 'BASE_TYPE_MAX_LENGTH', 'Context menu commands cannot have options');
  });
  return e;
}

/** Autocomplete result (callback type 8). */
export function validateChoices(data: unknown, e: FormErrors): void {
  if (!isRecord(data) || !Array.isArray(data.choices)) {
    e.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (data.choices.length > 25) e.add(['data', 'choices'], MAX(25).code, MAX(25).message);
  data.choices.forEach((c: unknown, i: number) => {
    if (!isRecord(c)) {
      e.add(['data', 'choices', i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used');
      return;
    }
    checkLength(e, ['data', 'choices', i, 'name'], c.name, 1, 100, true);
    if (typeof c.value === 'string') checkLength(e, ['data', 'choices', i, 'value'], c.value, 0, 100);
    else if (typeof c.value !== 'number')
      e.add(['data', 'choices', i, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
  });
}

/** Modal (callback type 9). */
export function validateModal(data: unknown, e: FormErrors): void {
  if (!isRecord(data)) {
    e.add(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  checkLength(e, ['data', 'custom_id'], data.custom_id, 1, 100, true);
  checkLength(e, ['data', 'title'], data.title, 1, 45, true);
  if (!Array.isArray(data.components) || data.components.length < 1 || data.components.length > 5) {
    e.add(['data', 'components'], BETWEEN(1, 5).code, BETWEEN(1, 5).message);
    return;
  }
  const ids = new Set<string>();
  data.components.forEach((row: unknown, r: number) => {
    const at = ['data', 'components', r];
    // The classic layout: an action row (type 1) holding exactly one text input (type 4).
    if (!isRecord(row) || row.type !== 1 || !Array.isArray(row.components) || row.components.length !== 1) {
      e.add(at, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'A modal row holds exactly one text input');
      return;
    }
    const input: unknown = row.components[0];
    const ip = [...at, 'components', 0];
    if (!isRecord(input) || input.type !== 4) {
      e.add(ip, 'COMPONENT_TYPE_INVALID', 'Component type is invalid in a modal');
      return;
    }
    validateTextInput(input, ip, e);
    if (typeof input.custom_id === 'string') {
      if (ids.has(input.custom_id))
        e.add(
          [...ip, 'custom_id'],
          'COMPONENT_CUSTOM_ID_DUPLICATED',
          'Component custom id cannot be duplicated',
        );
      ids.add(input.custom_id);
    }
  });
}

/** A text input (component type 4), as Discord documents its fields. */
function validateTextInput(input: Record<string, unknown>, at: Path, e: FormErrors): void {
  checkLength(e, [...at, 'custom_id'], input.custom_id, 1, 100, true);
  checkLength(e, [...at, 'label'], input.label, 1, 45, true);
  checkLength(e, [...at, 'placeholder'], input.placeholder, 0, 100);
  checkLength(e, [...at, 'value'], input.value, 0, 4000);
  if (input.style !== 1 && input.style !== 2)
    e.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  const min = input.min_length;
  const max = input.max_length;
  if (min !== undefined && (typeof min !== 'number' || !Number.isInteger(min) || min < 0 || min > 4000))
    e.add([...at, 'min_length'], 'NUMBER_TYPE_MAX', 'int value should be between 0 and 4000');
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 4000))
    e.add([...at, 'max_length'], 'NUMBER_TYPE_MAX', 'int value should be between 1 and 4000');
  if (typeof input.value === 'string' && typeof max === 'number' && input.value.length > max)
    e.add([...at, 'value'], 'BASE_TYPE_BAD_LENGTH', `Must be ${max} or fewer in length.`);
}
