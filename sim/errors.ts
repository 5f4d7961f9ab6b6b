/** A request the simulator cannot act on; the admin API answers it with `status` and `message`. */
export class SimError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

export const badInput = (message: string): SimError => new SimError(400, message);
export const notFound = (message: string): SimError => new SimError(404, message);
export const conflict = (message: string): SimError => new SimError(409, message);
