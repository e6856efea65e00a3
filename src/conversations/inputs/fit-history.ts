import { parseDataUrl, toDataUrl } from '../../core/media.js';
import type { Turn, TurnDocument } from '../history.js';
import { DOCUMENT_TURNS_KEPT, extractPdf, pdfNote, readsPdfNatively } from './files.js';
import { type ImageLimits, imageLimits, prepareImage } from './images.js';

/**
 * The turns before a question, made fit to send to `model`:
 * - native PDFs older than DOCUMENT_TURNS_KEPT user turns become a marker in their turn's text
 *   (the answers about them stay), so history never keeps a PDF's base64 for more than two
 *   questions; the marker, not the extracted text, because a long PDF's text would then be
 *   re-sent (and paid for) with every later question;
 * - PDFs still attached that `model` does not read itself (the chat switched models) become
 *   their extracted text;
 * - images still attached that are larger than `model` takes (kept at another family's size)
 *   are made to fit again.
 */
export async function fitAttachments(turns: Turn[], model: string): Promise<Turn[]> {
  const userTurns = turns.filter((t) => t.role === 'user').length;
  const limits = imageLimits(model);
  let seen = 0;
  const out: Turn[] = [];
  for (const turn of turns) {
    if (turn.role === 'user') seen++;
    let fitted = turn;
    if (turn.images?.length) fitted = { ...fitted, images: await fitImages(turn.images, limits) };
    if (turn.documents?.length) {
      const old = userTurns + 1 - seen >= DOCUMENT_TURNS_KEPT;
      fitted = await fitDocuments(fitted, turn.documents, model, old);
    }
    out.push(fitted);
  }
  return out;
}

async function fitDocuments(
  turn: Turn,
  documents: TurnDocument[],
  model: string,
  old: boolean,
): Promise<Turn> {
  const { documents: _, ...rest } = turn;
  const kept: TurnDocument[] = [];
  let text = rest.text;
  for (const doc of documents) {
    const size = Math.floor((doc.data.length * 3) / 4);
    if (!old && readsPdfNatively(model, size, doc.pages)) {
      kept.push(doc);
      continue;
    }
    if (!old) {
      try {
        const pdf = await extractPdf(Buffer.from(doc.data, 'base64'), doc.name, true);
        text += pdfNote(doc.name, pdf.pages, pdf.text, pdf.complete);
        continue;
      } catch {
        // No text to give: the marker below.
      }
    }
    text += `\n[${doc.name}: ${doc.pages}-page PDF, no longer attached]`;
  }
  return kept.length ? { ...rest, text, documents: kept } : { ...rest, text };
}

/** Images that fit `limits` as they are; the others made to fit (dropped if they cannot be). */
async function fitImages(urls: string[], limits: ImageLimits): Promise<string[]> {
  const out: string[] = [];
  for (const url of urls) {
    const d = parseDataUrl(url);
    if (!d) continue;
    try {
      // prepareImage reads the header only, and returns the very same bytes when they fit.
      const bytes = Buffer.from(d.base64, 'base64');
      const image = await prepareImage(bytes, limits, 'image');
      out.push(image.data === bytes ? url : toDataUrl(image.data, image.mime));
    } catch {
      // An image that cannot be made to fit is left out rather than failing the question.
    }
  }
  return out;
}
