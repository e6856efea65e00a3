import { Bot, GrammyError } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from './telegram.js';

// The fake's groups: forum topics, member statuses, anonymous admins, albums and entities, as
// strict as the Bot API (a send into a thread that is no topic is refused).

let fake: FakeTelegram;
let bot: Bot;

beforeEach(async () => {
  fake = await FakeTelegram.start({ botUsername: 'apicore_test_bot' });
  bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
});
afterEach(async () => {
  await fake.close();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return (err as GrammyError).description;
}

describe('FakeTelegram forum topics', () => {
  it('sends into a topic, and refuses a thread that is no topic', async () => {
    const forum = fake.forumChat(1, 'Forum 论坛');
    const group = fake.groupChat(2, 'Plain 普通群');
    const ann = fake.user(3, 'Ann', 'en');
    const topic = fake.createTopic(forum, ann, 'News 新闻 📰');
    const sent = await bot.api.sendMessage(forum.id, 'in the topic 话题 ✅', { message_thread_id: topic });
    expect(sent).toMatchObject({ message_thread_id: topic, is_topic_message: true });
    const general = await bot.api.sendMessage(forum.id, 'General 综合');
    expect(general.message_thread_id).toBeUndefined();
    expect(await refusal(bot.api.sendMessage(group.id, 'x', { message_thread_id: 5 }))).toBe(
      'Bad Request: message thread not found',
    );
    expect(await refusal(bot.api.sendMessage(forum.id, 'x', { message_thread_id: 1 }))).toBe(
      'Bad Request: message thread not found',
    );
    expect(fake.unexpected).toHaveLength(2);
    fake.unexpected.length = 0;
  });

  it('puts a reply into the replied message’s topic, and user messages carry their topic', async () => {
    const forum = fake.forumChat(4, 'Forum 论坛');
    const bo = fake.user(5, 'Bo', 'zh-CN');
    const topic = fake.createTopic(forum, bo, 'Q&A 问答 ❓');
    const asked = fake.sendText(forum, bo, 'a question 问题 🤔', fake.inTopic(forum, topic));
    expect(asked).toMatchObject({ message_thread_id: topic, is_topic_message: true });
    expect(asked.reply_to_message?.forum_topic_created?.name).toBe('Q&A 问答 ❓');
    const reply = await bot.api.sendMessage(forum.id, 'an answer 回答', {
      reply_parameters: { message_id: asked.message_id },
    });
    expect(reply.message_thread_id).toBe(topic);
    expect(fake.unexpected).toEqual([]);
  });
});

describe('FakeTelegram members and senders', () => {
  it('answers getChatMember with the statuses set, member for writers, left for others', async () => {
    const group = fake.groupChat(6, 'Team 团队');
    const [cy, di, ed, fo] = [7, 8, 9, 10].map((id) => fake.user(id, `User${id}`, 'en'));
    fake.setMemberStatus(group, cy!, 'creator');
    fake.setMemberStatus(group, di!, 'administrator');
    fake.sendText(group, ed!, 'hi 👋');
    const status = async (id: number) => (await bot.api.getChatMember(group.id, id)).status;
    expect(await status(7)).toBe('creator');
    expect(await status(8)).toBe('administrator');
    expect(await status(9)).toBe('member');
    expect(await status(fo!.id)).toBe('left');
    expect(fake.unexpected).toEqual([]);
  });

  it('sends an anonymous admin’s message as the group, from GroupAnonymousBot', () => {
    const group = fake.groupChat(11, 'Anon 匿名');
    const m = fake.sendAsChat(group, 'hello @apicore_test_bot 你好');
    expect(m.sender_chat?.id).toBe(group.id);
    expect(m.from).toMatchObject({ username: 'GroupAnonymousBot', is_bot: true });
    expect(m.entities).toEqual([{ type: 'mention', offset: 6, length: 17 }]);
  });

  it('gives text the entities Telegram would: a leading command, exact @mentions only', () => {
    const group = fake.groupChat(12, 'Ents 实体');
    const gu = fake.user(13, 'Gu', 'en');
    const m = fake.sendText(group, gu, '/ask@apicore_test_bot 你好 @someone_else, mail a@b.cd 🎉 @x');
    expect(m.entities).toEqual([
      { type: 'bot_command', offset: 0, length: 21 },
      { type: 'mention', offset: 25, length: 13 },
    ]);
  });

  it('sends an album as separate photo updates with one media_group_id, the caption on the first', () => {
    const chat = fake.privateChat(14, fake.user(14, 'Hu', 'en'));
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const parts = fake.sendAlbum(chat, fake.user(14, 'Hu', 'en'), [png, png, png], {
      caption: '三张 three 📸',
    });
    expect(new Set(parts.map((p) => p.media_group_id)).size).toBe(1);
    expect(parts.map((p) => p.caption)).toEqual(['三张 three 📸', undefined, undefined]);
    expect(fake.pendingUpdates()).toHaveLength(3);
  });
});
