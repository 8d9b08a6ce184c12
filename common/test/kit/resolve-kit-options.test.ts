import type { AuthKitOptions } from '../../src/kit/auth-kit-options';
import { resolveKitOptions } from '../../src/kit/resolve-kit-options';
import { recordingLogger } from '../support/recording-logger';

// Keys and NATS play no part in resolving the options.
const base = { keyRing: {}, nats: {} } as unknown as AuthKitOptions;

describe('resolveKitOptions', () => {
  it('says so when the heartbeat timeout is not below the staleness bound', () => {
    const { logger, warnings } = recordingLogger();
    resolveKitOptions({ ...base, logger, revocation: { maxStalenessMs: 2000 } });
    expect(warnings).toEqual([expect.stringContaining('REVOCATION_HEARTBEAT_TIMEOUT is not below')]);
  });

  it('is quiet with the defaults, and with a timeout below the bound', () => {
    const { logger, warnings } = recordingLogger();
    resolveKitOptions({ ...base, logger });
    resolveKitOptions({ ...base, logger, revocation: { maxStalenessMs: 2000, heartbeatTimeoutMs: 1000 } });
    expect(warnings).toEqual([]);
  });

  it('passes silentMemoryMs on, and refuses one under a second or not whole', () => {
    expect(resolveKitOptions({ ...base, revocation: { silentMemoryMs: 10_000 } }).silentMemoryMs).toBe(10_000);
    expect(resolveKitOptions(base)).not.toHaveProperty('silentMemoryMs');
    for (const silentMemoryMs of [999, 1500.5, 25 * 3600_000])
      expect(() => resolveKitOptions({ ...base, revocation: { silentMemoryMs } })).toThrow(/silentMemoryMs/);
  });
});
