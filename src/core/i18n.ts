/** The languages the bot speaks. Everything a user reads exists in each. */
export type Lang = 'en' | 'zh';

export interface Localized {
  en: string;
  zh: string;
}

/** A platform locale (`zh-CN`, `zh_TW`, `en-US`, `ru`) → the closest language we speak. */
export function langFromLocale(locale: string | undefined): Lang {
  return locale && /^zh\b|^zh[-_]/i.test(locale) ? 'zh' : 'en';
}

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

export function t(lang: Lang, text: Localized, values?: Record<string, string | number>): string {
  return format(text[lang], values);
}
