/** What WhatsApp's refusal codes on a message's ack mean, for the `ZG_ERR_WA_<code>` messages. */
const REFUSALS: Readonly<Record<string, string>> = {
  '479': 'the recipient number is not on WhatsApp',
};

/** The message of a `ZG_ERR_WA_<code>` failure: what the code means when known, and the code. */
export function refusalMessage(code: string | undefined): string {
  const meaning = code === undefined ? undefined : REFUSALS[code];
  return meaning
    ? `WhatsApp refused the message: ${meaning} (${code})`
    : `WhatsApp refused the message (${code ?? 'no code'})`;
}
