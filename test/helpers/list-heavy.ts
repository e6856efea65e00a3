/**
 * A list-heavy markdown answer, the kind that renders longer for Telegram than its markdown: a plain
 * line directly followed by a list, a long ordered list numbered "1." throughout (rendered 1, 2, …,
 * 10, 11, …), bullets and numbered items alternating (each a list of its own, so blank lines come
 * between them), nested items, inline code and bold, `<` and `&`, a fenced block, Chinese and emoji.
 * Deterministic for a given seed.
 */
export function listHeavyAnswer(minChars: number, seed = 1): string {
  const fruits = ['苹果', 'banana', '葡萄', 'cherry', '西瓜', 'lemon', '桃子', 'mango'];
  const emoji = ['🍎', '🍌', '🍇', '🎉', '👍', '✅'];
  let s = seed;
  const pick = <T>(list: readonly T[]): T => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return list[s % list.length]!;
  };
  const parts: string[] = [];
  for (let section = 1; parts.join('\n\n').length < minChars; section++) {
    const lines = [`Part ${section} 第${section}部分: ${pick(fruits)} ${pick(emoji)}`];
    // The first part is one long list, the way a model lists many items: 1., 1., 1., …
    const items = section === 1 ? Math.ceil(minChars / 17) : 14;
    for (let i = 0; i < items; i++) {
      lines.push(
        i % 9 === 8 ? `1. **${pick(fruits)}** ${pick(emoji)}` : `1. ${pick(fruits)} < ${i % 10} & ok`,
      );
    }
    lines.push(
      `- **${pick(fruits)}** 很好 & \`a<b\``,
      `1. ${pick(fruits)} 第一`,
      `- x < y & y > z`,
      `  - 嵌套 nested ${pick(emoji)}`,
      `1. ${pick(fruits)} 第二`,
      `- 中文 & more`,
    );
    if (section % 3 === 0)
      lines.push('```ts', `if (a < ${section} && b > 0) return "${pick(fruits)}";`, '```');
    parts.push(lines.join('\n'));
  }
  return parts.join('\n\n');
}
