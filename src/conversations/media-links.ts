import type { MediaKind } from '../core/platform.js';

export interface MediaLink {
  kind: MediaKind;
  url: string;
  label: string;
}

/** Most attachments sent after one answer. */
export const MAX_MEDIA_LINKS = 4;

const LINK = /(!?)\[([^\]]*)\]\((https?:\/\/[^)\s]+)\)/g;

function kindOf(url: string, label: string, isImage: boolean): MediaKind | undefined {
  const path = url.split(/[?#]/)[0]!.toLowerCase();
  if (/\.(mp3|m4a|wav|ogg|flac)$/.test(path) || /听歌|audio|listen/i.test(label)) return 'audio';
  if (/\.(mp4|mov|webm)$/.test(path) || /观看|video|watch/i.test(label)) return 'video';
  if (isImage || /\.(png|jpe?g|gif|webp)$/.test(path)) return 'image';
  return undefined;
}

/**
 * Media links in a model's markdown answer (flux and gpt-4o-image chat formats, Suno chat mode,
 * veo3, luma): images `![…](…)`, and links whose extension or label says audio or video.
 */
export function extractMediaLinks(markdown: string): MediaLink[] {
  const out: MediaLink[] = [];
  const seen = new Set<string>();
  for (const m of markdown.matchAll(LINK)) {
    const url = m[3]!;
    const kind = kindOf(url, m[2] ?? '', m[1] === '!');
    if (!kind || seen.has(url)) continue;
    seen.add(url);
    out.push({ kind, url, label: (m[2] ?? '').trim() });
    if (out.length >= MAX_MEDIA_LINKS) break;
  }
  return out;
}
