import { randomBytes } from 'node:crypto';
import { describeMongo, mongoUriFor } from '@authbus/test-support';
import { MongoStore } from '../../src/store/mongo/mongo-store';
import { authStoreContract } from './auth-store-contract';

// Runs against a real MongoDB replica set when one can be had (MONGO_URI, a mongod on PATH, or a
// mongodb-memory-server download); otherwise skipped, and jest's global setup says why.
describeMongo('MongoStore', () => {
  authStoreContract(
    'mongo',
    async (now) => MongoStore.connect(mongoUriFor(`auth_${randomBytes(4).toString('hex')}`), { now }),
    async (store) => store.close(),
  );
});
