import type { Lang, Localized } from './core/i18n.js';
import { t } from './core/i18n.js';
import { BotError, type ErrorKind } from './errors.js';

const BY_KIND: Record<ErrorKind, Localized> = {
  auth: {
    en: 'The bot’s APICore key was refused. The bot owner needs to check APICORE_API_KEY.',
    zh: '机器人的 APICore 密钥被拒绝，请机器人管理员检查 APICORE_API_KEY。',
  },
  quota: {
    en: 'The APICore balance is used up. Please try again after it is topped up.',
    zh: 'APICore 额度已用完，请充值后再试。',
  },
  rate_limit: {
    en: 'Too many requests right now. Please wait a moment and try again.',
    zh: '请求太频繁，请稍后再试。',
  },
  overloaded: {
    en: 'The AI model is overloaded right now. Please try again in a minute.',
    zh: 'AI 模型当前过载，请稍等一分钟后再试。',
  },
  content_policy: {
    en: 'The request or the answer was blocked by a content filter ({detail}). Please rephrase and try again.',
    zh: '请求或回答被内容安全过滤拦截（{detail}），请换个说法再试。',
  },
  bad_request: { en: 'The request was refused: {detail}', zh: '请求被拒绝：{detail}' },
  not_found: { en: 'Not found: {detail}', zh: '未找到：{detail}' },
  upstream: {
    en: 'The AI service failed ({detail}). Please try again.',
    zh: 'AI 服务出错（{detail}），请重试。',
  },
  timeout: {
    en: 'The AI service did not answer in time. Please try again.',
    zh: 'AI 服务响应超时，请重试。',
  },
  network: { en: 'Could not reach the AI service. Please try again.', zh: '无法连接 AI 服务，请重试。' },
  protocol: {
    en: 'The answer was cut off or garbled ({detail}). Please try again.',
    zh: '回答中断或格式错误（{detail}），请重试。',
  },
  input: { en: '{detail}', zh: '{detail}' },
  cancelled: { en: 'Cancelled.', zh: '已取消。' },
};

const INTERNAL: Localized = {
  en: 'Something went wrong on my side. It has been logged; please try again.',
  zh: '机器人内部出错，已记录，请重试。',
};

/** Longest upstream detail shown to a user. */
const DETAIL_MAX_CHARS = 300;

/** A short, localised sentence for an error; never a stack trace, never a secret. */
export function errorMessage(error: unknown, lang: Lang): string {
  if (!(error instanceof BotError)) return t(lang, INTERNAL);
  if (error.userMessage) return error.userMessage[lang];
  const raw =
    error.upstreamMessage ?? (error.status ? `HTTP ${error.status}` : error.code ? String(error.code) : '');
  const detail = raw.length > DETAIL_MAX_CHARS ? `${raw.slice(0, DETAIL_MAX_CHARS)}…` : raw;
  const template = BY_KIND[error.kind];
  // A detail in parentheses is left out when there is none; elsewhere the kind stands in for it.
  const optional = template.en.includes('({detail})');
  const text = t(lang, template, { detail: detail || (optional ? '' : error.kind) });
  return text.replace(/\s*\(\)/, '').replace(/（）/, '');
}
