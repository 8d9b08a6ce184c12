import type { DirectoryUser, TicketRecord } from './records';

/** The tickets service's storage port; memory and mongo adapters pass one contract suite. */
export interface TicketsStore {
  readonly kind: 'memory' | 'mongo';
  createTicket(ticket: TicketRecord): Promise<void>;
  /** A ticket that is not hidden. */
  findTicket(id: string): Promise<TicketRecord | undefined>;
  /** Newest first; hidden tickets are left out. */
  listTickets(options: {
    limit: number;
    offset: number;
    userId?: string;
  }): Promise<{ tickets: TicketRecord[]; total: number }>;
  /** Update title and price; returns the updated ticket, or undefined when it doesn't exist. */
  updateTicket(
    id: string,
    fields: { title: string; price: number; updatedAt: Date },
  ): Promise<TicketRecord | undefined>;

  /** Hide every ticket of a user (banned); returns how many were newly hidden. Idempotent. */
  hideUserTickets(userId: string): Promise<number>;

  /** Insert or replace a user of the directory (idempotent: the same event twice is harmless). */
  upsertUser(user: DirectoryUser): Promise<void>;
  findUsers(ids: readonly string[]): Promise<Map<string, DirectoryUser>>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
