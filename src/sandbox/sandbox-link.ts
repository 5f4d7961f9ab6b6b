/** A demo contact the sandbox creates in its simulator. */
export interface DemoContact {
  phone: string;
  name: string;
}

/**
 * What the gateway may ask of the simulator running in its own process, in sandbox mode only (the
 * composition root gets one from `zapgate sandbox`, never otherwise): the gateway never imports `sim/`.
 */
export interface SandboxLink {
  /** The simulator's phone instances link to, and the contacts it can text. */
  demo: { phone: string; contacts: DemoContact[] };
  /** The simulator's admin API. */
  simulatorUrl: string;
  /**
   * The simulated phone `phone` scans a linking QR code. Throws a `SandboxScanError` when no
   * companion shows that code, or the phone does not exist.
   */
  scanQr(phone: string, qr: string): { phone: string; device: number };
}

export class SandboxScanError extends Error {
  override name = 'SandboxScanError';
}
