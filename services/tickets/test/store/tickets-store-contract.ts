import { newId } from '@authbus/service-kit';
import type { TicketRecord } from '../../src/store/records';
import type { TicketsStore } from '../../src/store/tickets-store';

function ticket(userId: string, title: string, at: number): TicketRecord {
  return { id: newId(), title, price: 10, userId, createdAt: new Date(at), updatedAt: new Date(at) };
}

/** The contract every TicketsStore adapter must pass. */
export function ticketsStoreContract(name: string, open: () => Promise<TicketsStore>): void {
  describe(`TicketsStore contract: ${name}`, () => {
    let store: TicketsStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('creates, finds and updates a ticket', async () => {
      const t = ticket('u1', 'concert', 1000);
      await store.createTicket(t);
      expect(await store.findTicket(t.id)).toEqual(t);
      const updated = await store.updateTicket(t.id, { title: 'opera', price: 12.5, updatedAt: new Date(2000) });
      expect(updated).toEqual({ ...t, title: 'opera', price: 12.5, updatedAt: new Date(2000) });
      expect(await store.findTicket(t.id)).toEqual(updated);
    });

    it('returns undefined for unknown tickets', async () => {
      expect(await store.findTicket(newId())).toBeUndefined();
      expect(await store.updateTicket(newId(), { title: 'x', price: 1, updatedAt: new Date() })).toBeUndefined();
    });

    it('lists newest first, paged, optionally by owner', async () => {
      const [a, b, c] = [ticket('u1', 'a', 1000), ticket('u2', 'b', 2000), ticket('u1', 'c', 3000)];
      for (const t of [a, b, c]) await store.createTicket(t);
      const page = await store.listTickets({ limit: 2, offset: 0 });
      expect(page.total).toBe(3);
      expect(page.tickets.map((t) => t.title)).toEqual(['c', 'b']);
      const mine = await store.listTickets({ limit: 10, offset: 0, userId: 'u1' });
      expect(mine.tickets.map((t) => t.title)).toEqual(['c', 'a']);
      expect(mine.total).toBe(2);
    });

    it('hides every ticket of a user, once: left out of lists and not found', async () => {
      const [a, b, c] = [ticket('u1', 'a', 1000), ticket('u2', 'b', 2000), ticket('u1', 'c', 3000)];
      for (const t of [a, b, c]) await store.createTicket(t);
      expect(await store.hideUserTickets('u1')).toBe(2);
      expect(await store.hideUserTickets('u1')).toBe(0);
      expect((await store.listTickets({ limit: 10, offset: 0 })).tickets.map((t) => t.title)).toEqual(['b']);
      expect((await store.listTickets({ limit: 10, offset: 0, userId: 'u1' })).total).toBe(0);
      expect(await store.findTicket(a.id)).toBeUndefined();
      expect(await store.findTicket(b.id)).toMatchObject({ title: 'b' });
    });

    it('upserts directory users idempotently and finds them by id', async () => {
      await store.upsertUser({ id: 'u1', email: 'a@example.com', roles: ['user'] });
      await store.upsertUser({ id: 'u1', email: 'a@example.com', roles: ['user'] });
      await store.upsertUser({ id: 'u2', email: 'b@example.com', roles: ['user', 'admin'] });
      const found = await store.findUsers(['u1', 'u2', 'u3']);
      expect([...found.keys()].sort()).toEqual(['u1', 'u2']);
      expect(found.get('u2')).toEqual({ id: 'u2', email: 'b@example.com', roles: ['user', 'admin'] });
    });
  });
}
