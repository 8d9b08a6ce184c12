import type { AuthConfig } from '../config';
import type { AuthStore } from './auth-store';
import { MemoryStore } from './memory/memory-store';
import { MongoStore } from './mongo/mongo-store';

/** The store the configuration asks for: MongoDB when `MONGO_URI` is set, else memory. `now`: the service's clock. */
export async function createStore(config: AuthConfig['store'], now: () => number = Date.now): Promise<AuthStore> {
  return config.kind === 'mongo' ? MongoStore.connect(config.uri, { now }) : new MemoryStore({ now });
}
