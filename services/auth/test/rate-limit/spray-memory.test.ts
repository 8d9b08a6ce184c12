import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { silentLogger } from '@authbus/common';
import { writeArtifact } from '@authbus/test-support';
import { createLimiterStore } from '../../src/rate-limit/limiter-store';
import { SigninLimits } from '../../src/rate-limit/signin-limits';

const SPRAYED = 100_000;
const ADDRESSES = 2_000;

/**
 * The memory store under a spray of 100k emails that all get counted (the sprayer has 2,000
 * addresses, each under its per-IP limit): a locked account and a locked (account, address) pair
 * stay locked, because windows end by time only; and what the 100k keys cost in heap.
 */
describe('memory store under a 100k-email spray', () => {
  it('keeps locked windows locked and costs a bounded, measured amount of heap', async () => {
    const store = await createLimiterStore({
      config: { kind: 'memory' },
      keyPrefix: 'spray',
      logger: silentLogger,
      onFallback: () => undefined,
    });
    const limits = SigninLimits.create(store, {
      perIp: 1_000,
      perNetwork: 4_000,
      perAccount: 5,
      perAccountTotal: 20,
      windowMs: 15 * 60_000,
    });
    const victim = 'victim@example.com';
    for (let a = 0; a < 4; a++) for (let i = 0; i < 5; i++) await limits.attempt(victim, `192.0.2.${a}`);
    expect(await limits.attempt(victim, '192.0.2.100')).toMatchObject({ allowed: false, by: 'account' });

    const gc = exposeGc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let allowed = 0;
    for (let i = 0; i < SPRAYED; i++) {
      const client = `2001:db8:${(i % ADDRESSES).toString(16)}:0::/64`;
      if ((await limits.attempt(`sprayed-${i}@example.com`, client)).allowed) allowed++;
    }
    gc();
    const bytes = process.memoryUsage().heapUsed - before;
    expect(allowed).toBe(SPRAYED);

    expect(await limits.attempt(victim, '192.0.2.101')).toMatchObject({ allowed: false, by: 'account' });
    expect(await limits.attempt(victim, '192.0.2.0')).toMatchObject({ allowed: false });
    // 100k sprayed emails are 2 × 100k keys (the pair and the account) plus 2,000 address keys.
    const perAttempt = bytes / SPRAYED;
    expect(perAttempt).toBeLessThan(4096);
    writeArtifact(
      'rate-limit-memory.json',
      `${JSON.stringify({ sprayedEmails: SPRAYED, addresses: ADDRESSES, keys: 2 * SPRAYED + ADDRESSES, heapBytes: bytes, bytesPerSprayedEmail: Math.round(perAttempt) }, null, 2)}\n`,
    );
    process.stdout.write(
      `memory store: ${SPRAYED} sprayed emails (${2 * SPRAYED + ADDRESSES} keys) cost ${(bytes / 1e6).toFixed(1)} MB of heap, ${Math.round(perAttempt)} B each\n`,
    );
    await store.close();
  }, 60_000);
});

/** `gc()`, enabled at run time (jest offers no --expose-gc): a heap figure needs a collected heap. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
