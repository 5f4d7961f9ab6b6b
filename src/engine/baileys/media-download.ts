import { downloadMediaMessage, type WAMessage, type WASocket } from 'baileys';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { InboundMedia } from '../engine.ts';

/**
 * Downloads inbound media through Baileys (which decrypts and verifies it), refusing anything past
 * `maxBytes`. A simulator's media host is trusted through its own certificate, never by turning
 * checks off.
 */
export function mediaDownloader(options: {
  maxBytes: number;
  tlsCert?: string;
  logger: Logger;
  sock: () => WASocket;
}) {
  const dispatcher = options.tlsCert ? new Agent({ connect: { ca: options.tlsCert } }) : undefined;
  return async (message: WAMessage, declaredSize: number | undefined): Promise<InboundMedia> => {
    if (declaredSize !== undefined && declaredSize > options.maxBytes) {
      return { error: `media of ${declaredSize} bytes is over the ${options.maxBytes}-byte cap` };
    }
    try {
      const bytes = (await downloadMediaMessage(
        message,
        'buffer',
        dispatcher ? { options: { dispatcher } as RequestInit } : {},
        { logger: options.logger, reuploadRequest: (m) => options.sock().updateMediaMessage(m) },
      )) as Buffer;
      if (bytes.length > options.maxBytes) return { error: `media over the ${options.maxBytes}-byte cap` };
      return { bytes };
    } catch (err) {
      return { error: `download failed: ${(err as Error).message}` };
    }
  };
}
