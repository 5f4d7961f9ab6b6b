import { fileTypeFromBuffer } from 'file-type';
import type { MediaType } from '../domain/message.ts';
import { SendError } from '../engine/engine.ts';
import { assertFetchableUrl, UrlRefused } from '../net/url-guard.ts';
import { MEDIA_LIMITS } from './message-input.ts';

const FETCH_TIMEOUT_MS = 30_000;

/** Downloads media given by URL for a send: size-capped, time-limited, never to private hosts unless allowed. */
export async function fetchMedia(url: string, type: MediaType, allowPrivate: boolean): Promise<Buffer> {
  try {
    await assertFetchableUrl(url, allowPrivate);
  } catch (err) {
    if (err instanceof UrlRefused) throw new SendError('ZG_ERR_MEDIA_URL_REFUSED', err.message, false);
    throw err;
  }
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw new SendError(
      'ZG_ERR_MEDIA_UNREACHABLE',
      `could not fetch ${url}: ${(err as Error).message}`,
      false,
    );
  }
  if (res.status >= 500)
    throw new SendError('ZG_ERR_MEDIA_UNREACHABLE', `${url} answered ${res.status}`, true);
  if (!res.ok) throw new SendError('ZG_ERR_MEDIA_UNREACHABLE', `${url} answered ${res.status}`, false);
  const limit = MEDIA_LIMITS[type];
  if (Number(res.headers.get('content-length') ?? 0) > limit)
    throw new SendError('ZG_ERR_MEDIA_TOO_LARGE', `${url} is larger than ${limit} bytes`, false);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > limit)
    throw new SendError('ZG_ERR_MEDIA_TOO_LARGE', `${url} is larger than ${limit} bytes`, false);
  return bytes;
}

/** The mime type from the bytes themselves, when the caller did not say. */
export async function sniffMimetype(bytes: Buffer): Promise<string | undefined> {
  return (await fileTypeFromBuffer(bytes))?.mime;
}
