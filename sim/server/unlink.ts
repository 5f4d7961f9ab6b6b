import type { Account } from '../network/model.ts';
import { announceDeviceChange } from './device-notices.ts';
import type { SimCore } from './sim-core.ts';

/**
 * Unlinks a companion: from the phone (its socket sees a 401 stream error) or at the companion's own
 * request. Its keys and offline queue go with it.
 */
export function removeDevice(
  core: SimCore,
  account: Account,
  deviceId: number,
  by: 'phone' | 'companion',
): void {
  if (!account.devices.delete(deviceId)) return;
  account.phoneParty.forgetDevice(account.phone, deviceId);
  for (const conn of core.openConnectionsOf(account, deviceId)) {
    conn.send({
      tag: 'stream:error',
      attrs: { code: '401' },
      content: [{ tag: 'conflict', attrs: { type: 'device_removed' } }],
    });
    setTimeout(() => conn.close(), 50);
  }
  announceDeviceChange(core, account, deviceId, 'remove');
  core.log('device-removed', { phone: account.phone, device: deviceId, by });
}
