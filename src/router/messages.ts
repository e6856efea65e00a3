import type { Localized } from '../core/i18n.js';

export { errorMessage } from '../error-text.js';

/** Texts the router itself shows. Commands keep their own texts next to their code. */
export const M = {
  placeholder: { en: '⏳ …', zh: '⏳ …' },
  empty: { en: '(The model returned an empty answer.)', zh: '（模型返回了空回答。）' },
  unknownCommand: {
    en: 'Unknown command /{name}. Send /help to see what I can do.',
    zh: '未知命令 /{name}。发送 /help 查看可用命令。',
  },
  expiredButton: {
    en: 'This button has expired. Run the command again.',
    zh: '此按钮已失效，请重新执行命令。',
  },
  missingOption: {
    en: 'Missing {option}. Usage: /{command} {usage}',
    zh: '缺少参数 {option}。用法：/{command} {usage}',
  },
  tooLong: {
    en: '{option} is too long: {length} characters, at most {max}.',
    zh: '{option} 太长：{length} 个字符，最多 {max} 个。',
  },
  tooShort: { en: '{option} must have at least {min} characters.', zh: '{option} 至少需要 {min} 个字符。' },
  badChoice: { en: '{option} must be one of: {choices}.', zh: '{option} 只能是以下之一：{choices}。' },
  badNumber: {
    en: '{option} must be a whole number between {min} and {max}.',
    zh: '{option} 必须是 {min} 到 {max} 之间的整数。',
  },
  notAllowed: {
    en: 'Sorry, this bot is private. Ask its owner to add you (your id: {id}).',
    zh: '抱歉，这是私有机器人。请联系管理员添加你（你的 ID：{id}）。',
  },
  slowDown: {
    en: 'You are sending requests too fast (at most {n} a minute). Please wait a moment.',
    zh: '请求太频繁（每分钟最多 {n} 次），请稍等片刻。',
  },
  quotaTokens: {
    en: 'You have used today’s chat allowance ({used} of {quota} tokens). It resets at midnight UTC.',
    zh: '你今天的对话额度已用完（{used}/{quota} tokens），将于 UTC 零点重置。',
  },
  quotaTasks: {
    en: 'You have used today’s allowance of media tasks ({used} of {quota}). It resets at midnight UTC.',
    zh: '你今天的媒体任务额度已用完（{used}/{quota} 个），将于 UTC 零点重置。',
  },
  alreadyStarted: {
    en: '⏳ This button was just pressed and its task is already started; the result will be posted here. Nothing new was started.',
    zh: '⏳ 这个按钮刚刚已被按下，任务已经开始，结果会发到这里。本次没有重复提交。',
  },
  badFile: { en: '{option} must be a file.', zh: '{option} 必须是文件。' },
} satisfies Record<string, Localized>;
