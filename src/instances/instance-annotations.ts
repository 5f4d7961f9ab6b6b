import { Type } from 'typebox';
import { Errors } from '../errors.ts';

/** The most a metadata object may take, as JSON text in UTF-8. */
export const METADATA_MAX_BYTES = 4096;
export const LABEL_MAX_LENGTH = 100;

/** The operator's free label: `null` on a PATCH clears it. */
export const LabelField = Type.String({
  minLength: 1,
  maxLength: LABEL_MAX_LENGTH,
  description: 'a free label (at most 100 characters); GET /instances?label= lists by it',
  examples: ['store-sp'],
});

/** The operator's own JSON object; `null` on a PATCH clears it. */
export const MetadataField = Type.Record(Type.String(), Type.Unknown(), {
  description: `a JSON object of your own (at most ${METADATA_MAX_BYTES} bytes as JSON); a PATCH replaces it whole`,
  examples: [{ crmAccount: 'ACME-042', region: 'sudeste' }],
});

/** The metadata as it is stored, or a coded 400 when its JSON is larger than the bound. */
export function checkedMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > METADATA_MAX_BYTES)
    throw Errors.validation(`metadata is ${bytes} bytes as JSON; at most ${METADATA_MAX_BYTES} are kept`, {
      field: 'metadata',
      bytes,
      maxBytes: METADATA_MAX_BYTES,
    });
  return metadata;
}
