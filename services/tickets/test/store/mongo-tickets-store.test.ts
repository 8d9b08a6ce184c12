import { randomBytes } from 'node:crypto';
import { describeMongo, mongoUriFor } from '@authbus/test-support';
import { MongoTicketsStore } from '../../src/store/mongo/mongo-tickets-store';
import { ticketsStoreContract } from './tickets-store-contract';

// Runs against a real MongoDB when one can be had; otherwise skipped (jest's global setup says why).
describeMongo('MongoTicketsStore', () => {
  ticketsStoreContract('mongo', async () =>
    MongoTicketsStore.connect(mongoUriFor(`tickets_${randomBytes(4).toString('hex')}`)),
  );
});
