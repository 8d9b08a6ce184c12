import { MemoryStore } from '../../src/store/memory/memory-store';
import { authStoreContract } from './auth-store-contract';

authStoreContract('memory', async () => new MemoryStore(), async (store) => store.close());
