import { generate } from 'selfsigned';

/** A PEM private key and the self-signed certificate that goes with it. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

const VALID_DAYS = 365;

/**
 * Generates a fresh self-signed TLS certificate for the loopback host, valid for `127.0.0.1`, `::1` and
 * `localhost` (as subjectAltName entries, which is what TLS clients check). Clients trust it by passing
 * `cert` as their `ca`.
 */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  // Back-date a little so a clock skew between processes does not make the certificate "not yet valid".
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALID_DAYS * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
