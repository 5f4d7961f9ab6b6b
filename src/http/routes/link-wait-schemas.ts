import { Type } from 'typebox';
import { LINK_WAIT_DEFAULT_MS, LINK_WAIT_MAX_MS, type LinkOutcome } from '../../instances/link-wait.ts';
import { InstanceBody, type InstanceJson } from '../schemas.ts';

/** `?wait=qr&waitMs=`: a create or a start answers with the first QR code or the connection. */
export const LinkWaitQuery = Type.Object({
  wait: Type.Optional(
    Type.Literal('qr', {
      description:
        'answer once the first QR code is there (or the number connected with stored credentials); ' +
        'a 504 ZG_ERR_TIMEOUT after waitMs (the instance goes on starting), a 409 ZG_ERR_LINK_ENDED ' +
        'when it ends failed, logged out or stopped first',
    }),
  ),
  waitMs: Type.Optional(
    Type.Integer({
      minimum: 100,
      maximum: LINK_WAIT_MAX_MS,
      default: LINK_WAIT_DEFAULT_MS,
      description: `with ?wait=qr: how long to wait, at most ${LINK_WAIT_MAX_MS} ms`,
      examples: [20_000],
    }),
  ),
});

const Link = Type.Object(
  {
    outcome: Type.Union([Type.Literal('qr'), Type.Literal('connected')]),
    qr: Type.Union([Type.String(), Type.Null()]),
    qrDataUrl: Type.Union([Type.String({ description: 'the QR code as a PNG data URL' }), Type.Null()]),
  },
  { description: 'with ?wait=qr only: what came first' },
);

/** The instance, and with ?wait=qr what came first. */
export const InstanceWithLink = Type.Object({ ...InstanceBody.properties, link: Type.Optional(Link) });

export const withLink = (json: InstanceJson, link: LinkOutcome | undefined) =>
  link ? { ...json, link } : json;
