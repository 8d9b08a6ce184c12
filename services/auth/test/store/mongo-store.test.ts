import { randomBytes } from 'node:crypto';
import { describeMongo, mongoUriFor } from '@authbus/test-support';
import type { StateChange } from '../../src/store/auth-store';
import { MongoStore } from '../../src/store/mongo/mongo-store';
import { authStoreContract, session, user } from './auth-store-contract';

const uri = (): string => mongoUriFor(`auth_${randomBytes(4).toString('hex')}`);

// Runs against a real MongoDB replica set when one can be had (MONGO_URI, a mongod on PATH, or a
// mongodb-memory-server download); otherwise skipped, and jest's global setup says why.
describeMongo('MongoStore', () => {
  authStoreContract(
    'mongo',
    async (now) => MongoStore.connect(uri(), { now }),
    async (store) => store.close(),
  );

  describe('a sign-in while a cut-off is committing', () => {
    let store: MongoStore;
    let hold: { reached: () => void; release: Promise<void> } | undefined;

    beforeAll(async () => {
      store = await MongoStore.connect(uri(), {
        inTransaction: async (change: StateChange) => {
          const held = hold;
          if (!held || change.kind !== 'user-sessions-revoked') return;
          hold = undefined;
          held.reached();
          await held.release;
        },
      });
    });

    afterAll(async () => {
      await store?.connection.dropDatabase();
      await store?.close();
    });

    it('either is ended by the cut-off or reads its raised generation, however long the commit takes', async () => {
      const u = user('slow-commit@example.com');
      await store.commit({ kind: 'user-created', user: u }, []);
      let release!: () => void;
      const reached = new Promise<void>((resolve) => {
        hold = { reached: resolve, release: new Promise<void>((r) => (release = r)) };
      });
      const cut = store.commit({ kind: 'user-sessions-revoked', userId: u.id, reason: 'signout-all' }, []);
      await reached;
      // The sign-in: its session, then the user read again for the token's generation.
      const s = session(u.id);
      const signIn = store.createSession(s).then(() => store.findUserById(u.id));
      // While the cut-off holds the user document, the new session cannot be created past it.
      const first = await Promise.race([signIn.then(() => 'created'), delay(500).then(() => 'waiting')]);
      release();
      const applied = await cut;
      const reread = await signIn;
      const after = await store.findSession(s.id);
      expect(first).toBe('waiting');
      // Either the cut-off ended it, or its token carries the generation the cut-off raised to.
      expect(after!.revoked || reread!.generation === applied.generation).toBe(true);
      expect(applied.generation).toBe(1);
    });
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
