import { MemoryStore } from '../../src/store/memory/memory-store';
import { authStoreContract } from './auth-store-contract';

authStoreContract(
  'memory',
  async (now) => new MemoryStore({ now }),
  async (store) => store.close(),
);
