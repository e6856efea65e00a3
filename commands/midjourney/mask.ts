import sharp from 'sharp';

/**
 * Vary (Region) presets. Midjourney's own editor lets the user paint the area; a chat has no
 * canvas, so the user picks one of these and the mask is drawn for them at the image's size.
 */
export const REGIONS = ['left', 'right', 'top', 'bottom', 'center', 'border'] as const;
export type Region = (typeof REGIONS)[number];

export const REGION_LABELS: Record<Region, { en: string; zh: string }> = {
  left: { en: '⬅️ Left half', zh: '⬅️ 左半边' },
  right: { en: '➡️ Right half', zh: '➡️ 右半边' },
  top: { en: '⬆️ Top half', zh: '⬆️ 上半部' },
  bottom: { en: '⬇️ Bottom half', zh: '⬇️ 下半部' },
  center: { en: '⏺️ Center', zh: '⏺️ 中间' },
  border: { en: '🔲 Border (keep the subject)', zh: '🔲 四周（保留主体）' },
};

/** The center preset repaints the middle half of each side; the border keeps the middle 60%. */
const CENTER_MARGIN = 0.25;
const BORDER_MARGIN = 0.2;

export function isRegion(v: unknown): v is Region {
  return typeof v === 'string' && (REGIONS as readonly string[]).includes(v);
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The box the preset names, in pixels (right/bottom exclusive). */
export function regionBox(region: Region, width: number, height: number): Box {
  const halfW = Math.round(width / 2);
  const halfH = Math.round(height / 2);
  const inset = (m: number): Box => ({
    left: Math.round(width * m),
    top: Math.round(height * m),
    right: Math.round(width * (1 - m)),
    bottom: Math.round(height * (1 - m)),
  });
  switch (region) {
    case 'left':
      return { left: 0, top: 0, right: halfW, bottom: height };
    case 'right':
      return { left: halfW, top: 0, right: width, bottom: height };
    case 'top':
      return { left: 0, top: 0, right: width, bottom: halfH };
    case 'bottom':
      return { left: 0, top: halfH, right: width, bottom: height };
    case 'center':
      return inset(CENTER_MARGIN);
    case 'border':
      return inset(BORDER_MARGIN);
  }
}

/**
 * The mask `/mj/submit/modal` takes for Vary (Region): a PNG as large as the image, white where
 * Midjourney repaints and black where it keeps. Returned as a data URL.
 */
export async function regionMask(region: Region, width: number, height: number): Promise<string> {
  const box = regionBox(region, width, height);
  const inside = region !== 'border';
  const pixels = Buffer.alloc(width * height, inside ? 0 : 255);
  for (let y = box.top; y < box.bottom; y++) {
    pixels.fill(inside ? 255 : 0, y * width + box.left, y * width + box.right);
  }
  const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Width and height of an image's bytes (any format sharp reads). */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number } | undefined> {
  try {
    const meta = await sharp(bytes).metadata();
    return meta.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
  } catch {
    return undefined;
  }
}
