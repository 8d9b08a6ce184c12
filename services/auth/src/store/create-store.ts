import type { AuthConfig } from '../config';
import type { AuthStore } from './auth-store';
import { MemoryStore } from './memory/memory-store';
import { MongoStore } from './mongo/mongo-store';

/**
 * The store the configuration asks for: MongoDB when `MONGO_URI` is set, else memory. `now`: the
 * service's clock; `horizon`: `revocationHorizon` (the memory store keeps published revocations
 * until then; MongoDB keeps every published event a week).
 */
export async function createStore(
  config: AuthConfig['store'],
  now: () => number,
  horizon: (nowMs: number) => number,
): Promise<AuthStore> {
  return config.kind === 'mongo' ? MongoStore.connect(config.uri, { now }) : new MemoryStore({ now, horizon });
}
